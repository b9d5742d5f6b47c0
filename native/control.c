/* Simulator-only controls (reset, version, latency, faults, counters), HNSCall and CoTaskMemFree. */
#include <stdlib.h>
#include <string.h>

#include "api_object.h"
#include "settings.h"
#include "utf16.h"

/* In the order of the FN_ numbers (sim.h). */
static const char *const FUNCTION_NAMES[FN_COUNT] = {
    "HcnEnumerateNetworks",  "HcnCreateNetwork",          "HcnOpenNetwork",    "HcnModifyNetwork",
    "HcnQueryNetworkProperties", "HcnDeleteNetwork",      "HcnCloseNetwork",   "HcnEnumerateEndpoints",
    "HcnCreateEndpoint",     "HcnOpenEndpoint",           "HcnModifyEndpoint", "HcnQueryEndpointProperties",
    "HcnDeleteEndpoint",     "HcnCloseEndpoint",          "HNSCall",           "HcnSimClassify",
    "HcnSimLookupRoute",
};

void WINAPI CoTaskMemFree(void *pv) { free(pv); }

int HcnSimFunctionCount(void) { return FN_COUNT; }

const char *HcnSimFunctionName(int index) { return index >= 0 && index < FN_COUNT ? FUNCTION_NAMES[index] : NULL; }

void HcnSimReset(void) {
    sim_lock();
    sim_instances_drop();
    objects_destroy_all(&ENDPOINT_KIND);
    objects_destroy_all(&NETWORK_KIND);
    handles_invalidate_all();
    g_sim.n_faults = 0;
    memset(&g_sim.counters, 0, sizeof g_sim.counters);
    g_sim.version = HNS_VERSION(15, 0);
    __atomic_store_n(&g_sim.call_latency_us, 0, __ATOMIC_RELAXED);
    g_sim.acl_latency_us = 0;
    settings_reset();
    sim_unlock();
}

void HcnSimInvalidateHandles(void) {
    sim_lock();
    handles_invalidate_all();
    sim_unlock();
}

void HcnSimSetVersion(int major, int minor) {
    sim_lock();
    g_sim.version = HNS_VERSION(major & 0x7FFF, minor & 0xFFFF);
    sim_unlock();
}

void HcnSimGetVersion(int *major, int *minor) {
    sim_lock();
    if (major) *major = g_sim.version >> 16;
    if (minor) *minor = g_sim.version & 0xFFFF;
    sim_unlock();
}

void HcnSimSetLatency(uint32_t call_us, uint32_t acl_us) {
    sim_lock();
    __atomic_store_n(&g_sim.call_latency_us, call_us, __ATOMIC_RELAXED);
    g_sim.acl_latency_us = acl_us;
    sim_unlock();
}

int HcnSimInjectFault(const char *function, int nth, HRESULT hresult, int repeat) {
    int fn = -1;
    for (int i = 0; function && i < FN_COUNT; i++)
        if (strcmp(function, FUNCTION_NAMES[i]) == 0) fn = i;
    if (fn < 0 || nth < 1 || hresult >= 0) return -1;
    sim_lock();
    int rc = -1;
    if (g_sim.n_faults < MAX_FAULTS) {
        g_sim.faults[g_sim.n_faults++] = (fault){fn, nth, repeat != 0, hresult, 0};
        rc = 0;
    }
    sim_unlock();
    return rc;
}

void HcnSimClearFaults(void) {
    sim_lock();
    g_sim.n_faults = 0;
    sim_unlock();
}

void HcnSimGetCounters(HcnSimCounters *out) {
    sim_lock();
    *out = g_sim.counters;
    sim_unlock();
}

static int is_version_query(const char *method, size_t method_len, const char *path, size_t path_len) {
    while (path_len > 1 && path[path_len - 1] == '/') path_len--;
    return !ascii_casecmp_n(method, method_len, "GET") && !ascii_casecmp_n(path, path_len, "/globals/version");
}

HRESULT WINAPI HNSCall(const char16_t *Method, const char16_t *Path, const char16_t *Object, char16_t **Response) {
    sim_call call;
    sim_error err = {0};
    HRESULT hr = S_OK;
    if (Response) *Response = NULL;
    sim_enter(&call, FN_HNS_CALL);
    size_t units, method_len = 0, path_len = 0, object_len = 0;
    char *method = Method ? utf16_to_utf8(Method, 64, &units, &method_len) : NULL;
    char *path = Path ? utf16_to_utf8(Path, 4096, &units, &path_len) : NULL;
    char *object = Object ? utf16_to_utf8(Object, (size_t)1 << 20, &units, &object_len) : NULL;
    g_sim.counters.request_bytes += 2 * (uint64_t)object_len;
    if (call.fault) set_error(&err, call.fault, "injected fault");
    else if (!Response) set_error(&err, E_POINTER, "Response: NULL");
    else if (!method || !path) set_error(&err, E_INVALIDARG, "Method and Path are required");
    else if (!is_version_query(method, method_len, path, path_len))
        set_error(&err, E_NOTIMPL, "the simulator answers only GET /globals/version");
    else {
        strbuf sb;
        sb_init(&sb);
        sb_printf(&sb, "{\"Success\":true,\"Output\":{\"Major\":%d,\"Minor\":%d}}", g_sim.version >> 16,
                  g_sim.version & 0xFFFF);
        sim_write(Response, &sb);
    }
    if (err.hr) hr = sim_fail(Response, &err);
    free(method);
    free(path);
    free(object);
    sim_leave(&call);
    return hr;
}
