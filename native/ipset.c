/* SetPolicy IP sets: validation, staged updates, nesting checks and membership tests. */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "settings.h"

static const char *set_id_of(const json_value *settings) {
    const char *id = json_get_string(settings, "Id");
    return id ? id : "";
}

static int set_kind(const json_value *settings, int version, size_t index, int *nested, sim_error *err) {
    const char *type = json_get_string(settings, "PolicyType");
    if (type && names_equal(type, strlen(type), "IPSET")) {
        *nested = 0;
        return 0;
    }
    if (type && names_equal(type, strlen(type), "NESTEDIPSET")) {
        if (version < GATE_NESTED_SET)
            return set_error(err, HCN_E_INVALID_POLICY, "SetPolicy %zu (Id '%.64s'): PolicyType: NESTEDIPSET needs HNS 15.0",
                             index, set_id_of(settings));
        *nested = 1;
        return 0;
    }
    return set_error(err, HCN_E_INVALID_POLICY, "SetPolicy %zu (Id '%.64s'): PolicyType: must be 'IPSET' or 'NESTEDIPSET'",
                     index, set_id_of(settings));
}

ipset *ipset_create(const json_value *settings, int version, size_t index, sim_error *err) {
    if (!settings || settings->type != JSON_OBJECT) {
        set_error(err, HCN_E_INVALID_POLICY, "SetPolicy %zu: Settings: must be an object", index);
        return NULL;
    }
    const char *id = json_get_string(settings, "Id");
    if (!id || !*id) {
        set_error(err, HCN_E_INVALID_POLICY, "SetPolicy %zu: Id: must be a non-empty string", index);
        return NULL;
    }
    int nested;
    if (set_kind(settings, version, index, &nested, err)) return NULL;
    ipset *s = xcalloc(1, sizeof *s);
    s->id = xstrdup(id);
    s->nested = nested;
    return s;
}

static int stage_addresses(ipset *s, const char *values, int version, size_t index, sim_error *err) {
    const char *p = values, *end = values + strlen(values), *tok;
    size_t len, n = 0, cap = 0;
    cidr *items = NULL;
    int rc = 0;
    while (*values && next_token(&p, end, &tok, &len)) {
        cidr c;
        if (cidr_parse(tok, len, &c)) {
            rc = set_error(err, HCN_E_INVALID_IP, "SetPolicy %zu (Id '%.64s'): Values: '%.*s' is not an IP address or CIDR",
                           index, s->id, (int)(len > 64 ? 64 : len), tok);
            break;
        }
        if (c.a.family == 6 && version < GATE_IPV6) {
            rc = set_error(err, HCN_E_INVALID_POLICY, "SetPolicy %zu (Id '%.64s'): Values: IPv6 needs HNS 11.10", index,
                           s->id);
            break;
        }
        grow((void **)&items, &cap, n + 1, sizeof *items);
        items[n++] = c;
    }
    if (rc == 0) addrset_build(&s->staged_members, items, n);
    free(items);
    return rc;
}

static int stage_children(ipset *s, const char *values, size_t index, set_lookup_fn lookup, void *ctx,
                          sim_error *err) {
    const char *p = values, *end = values + strlen(values), *tok;
    size_t len, cap = 0;
    while (*values && next_token(&p, end, &tok, &len)) {
        char *id = xstrndup(tok, len);
        ipset *child = len ? lookup(ctx, id) : NULL;
        free(id);
        if (!child) {
            free(s->staged_children);
            s->staged_children = NULL;
            s->n_staged_children = 0;
            return set_error(err, HCN_E_INVALID_POLICY,
                             "SetPolicy %zu (Id '%.64s'): Values: member set '%.*s' does not exist on this network", index,
                             s->id, (int)(len > 64 ? 64 : len), tok);
        }
        grow((void **)&s->staged_children, &cap, s->n_staged_children + 1, sizeof *s->staged_children);
        s->staged_children[s->n_staged_children++] = child;
    }
    return 0;
}

int ipset_stage(ipset *s, const json_value *settings, int version, size_t index, set_lookup_fn lookup, void *ctx,
                sim_error *err) {
    int nested;
    if (!settings || settings->type != JSON_OBJECT)
        return set_error(err, HCN_E_INVALID_POLICY, "SetPolicy %zu: Settings: must be an object", index);
    if (set_kind(settings, version, index, &nested, err)) return -1;
    if (nested != s->nested)
        return set_error(err, HCN_E_INVALID_POLICY, "SetPolicy %zu (Id '%.64s'): PolicyType: cannot change", index,
                         s->id);
    const json_value *v = json_get(settings, "Values");
    if (v && v->type != JSON_STRING && v->type != JSON_NULL)
        return set_error(err, HCN_E_INVALID_POLICY, "SetPolicy %zu (Id '%.64s'): Values: must be a string", index,
                         s->id);
    const char *values = v && v->type == JSON_STRING ? v->u.text : "";
    int rc = nested ? stage_children(s, values, index, lookup, ctx, err)
                    : stage_addresses(s, values, version, index, err);
    if (rc == 0) s->staged = 1;
    return rc;
}

void ipset_unstage(ipset *s) {
    if (!s->staged) return;
    addrset_free(&s->staged_members);
    free(s->staged_children);
    s->staged_children = NULL;
    s->n_staged_children = 0;
    s->staged = 0;
}

void ipset_release_children(ipset *s) {
    for (size_t i = 0; i < s->n_children; i++) s->children[i]->refs--;
    free(s->children);
    s->children = NULL;
    s->n_children = 0;
}

void ipset_commit(ipset *s) {
    if (!s->staged) return;
    if (s->nested) {
        for (size_t i = 0; i < s->n_staged_children; i++) s->staged_children[i]->refs++;
        ipset_release_children(s);
        s->children = s->staged_children;
        s->n_children = s->n_staged_children;
        s->staged_children = NULL;
        s->n_staged_children = 0;
    } else {
        addrset_free(&s->members);
        s->members = s->staged_members;
        memset(&s->staged_members, 0, sizeof s->staged_members);
    }
    s->staged = 0;
}

typedef struct {
    ipset **items;
    size_t n, cap;
} set_vec;

static int visit(ipset *s, int depth, set_vec *seen, sim_error *err, int *height) {
    if (s->mark == 2) {
        *height = s->height;
        if (depth + s->height > SET_MAX_NESTING)
            return set_error(err, HCN_E_INVALID_POLICY, "SetPolicy '%.64s': sets nest deeper than %d levels", s->id,
                             SET_MAX_NESTING);
        return 0;
    }
    if (s->mark == 1) return set_error(err, HCN_E_INVALID_POLICY, "SetPolicy '%.64s' would contain itself", s->id);
    if (depth > SET_MAX_NESTING)
        return set_error(err, HCN_E_INVALID_POLICY, "SetPolicy '%.64s': sets nest deeper than %d levels", s->id,
                         SET_MAX_NESTING);
    s->mark = 1;
    grow((void **)&seen->items, &seen->cap, seen->n + 1, sizeof *seen->items);
    seen->items[seen->n++] = s;
    ipset **children = s->staged ? s->staged_children : s->children;
    size_t n = s->staged ? s->n_staged_children : s->n_children;
    int h = 0;
    for (size_t i = 0; i < n; i++) {
        int child_height;
        if (visit(children[i], depth + 1, seen, err, &child_height)) return -1;
        if (child_height + 1 > h) h = child_height + 1;
    }
    s->mark = 2;
    s->height = h;
    *height = h;
    return 0;
}

int ipset_check_nesting(ipset *s, sim_error *err) {
    set_vec seen = {NULL, 0, 0};
    int height;
    int rc = visit(s, 0, &seen, err, &height);
    for (size_t i = 0; i < seen.n; i++) seen.items[i]->mark = 0;
    free(seen.items);
    return rc;
}

void ipset_free(ipset *s) {
    if (!s) return;
    ipset_unstage(s);
    ipset_release_children(s);
    addrset_free(&s->members);
    free(s->id);
    free(s);
}

int ipset_is_empty(const ipset *s, int depth) {
    if (!s->nested) return addrset_size(&s->members) == 0;
    if (depth > SET_MAX_NESTING) return 1;
    for (size_t i = 0; i < s->n_children; i++)
        if (!ipset_is_empty(s->children[i], depth + 1)) return 0;
    return 1;
}

int ipset_contains(const ipset *s, const ipaddr *ip, int depth) {
    if (!s->nested) return addrset_contains(&s->members, ip);
    if (depth > SET_MAX_NESTING) return 0;
    for (size_t i = 0; i < s->n_children; i++)
        if (ipset_contains(s->children[i], ip, depth + 1)) return 1;
    return 0;
}
