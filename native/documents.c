/* The JSON documents the query calls return: stored fields plus live state. */
#include <string.h>

#include "sim.h"

static int is_managed(const char *key, const char *const *fields) {
    for (; *fields; fields++)
        if (strcmp(key, *fields) == 0) return 1;
    return 0;
}

/* Copy of doc without the fields the simulator manages (they are written from live state). */
json_value *strip_managed(const json_value *doc, const char *const *fields) {
    json_value *out = json_new(JSON_OBJECT);
    for (size_t i = 0; i < doc->len; i++)
        if (!is_managed(doc->u.members[i].key, fields))
            json_object_put(out, doc->u.members[i].key, json_clone(doc->u.members[i].value));
    return out;
}

void write_policies(strbuf *sb, const policy_list *l) {
    sb_puts(sb, "\"Policies\":[");
    for (size_t i = 0; i < l->n; i++) {
        if (i) sb_putc(sb, ',');
        json_write(sb, l->items[i].doc);
    }
    sb_puts(sb, "],\"SchemaVersion\":{\"Major\":2,\"Minor\":0}}");
}

void write_members(strbuf *sb, const json_value *doc) {
    for (size_t i = 0; i < doc->len; i++) {
        sb_json_string(sb, doc->u.members[i].key, doc->u.members[i].key_len);
        sb_putc(sb, ':');
        json_write(sb, doc->u.members[i].value);
        sb_putc(sb, ',');
    }
}
