/* A bounded JSON parser, tree, writer and comparison (UTF-8, no NUL characters in strings). */
#ifndef HCNSIM_JSON_H
#define HCNSIM_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define JSON_MAX_DEPTH 64
#define JSON_MAX_BYTES ((size_t)64 << 20)

typedef enum { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json_value json_value;

typedef struct {
    char *key;
    size_t key_len;
    json_value *value;
} json_member;

struct json_value {
    json_type type;
    size_t len; /* string/number text bytes, or element/member count */
    size_t cap;
    union {
        char *text; /* JSON_STRING (decoded) and JSON_NUMBER (as written) */
        json_value **items;
        json_member *members;
    } u;
};

/* Parse n bytes; on failure returns NULL and writes a message into err. */
json_value *json_parse(const char *s, size_t n, char *err, size_t err_len);
void json_free(json_value *v);
json_value *json_clone(const json_value *v);
int json_equal(const json_value *a, const json_value *b);
void json_write(strbuf *sb, const json_value *v);

/* Object member by key (the last one when a key repeats), or NULL. */
json_value *json_get(const json_value *obj, const char *key);
/* String value of obj[key], or NULL when absent or not a string. */
const char *json_get_string(const json_value *obj, const char *key);
/* Integral number -> *out; 0 on success. */
int json_int(const json_value *v, int64_t *out);

json_value *json_new(json_type type);
void json_array_push(json_value *arr, json_value *item);
void json_object_put(json_value *obj, const char *key, json_value *value);

#endif
