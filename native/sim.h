/* The simulated HNS service: global state, handle table, call bookkeeping and JSON I/O helpers. */
#ifndef HCNSIM_SIM_H
#define HCNSIM_SIM_H

#include <pthread.h>

#include "hcnsim.h"
#include "model.h"

/* The calls every object kind exports, in the order of their FN_ numbers from the kind's first. */
enum { OP_ENUMERATE, OP_CREATE, OP_OPEN, OP_MODIFY, OP_QUERY, OP_DELETE, OP_CLOSE, OP_COUNT };

/* The exported functions, as counted and named (HcnSimFunctionName); networks' and endpoints' by OP_. */
enum { FN_NETWORK = 0, FN_ENDPOINT = FN_NETWORK + OP_COUNT, FN_HNS_CALL = FN_ENDPOINT + OP_COUNT, FN_CLASSIFY, FN_LOOKUP_ROUTE, FN_COUNT };

enum { HANDLE_FREE, HANDLE_NETWORK, HANDLE_ENDPOINT };

typedef struct {
    int kind;
    uint32_t generation;
    uint64_t serial; /* of the object opened; a re-created object gets a new serial */
    char key[GUID_TEXT_LEN + 1];
    size_t next_free;
} handle_slot;

typedef struct {
    int fn;
    int nth;
    int repeat;
    HRESULT hr;
    int seen;
} fault;

#define MAX_FAULTS 64

/* The live objects of one kind: creation order, and lookup by key. */
typedef struct {
    hcn_object **items;
    size_t n, cap;
    strmap by_key;
} registry;

/* One simulated HNS service (one node): every object, handle, setting and counter. */
typedef struct {
    int initialised;
    registry networks, endpoints;
    handle_slot *handles;
    size_t n_handles, cap_handles, free_handle; /* free_handle == SIZE_MAX: none */
    uint64_t next_serial;
    uint64_t rng;
    int version;
    uint32_t call_latency_us, acl_latency_us;
    fault faults[MAX_FAULTS];
    size_t n_faults;
    HcnSimCounters counters;
} sim_state;

/* The instance the exported calls act on (HcnSimSelectInstance), guarded by the service lock;
 * g_sim names it so the calls read as if there were one service. */
extern sim_state *g_current;
#define g_sim (*g_current)

/* One exported call: latency, lock, counters and fault injection around the body. */
typedef struct {
    int fn;
    HRESULT fault;
    size_t work; /* policies processed, for the per-policy latency */
} sim_call;

/* The service lock, shared by every instance (initialising the current one on first use). */
void sim_lock(void);
void sim_unlock(void);
/* Gives the current instance its defaults if it has none yet (with the lock held). */
void sim_init_current(void);
/* instances.c, with the lock held: frees every instance but the default one and selects it. */
void sim_instances_drop(void);
void sim_enter(sim_call *c, int fn);
void sim_leave(sim_call *c);

/* Writes an ErrorRecord (when rec is not NULL) and returns err->hr. */
HRESULT sim_fail(char16_t **rec, const sim_error *err);
/* Reads a UTF-16 JSON argument; NULL or "" gives *out = NULL when optional. */
int sim_read_json(const char16_t *s, int optional, json_value **out, sim_error *err);
/* Hands the UTF-8 text to the caller as a UTF-16 string (and frees the buffer). */
void sim_write(char16_t **out, strbuf *sb);
/* The Filter of a query document: a JSON string holding an object (or an object); NULL = none. */
int sim_query_filter(const json_value *query, json_value **filter, sim_error *err);

/* Whether filter[key], when present, equals value (GUIDs compare in any case and brace style). */
int filter_allows(const json_value *filter, const char *key, const char *value);
int filter_allows_int(const json_value *filter, const char *key, int64_t value);

/* Copy of doc without the listed fields (NULL-terminated), which are written from live state. */
json_value *strip_managed(const json_value *doc, const char *const *fields);
/* Writes each member of doc followed by a comma. */
void write_members(strbuf *sb, const json_value *doc);
/* Writes "Policies":[...] and "SchemaVersion", closing the object. */
void write_policies(strbuf *sb, const policy_list *l);

void *handle_open(int kind, const hcn_object *obj);
/* The open slot of kind that handle names, or NULL. */
handle_slot *handle_get(void *handle, int kind);
int handle_close(void *handle, int kind);
void handles_invalidate_all(void);

#endif
