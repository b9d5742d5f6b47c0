/* The HCN calls networks and endpoints share, written once over a description of the object kind. */
#ifndef HCNSIM_API_OBJECT_H
#define HCNSIM_API_OBJECT_H

#include "sim.h"

typedef struct object_kind object_kind;

/* What the shared calls need to know of one kind of object. */
struct object_kind {
    const char *noun;               /* "network": in messages */
    const char *param;              /* "Network": the name of the out-parameter, in messages */
    int handle;                     /* HANDLE_NETWORK */
    int fn;                         /* FN_NETWORK: the kind's first function, the others at + OP_* */
    HRESULT not_found;              /* HCN_E_NETWORK_NOT_FOUND */
    size_t live;                    /* offsetof(sim_state, networks): the registry in each instance */
    size_t size;                    /* of the struct whose first member is the hcn_object */
    const char *const *managed;     /* settings fields written from live state (NULL-terminated) */
    const object_kind *parent;      /* whose handle the create call takes, or NULL */
    /* Checks the kind's own create settings (doc is an object; "Policies" is checked after). */
    int (*check)(const hcn_object *parent, const json_value *doc, sim_error *err);
    /* Fills in a new object from checked settings; release must undo it even when it fails. */
    int (*init)(hcn_object *obj, hcn_object *parent, const json_value *doc, sim_error *err);
    int (*apply)(hcn_object *obj, int type, const json_value *policies, modify_stats *st, sim_error *err);
    /* Whether obj passes the enumeration filter's kind-specific fields ("ID" and "Name" are shared). */
    int (*listed)(const hcn_object *obj, const json_value *filter);
    void (*write)(strbuf *sb, const hcn_object *obj);
    /* Refuses deleting obj while something depends on it; NULL when nothing can. */
    int (*in_use)(const hcn_object *obj, sim_error *err);
    /* Frees what the kind owns beyond the hcn_object (not the object itself). */
    void (*release)(hcn_object *obj);
};

extern const object_kind NETWORK_KIND, ENDPOINT_KIND;

/* The live objects of kind k in the current instance. */
static inline registry *kind_live(const object_kind *k) { return (registry *)((char *)g_current + k->live); }

hcn_object *object_find(const object_kind *k, const GUID *id);
hcn_object *object_from_handle(const object_kind *k, void *handle, sim_error *err);
/* Destroys every object of the kind (endpoints before the networks they point at). */
void objects_destroy_all(const object_kind *k);

HRESULT object_enumerate(const object_kind *k, const char16_t *query, char16_t **ids, char16_t **rec);
/* parent: a handle of k->parent when the kind has one (endpoints are created on a network). */
HRESULT object_create(const object_kind *k, void *parent, const GUID *id, const char16_t *settings, void **out,
                      char16_t **rec);
HRESULT object_open(const object_kind *k, const GUID *id, void **out, char16_t **rec);
HRESULT object_modify(const object_kind *k, void *handle, const char16_t *settings, char16_t **rec);
HRESULT object_query(const object_kind *k, void *handle, const char16_t *query, char16_t **properties,
                     char16_t **rec);
HRESULT object_delete(const object_kind *k, const GUID *id, char16_t **rec);
HRESULT object_close(const object_kind *k, void *handle);

#endif
