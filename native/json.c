/* A bounded JSON parser, tree, writer and comparison (UTF-8, no NUL characters in strings). */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *start;
    const char *p;
    const char *end;
    int depth;
    const char *error;
} parser;

static json_value *parse_value(parser *ps);

json_value *json_new(json_type type) {
    json_value *v = xcalloc(1, sizeof *v);
    v->type = type;
    return v;
}

void json_array_push(json_value *arr, json_value *item) {
    grow((void **)&arr->u.items, &arr->cap, arr->len + 1, sizeof *arr->u.items);
    arr->u.items[arr->len++] = item;
}

void json_object_put(json_value *obj, const char *key, json_value *value) {
    grow((void **)&obj->u.members, &obj->cap, obj->len + 1, sizeof *obj->u.members);
    json_member *m = &obj->u.members[obj->len++];
    m->key_len = strlen(key);
    m->key = xstrndup(key, m->key_len);
    m->value = value;
}

void json_free(json_value *v) {
    if (!v) return;
    switch (v->type) {
    case JSON_STRING:
    case JSON_NUMBER: free(v->u.text); break;
    case JSON_ARRAY:
        for (size_t i = 0; i < v->len; i++) json_free(v->u.items[i]);
        free(v->u.items);
        break;
    case JSON_OBJECT:
        for (size_t i = 0; i < v->len; i++) {
            free(v->u.members[i].key);
            json_free(v->u.members[i].value);
        }
        free(v->u.members);
        break;
    default: break;
    }
    free(v);
}

static json_value *fail(parser *ps, const char *msg) {
    if (!ps->error) ps->error = msg;
    return NULL;
}

static void skip_ws(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static int hex4(const char *p, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static void put_utf8(strbuf *sb, unsigned cp) {
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sb_append(sb, b, n);
}

/* Length of the valid UTF-8 sequence at p (bounded by end), or 0. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end) {
    unsigned c = p[0];
    size_t n;
    unsigned cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
    else return 0;
    if ((size_t)(end - p) < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n;
}

/* Parses a string literal at ps->p (the opening quote) into sb. */
static int parse_string_into(parser *ps, strbuf *sb) {
    ps->p++;
    while (ps->p < ps->end) {
        unsigned char c = (unsigned char)*ps->p;
        if (c == '"') {
            ps->p++;
            return 0;
        }
        if (c < 0x20) return fail(ps, "control character in string"), -1;
        if (c != '\\') {
            size_t n = utf8_seq((const unsigned char *)ps->p, (const unsigned char *)ps->end);
            if (!n) return fail(ps, "invalid UTF-8 in string"), -1;
            sb_append(sb, ps->p, n);
            ps->p += n;
            continue;
        }
        if (ps->end - ps->p < 2) break;
        char e = ps->p[1];
        ps->p += 2;
        switch (e) {
        case '"': sb_putc(sb, '"'); break;
        case '\\': sb_putc(sb, '\\'); break;
        case '/': sb_putc(sb, '/'); break;
        case 'b': sb_putc(sb, '\b'); break;
        case 'f': sb_putc(sb, '\f'); break;
        case 'n': sb_putc(sb, '\n'); break;
        case 'r': sb_putc(sb, '\r'); break;
        case 't': sb_putc(sb, '\t'); break;
        case 'u': {
            unsigned cp;
            if (ps->end - ps->p < 4 || hex4(ps->p, &cp)) return fail(ps, "bad \\u escape"), -1;
            ps->p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' || hex4(ps->p + 2, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return fail(ps, "unpaired surrogate escape"), -1;
                ps->p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return fail(ps, "unpaired surrogate escape"), -1;
            } else if (cp == 0) {
                return fail(ps, "NUL character in string"), -1;
            }
            put_utf8(sb, cp);
            break;
        }
        default: return fail(ps, "bad escape in string"), -1;
        }
    }
    return fail(ps, "unterminated string"), -1;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static json_value *parse_number(parser *ps) {
    const char *s = ps->p;
    const char *p = s;
    if (p < ps->end && *p == '-') p++;
    if (p >= ps->end || !is_digit(*p)) return fail(ps, "bad number");
    if (*p == '0') p++;
    else while (p < ps->end && is_digit(*p)) p++;
    if (p < ps->end && *p == '.') {
        p++;
        if (p >= ps->end || !is_digit(*p)) return fail(ps, "bad number fraction");
        while (p < ps->end && is_digit(*p)) p++;
    }
    if (p < ps->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < ps->end && (*p == '+' || *p == '-')) p++;
        if (p >= ps->end || !is_digit(*p)) return fail(ps, "bad number exponent");
        while (p < ps->end && is_digit(*p)) p++;
    }
    ps->p = p;
    json_value *v = json_new(JSON_NUMBER);
    v->u.text = xstrndup(s, (size_t)(p - s));
    v->len = (size_t)(p - s);
    return v;
}

static json_value *parse_literal(parser *ps, const char *word, json_type type) {
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return fail(ps, "unexpected token");
    ps->p += n;
    return json_new(type);
}

static json_value *parse_array(parser *ps) {
    json_value *arr = json_new(JSON_ARRAY);
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return arr;
    }
    for (;;) {
        json_value *item = parse_value(ps);
        if (!item) break;
        json_array_push(arr, item);
        skip_ws(ps);
        if (ps->p >= ps->end) break;
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == ']') {
            ps->p++;
            return arr;
        }
        break;
    }
    json_free(arr);
    return fail(ps, "bad array");
}

static json_value *parse_object(parser *ps) {
    json_value *obj = json_new(JSON_OBJECT);
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return obj;
    }
    strbuf key;
    sb_init(&key);
    for (;;) {
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '"') break;
        key.len = 0;
        if (parse_string_into(ps, &key)) break;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') break;
        ps->p++;
        json_value *value = parse_value(ps);
        if (!value) break;
        grow((void **)&obj->u.members, &obj->cap, obj->len + 1, sizeof *obj->u.members);
        json_member *m = &obj->u.members[obj->len++];
        m->key = xstrndup(key.data ? key.data : "", key.len);
        m->key_len = key.len;
        m->value = value;
        skip_ws(ps);
        if (ps->p >= ps->end) break;
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == '}') {
            ps->p++;
            sb_free(&key);
            return obj;
        }
        break;
    }
    sb_free(&key);
    json_free(obj);
    return fail(ps, "bad object");
}

static json_value *parse_value(parser *ps) {
    skip_ws(ps);
    if (ps->p >= ps->end) return fail(ps, "unexpected end of document");
    switch (*ps->p) {
    case '{':
    case '[': {
        if (++ps->depth > JSON_MAX_DEPTH) return fail(ps, "document nested too deeply");
        json_value *v = *ps->p == '{' ? parse_object(ps) : parse_array(ps);
        ps->depth--;
        return v;
    }
    case '"': {
        strbuf sb;
        sb_init(&sb);
        if (parse_string_into(ps, &sb)) {
            sb_free(&sb);
            return NULL;
        }
        json_value *v = json_new(JSON_STRING);
        v->len = sb.len;
        v->u.text = sb_take(&sb);
        return v;
    }
    case 't': return parse_literal(ps, "true", JSON_TRUE);
    case 'f': return parse_literal(ps, "false", JSON_FALSE);
    case 'n': return parse_literal(ps, "null", JSON_NULL);
    default: return parse_number(ps);
    }
}

json_value *json_parse(const char *s, size_t n, char *err, size_t err_len) {
    parser ps = {s, s, s + n, 0, NULL};
    json_value *v = NULL;
    if (n > JSON_MAX_BYTES) ps.error = "document too large";
    else {
        v = parse_value(&ps);
        skip_ws(&ps);
        if (v && ps.p != ps.end) {
            json_free(v);
            v = NULL;
            ps.error = "trailing characters after document";
        }
    }
    if (!v && err && err_len) snprintf(err, err_len, "%s at offset %zu", ps.error ? ps.error : "invalid JSON",
                                       (size_t)(ps.p - ps.start));
    return v;
}

json_value *json_clone(const json_value *v) {
    json_value *c = json_new(v->type);
    switch (v->type) {
    case JSON_STRING:
    case JSON_NUMBER:
        c->u.text = xstrndup(v->u.text, v->len);
        c->len = v->len;
        break;
    case JSON_ARRAY:
        for (size_t i = 0; i < v->len; i++) json_array_push(c, json_clone(v->u.items[i]));
        break;
    case JSON_OBJECT:
        for (size_t i = 0; i < v->len; i++) json_object_put(c, v->u.members[i].key, json_clone(v->u.members[i].value));
        break;
    default: break;
    }
    return c;
}

json_value *json_get(const json_value *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    size_t n = strlen(key);
    for (size_t i = obj->len; i-- > 0;) {
        const json_member *m = &obj->u.members[i];
        if (m->key_len == n && memcmp(m->key, key, n) == 0) return m->value;
    }
    return NULL;
}

const char *json_get_string(const json_value *obj, const char *key) {
    const json_value *v = json_get(obj, key);
    return v && v->type == JSON_STRING ? v->u.text : NULL;
}

int json_int(const json_value *v, int64_t *out) {
    if (!v || v->type != JSON_NUMBER || v->len > 18) return -1;
    const char *p = v->u.text;
    int neg = *p == '-';
    if (neg) p++;
    int64_t n = 0;
    for (; *p; p++) {
        if (!is_digit(*p)) return -1;
        n = n * 10 + (*p - '0');
    }
    *out = neg ? -n : n;
    return 0;
}

int json_equal(const json_value *a, const json_value *b) {
    if (a->type != b->type) return 0;
    switch (a->type) {
    case JSON_NUMBER:
        return (a->len == b->len && memcmp(a->u.text, b->u.text, a->len) == 0) ||
               strtod(a->u.text, NULL) == strtod(b->u.text, NULL);
    case JSON_STRING: return a->len == b->len && memcmp(a->u.text, b->u.text, a->len) == 0;
    case JSON_ARRAY:
        if (a->len != b->len) return 0;
        for (size_t i = 0; i < a->len; i++)
            if (!json_equal(a->u.items[i], b->u.items[i])) return 0;
        return 1;
    case JSON_OBJECT:
        if (a->len != b->len) return 0;
        for (size_t i = 0; i < a->len; i++) {
            const json_value *other = json_get(b, a->u.members[i].key);
            if (!other || !json_equal(json_get(a, a->u.members[i].key), other)) return 0;
        }
        return 1;
    default: return 1;
    }
}

void json_write(strbuf *sb, const json_value *v) {
    switch (v->type) {
    case JSON_NULL: sb_puts(sb, "null"); break;
    case JSON_TRUE: sb_puts(sb, "true"); break;
    case JSON_FALSE: sb_puts(sb, "false"); break;
    case JSON_NUMBER: sb_append(sb, v->u.text, v->len); break;
    case JSON_STRING: sb_json_string(sb, v->u.text, v->len); break;
    case JSON_ARRAY:
        sb_putc(sb, '[');
        for (size_t i = 0; i < v->len; i++) {
            if (i) sb_putc(sb, ',');
            json_write(sb, v->u.items[i]);
        }
        sb_putc(sb, ']');
        break;
    case JSON_OBJECT:
        sb_putc(sb, '{');
        for (size_t i = 0; i < v->len; i++) {
            if (i) sb_putc(sb, ',');
            sb_json_string(sb, v->u.members[i].key, v->u.members[i].key_len);
            sb_putc(sb, ':');
            json_write(sb, v->u.members[i].value);
        }
        sb_putc(sb, '}');
        break;
    }
}
