/* The simulated HNS service: global state, handle table, call bookkeeping and JSON I/O helpers. */
#include "sim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "utf16.h"

#define MAX_REQUEST_UNITS ((size_t)16 << 20)
#define MAX_HANDLES ((size_t)1 << 20)

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static sim_state g_default;
sim_state *g_current = &g_default;

void sim_init_current(void) {
    if (g_sim.initialised) return;
    g_sim.initialised = 1;
    g_sim.version = HNS_VERSION(15, 0);
    g_sim.free_handle = SIZE_MAX;
    g_sim.next_serial = 1;
    if (!g_sim.rng) g_sim.rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)g_current;
}

static void sleep_us(uint64_t us) {
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

void sim_lock(void) {
    pthread_mutex_lock(&g_lock);
    sim_init_current();
}

void sim_unlock(void) { pthread_mutex_unlock(&g_lock); }

void sim_enter(sim_call *c, int fn) {
    c->fn = fn;
    c->fault = 0;
    c->work = 0;
    uint32_t us = fn == FN_CLASSIFY ? 0 : __atomic_load_n(&g_sim.call_latency_us, __ATOMIC_RELAXED);
    if (us) sleep_us(us);
    sim_lock();
    g_sim.counters.calls[fn]++;
    for (size_t i = 0; i < g_sim.n_faults; i++) {
        fault *f = &g_sim.faults[i];
        if (f->fn != fn) continue;
        f->seen++;
        if (!c->fault && (f->seen == f->nth || (f->repeat && f->seen > f->nth))) {
            c->fault = f->hr;
            g_sim.counters.faults_triggered++;
        }
    }
}

void sim_leave(sim_call *c) {
    uint64_t us = (uint64_t)g_sim.acl_latency_us * c->work;
    sim_unlock();
    if (us) sleep_us(us);
}

HRESULT sim_fail(char16_t **rec, const sim_error *err) {
    if (rec) {
        strbuf sb;
        sb_init(&sb);
        sb_puts(&sb, "{\"Success\":false,\"Error\":");
        sb_json_string(&sb, err->msg, strlen(err->msg));
        sb_printf(&sb, ",\"ErrorCode\":%u}", (unsigned)(uint32_t)err->hr);
        sim_write(rec, &sb);
    }
    return err->hr;
}

int sim_read_json(const char16_t *s, int optional, json_value **out, sim_error *err) {
    *out = NULL;
    if (!s || !s[0]) {
        if (optional) return 0;
        return set_error(err, HCN_E_INVALID_JSON, "a JSON document is required");
    }
    size_t units, len;
    char *utf8 = utf16_to_utf8(s, MAX_REQUEST_UNITS, &units, &len);
    g_sim.counters.request_bytes += 2 * (uint64_t)units;
    if (!utf8)
        return set_error(err, HCN_E_INVALID_JSON,
                         units > MAX_REQUEST_UNITS ? "document larger than %zu UTF-16 units"
                                                   : "document is not valid UTF-16 (unpaired surrogate; limit %zu)",
                         MAX_REQUEST_UNITS);
    char detail[160];
    *out = json_parse(utf8, len, detail, sizeof detail);
    free(utf8);
    if (!*out) return set_error(err, HCN_E_INVALID_JSON, "invalid JSON: %s", detail);
    return 0;
}

void sim_write(char16_t **out, strbuf *sb) {
    if (!sb->data) sb_append(sb, "", 0);
    *out = utf8_to_utf16(sb->data, sb->len);
    sb_free(sb);
}

int sim_query_filter(const json_value *query, json_value **filter, sim_error *err) {
    *filter = NULL;
    if (!query) return 0;
    if (query->type != JSON_OBJECT) return set_error(err, HCN_E_INVALID_JSON, "query: must be a JSON object");
    const json_value *f = json_get(query, "Filter");
    if (!f || f->type == JSON_NULL || (f->type == JSON_STRING && f->len == 0)) return 0;
    if (f->type == JSON_OBJECT) {
        *filter = json_clone(f);
        return 0;
    }
    if (f->type != JSON_STRING) return set_error(err, HCN_E_INVALID_JSON, "query: Filter: must be a JSON string");
    char detail[160];
    *filter = json_parse(f->u.text, f->len, detail, sizeof detail);
    if (!*filter) return set_error(err, HCN_E_INVALID_JSON, "query: Filter: invalid JSON: %s", detail);
    if ((*filter)->type != JSON_OBJECT) {
        json_free(*filter);
        *filter = NULL;
        return set_error(err, HCN_E_INVALID_JSON, "query: Filter: must hold a JSON object");
    }
    return 0;
}

int filter_allows(const json_value *filter, const char *key, const char *value) {
    const json_value *want = json_get(filter, key);
    if (!want || want->type == JSON_NULL) return 1;
    if (want->type != JSON_STRING) return 0;
    GUID a, b;
    if (guid_parse(want->u.text, &a) == 0 && guid_parse(value, &b) == 0) return memcmp(&a, &b, sizeof a) == 0;
    return strcmp(want->u.text, value) == 0;
}

int filter_allows_int(const json_value *filter, const char *key, int64_t value) {
    const json_value *want = json_get(filter, key);
    int64_t n;
    if (!want || want->type == JSON_NULL) return 1;
    return json_int(want, &n) == 0 && n == value;
}

/* ---- handles: index + generation, validated against the table on every use ---------------- */

void *handle_open(int kind, const hcn_object *obj) {
    size_t idx;
    if (g_sim.free_handle != SIZE_MAX) {
        idx = g_sim.free_handle;
        g_sim.free_handle = g_sim.handles[idx].next_free;
    } else {
        if (g_sim.n_handles >= MAX_HANDLES) return NULL;
        grow((void **)&g_sim.handles, &g_sim.cap_handles, g_sim.n_handles + 1, sizeof *g_sim.handles);
        idx = g_sim.n_handles++;
        g_sim.handles[idx].generation = 1;
    }
    handle_slot *h = &g_sim.handles[idx];
    h->kind = kind;
    h->serial = obj->serial;
    memcpy(h->key, obj->key, sizeof h->key);
    return (void *)(uintptr_t)(((uint64_t)h->generation << 32) | (uint64_t)(idx + 1));
}

handle_slot *handle_get(void *handle, int kind) {
    uint64_t v = (uint64_t)(uintptr_t)handle;
    size_t idx = (size_t)(uint32_t)v;
    if (!idx || idx > g_sim.n_handles) return NULL;
    handle_slot *h = &g_sim.handles[idx - 1];
    return h->kind == kind && h->generation == (uint32_t)(v >> 32) ? h : NULL;
}

static void handle_release(size_t idx) {
    handle_slot *h = &g_sim.handles[idx];
    h->kind = HANDLE_FREE;
    h->generation++;
    h->next_free = g_sim.free_handle;
    g_sim.free_handle = idx;
}

int handle_close(void *handle, int kind) {
    handle_slot *h = handle_get(handle, kind);
    if (!h) return -1;
    handle_release((size_t)(h - g_sim.handles));
    return 0;
}

void handles_invalidate_all(void) {
    for (size_t i = 0; i < g_sim.n_handles; i++)
        if (g_sim.handles[i].kind != HANDLE_FREE) handle_release(i);
}
