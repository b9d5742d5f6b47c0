/* Simulator settings: each quirk of HNS as the field reports it, switchable (HcnSimSetSetting). */
#ifndef HCNSIM_SETTINGS_H
#define HCNSIM_SETTINGS_H

#include "errors.h"
#include "json.h"

enum { SETTING_UPDATE, SETTING_ACL_REMOVE, SETTING_SET_SIDE, SETTING_HOST_RULES, SETTING_SCHEMA, SETTING_COUNT };

/* The values of each setting, in the order of its choices (settings.c). */
enum { UPDATE_BY_TYPE, UPDATE_ALL };
enum { ACL_REMOVE_HONOURED, ACL_REMOVE_IGNORED };
enum { SET_SIDE_FELIX, SET_SIDE_NPM };
enum { HOST_RULES_IGNORED, HOST_RULES_REQUIRED };
enum { SCHEMA_LENIENT, SCHEMA_STRICT };

/* The current value of a setting (read under the service lock). */
int setting(int which);
/* Every setting back to its default (under the service lock). */
void settings_reset(void);

/* Strict schema: fails with HCN_E_INVALID_JSON when obj has a member not in known (NULL-terminated). */
int check_known_fields(const json_value *obj, const char *const *known, const char *where, sim_error *err);
/* Enum and type-name comparison: exact case under the strict schema, ASCII case-insensitive otherwise. */
int names_equal(const char *text, size_t len, const char *name);

#endif
