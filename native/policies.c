/* Modify requests on endpoints (ACLs) and networks (SetPolicies): validated first, then applied whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "routes.h"
#include "settings.h"

static int type_is(const char *type, const char *name) { return names_equal(type, strlen(type), name); }

static const char *const REQUEST_FIELDS[] = {"ResourceType", "RequestType", "Settings", NULL};
static const char *const REQUEST_SETTINGS_FIELDS[] = {"Policies", NULL};
static const char *const POLICY_FIELDS[] = {"Type", "Settings", NULL};
static const char *const SET_POLICY_FIELDS[] = {"Id", "Name", "PolicyType", "Values", NULL};
/* Policy types whose spelling the strict schema checks (others are stored as given). */
static const char *const KNOWN_TYPES[] = {"ACL", "SetPolicy", "OutBoundNAT", "RemoteSubnetRoute", NULL};

static const char *policy_type(const json_value *item) { return json_get_string(item, "Type"); }

static const json_value *policy_settings(const json_value *item) { return json_get(item, "Settings"); }

int parse_modify_request(const json_value *req, int *type, const json_value **policies, sim_error *err) {
    static const char *const names[] = {"Add", "Remove", "Update", "Refresh"};
    if (!req || req->type != JSON_OBJECT) return set_error(err, HCN_E_INVALID_JSON, "modify request: must be a JSON object");
    if (check_known_fields(req, REQUEST_FIELDS, "modify request", err)) return -1;
    const char *resource = json_get_string(req, "ResourceType");
    if (!resource || !type_is(resource, "Policy"))
        return set_error(err, E_INVALIDARG, "modify request: ResourceType: only 'Policy' is supported");
    const char *request = json_get_string(req, "RequestType");
    *type = -1;
    for (int i = 0; request && i < 4; i++)
        if (type_is(request, names[i])) *type = i;
    if (*type < 0)
        return set_error(err, E_INVALIDARG, "modify request: RequestType: must be Add, Remove, Update or Refresh");
    *policies = NULL;
    const json_value *settings = json_get(req, "Settings");
    if (!settings || settings->type == JSON_NULL) {
        if (*type == REQ_REFRESH) return 0;
        return set_error(err, HCN_E_INVALID_JSON, "modify request: Settings: required");
    }
    if (settings->type != JSON_OBJECT) return set_error(err, HCN_E_INVALID_JSON, "modify request: Settings: must be an object");
    if (check_known_fields(settings, REQUEST_SETTINGS_FIELDS, "modify request: Settings", err)) return -1;
    const json_value *list = json_get(settings, "Policies");
    if (check_policy_array(list, "modify request: Settings.Policies", err)) return -1;
    if (list && list->type == JSON_ARRAY) *policies = list;
    return 0;
}

int check_policy_array(const json_value *list, const char *where, sim_error *err) {
    if (!list || list->type == JSON_NULL) return 0;
    if (list->type != JSON_ARRAY) return set_error(err, HCN_E_INVALID_JSON, "%s: must be an array", where);
    for (size_t i = 0; i < list->len; i++) {
        const json_value *item = list->u.items[i];
        const char *type = item->type == JSON_OBJECT ? policy_type(item) : NULL;
        if (!type) return set_error(err, HCN_E_INVALID_JSON, "%s[%zu]: must be an object with a string Type", where, i);
        char at[96];
        snprintf(at, sizeof at, "%s[%zu]", where, i);
        if (check_known_fields(item, POLICY_FIELDS, at, err)) return -1;
        for (size_t k = 0; KNOWN_TYPES[k]; k++)
            if (!ascii_casecmp_n(type, strlen(type), KNOWN_TYPES[k]) && !type_is(type, KNOWN_TYPES[k]))
                return set_error(err, HCN_E_INVALID_JSON, "%s.Type: '%.32s' is not a policy type (did you mean '%s'?)", at,
                                 type, KNOWN_TYPES[k]);
    }
    return 0;
}

static void policy_free(policy *p) {
    json_free(p->doc);
    acl_free(p->acl);
    ipset_free(p->set);
}

static void policies_free(policy *items, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (items[i].set) ipset_release_children(items[i].set);
    for (size_t i = 0; i < n; i++) policy_free(&items[i]);
    free(items);
}

void policy_list_clear(policy_list *l) {
    policies_free(l->items, l->n);
    l->items = NULL;
    l->n = l->cap = 0;
}

static void list_append(policy_list *l, policy p) {
    grow((void **)&l->items, &l->cap, l->n + 1, sizeof *l->items);
    l->items[l->n++] = p;
}

static size_t count_acls(const policy *items, size_t n) {
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += items[i].acl != NULL;
    return c;
}

/* Drops the entries flagged in drop[] (freeing them) and keeps the order of the rest. */
static void list_drop(policy_list *l, const char *drop) {
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++)
        if (drop[i] && l->items[i].set) ipset_release_children(l->items[i].set);
    for (size_t i = 0; i < l->n; i++) {
        if (drop[i]) policy_free(&l->items[i]);
        else l->items[k++] = l->items[i];
    }
    l->n = k;
}

/* ---- endpoints -------------------------------------------------------------------------- */

static policy *compile_endpoint_policies(endpoint *ep, const json_value *list, int version, sim_error *err) {
    size_t n = list ? list->len : 0;
    policy *out = xcalloc(n, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const json_value *item = list->u.items[i];
        const char *type = policy_type(item);
        if (type_is(type, "SetPolicy")) {
            set_error(err, HCN_E_INVALID_POLICY, "policy %zu: SetPolicy belongs on a network, not an endpoint", i);
            policies_free(out, i);
            return NULL;
        }
        if (type_is(type, "ACL") && !(out[i].acl = acl_parse(policy_settings(item), ep->net, version, i, err))) {
            policies_free(out, i);
            return NULL;
        }
        out[i].doc = json_clone(item);
    }
    return out;
}

/* ACL ids must be unique on an endpoint (ACLs without an Id are exempt). */
static int check_unique_ids(const policy_list *existing, const policy *fresh, size_t n, sim_error *err) {
    strmap seen;
    strmap_init(&seen);
    int rc = 0;
    for (size_t i = 0; existing && i < existing->n; i++)
        if (existing->items[i].acl && *existing->items[i].acl->id)
            strmap_put(&seen, existing->items[i].acl->id, (void *)1);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const acl *a = fresh[i].acl;
        if (!a || !*a->id) continue;
        if (strmap_get(&seen, a->id))
            rc = set_error(err, HCN_E_POLICY_ALREADY_EXISTS, "ACL policy %zu: an ACL with Id '%.64s' already exists", i,
                           a->id);
        strmap_put(&seen, a->id, (void *)1);
    }
    strmap_free(&seen);
    return rc;
}

static int acl_cmp(const void *x, const void *y) {
    const acl *a = *(acl *const *)x, *b = *(acl *const *)y;
    if (a->priority != b->priority) return a->priority < b->priority ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

void endpoint_reindex(endpoint *ep) {
    for (int d = 0; d < 2; d++) {
        free(ep->index[d]);
        free(ep->host_index[d]);
        ep->index[d] = xmalloc(ep->policies.n * sizeof *ep->index[d]);
        ep->host_index[d] = xmalloc(ep->policies.n * sizeof *ep->host_index[d]);
        ep->n_index[d] = ep->n_host_index[d] = 0;
    }
    for (size_t i = 0; i < ep->policies.n; i++) {
        acl *a = ep->policies.items[i].acl;
        if (!a) continue;
        a->order = i;
        if (a->is_switch) ep->index[a->direction][ep->n_index[a->direction]++] = a;
        else ep->host_index[a->direction][ep->n_host_index[a->direction]++] = a;
    }
    for (int d = 0; d < 2; d++) {
        qsort(ep->index[d], ep->n_index[d], sizeof *ep->index[d], acl_cmp);
        qsort(ep->host_index[d], ep->n_host_index[d], sizeof *ep->host_index[d], acl_cmp);
    }
}

/* Finds, for each entry to remove, a distinct existing policy: ACLs and sets by Id, others by equal Settings. */
static int mark_removals(const policy_list *l, const json_value *list, int skip_acls, char *drop, sim_error *err) {
    strmap by_id;
    strmap_init(&by_id);
    for (size_t i = 0; i < l->n; i++) {
        const char *id = l->items[i].acl ? l->items[i].acl->id : l->items[i].set ? l->items[i].set->id : "";
        if (*id) strmap_put(&by_id, id, &l->items[i]);
    }
    int rc = 0;
    for (size_t i = 0; list && i < list->len && rc == 0; i++) {
        const json_value *item = list->u.items[i];
        const char *type = policy_type(item);
        const json_value *settings = policy_settings(item);
        if (skip_acls && type_is(type, "ACL")) continue;
        const char *id = type_is(type, "ACL") || type_is(type, "SetPolicy") ? json_get_string(settings, "Id") : NULL;
        size_t found = l->n;
        if (id && *id) {
            policy *p = strmap_get(&by_id, id);
            const char *t = p ? policy_type(p->doc) : NULL;
            if (p && !drop[p - l->items] && t && type_is(t, type)) found = (size_t)(p - l->items);
        } else {
            for (size_t k = 0; k < l->n && found == l->n; k++) {
                const char *t = policy_type(l->items[k].doc);
                const json_value *s = policy_settings(l->items[k].doc);
                if (!drop[k] && t && type_is(t, type) && settings && s && json_equal(s, settings)) found = k;
            }
        }
        if (found == l->n)
            rc = set_error(err, HCN_E_POLICY_NOT_FOUND, "policy %zu (%.32s, Id '%.64s'): not found", i, type,
                           id ? id : "");
        else drop[found] = 1;
    }
    strmap_free(&by_id);
    return rc;
}

int endpoint_apply(endpoint *ep, int type, const json_value *list, int version, modify_stats *st, sim_error *err) {
    size_t n = list ? list->len : 0;
    st->policies = n;
    if (type == REQ_REFRESH) return 0;
    if (type == REQ_REMOVE) {
        char *drop = xcalloc(ep->policies.n, 1);
        /* acl_remove=ignored: HNS accepts the request and leaves the ACLs in place (NPM's remove bug). */
        int rc = mark_removals(&ep->policies, list, setting(SETTING_ACL_REMOVE) == ACL_REMOVE_IGNORED, drop, err);
        if (rc == 0) {
            for (size_t i = 0; i < ep->policies.n; i++) st->acls_removed += drop[i] && ep->policies.items[i].acl;
            list_drop(&ep->policies, drop);
            endpoint_reindex(ep);
        }
        free(drop);
        return rc;
    }
    policy *fresh = compile_endpoint_policies(ep, list, version, err);
    if (!fresh) return -1;
    if (check_unique_ids(type == REQ_ADD ? &ep->policies : NULL, fresh, n, err)) {
        policies_free(fresh, n);
        return -1;
    }
    if (type == REQ_UPDATE) {
        /* update=all: the request is the endpoint's whole new policy list (what HNS does). */
        int whole = setting(SETTING_UPDATE) == UPDATE_ALL;
        char *drop = xcalloc(ep->policies.n, 1);
        for (size_t i = 0; i < ep->policies.n; i++) {
            const char *t = policy_type(ep->policies.items[i].doc);
            int replaced = whole || (n == 0 && ep->policies.items[i].acl);
            for (size_t k = 0; k < n && !replaced; k++) replaced = t && type_is(t, policy_type(fresh[k].doc));
            drop[i] = (char)replaced;
            st->acls_removed += replaced && ep->policies.items[i].acl;
        }
        list_drop(&ep->policies, drop);
        free(drop);
    }
    for (size_t i = 0; i < n; i++) list_append(&ep->policies, fresh[i]);
    st->acls_added += count_acls(fresh, n);
    free(fresh);
    endpoint_reindex(ep);
    return 0;
}

/* ---- networks --------------------------------------------------------------------------- */

typedef struct {
    network *net;
    strmap *batch;
} lookup_ctx;

static ipset *lookup_set(void *ctx, const char *id) {
    lookup_ctx *c = ctx;
    ipset *s = c->batch ? strmap_get(c->batch, id) : NULL;
    return s ? s : strmap_get(&c->net->sets, id);
}

static int check_network_types(const json_value *list, int version, sim_error *err) {
    for (size_t i = 0; list && i < list->len; i++) {
        const char *type = policy_type(list->u.items[i]);
        if (type_is(type, "ACL"))
            return set_error(err, HCN_E_INVALID_POLICY, "policy %zu: ACL belongs on an endpoint, not a network", i);
        if (type_is(type, "SetPolicy") && version < GATE_SET_POLICY)
            return set_error(err, HCN_E_INVALID_POLICY, "policy %zu: SetPolicy needs HNS 13.0", i);
        if (type_is(type, "SetPolicy") &&
            check_known_fields(policy_settings(list->u.items[i]), SET_POLICY_FIELDS, "SetPolicy Settings", err))
            return -1;
    }
    return 0;
}

static int network_add(network *net, const json_value *list, int version, modify_stats *st, sim_error *err) {
    size_t n = list ? list->len : 0;
    ipset **fresh = xcalloc(n, sizeof *fresh);
    strmap batch;
    strmap_init(&batch);
    lookup_ctx ctx = {net, &batch};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const json_value *item = list->u.items[i];
        if (!type_is(policy_type(item), "SetPolicy")) continue;
        if (!(fresh[i] = ipset_create(policy_settings(item), version, i, err))) rc = -1;
        else if (strmap_get(&net->sets, fresh[i]->id) || strmap_get(&batch, fresh[i]->id))
            rc = set_error(err, HCN_E_POLICY_ALREADY_EXISTS, "SetPolicy %zu: a set with Id '%.64s' already exists", i,
                           fresh[i]->id);
        else strmap_put(&batch, fresh[i]->id, fresh[i]);
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        if (fresh[i]) rc = ipset_stage(fresh[i], policy_settings(list->u.items[i]), version, i, lookup_set, &ctx, err);
    for (size_t i = 0; i < n && rc == 0; i++)
        if (fresh[i] && fresh[i]->nested) rc = ipset_check_nesting(fresh[i], err);
    if (rc == 0) {
        for (size_t i = 0; i < n; i++) {
            if (fresh[i]) {
                ipset_commit(fresh[i]);
                strmap_put(&net->sets, fresh[i]->id, fresh[i]);
                st->sets_written++;
            }
            list_append(&net->policies, (policy){json_clone(list->u.items[i]), NULL, fresh[i]});
        }
        routes_index_add(net, list);
    } else {
        for (size_t i = 0; i < n; i++) ipset_free(fresh[i]);
    }
    strmap_free(&batch);
    free(fresh);
    return rc;
}

static int network_update(network *net, const json_value *list, int version, modify_stats *st, sim_error *err) {
    size_t n = list ? list->len : 0;
    ipset **targets = xcalloc(n, sizeof *targets);
    lookup_ctx ctx = {net, NULL};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const json_value *item = list->u.items[i];
        if (!type_is(policy_type(item), "SetPolicy")) continue;
        const char *id = json_get_string(policy_settings(item), "Id");
        ipset *s = id ? strmap_get(&net->sets, id) : NULL;
        if (!s) rc = set_error(err, HCN_E_POLICY_NOT_FOUND, "SetPolicy %zu: no set with Id '%.64s'", i, id ? id : "");
        else if (s->staged) rc = set_error(err, HCN_E_INVALID_POLICY, "SetPolicy %zu: set '%.64s' listed twice", i, id);
        else if ((rc = ipset_stage(s, policy_settings(item), version, i, lookup_set, &ctx, err)) == 0) targets[i] = s;
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        if (targets[i] && targets[i]->nested) rc = ipset_check_nesting(targets[i], err);
    if (rc) {
        for (size_t i = 0; i < n; i++)
            if (targets[i]) ipset_unstage(targets[i]);
        free(targets);
        return rc;
    }
    /* Sets are replaced one by one (by Id); other policy types replace their whole list. */
    char *drop = xcalloc(net->policies.n, 1);
    for (size_t k = 0; k < net->policies.n; k++) {
        policy *p = &net->policies.items[k];
        const char *t = policy_type(p->doc);
        for (size_t i = 0; i < n && !p->set && !drop[k]; i++)
            drop[k] = (char)(!targets[i] && !type_is(policy_type(list->u.items[i]), "SetPolicy") && t &&
                             type_is(t, policy_type(list->u.items[i])));
        for (size_t i = 0; i < n && p->set; i++) {
            if (targets[i] != p->set) continue;
            json_free(p->doc);
            p->doc = json_clone(list->u.items[i]);
        }
    }
    list_drop(&net->policies, drop);
    free(drop);
    for (size_t i = 0; i < n; i++) {
        if (targets[i]) {
            ipset_commit(targets[i]);
            st->sets_written++;
        } else if (!type_is(policy_type(list->u.items[i]), "SetPolicy")) {
            list_append(&net->policies, (policy){json_clone(list->u.items[i]), NULL, NULL});
        }
    }
    free(targets);
    routes_index_rebuild(net);
    return 0;
}

static int check_references(policy_list *l, const char *drop, sim_error *err) {
    for (size_t k = 0; k < l->n; k++)
        if (drop[k] && l->items[k].set) l->items[k].set->mark = 1;
    for (size_t k = 0; k < l->n; k++) {
        ipset *s = drop[k] ? l->items[k].set : NULL;
        for (size_t c = 0; s && c < s->n_children; c++)
            if (s->children[c]->mark) s->children[c]->removed_refs++;
    }
    int rc = 0;
    for (size_t k = 0; k < l->n; k++) {
        ipset *s = drop[k] ? l->items[k].set : NULL;
        if (s && rc == 0 && s->refs > s->removed_refs)
            rc = set_error(err, HCN_E_ENTITY_HAS_REFERENCES,
                           "SetPolicy '%.64s' is still referenced by %zu ACL address field(s) or nested set(s)", s->id,
                           s->refs - s->removed_refs);
    }
    for (size_t k = 0; k < l->n; k++) {
        ipset *s = l->items[k].set;
        if (s) s->mark = 0, s->removed_refs = 0;
    }
    return rc;
}

static int network_remove(network *net, const json_value *list, modify_stats *st, sim_error *err) {
    char *drop = xcalloc(net->policies.n, 1);
    int rc = mark_removals(&net->policies, list, 0, drop, err);
    if (rc == 0) rc = check_references(&net->policies, drop, err);
    if (rc == 0) {
        for (size_t k = 0; k < net->policies.n; k++) {
            ipset *s = drop[k] ? net->policies.items[k].set : NULL;
            if (!s) continue;
            strmap_remove(&net->sets, s->id);
            st->sets_removed++;
        }
        for (size_t k = 0; k < net->policies.n; k++)
            if (drop[k]) routes_index_drop(net, net->policies.items[k].doc);
        list_drop(&net->policies, drop);
    }
    free(drop);
    return rc;
}

int network_apply(network *net, int type, const json_value *list, int version, modify_stats *st, sim_error *err) {
    st->policies = list ? list->len : 0;
    if (type == REQ_REFRESH) return 0;
    if (check_network_types(list, version, err)) return -1;
    if (type != REQ_REMOVE && routes_check(net, list, type == REQ_UPDATE, err)) return -1;
    switch (type) {
    case REQ_ADD: return network_add(net, list, version, st, err);
    case REQ_UPDATE: return network_update(net, list, version, st, err);
    default: return network_remove(net, list, st, err);
    }
}
