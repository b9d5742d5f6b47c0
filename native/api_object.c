/* The HCN calls networks and endpoints share, written once over a description of the object kind. */
#include "api_object.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One exported call in progress: sim_enter's bookkeeping and the error to report. */
typedef struct {
    sim_call call;
    sim_error err;
} frame;

/* Records the E_POINTER of a NULL argument of call op of kind k. */
static int null_argument(sim_error *err, const object_kind *k, int op) {
    switch (op) {
    case OP_ENUMERATE: return set_error(err, E_POINTER, "%ss: NULL", k->param);
    case OP_CREATE: return set_error(err, E_POINTER, "%s: NULL", k->param);
    case OP_OPEN: return set_error(err, E_POINTER, "Id or %s: NULL", k->param);
    case OP_QUERY: return set_error(err, E_POINTER, "Properties: NULL");
    default: return set_error(err, E_POINTER, "Id: NULL");
    }
}

/* Enters call op of kind k; nonzero (with the error recorded) on an injected fault or when !args_ok. */
static int begin(frame *f, const object_kind *k, int op, char16_t **rec, int args_ok) {
    f->err = (sim_error){0};
    if (rec) *rec = NULL;
    sim_enter(&f->call, k->fn + op);
    if (f->call.fault) return set_error(&f->err, f->call.fault, "injected fault");
    return args_ok ? 0 : null_argument(&f->err, k, op);
}

/* Leaves the call, writing the ErrorRecord of a failure; the call's HRESULT. */
static HRESULT end(frame *f, char16_t **rec) {
    HRESULT hr = f->err.hr ? sim_fail(rec, &f->err) : S_OK;
    sim_leave(&f->call);
    return hr;
}

/* Adds a request's effect to the counters (an endpoint's moves only ACLs, a network's only sets). */
static void count_changes(const modify_stats *st) {
    g_sim.counters.acls_added += st->acls_added;
    g_sim.counters.acls_removed += st->acls_removed;
    g_sim.counters.set_policies_written += st->sets_written;
    g_sim.counters.set_policies_removed += st->sets_removed;
}

/* ---- lookup ---------------------------------------------------------------------------------- */

hcn_object *object_find(const object_kind *k, const GUID *id) {
    char key[GUID_TEXT_LEN + 1];
    guid_format(id, key);
    return strmap_get(&kind_live(k)->by_key, key);
}

static hcn_object *find_or_fail(const object_kind *k, const GUID *id, sim_error *err) {
    hcn_object *obj = object_find(k, id);
    if (!obj) {
        char key[GUID_TEXT_LEN + 1];
        guid_format(id, key);
        set_error(err, k->not_found, "%s %s was not found", k->noun, key);
    }
    return obj;
}

hcn_object *object_from_handle(const object_kind *k, void *handle, sim_error *err) {
    const handle_slot *h = handle_get(handle, k->handle);
    if (!h) {
        set_error(err, E_HANDLE, "invalid %s handle", k->noun);
        return NULL;
    }
    hcn_object *obj = strmap_get(&kind_live(k)->by_key, h->key);
    if (!obj || obj->serial != h->serial) {
        set_error(err, k->not_found, "%s %s was not found", k->noun, h->key);
        return NULL;
    }
    return obj;
}

static void give_handle(const object_kind *k, const hcn_object *obj, void **out, sim_error *err) {
    if (!(*out = handle_open(k->handle, obj))) set_error(err, E_OUTOFMEMORY, "too many open handles");
}

/* ---- life cycle ------------------------------------------------------------------------------ */

static void destroy(const object_kind *k, hcn_object *obj) {
    k->release(obj);
    json_free(obj->doc);
    free(obj);
}

static void forget(const object_kind *k, hcn_object *obj) {
    registry *r = kind_live(k);
    strmap_remove(&r->by_key, obj->key);
    for (size_t i = 0; i < r->n; i++) {
        if (r->items[i] != obj) continue;
        memmove(&r->items[i], &r->items[i + 1], (r->n - i - 1) * sizeof *r->items);
        r->n--;
        return;
    }
}

void objects_destroy_all(const object_kind *k) {
    registry *r = kind_live(k);
    for (size_t i = 0; i < r->n; i++) destroy(k, r->items[i]);
    free(r->items);
    r->items = NULL;
    r->n = r->cap = 0;
    strmap_free(&r->by_key);
}

/* The id to create with: the argument, else the document's "ID", else a random one. */
static int choose_id(const GUID *arg, const json_value *doc, GUID *out, sim_error *err) {
    if (arg && !guid_is_zero(arg)) {
        *out = *arg;
        return 0;
    }
    const json_value *id = json_get(doc, "ID");
    if (id && id->type != JSON_NULL && !(id->type == JSON_STRING && id->len == 0)) {
        if (id->type != JSON_STRING || guid_parse(id->u.text, out))
            return set_error(err, E_INVALIDARG, "ID: must be a GUID string");
        if (!guid_is_zero(out)) return 0;
    }
    *out = guid_random(&g_sim.rng);
    return 0;
}

static int check_settings(const object_kind *k, const hcn_object *parent, const json_value *doc, sim_error *err) {
    if (!doc || doc->type != JSON_OBJECT)
        return set_error(err, HCN_E_INVALID_JSON, "%s settings: must be a JSON object", k->noun);
    if (k->check(parent, doc, err)) return -1;
    char where[48];
    snprintf(where, sizeof where, "%s settings: Policies", k->noun);
    return check_policy_array(json_get(doc, "Policies"), where, err);
}

static hcn_object *create(const object_kind *k, hcn_object *parent, const GUID *arg, const json_value *doc,
                          frame *f) {
    GUID id;
    if (check_settings(k, parent, doc, &f->err) || choose_id(arg, doc, &id, &f->err)) return NULL;
    if (object_find(k, &id)) {
        char key[GUID_TEXT_LEN + 1];
        guid_format(&id, key);
        set_error(&f->err, HRESULT_ERROR_ALREADY_EXISTS, "%s %s already exists", k->noun, key);
        return NULL;
    }
    hcn_object *obj = xcalloc(1, k->size);
    obj->id = id;
    guid_format(&id, obj->key);
    obj->doc = strip_managed(doc, k->managed);
    const json_value *policies = json_get(doc, "Policies");
    modify_stats st = {0};
    if (k->init(obj, parent, doc, &f->err) ||
        (policies && policies->type == JSON_ARRAY && k->apply(obj, REQ_ADD, policies, &st, &f->err))) {
        destroy(k, obj);
        return NULL;
    }
    obj->serial = g_sim.next_serial++;
    f->call.work = st.policies;
    count_changes(&st);
    registry *r = kind_live(k);
    grow((void **)&r->items, &r->cap, r->n + 1, sizeof *r->items);
    r->items[r->n++] = obj;
    strmap_put(&r->by_key, obj->key, obj);
    return obj;
}

/* ---- the calls ------------------------------------------------------------------------------- */

HRESULT object_enumerate(const object_kind *k, const char16_t *query, char16_t **ids, char16_t **rec) {
    frame f;
    if (ids) *ids = NULL;
    if (begin(&f, k, OP_ENUMERATE, rec, ids != NULL)) return end(&f, rec);
    json_value *doc = NULL, *filter = NULL;
    if (sim_read_json(query, 1, &doc, &f.err) == 0 && sim_query_filter(doc, &filter, &f.err) == 0) {
        strbuf sb;
        sb_init(&sb);
        sb_putc(&sb, '[');
        size_t written = 0;
        for (size_t i = 0; i < kind_live(k)->n; i++) {
            const hcn_object *obj = kind_live(k)->items[i];
            const char *name = json_get_string(obj->doc, "Name");
            if (filter_allows(filter, "ID", obj->key) && filter_allows(filter, "Name", name ? name : "") &&
                k->listed(obj, filter))
                sb_printf(&sb, "%s\"%s\"", written++ ? "," : "", obj->key);
        }
        sb_putc(&sb, ']');
        sim_write(ids, &sb);
    }
    json_free(doc);
    json_free(filter);
    return end(&f, rec);
}

HRESULT object_create(const object_kind *k, void *parent, const GUID *id, const char16_t *settings, void **out,
                      char16_t **rec) {
    frame f;
    if (out) *out = NULL;
    if (begin(&f, k, OP_CREATE, rec, out != NULL)) return end(&f, rec);
    hcn_object *owner = NULL;
    json_value *doc = NULL;
    if ((!k->parent || (owner = object_from_handle(k->parent, parent, &f.err))) &&
        sim_read_json(settings, 0, &doc, &f.err) == 0) {
        hcn_object *obj = create(k, owner, id, doc, &f);
        if (obj) give_handle(k, obj, out, &f.err);
    }
    json_free(doc);
    return end(&f, rec);
}

HRESULT object_open(const object_kind *k, const GUID *id, void **out, char16_t **rec) {
    frame f;
    if (out) *out = NULL;
    if (begin(&f, k, OP_OPEN, rec, id && out)) return end(&f, rec);
    hcn_object *obj = find_or_fail(k, id, &f.err);
    if (obj) give_handle(k, obj, out, &f.err);
    return end(&f, rec);
}

HRESULT object_modify(const object_kind *k, void *handle, const char16_t *settings, char16_t **rec) {
    frame f;
    if (begin(&f, k, OP_MODIFY, rec, 1)) return end(&f, rec);
    hcn_object *obj = object_from_handle(k, handle, &f.err);
    json_value *doc = NULL;
    if (obj && sim_read_json(settings, 0, &doc, &f.err) == 0) {
        int type;
        const json_value *policies;
        modify_stats st = {0};
        if (parse_modify_request(doc, &type, &policies, &f.err) == 0 &&
            k->apply(obj, type, policies, &st, &f.err) == 0)
            count_changes(&st);
        f.call.work = st.policies;
    }
    json_free(doc);
    return end(&f, rec);
}

HRESULT object_query(const object_kind *k, void *handle, const char16_t *query, char16_t **properties,
                     char16_t **rec) {
    frame f;
    if (properties) *properties = NULL;
    if (begin(&f, k, OP_QUERY, rec, properties != NULL)) return end(&f, rec);
    hcn_object *obj = object_from_handle(k, handle, &f.err);
    json_value *doc = NULL;
    if (obj && sim_read_json(query, 1, &doc, &f.err) == 0) {
        if (doc && doc->type != JSON_OBJECT) set_error(&f.err, HCN_E_INVALID_JSON, "query: must be a JSON object");
        else {
            strbuf sb;
            sb_init(&sb);
            k->write(&sb, obj);
            sim_write(properties, &sb);
        }
    }
    json_free(doc);
    return end(&f, rec);
}

HRESULT object_delete(const object_kind *k, const GUID *id, char16_t **rec) {
    frame f;
    if (begin(&f, k, OP_DELETE, rec, id != NULL)) return end(&f, rec);
    hcn_object *obj = find_or_fail(k, id, &f.err);
    if (obj && !(k->in_use && k->in_use(obj, &f.err))) {
        forget(k, obj);
        destroy(k, obj);
    }
    return end(&f, rec);
}

HRESULT object_close(const object_kind *k, void *handle) {
    sim_call call;
    HRESULT hr = S_OK;
    sim_enter(&call, k->fn + OP_CLOSE);
    if (call.fault) hr = call.fault;
    else if (handle_close(handle, k->handle)) hr = E_HANDLE;
    sim_leave(&call);
    return hr;
}
