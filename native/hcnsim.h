/* Simulator-only controls: classifier, reset, version, latency, faults, counters and settings. */
#ifndef HCNSIM_HCNSIM_H
#define HCNSIM_HCNSIM_H

#include "hcn.h"

#define HCNSIM_MAX_FUNCTIONS 32

typedef struct {
    uint64_t calls[HCNSIM_MAX_FUNCTIONS]; /* indexed like HcnSimFunctionName */
    uint64_t acls_added;
    uint64_t acls_removed;
    uint64_t set_policies_written;
    uint64_t set_policies_removed;
    uint64_t request_bytes; /* UTF-16 bytes of every JSON argument received */
    uint64_t faults_triggered;
} HcnSimCounters;

/* 1 allowed, 0 blocked, negative HRESULT on error; writes the deciding ACL's Id ("" if none). */
int HcnSimClassify(const GUID *endpoint, int direction, int protocol, const char *local_ip, int local_port,
                   const char *remote_ip, int remote_port, char *acl_id, size_t acl_id_len);

/* 1 when a RemoteSubnetRoute of the network contains ip (the most specific one's Settings JSON is
 * written to route), 0 when none does, negative HRESULT on error. */
int HcnSimLookupRoute(const GUID *network, const char *ip, char *route, size_t route_len);
/* Makes the named instance (one simulated HNS service, created on first use; "" = the default one)
 * the one every call acts on. Handles are valid only in the instance that issued them. */
int HcnSimSelectInstance(const char *name);
/* Drops every instance but the default one, selects it and resets it. */
void HcnSimReset(void);
void HcnSimInvalidateHandles(void);
void HcnSimSetVersion(int major, int minor);
void HcnSimGetVersion(int *major, int *minor);
void HcnSimSetLatency(uint32_t call_us, uint32_t acl_us);
int HcnSimInjectFault(const char *function, int nth, HRESULT hresult, int repeat);
void HcnSimClearFaults(void);
void HcnSimGetCounters(HcnSimCounters *out);
int HcnSimFunctionCount(void);
const char *HcnSimFunctionName(int index);

/* Settings: the quirks of HNS as the field reports them, each a name with a few values (settings.c). */
int HcnSimSettingCount(void);
const char *HcnSimSettingName(int index);
/* The choice-th value of a setting, NULL past the last; a setting's value is the index of its choice. */
const char *HcnSimSettingChoice(int index, int choice);
int HcnSimSettingDefault(int index);
/* The current value, -1 for an unknown name. */
int HcnSimGetSetting(const char *name);
/* 0, or -1 (nothing changed) for an unknown name or value; HcnSimReset restores the defaults. */
int HcnSimSetSetting(const char *name, const char *value);

#endif
