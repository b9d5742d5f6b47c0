/* Exercises every simulator call, error path and free; fuzzes the JSON entry points.
 * Built with the native/ sources under ASan/UBSan or run under valgrind by test_memcheck.py.
 * Usage: test_hcnsim [fuzz_iterations] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcnsim.h"
#include "json.h"
#include "utf16.h"

static int failures;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            failures++;                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
        }                                                                              \
    } while (0)

#define CHECK_HR(expr, want)                                                                           \
    do {                                                                                               \
        HRESULT got_ = (expr);                                                                         \
        if (got_ != (HRESULT)(want)) {                                                                 \
            failures++;                                                                                \
            fprintf(stderr, "%s:%d: %s returned 0x%08x, want 0x%08x\n", __FILE__, __LINE__, #expr,     \
                    (unsigned)got_, (unsigned)(want));                                                 \
        }                                                                                              \
    } while (0)

#define E_HANDLE 0x80070006u
#define E_POINTER 0x80004003u
#define E_INVALIDARG 0x80070057u
#define E_NOTIMPL 0x80004001u
#define ALREADY_EXISTS 0x800700B7u
#define NETWORK_NOT_FOUND 0x803B0001u
#define ENDPOINT_NOT_FOUND 0x803B0002u
#define POLICY_NOT_FOUND 0x803B0008u
#define INVALID_POLICY 0x803B000Du
#define POLICY_EXISTS 0x803B0012u
#define INVALID_JSON 0x803B001Bu
#define INVALID_IP 0x803B001Eu
#define HAS_REFERENCES 0x803B002Cu
#define ADDR_RESERVED 0x803B002Fu

/* Temporary UTF-16 copies of literals, freed by free_all(). */
static char16_t *temps[4096];
static size_t n_temps;

static const char16_t *W(const char *s) {
    char16_t *w = utf8_to_utf16(s, strlen(s));
    if (n_temps < sizeof temps / sizeof *temps) temps[n_temps++] = w;
    return w;
}

static void free_temps(void) {
    for (size_t i = 0; i < n_temps; i++) free(temps[i]);
    n_temps = 0;
}

/* Converts and frees a returned string; the caller frees the result. */
static char *take(char16_t **p) {
    if (!*p) return NULL;
    size_t units, len;
    char *s = utf16_to_utf8(*p, (size_t)1 << 26, &units, &len);
    CoTaskMemFree(*p);
    *p = NULL;
    return s;
}

static int contains(char16_t **p, const char *needle) {
    char *s = take(p);
    int found = s && strstr(s, needle) != NULL;
    if (!found) fprintf(stderr, "  '%s' not found in: %s\n", needle, s ? s : "(null)");
    free(s);
    return found;
}

static GUID make_guid(unsigned n) {
    GUID g = {0x11110000u + n, 0x2222, 0x4333, {0x84, 0x44, 0, 0, 0, 0, 0, (uint8_t)n}};
    return g;
}

/* A modify request in a static buffer (single-threaded callers only). */
static const char *modify(const char *type, const char *policies) {
    static char buf[1 << 16];
    snprintf(buf, sizeof buf, "{\"ResourceType\":\"Policy\",\"RequestType\":\"%s\",\"Settings\":{\"Policies\":[%s]}}",
             type, policies);
    return buf;
}

static int classify(const GUID *ep, int dir, int proto, const char *local, int lport, const char *remote, int rport,
                    const char *want_id) {
    char id[64];
    int r = HcnSimClassify(ep, dir, proto, local, lport, remote, rport, id, sizeof id);
    if (want_id && r >= 0 && strcmp(id, want_id) != 0) {
        fprintf(stderr, "  classify decided by '%s', want '%s'\n", id, want_id);
        failures++;
    }
    return r;
}

static void test_version_and_hnscall(void) {
    char16_t *resp = NULL;
    CHECK_HR(HNSCall(W("GET"), W("/globals/version"), NULL, &resp), 0);
    CHECK(contains(&resp, "\"Major\":15,\"Minor\":0"));
    HcnSimSetVersion(13, 2);
    CHECK_HR(HNSCall(W("get"), W("/globals/version/"), W(""), &resp), 0);
    CHECK(contains(&resp, "\"Major\":13,\"Minor\":2"));
    int major, minor;
    HcnSimGetVersion(&major, &minor);
    CHECK(major == 13 && minor == 2);
    HcnSimSetVersion(15, 0);
    CHECK_HR(HNSCall(W("POST"), W("/networks"), W("{}"), &resp), E_NOTIMPL);
    CHECK(contains(&resp, "\"Success\":false"));
    CHECK_HR(HNSCall(W("GET"), W("/globals/version"), NULL, NULL), E_POINTER);
    CHECK_HR(HNSCall(NULL, NULL, NULL, &resp), E_INVALIDARG);
    free(take(&resp));
}

static void test_networks(void) {
    char16_t *out = NULL, *err = NULL;
    HCN_NETWORK net = NULL;
    GUID id = make_guid(1);
    CHECK_HR(HcnCreateNetwork(&id, W("{\"Name\":\"r\xc3\xa9seau-\xe7\xbd\x91\",\"Type\":\"L2Bridge\",\"X\":{\"y\":[1,2.5e3,null,true]}}"),
                              &net, &err), 0);
    CHECK(err == NULL && net != NULL);
    CHECK_HR(HcnQueryNetworkProperties(net, W("{\"SchemaVersion\":{\"Major\":2,\"Minor\":0}}"), &out, &err), 0);
    CHECK(contains(&out, "\"ID\":\"11110001-2222-4333-8444-000000000001\",\"Name\":\"r\xc3\xa9seau-\xe7\xbd\x91\","
                         "\"Type\":\"L2Bridge\",\"X\":{\"y\":[1,2.5e3,null,true]},\"Policies\":[]"));
    HCN_NETWORK failed = NULL;
    CHECK_HR(HcnCreateNetwork(&id, W("{\"Type\":\"NAT\"}"), &failed, &err), ALREADY_EXISTS);
    CHECK(failed == NULL);
    CHECK(contains(&err, "already exists"));
    CHECK_HR(HcnCreateNetwork(NULL, W("{\"Name\":\"x\"}"), &failed, &err), E_INVALIDARG);
    CHECK(contains(&err, "Type"));
    CHECK_HR(HcnCreateNetwork(NULL, W("{\"Type\":"), &failed, &err), INVALID_JSON);
    CHECK(contains(&err, "\"ErrorCode\":2151350299"));
    CHECK_HR(HcnCreateNetwork(NULL, W("{\"Type\":\"NAT\",\"ID\":\"nope\"}"), &failed, &err), E_INVALIDARG);
    free(take(&err));
    CHECK_HR(HcnCreateNetwork(NULL, W("{\"Type\":\"NAT\"}"), NULL, &err), E_POINTER);
    free(take(&err));

    HCN_NETWORK second = NULL;
    CHECK_HR(HcnCreateNetwork(NULL, W("{\"Type\":\"NAT\",\"Name\":\"second\",\"ID\":\"{ABCDEF01-2222-4333-8444-000000000009}\"}"),
                              &second, NULL), 0);
    CHECK_HR(HcnEnumerateNetworks(NULL, &out, &err), 0);
    CHECK(contains(&out, "[\"11110001-2222-4333-8444-000000000001\",\"abcdef01-2222-4333-8444-000000000009\"]"));
    CHECK_HR(HcnEnumerateNetworks(W("{\"Filter\":\"{\\\"Name\\\":\\\"second\\\"}\"}"), &out, &err), 0);
    CHECK(contains(&out, "[\"abcdef01-2222-4333-8444-000000000009\"]"));
    CHECK_HR(HcnEnumerateNetworks(W("{\"Filter\":\"{\\\"ID\\\":\\\"ABCDEF01-2222-4333-8444-000000000009\\\"}\"}"), &out, &err), 0);
    CHECK(contains(&out, "[\"abcdef01-2222-4333-8444-000000000009\"]"));
    CHECK_HR(HcnEnumerateNetworks(W("{\"Filter\":\"{bad\"}"), &out, &err), INVALID_JSON);
    CHECK(out == NULL && contains(&err, "Filter"));
    CHECK_HR(HcnEnumerateNetworks(W("{\"Filter\":\"[1]\"}"), &out, &err), INVALID_JSON);
    free(take(&err));
    CHECK_HR(HcnEnumerateNetworks(W("{}"), NULL, &err), E_POINTER);
    free(take(&err));

    GUID other = {0xabcdef01u, 0x2222, 0x4333, {0x84, 0x44, 0, 0, 0, 0, 0, 9}};
    HCN_NETWORK opened = NULL;
    CHECK_HR(HcnOpenNetwork(&other, &opened, &err), 0);
    CHECK_HR(HcnCloseNetwork(opened), 0);
    CHECK_HR(HcnCloseNetwork(opened), E_HANDLE);
    CHECK_HR(HcnDeleteNetwork(&other, &err), 0);
    CHECK_HR(HcnDeleteNetwork(&other, &err), NETWORK_NOT_FOUND);
    CHECK(contains(&err, "not found"));
    CHECK_HR(HcnOpenNetwork(&other, &opened, &err), NETWORK_NOT_FOUND);
    free(take(&err));
    CHECK_HR(HcnQueryNetworkProperties(second, NULL, &out, &err), NETWORK_NOT_FOUND);
    free(take(&err));
    CHECK_HR(HcnCloseNetwork(second), 0);
    CHECK_HR(HcnQueryNetworkProperties((HCN_NETWORK)(uintptr_t)0xdeadbeefcafeull, NULL, &out, &err), E_HANDLE);
    free(take(&err));
    CHECK_HR(HcnModifyNetwork(NULL, W("{}"), &err), E_HANDLE);
    free(take(&err));
    CHECK_HR(HcnCloseNetwork(net), 0);
}

static void test_sets(HCN_NETWORK net) {
    char16_t *err = NULL, *out = NULL;
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add",
        "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"web\",\"Name\":\"web\",\"PolicyType\":\"IPSET\",\"Values\":\"10.0.1.0/24,10.0.2.7\"}},"
        "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"db\",\"PolicyType\":\"IPSET\",\"Values\":\"10.0.3.3, fd00::3\"}},"
        "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"empty\",\"PolicyType\":\"IPSET\",\"Values\":\"\"}},"
        "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"all\",\"PolicyType\":\"NESTEDIPSET\",\"Values\":\"web,db,late\"}},"
        "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"late\",\"PolicyType\":\"IPSET\",\"Values\":\"10.9.9.9\"}}")), &err), 0);
    CHECK(err == NULL);
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"web\",\"PolicyType\":\"IPSET\",\"Values\":\"\"}}")), &err), POLICY_EXISTS);
    free(take(&err));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"bad\",\"PolicyType\":\"IPSET\",\"Values\":\"10.0.0.300\"}}")), &err), INVALID_IP);
    free(take(&err));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"n\",\"PolicyType\":\"NESTEDIPSET\",\"Values\":\"ghost\"}}")), &err), INVALID_POLICY);
    CHECK(contains(&err, "ghost"));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"self\",\"PolicyType\":\"NESTEDIPSET\",\"Values\":\"self\"}}")), &err), INVALID_POLICY);
    CHECK(contains(&err, "contain itself"));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"x\",\"PolicyType\":\"LIST\"}}")), &err), INVALID_POLICY);
    free(take(&err));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", "{\"Type\":\"ACL\",\"Settings\":{}}")), &err), INVALID_POLICY);
    free(take(&err));
    /* A cycle through an update is refused and leaves the sets as they were. */
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"outer\",\"PolicyType\":\"NESTEDIPSET\",\"Values\":\"all\"}}")), &err), 0);
    CHECK_HR(HcnModifyNetwork(net, W(modify("Update", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"all\",\"PolicyType\":\"NESTEDIPSET\",\"Values\":\"outer\"}}")), &err), INVALID_POLICY);
    free(take(&err));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Update", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"web\",\"PolicyType\":\"NESTEDIPSET\",\"Values\":\"db\"}}")), &err), INVALID_POLICY);
    CHECK(contains(&err, "cannot change"));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Update", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"ghost\",\"PolicyType\":\"IPSET\"}}")), &err), POLICY_NOT_FOUND);
    free(take(&err));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Remove", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"late\"}}")), &err), HAS_REFERENCES);
    CHECK(contains(&err, "late"));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Remove", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"outer\"}}")), &err), 0);
    CHECK_HR(HcnModifyNetwork(net, W(modify("Refresh", "")), &err), 0);
    CHECK_HR(HcnModifyNetwork(net, W("{\"ResourceType\":\"Policy\",\"RequestType\":\"Refresh\"}"), &err), 0);
    CHECK_HR(HcnModifyNetwork(net, W("{\"ResourceType\":\"Policy\",\"RequestType\":\"Zap\",\"Settings\":{}}"), &err), E_INVALIDARG);
    free(take(&err));
    CHECK_HR(HcnModifyNetwork(net, W("{\"ResourceType\":\"Network\",\"RequestType\":\"Add\",\"Settings\":{}}"), &err), E_INVALIDARG);
    free(take(&err));
    CHECK_HR(HcnModifyNetwork(net, W("{\"ResourceType\":\"Policy\",\"RequestType\":\"Add\",\"Settings\":{\"Policies\":{}}}"), &err), INVALID_JSON);
    free(take(&err));
    CHECK_HR(HcnModifyNetwork(net, W("[]"), &err), INVALID_JSON);
    free(take(&err));
    CHECK_HR(HcnQueryNetworkProperties(net, NULL, &out, &err), 0);
    CHECK(contains(&out, "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"db\",\"PolicyType\":\"IPSET\",\"Values\":\"10.0.3.3, fd00::3\"}}"));
}

static void test_endpoints(HCN_NETWORK net, const GUID *ep_id, HCN_ENDPOINT *ep) {
    char16_t *err = NULL, *out = NULL;
    HCN_ENDPOINT tmp = NULL;
    CHECK_HR(HcnCreateEndpoint(net, ep_id, W("{\"Name\":\"web-1\",\"HostComputeNetwork\":\"11110001-2222-4333-8444-000000000001\","
                                            "\"IpConfigurations\":[{\"IpAddress\":\"10.0.1.5\",\"PrefixLength\":24},{\"IpAddress\":\"fd00::5\"}],"
                                            "\"Extra\":\"kept\"}"), ep, &err), 0);
    CHECK(err == NULL);
    GUID other = make_guid(77);
    CHECK_HR(HcnCreateEndpoint(net, &other, W("{\"IpConfigurations\":[{\"IpAddress\":\"10.0.1.5\"}]}"), &tmp, &err), ADDR_RESERVED);
    free(take(&err));
    CHECK_HR(HcnCreateEndpoint(net, &other, W("{\"IpConfigurations\":[{\"IpAddress\":\"10.0.1\"}]}"), &tmp, &err), INVALID_IP);
    free(take(&err));
    CHECK_HR(HcnCreateEndpoint(net, &other, W("{\"IpConfigurations\":[{\"IpAddress\":\"10.0.1.6\",\"PrefixLength\":33}]}"), &tmp, &err), E_INVALIDARG);
    free(take(&err));
    CHECK_HR(HcnCreateEndpoint(net, &other, W("{\"HostComputeNetwork\":\"11110001-2222-4333-8444-0000000000ff\"}"), &tmp, &err), E_INVALIDARG);
    free(take(&err));
    CHECK_HR(HcnCreateEndpoint(net, ep_id, W("{}"), &tmp, &err), ALREADY_EXISTS);
    free(take(&err));
    CHECK_HR(HcnCreateEndpoint(net, &other, W("{\"Policies\":[{\"Type\":\"ACL\",\"Settings\":{\"Action\":\"Allow\"}}]}"), &tmp, &err), INVALID_POLICY);
    free(take(&err));
    CHECK_HR(HcnOpenEndpoint(&other, &tmp, &err), ENDPOINT_NOT_FOUND);
    free(take(&err));
    CHECK_HR(HcnCreateEndpoint(net, &other, W("{\"Name\":\"with-acl\",\"Policies\":[{\"Type\":\"ACL\",\"Settings\":{\"Id\":\"x\",\"Action\":\"Block\",\"Direction\":\"Out\",\"Priority\":5}}]}"), &tmp, &err), 0);
    CHECK_HR(HcnEnumerateEndpoints(W("{\"Filter\":\"{\\\"VirtualNetwork\\\":\\\"11110001-2222-4333-8444-000000000001\\\",\\\"Name\\\":\\\"with-acl\\\",\\\"State\\\":1}\"}"), &out, &err), 0);
    CHECK(contains(&out, "[\"1111004d-2222-4333-8444-00000000004d\"]"));
    CHECK_HR(HcnEnumerateEndpoints(W("{\"Filter\":\"{\\\"State\\\":2}\"}"), &out, &err), 0);
    CHECK(contains(&out, "[]"));
    CHECK_HR(HcnDeleteEndpoint(&other, &err), 0);
    /* The handle survives its endpoint: using it fails cleanly; re-creating does not revive it. */
    CHECK_HR(HcnCreateEndpoint(net, &other, W("{}"), NULL, &err), E_POINTER);
    free(take(&err));
    CHECK_HR(HcnModifyEndpoint(tmp, W(modify("Add", "")), &err), ENDPOINT_NOT_FOUND);
    free(take(&err));
    HCN_ENDPOINT again = NULL;
    CHECK_HR(HcnCreateEndpoint(net, &other, W("{}"), &again, &err), 0);
    CHECK_HR(HcnQueryEndpointProperties(tmp, NULL, &out, &err), ENDPOINT_NOT_FOUND);
    free(take(&err));
    CHECK_HR(HcnQueryEndpointProperties(again, W("{\"Flags\":1}"), &out, &err), 0);
    free(take(&out));
    CHECK_HR(HcnQueryEndpointProperties(again, W("7"), &out, &err), INVALID_JSON);
    free(take(&err));
    CHECK_HR(HcnCloseEndpoint(tmp), 0);
    CHECK_HR(HcnCloseEndpoint(again), 0);
    CHECK_HR(HcnCloseEndpoint(again), E_HANDLE);
    CHECK_HR(HcnCloseEndpoint(net), E_HANDLE); /* a network handle is not an endpoint handle */
    CHECK_HR(HcnDeleteEndpoint(&other, NULL), 0);
    CHECK_HR(HcnDeleteEndpoint(&other, &err), ENDPOINT_NOT_FOUND);
    free(take(&err));
    CHECK_HR(HcnDeleteEndpoint(NULL, &err), E_POINTER);
    free(take(&err));
    CHECK_HR(HcnOpenEndpoint(ep_id, NULL, &err), E_POINTER);
    free(take(&err));
    CHECK_HR(HcnQueryEndpointProperties(*ep, NULL, &out, &err), 0);
    CHECK(contains(&out, "\"HostComputeNetwork\":\"11110001-2222-4333-8444-000000000001\",\"State\":1,\"Name\":\"web-1\""));
}

#define ACL(id, action, dir, prio, extra) \
    "{\"Type\":\"ACL\",\"Settings\":{\"Id\":\"" id "\",\"Action\":\"" action "\",\"Direction\":\"" dir "\",\"Priority\":" #prio extra "}}"

static void test_acls(HCN_NETWORK net, const GUID *id, HCN_ENDPOINT ep) {
    char16_t *err = NULL, *out = NULL;
    (void)net;
    CHECK(classify(id, 0, 6, NULL, 80, "1.2.3.4", 999, "") == 1); /* no ACL: everything passes */
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Add",
        ACL("web-in", "Allow", "In", 100, ",\"Protocols\":\"6\",\"LocalPorts\":\"80,8000-8080\",\"RemoteAddresses\":\"web\"") ","
        ACL("tie-allow", "Allow", "In", 200, ",\"Protocols\":\"17\"") ","
        ACL("tie-block", "Block", "In", 200, ",\"Protocols\":\"17\",\"RemotePorts\":\"53\"") ","
        ACL("empty-quirk", "Allow", "In", 300, ",\"Protocols\":\"132\",\"RemoteAddresses\":\"empty\"") ","
        ACL("nested", "Allow", "In", 400, ",\"Protocols\":\"6\",\"RemoteAddresses\":\"all\"") ","
        ACL("v6", "Allow", "In", 500, ",\"RemoteAddresses\":\"fd00::/64\",\"Protocols\":\"58\"") ","
        ACL("host", "Allow", "In", 1, ",\"RuleType\":\"Host\"") ","
        ACL("out-any", "Allow", "Out", 1000, ",\"Protocols\":\"256\"") ","
        ACL("deny-in", "Block", "In", 65500, ""))), &err), 0);
    CHECK(err == NULL);
    CHECK(classify(id, 0, 6, NULL, 80, "10.0.1.9", 1234, "web-in") == 1);
    CHECK(classify(id, 0, 6, "10.0.1.5", 8080, "10.0.2.7", 1, "web-in") == 1);
    CHECK(classify(id, 0, 6, NULL, 8081, "10.0.2.7", 1, "nested") == 1);
    CHECK(classify(id, 0, 6, NULL, 80, "10.9.9.9", 1, "nested") == 1);
    CHECK(classify(id, 0, 6, NULL, 80, "10.0.4.1", 1, "deny-in") == 0);
    CHECK(classify(id, 0, 17, NULL, 9, "8.8.8.8", 53, "tie-block") == 0);
    CHECK(classify(id, 0, 17, NULL, 9, "8.8.8.8", 54, "tie-allow") == 1);
    CHECK(classify(id, 0, 132, NULL, 9, "8.8.8.8", 54, "empty-quirk") == 1);
    CHECK(classify(id, 0, 58, NULL, 0, "fd00::9", 0, "v6") == 1);
    CHECK(classify(id, 0, 58, NULL, 0, "fd01::9", 0, "deny-in") == 0);
    CHECK(classify(id, 1, 1, NULL, 0, "8.8.8.8", 0, "out-any") == 1);
    CHECK(classify(id, 0, 6, "fd00::5", 80, "10.0.1.9", 1, NULL) == (int)E_INVALIDARG);
    CHECK(classify(id, 0, 6, NULL, 80, "10.0.1.300", 1, NULL) == (int)INVALID_IP);
    CHECK(classify(id, 2, 6, NULL, 80, "10.0.1.3", 1, NULL) == (int)E_INVALIDARG);
    CHECK(classify(id, 0, 6, NULL, 70000, "10.0.1.3", 1, NULL) == (int)E_INVALIDARG);
    GUID nobody = make_guid(99);
    CHECK(classify(&nobody, 0, 6, NULL, 80, "10.0.1.3", 1, NULL) == (int)ENDPOINT_NOT_FOUND);
    CHECK(HcnSimClassify(id, 0, 6, NULL, 80, "10.0.1.9", 1, NULL, 0) == 1);

    static const char *const invalid[] = {
        ACL("p0", "Allow", "In", 0, ""),
        ACL("p1", "Allow", "In", 65501, ""),
        ACL("p2", "Allow", "In", "\"7\"", ""),
        ACL("a", "Pass", "In", 7, ""),
        ACL("d", "Allow", "Sideways", 7, ""),
        ACL("r", "Allow", "In", 7, ",\"RuleType\":\"Both\""),
        ACL("pr", "Allow", "In", 7, ",\"Protocols\":\"257\""),
        ACL("pr2", "Allow", "In", 7, ",\"Protocols\":\"tcp\""),
        ACL("lp", "Allow", "In", 7, ",\"LocalPorts\":\"80-70\""),
        ACL("lp2", "Allow", "In", 7, ",\"LocalPorts\":\"65536\""),
        ACL("lp3", "Allow", "In", 7, ",\"LocalPorts\":\"80,\""),
        ACL("ra", "Allow", "In", 7, ",\"RemoteAddresses\":\"10.0.0.0/33\""),
        ACL("ra2", "Allow", "In", 7, ",\"RemoteAddresses\":\"no-such-set\""),
        ACL("ra3", "Allow", "In", 7, ",\"RemoteAddresses\":7"),
        "{\"Type\":\"ACL\",\"Settings\":[]}",
        "{\"Type\":\"ACL\",\"Settings\":{\"Id\":7,\"Action\":\"Allow\",\"Direction\":\"In\",\"Priority\":7}}",
        "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"s\",\"PolicyType\":\"IPSET\"}}",
    };
    for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
        HRESULT hr = HcnModifyEndpoint(ep, W(modify("Add", invalid[i])), &err);
        if (hr != (HRESULT)INVALID_POLICY && hr != (HRESULT)INVALID_IP) {
            failures++;
            fprintf(stderr, "invalid ACL %zu accepted or wrong error 0x%08x: %s\n", i, (unsigned)hr, invalid[i]);
        }
        CHECK(contains(&err, "\"Success\":false"));
    }
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Add", ACL("web-in", "Allow", "In", 7, ""))), &err), POLICY_EXISTS);
    free(take(&err));
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Add", ACL("twice", "Allow", "In", 7, "") "," ACL("twice", "Block", "In", 8, ""))), &err), POLICY_EXISTS);
    free(take(&err));
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Remove", ACL("ghost", "Allow", "In", 7, ""))), &err), POLICY_NOT_FOUND);
    free(take(&err));
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Remove", ACL("deny-in", "Block", "In", 65500, "") "," ACL("ghost", "Allow", "In", 7, ""))), &err), POLICY_NOT_FOUND);
    free(take(&err));
    CHECK(classify(id, 0, 6, NULL, 80, "10.0.4.1", 1, "deny-in") == 0); /* all-or-nothing */

    /* Sets in use cannot go; sets no longer used can. */
    CHECK_HR(HcnModifyNetwork(net, W(modify("Remove", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"web\"}}")), &err), HAS_REFERENCES);
    free(take(&err));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Update", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"empty\",\"PolicyType\":\"IPSET\",\"Values\":\"7.7.7.7\"}}")), &err), 0);
    CHECK(classify(id, 0, 132, NULL, 9, "8.8.8.8", 54, "deny-in") == 0);
    CHECK(classify(id, 0, 132, NULL, 9, "7.7.7.7", 54, "empty-quirk") == 1);
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Remove", ACL("nested", "Allow", "In", 400, "") ",{\"Type\":\"ACL\",\"Settings\":{\"Id\":\"empty-quirk\"}}")), &err), 0);
    CHECK_HR(HcnModifyNetwork(net, W(modify("Remove", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"all\"}},{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"late\"}},{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"empty\"}}")), &err), 0);
    CHECK(err == NULL);

    /* Update replaces every ACL; an empty Update removes them all. */
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Update", ACL("only", "Block", "Out", 10, ",\"RemoteAddresses\":\"10.0.0.0/8\""))), &err), 0);
    CHECK(classify(id, 0, 6, NULL, 80, "10.0.1.9", 1, "") == 0);
    CHECK(classify(id, 1, 6, NULL, 80, "10.0.1.9", 1, "only") == 0);
    CHECK_HR(HcnQueryEndpointProperties(ep, NULL, &out, &err), 0);
    CHECK(contains(&out, "\"Policies\":[{\"Type\":\"ACL\",\"Settings\":{\"Id\":\"only\",\"Action\":\"Block\",\"Direction\":\"Out\",\"Priority\":10,\"RemoteAddresses\":\"10.0.0.0/8\"}}]"));
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Update", "")), &err), 0);
    CHECK(classify(id, 0, 6, NULL, 80, "10.0.1.9", 1, "") == 1);
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Add", "{\"Type\":\"OutBoundNAT\",\"Settings\":{\"Exceptions\":[\"10.0.0.0/8\"]}}")), &err), 0);
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Remove", "{\"Type\":\"OutBoundNAT\",\"Settings\":{\"Exceptions\":[\"10.0.0.0/8\"]}}")), &err), 0);
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Remove", "{\"Type\":\"OutBoundNAT\",\"Settings\":{}}")), &err), POLICY_NOT_FOUND);
    free(take(&err));
}

static void test_version_gates(HCN_NETWORK net) {
    char16_t *err = NULL;
    HcnSimSetVersion(12, 0);
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"g\",\"PolicyType\":\"IPSET\"}}")), &err), INVALID_POLICY);
    CHECK(contains(&err, "13.0"));
    HcnSimSetVersion(14, 0);
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"g\",\"PolicyType\":\"NESTEDIPSET\"}}")), &err), INVALID_POLICY);
    CHECK(contains(&err, "15.0"));
    HcnSimSetVersion(11, 9);
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"g\",\"PolicyType\":\"IPSET\",\"Values\":\"fd00::1\"}}")), &err), INVALID_POLICY);
    free(take(&err));
    HcnSimSetVersion(15, 0);
}

static void test_faults_and_counters(HCN_ENDPOINT ep) {
    char16_t *err = NULL;
    HcnSimCounters before, after;
    HcnSimGetCounters(&before);
    CHECK(HcnSimInjectFault("HcnModifyEndpoint", 2, (HRESULT)0x80070005u, 0) == 0);
    CHECK(HcnSimInjectFault("NoSuchFunction", 1, (HRESULT)0x80070005u, 0) == -1);
    CHECK(HcnSimInjectFault("HcnModifyEndpoint", 0, (HRESULT)0x80070005u, 0) == -1);
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Add", ACL("f1", "Allow", "In", 9, ""))), &err), 0);
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Add", ACL("f2", "Allow", "In", 9, ""))), &err), 0x80070005u);
    CHECK(contains(&err, "injected"));
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Add", ACL("f2", "Allow", "In", 9, ""))), &err), 0);
    CHECK(HcnSimInjectFault("HcnCloseEndpoint", 1, (HRESULT)0x800706BAu, 1) == 0);
    CHECK_HR(HcnCloseEndpoint((HCN_ENDPOINT)1), 0x800706BAu);
    CHECK_HR(HcnCloseEndpoint((HCN_ENDPOINT)1), 0x800706BAu);
    HcnSimClearFaults();
    CHECK_HR(HcnCloseEndpoint((HCN_ENDPOINT)1), E_HANDLE);
    HcnSimSetLatency(1, 1);
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Remove", ACL("f1", "Allow", "In", 9, "") "," ACL("f2", "Allow", "In", 9, ""))), &err), 0);
    HcnSimSetLatency(0, 0);
    HcnSimGetCounters(&after);
    CHECK(after.calls[10] == before.calls[10] + 4); /* HcnModifyEndpoint */
    CHECK(after.acls_added == before.acls_added + 2);
    CHECK(after.acls_removed == before.acls_removed + 2);
    CHECK(after.faults_triggered == before.faults_triggered + 3);
    CHECK(after.request_bytes > before.request_bytes);
    CHECK(HcnSimFunctionCount() == 17 && strcmp(HcnSimFunctionName(10), "HcnModifyEndpoint") == 0);
    CHECK(HcnSimFunctionName(-1) == NULL && HcnSimFunctionName(17) == NULL);
}

/* Every setting switched on: Update replaces all, Remove of ACLs ignored, NPM set side, Host layer, strict schema. */
static void test_settings(void) {
    char16_t *err = NULL, *out = NULL;
    HCN_NETWORK net = NULL;
    HCN_ENDPOINT ep = NULL;
    GUID net_id = make_guid(300), ep_id = make_guid(301);
    CHECK(HcnSimSettingCount() == 5 && strcmp(HcnSimSettingName(0), "update") == 0);
    CHECK(HcnSimSettingName(5) == NULL && HcnSimSettingChoice(0, 2) == NULL && HcnSimSettingChoice(9, 0) == NULL);
    CHECK(HcnSimSettingDefault(-1) == -1 && HcnSimGetSetting("nope") == -1);
    CHECK(HcnSimSetSetting("update", "ALL") == -1 && HcnSimSetSetting("nope", "all") == -1);
    for (int i = 0; i < HcnSimSettingCount(); i++) {
        CHECK(HcnSimGetSetting(HcnSimSettingName(i)) == HcnSimSettingDefault(i));
        CHECK(HcnSimSetSetting(HcnSimSettingName(i), HcnSimSettingChoice(i, !HcnSimSettingDefault(i))) == 0);
        CHECK(HcnSimGetSetting(HcnSimSettingName(i)) == !HcnSimSettingDefault(i));
    }
    CHECK(HcnSimSetSetting("update", "all") == 0 && HcnSimSetSetting("acl_remove", "ignored") == 0 &&
          HcnSimSetSetting("set_side", "npm") == 0 && HcnSimSetSetting("host_rules", "required") == 0 &&
          HcnSimSetSetting("schema", "strict") == 0);
    CHECK_HR(HcnCreateNetwork(&net_id, W("{\"Type\":\"L2Bridge\",\"Name\":\"quirks\"}"), &net, NULL), 0);
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"peers\",\"PolicyType\":\"IPSET\",\"Values\":\"10.1.0.0/16\"}}")), &err), 0);
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"x\",\"PolicyType\":\"ipset\"}}")), &err), INVALID_POLICY);
    free(take(&err));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", "{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"x\",\"PolicyType\":\"IPSET\",\"Extra\":1}}")), &err), INVALID_JSON);
    CHECK(contains(&err, "Extra"));
    CHECK_HR(HcnCreateEndpoint(net, &ep_id, W("{\"IpConfigurations\":[{\"IpAddress\":\"10.0.0.5\"}],"
                                             "\"Policies\":[{\"Type\":\"OutBoundNAT\",\"Settings\":{\"Exceptions\":[\"10.0.0.0/8\"]}}]}"), &ep, &err), 0);
    CHECK(classify(&ep_id, 0, 6, NULL, 80, "10.1.2.3", 1, "") == 1); /* no ACL: the host layer lets all through */
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Add",
        ACL("in-set", "Allow", "In", 100, ",\"LocalAddresses\":\"peers\"") ","
        ACL("deny-in", "Block", "In", 1000, ""))), &err), 0);
    CHECK(classify(&ep_id, 0, 6, NULL, 80, "10.1.2.3", 1, "") == 0); /* no Host Allow In */
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Add", ACL("host-in", "Allow", "In", 0, ",\"RuleType\":\"Host\""))), &err), 0);
    CHECK(classify(&ep_id, 0, 6, NULL, 80, "10.1.2.3", 1, "in-set") == 1); /* the source matched LocalAddresses */
    CHECK(classify(&ep_id, 0, 6, NULL, 80, "10.2.2.3", 1, "deny-in") == 0);
    CHECK(classify(&ep_id, 1, 6, NULL, 80, "10.1.2.3", 1, "") == 0); /* no Host Allow Out */
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Remove", ACL("deny-in", "Block", "In", 1000, ""))), &err), 0);
    CHECK(classify(&ep_id, 0, 6, NULL, 80, "10.2.2.3", 1, "deny-in") == 0); /* Remove was ignored */
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Add", ACL("lower", "allow", "In", 7, ""))), &err), INVALID_POLICY);
    free(take(&err));
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Add", ACL("num", "Allow", "In", 7, ",\"Protocols\":6"))), &err), INVALID_POLICY);
    free(take(&err));
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Add", ACL("unk", "Allow", "In", 7, ",\"Note\":\"x\""))), &err), INVALID_JSON);
    CHECK(contains(&err, "Note"));
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Add", ACL("zero", "Allow", "In", 0, ""))), &err), INVALID_POLICY);
    free(take(&err));
    CHECK_HR(HcnModifyEndpoint(ep, W("{\"ResourceType\":\"Policy\",\"RequestType\":\"add\",\"Settings\":{}}"), &err), E_INVALIDARG);
    free(take(&err));
    CHECK_HR(HcnModifyEndpoint(ep, W("{\"ResourceType\":\"Policy\",\"RequestType\":\"Add\",\"Settings\":{\"Policies\":[{\"Type\":\"acl\",\"Settings\":{}}]}}"), &err), INVALID_JSON);
    free(take(&err));
    /* Update replaces the whole list: the NAT goes unless it is sent again. */
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Update", ACL("only", "Allow", "Out", 10, ""))), &err), 0);
    CHECK_HR(HcnQueryEndpointProperties(ep, NULL, &out, &err), 0);
    CHECK(contains(&out, "\"Policies\":[{\"Type\":\"ACL\",\"Settings\":{\"Id\":\"only\""));
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Update", "")), &err), 0);
    CHECK(classify(&ep_id, 0, 6, NULL, 80, "10.2.2.3", 1, "") == 1);
    CHECK_HR(HcnCloseEndpoint(ep), 0);
    CHECK_HR(HcnDeleteEndpoint(&ep_id, NULL), 0);
    CHECK_HR(HcnCloseNetwork(net), 0);
    CHECK_HR(HcnDeleteNetwork(&net_id, NULL), 0);
    HcnSimReset();
    CHECK(HcnSimGetSetting("update") == HcnSimSettingDefault(0) && HcnSimGetSetting("schema") == HcnSimSettingDefault(4));
    free_temps();
}

/* The parser's bounds: nesting depth and document size fail cleanly (no stack or heap blow-up). */
static void test_bounds(HCN_ENDPOINT ep) {
    char16_t *err = NULL;
    size_t deep = 100000;
    char16_t *doc = malloc((deep + 1) * sizeof *doc);
    for (size_t i = 0; i < deep; i++) doc[i] = '[';
    doc[deep] = 0;
    CHECK_HR(HcnModifyEndpoint(ep, doc, &err), INVALID_JSON);
    CHECK(contains(&err, "nested too deeply"));
    free(doc);
    size_t big = ((size_t)16 << 20) + 1;
    doc = malloc((big + 1) * sizeof *doc);
    for (size_t i = 0; i < big; i++) doc[i] = ' ';
    doc[big] = 0;
    CHECK_HR(HcnModifyEndpoint(ep, doc, &err), INVALID_JSON);
    CHECK(contains(&err, "larger than"));
    free(doc);
    char16_t lone[] = {'{', '"', 0xD800, '"', ':', '1', '}', 0};
    CHECK_HR(HcnModifyEndpoint(ep, lone, &err), INVALID_JSON);
    CHECK(contains(&err, "UTF-16"));
}

/* ---- fuzzing ------------------------------------------------------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static const char *const SEEDS[] = {
    "{\"ResourceType\":\"Policy\",\"RequestType\":\"Add\",\"Settings\":{\"Policies\":[{\"Type\":\"ACL\",\"Settings\":{\"Id\":\"z\",\"Action\":\"Allow\",\"Direction\":\"In\",\"Priority\":9,\"RemoteAddresses\":\"10.0.0.0/8,fz,::1\",\"LocalPorts\":\"1-2,3\"}}]}}",
    "{\"ResourceType\":\"Policy\",\"RequestType\":\"Update\",\"Settings\":{\"Policies\":[{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"fz\",\"PolicyType\":\"IPSET\",\"Values\":\"1.2.3.4,\\u00e9\\ud83d\\ude00\"}}]}}",
    "{\"ResourceType\":\"Policy\",\"RequestType\":\"Remove\",\"Settings\":{\"Policies\":[{\"Type\":\"ACL\",\"Settings\":{\"Id\":\"z\"}}]}}",
    "{\"SchemaVersion\":{\"Major\":2,\"Minor\":0},\"Flags\":0,\"Filter\":\"{\\\"Name\\\":\\\"a\\\"}\"}",
    "{\"Name\":\"n\",\"Type\":\"NAT\",\"Policies\":[{\"Type\":\"SetPolicy\",\"Settings\":{\"Id\":\"q\",\"PolicyType\":\"NESTEDIPSET\",\"Values\":\"\"}}]}",
    "{\"Name\":\"e\",\"IpConfigurations\":[{\"IpAddress\":\"10.1.1.1\",\"PrefixLength\":8}],\"Policies\":[]}",
    "[1,-2.5e-3,true,false,null,\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",{\"\":{}}]",
};

static const char ALPHABET[] = "{}[]\",:0123456789.eE+-tfnul\\ \x80\xff";

static char *mutate(const char *seed, size_t *len) {
    size_t n = strlen(seed);
    char *s = malloc(n + 64);
    memcpy(s, seed, n);
    switch (next_rand() % 4) {
    case 0: n = next_rand() % (n + 1); break; /* truncate */
    case 1:
        for (int k = 0; k < 4 && n; k++) s[next_rand() % n] = (char)(next_rand() % 256);
        break;
    case 2:
        n = next_rand() % 48;
        for (size_t k = 0; k < n; k++) s[k] = ALPHABET[next_rand() % (sizeof ALPHABET - 1)];
        break;
    default:
        for (int k = 0; k < 8 && n > 1; k++) {
            size_t i = next_rand() % n, j = next_rand() % n;
            char c = s[i];
            s[i] = s[j];
            s[j] = c;
        }
    }
    s[n] = '\0';
    *len = n;
    return s;
}

/* The parser on raw bytes (invalid UTF-8 included): whatever it accepts, it writes back equal. */
static void check_json_round_trip(const char *doc, size_t len) {
    char detail[160];
    json_value *v = json_parse(doc, len, detail, sizeof detail);
    if (!v) return;
    strbuf sb;
    sb_init(&sb);
    json_write(&sb, v);
    json_value *again = json_parse(sb.data, sb.len, detail, sizeof detail);
    CHECK(again && json_equal(v, again));
    json_free(again);
    json_free(v);
    sb_free(&sb);
}

static void fuzz(int iterations) {
    HCN_NETWORK net = NULL;
    HCN_ENDPOINT ep = NULL;
    GUID net_id = make_guid(200), ep_id = make_guid(201);
    CHECK_HR(HcnCreateNetwork(&net_id, W("{\"Type\":\"NAT\",\"Name\":\"fuzz\"}"), &net, NULL), 0);
    CHECK_HR(HcnCreateEndpoint(net, &ep_id, W("{\"IpConfigurations\":[{\"IpAddress\":\"10.200.0.1\"}]}"), &ep, NULL), 0);
    for (int i = 0; i < iterations; i++) {
        size_t len;
        char *doc = mutate(SEEDS[next_rand() % (sizeof SEEDS / sizeof *SEEDS)], &len);
        check_json_round_trip(doc, len);
        char16_t *w = utf8_to_utf16(doc, len);
        size_t units = 0;
        while (w[units]) units++;
        if (units && next_rand() % 16 == 0) w[next_rand() % units] = (char16_t)(0xD800 + next_rand() % 0x800);
        char16_t *out = NULL, *err = NULL;
        HCN_NETWORK h = NULL;
        HCN_ENDPOINT e = NULL;
        GUID fresh = make_guid(1000 + (unsigned)i);
        switch (i % 8) {
        case 0: HcnModifyEndpoint(ep, w, &err); break;
        case 1: HcnModifyNetwork(net, w, &err); break;
        case 2: HcnEnumerateNetworks(w, &out, &err); break;
        case 3: HcnEnumerateEndpoints(w, &out, &err); break;
        case 4:
            if (HcnCreateNetwork(&fresh, w, &h, &err) == 0) {
                HcnCloseNetwork(h);
                HcnDeleteNetwork(&fresh, NULL);
            }
            break;
        case 5:
            if (HcnCreateEndpoint(net, &fresh, w, &e, &err) == 0) {
                HcnCloseEndpoint(e);
                HcnDeleteEndpoint(&fresh, NULL);
            }
            break;
        case 6: HcnQueryEndpointProperties(ep, w, &out, &err); break;
        default: HNSCall(w, w, w, &out); break;
        }
        CoTaskMemFree(out);
        CoTaskMemFree(err);
        free(w);
        free(doc);
        if (i % 64 == 0) HcnSimClassify(&ep_id, (int)(next_rand() % 2), 6, NULL, 80, "10.0.0.1", 1, NULL, 0);
        if (i % 256 == 0) /* every other stretch of the fuzz runs with every setting off its default */
            for (int k = 0; k < HcnSimSettingCount(); k++)
                HcnSimSetSetting(HcnSimSettingName(k), HcnSimSettingChoice(k, HcnSimSettingDefault(k) ^ (i / 256 % 2)));
    }
    HcnCloseEndpoint(ep);
    HcnCloseNetwork(net);
}

/* ---- concurrency --------------------------------------------------------------------------- */

typedef struct {
    HCN_NETWORK net;
    unsigned index;
    int errors;
} worker_arg;

static void *worker(void *p) {
    worker_arg *a = p;
    GUID id = make_guid(5000 + a->index);
    char settings[128], request[512];
    HCN_ENDPOINT ep = NULL;
    snprintf(settings, sizeof settings, "{\"IpConfigurations\":[{\"IpAddress\":\"10.250.%u.1\"}]}", a->index);
    char16_t *w = utf8_to_utf16(settings, strlen(settings));
    HRESULT hr = HcnCreateEndpoint(a->net, &id, w, &ep, NULL);
    if (hr) fprintf(stderr, "worker %u: create 0x%08x\n", a->index, (unsigned)hr);
    a->errors += hr != 0;
    free(w);
    for (int i = 0; i < 200; i++) {
        snprintf(request, sizeof request,
                 "{\"ResourceType\":\"Policy\",\"RequestType\":\"%s\",\"Settings\":{\"Policies\":[{\"Type\":\"ACL\","
                 "\"Settings\":{\"Id\":\"t\",\"Action\":\"Allow\",\"Direction\":\"In\",\"Priority\":5}}]}}",
                 i % 2 ? "Remove" : "Add");
        w = utf8_to_utf16(request, strlen(request));
        hr = HcnModifyEndpoint(ep, w, NULL);
        if (hr) fprintf(stderr, "worker %u: modify %d 0x%08x\n", a->index, i, (unsigned)hr);
        a->errors += hr != 0;
        free(w);
        a->errors += HcnSimClassify(&id, 0, 6, NULL, 1, "1.1.1.1", 2, NULL, 0) < 0;
    }
    HcnCloseEndpoint(ep);
    a->errors += HcnDeleteEndpoint(&id, NULL) != 0;
    return NULL;
}

static void test_threads(HCN_NETWORK net) {
    pthread_t threads[4];
    worker_arg args[4];
    for (unsigned i = 0; i < 4; i++) {
        args[i] = (worker_arg){net, i, 0};
        pthread_create(&threads[i], NULL, worker, &args[i]);
    }
    for (unsigned i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        CHECK(args[i].errors == 0);
    }
}

#define ROUTE(prefix, pa, mac, vsid)                                                               \
    "{\"Type\":\"RemoteSubnetRoute\",\"Settings\":{\"DestinationPrefix\":\"" prefix "\",\"IsolationId\":" vsid \
    ",\"ProviderAddress\":\"" pa "\",\"DistributedRouterMacAddress\":\"" mac "\"}}"

/* Routes on an Overlay network of a second instance; the default instance does not see them. */
static void test_routes_and_instances(void) {
    GUID id = make_guid(40);
    HCN_NETWORK net = NULL;
    char16_t *err = NULL, *props = NULL;
    char route[256];
    CHECK(HcnSimSelectInstance("node-b") == 0);
    CHECK_HR(HcnCreateNetwork(&id, W("{\"Name\":\"vxlan\",\"Type\":\"Overlay\"}"), &net, &err), 0);
    const char *r1 = ROUTE("10.244.3.0/26", "172.16.0.13", "00-15-5D-11-22-33", "4096");
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", r1)), &err), 0);
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", r1)), &err), POLICY_EXISTS);
    free(take(&err));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", ROUTE("10.244.3.1/26", "172.16.0.13", "00-15-5D-11-22-33", "4096"))),
                              &err),
             INVALID_POLICY);
    free(take(&err));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", ROUTE("10.244.4.0/26", "nope", "00-15-5D-11-22-33", "4096"))), &err),
             INVALID_IP);
    free(take(&err));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", ROUTE("10.244.4.0/26", "172.16.0.1", "00:15:5D:11:22:33", "4096"))),
                              &err),
             INVALID_POLICY);
    free(take(&err));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", ROUTE("10.244.4.0/26", "172.16.0.1", "00-15-5D-11-22-33", "7"))), &err),
             INVALID_POLICY);
    free(take(&err));
    CHECK(HcnSimLookupRoute(&id, "10.244.3.9", route, sizeof route) == 1);
    CHECK(strstr(route, "172.16.0.13") != NULL);
    CHECK(HcnSimLookupRoute(&id, "10.244.4.9", route, sizeof route) == 0);
    CHECK(HcnSimLookupRoute(&id, "bad", route, sizeof route) == (int)INVALID_IP);
    CHECK_HR(HcnQueryNetworkProperties(net, W("{}"), &props, &err), 0);
    CHECK(contains(&props, "RemoteSubnetRoute"));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Remove", r1)), &err), 0);
    CHECK(HcnSimLookupRoute(&id, "10.244.3.9", route, sizeof route) == 0);
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", r1)), &err), 0);
    /* The prefix index follows Remove and Update; equal prefixes written differently collide. */
    const char *v6 = ROUTE("fd00::/120", "172.16.0.13", "00-15-5D-11-22-33", "4096");
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", v6)), &err), 0);
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", ROUTE("fd00:0::/120", "172.16.0.9", "00-15-5D-11-22-33", "4096"))),
                              &err),
             POLICY_EXISTS);
    free(take(&err));
    CHECK_HR(HcnModifyNetwork(net, W(modify("Update", v6)), &err), 0);
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", r1)), &err), 0);
    CHECK_HR(HcnModifyNetwork(net, W(modify("Add", v6)), &err), POLICY_EXISTS);
    free(take(&err));
    CHECK(HcnSimSelectInstance("") == 0);
    CHECK(HcnSimLookupRoute(&id, "10.244.3.9", route, sizeof route) == (int)NETWORK_NOT_FOUND);
    CHECK(HcnSimSelectInstance("node-b") == 0);
    CHECK_HR(HcnCloseNetwork(net), 0);
    CHECK(HcnSimSelectInstance("") == 0);
    free_temps();
}

/* The quirks off: the tests before test_settings check the ACL semantics and the API without them
 * (the defaults carry the field's quirks; test_settings switches each on explicitly). */
static void classic_settings(void) {
    CHECK(HcnSimSetSetting("update", "by_type") == 0 && HcnSimSetSetting("acl_remove", "honoured") == 0 &&
          HcnSimSetSetting("set_side", "felix") == 0 && HcnSimSetSetting("host_rules", "ignored") == 0);
}

int main(int argc, char **argv) {
    int iterations = argc > 1 ? atoi(argv[1]) : 20000;
    HcnSimReset();
    classic_settings();
    test_version_and_hnscall();
    test_networks();
    free_temps();

    GUID net_id = make_guid(1), ep_id = make_guid(2);
    HCN_NETWORK net = NULL;
    HCN_ENDPOINT ep = NULL;
    char16_t *err = NULL;
    CHECK_HR(HcnOpenNetwork(&net_id, &net, &err), 0);
    test_sets(net);
    test_endpoints(net, &ep_id, &ep);
    test_acls(net, &ep_id, ep);
    test_version_gates(net);
    test_faults_and_counters(ep);
    test_bounds(ep);
    test_threads(net);
    free_temps();
    CHECK_HR(HcnDeleteNetwork(&net_id, &err), HAS_REFERENCES);
    free(take(&err));
    HcnSimInvalidateHandles();
    CHECK_HR(HcnModifyEndpoint(ep, W(modify("Refresh", "")), &err), E_HANDLE);
    free(take(&err));
    CHECK_HR(HcnCloseEndpoint(ep), E_HANDLE);
    CHECK_HR(HcnDeleteEndpoint(&ep_id, NULL), 0);
    CHECK_HR(HcnDeleteNetwork(&net_id, NULL), 0);
    free_temps();

    test_routes_and_instances();
    HcnSimReset(); /* the defaults again: test_settings starts from them */
    test_settings();
    fuzz(iterations);
    HcnSimReset();
    free_temps();
    printf("%s: %d failure(s), %d fuzz iterations\n", failures ? "FAIL" : "OK", failures, iterations);
    return failures ? 1 : 0;
}
