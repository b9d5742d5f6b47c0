"""The C declaration of the simulator-only functions (never part of the Windows binding)."""

SIM_CDEF = """
typedef struct {
    uint64_t calls[32];
    uint64_t acls_added;
    uint64_t acls_removed;
    uint64_t set_policies_written;
    uint64_t set_policies_removed;
    uint64_t request_bytes;
    uint64_t faults_triggered;
} HcnSimCounters;

int HcnSimClassify(const GUID *endpoint, int direction, int protocol,
                   const char *local_ip, int local_port, const char *remote_ip, int remote_port,
                   char *acl_id, size_t acl_id_len);
int HcnSimLookupRoute(const GUID *network, const char *ip, char *route, size_t route_len);
int HcnSimSelectInstance(const char *name);
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
int HcnSimSettingCount(void);
const char *HcnSimSettingName(int index);
const char *HcnSimSettingChoice(int index, int choice);
int HcnSimSettingDefault(int index);
int HcnSimGetSetting(const char *name);
int HcnSimSetSetting(const char *name, const char *value);
"""
