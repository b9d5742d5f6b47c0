/* The simulator settings table: the one place that names each quirk, its values and its default. */
#include "settings.h"

#include <string.h>

#include "sim.h"

#define MAX_CHOICES 4

typedef struct {
    const char *name;
    const char *choices[MAX_CHOICES]; /* NULL-terminated; index = the value */
    int dflt;                         /* flip a default here (tests/hns mirror it through the C API) */
} setting_def;

static const setting_def SETTINGS[SETTING_COUNT] = {
    [SETTING_UPDATE] = {"update", {"by_type", "all", NULL}, UPDATE_ALL},
    [SETTING_ACL_REMOVE] = {"acl_remove", {"honoured", "ignored", NULL}, ACL_REMOVE_IGNORED},
    [SETTING_SET_SIDE] = {"set_side", {"felix", "npm", NULL}, SET_SIDE_NPM},
    [SETTING_HOST_RULES] = {"host_rules", {"ignored", "required", NULL}, HOST_RULES_REQUIRED},
    [SETTING_SCHEMA] = {"schema", {"lenient", "strict", NULL}, SCHEMA_STRICT},
};

/* value + 1 of each setting changed since the last reset; 0 = the default. */
static int changed[SETTING_COUNT];

int setting(int which) { return changed[which] ? changed[which] - 1 : SETTINGS[which].dflt; }

void settings_reset(void) { memset(changed, 0, sizeof changed); }

int HcnSimSettingCount(void) { return SETTING_COUNT; }

const char *HcnSimSettingName(int index) { return index >= 0 && index < SETTING_COUNT ? SETTINGS[index].name : NULL; }

const char *HcnSimSettingChoice(int index, int choice) {
    if (index < 0 || index >= SETTING_COUNT || choice < 0 || choice >= MAX_CHOICES) return NULL;
    return SETTINGS[index].choices[choice];
}

int HcnSimSettingDefault(int index) { return index >= 0 && index < SETTING_COUNT ? SETTINGS[index].dflt : -1; }

static int find_setting(const char *name) {
    for (int i = 0; name && i < SETTING_COUNT; i++)
        if (strcmp(name, SETTINGS[i].name) == 0) return i;
    return -1;
}

int HcnSimGetSetting(const char *name) {
    int which = find_setting(name);
    if (which < 0) return -1;
    sim_lock();
    int value = setting(which);
    sim_unlock();
    return value;
}

int HcnSimSetSetting(const char *name, const char *value) {
    int which = find_setting(name);
    for (int v = 0; which >= 0 && value && v < MAX_CHOICES && SETTINGS[which].choices[v]; v++) {
        if (strcmp(value, SETTINGS[which].choices[v]) != 0) continue;
        sim_lock();
        changed[which] = v + 1;
        sim_unlock();
        return 0;
    }
    return -1;
}

int check_known_fields(const json_value *obj, const char *const *known, const char *where, sim_error *err) {
    if (setting(SETTING_SCHEMA) != SCHEMA_STRICT || !obj || obj->type != JSON_OBJECT) return 0;
    for (size_t i = 0; i < obj->len; i++) {
        const json_member *m = &obj->u.members[i];
        size_t k = 0;
        while (known[k] && !(strlen(known[k]) == m->key_len && memcmp(known[k], m->key, m->key_len) == 0)) k++;
        if (!known[k])
            return set_error(err, HCN_E_INVALID_JSON, "%s: unknown field '%.64s'", where, m->key);
    }
    return 0;
}

int names_equal(const char *text, size_t len, const char *name) {
    if (setting(SETTING_SCHEMA) == SCHEMA_STRICT) return strlen(name) == len && memcmp(text, name, len) == 0;
    return !ascii_casecmp_n(text, len, name);
}
