/* The exported HCN endpoint functions: what endpoints add to the shared calls of api_object.c. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api_object.h"

static const char *const MANAGED_ENDPOINT_FIELDS[] = {"ID", "HostComputeNetwork", "State", "Policies", "SchemaVersion",
                                                      NULL};

enum { ENDPOINT_CREATED = 1 };

static int ip_in_use(const network *net, const ipaddr *ip) {
    for (size_t i = 0; i < g_sim.endpoints.n; i++) {
        const endpoint *ep = (const endpoint *)g_sim.endpoints.items[i];
        for (size_t k = 0; ep->net == net && k < ep->n_ips; k++)
            if (memcmp(&ep->ips[k], ip, sizeof *ip) == 0) return 1;
    }
    return 0;
}

static int read_ip_configurations(endpoint *ep, const json_value *doc, sim_error *err) {
    const json_value *list = json_get(doc, "IpConfigurations");
    if (!list || list->type == JSON_NULL) return 0;
    if (list->type != JSON_ARRAY) return set_error(err, HCN_E_INVALID_JSON, "endpoint settings: IpConfigurations: must be an array");
    ep->ips = xcalloc(list->len, sizeof *ep->ips);
    for (size_t i = 0; i < list->len; i++) {
        const json_value *item = list->u.items[i];
        const char *text = json_get_string(item, "IpAddress");
        ipaddr ip;
        if (!text || ip_parse(text, strlen(text), &ip))
            return set_error(err, HCN_E_INVALID_IP, "endpoint settings: IpConfigurations[%zu].IpAddress: not an IP address", i);
        const json_value *prefix = json_get(item, "PrefixLength");
        int64_t len;
        if (prefix && prefix->type != JSON_NULL && (json_int(prefix, &len) || len < 0 || len > (ip.family == 4 ? 32 : 128)))
            return set_error(err, E_INVALIDARG, "endpoint settings: IpConfigurations[%zu].PrefixLength: out of range", i);
        if (ip_in_use(ep->net, &ip))
            return set_error(err, HCN_E_ADDR_INVALID_OR_RESERVED,
                             "An address provided is invalid or reserved: %s is in use on network %s", text, ep->net->obj.key);
        for (size_t k = 0; k < ep->n_ips; k++)
            if (memcmp(&ep->ips[k], &ip, sizeof ip) == 0)
                return set_error(err, HCN_E_ADDR_INVALID_OR_RESERVED, "An address provided is invalid or reserved: %s given twice", text);
        ep->ips[ep->n_ips++] = ip;
    }
    return 0;
}

static int check_endpoint(const hcn_object *net, const json_value *doc, sim_error *err) {
    const json_value *name = json_get(doc, "Name");
    if (name && name->type != JSON_STRING) return set_error(err, E_INVALIDARG, "endpoint settings: Name: must be a string");
    const json_value *hcn = json_get(doc, "HostComputeNetwork");
    GUID given;
    if (hcn && hcn->type != JSON_NULL &&
        (hcn->type != JSON_STRING || guid_parse(hcn->u.text, &given) || memcmp(&given, &net->id, sizeof given) != 0))
        return set_error(err, E_INVALIDARG, "endpoint settings: HostComputeNetwork: must be the id of the network handle");
    return 0;
}

static int init_endpoint(hcn_object *obj, hcn_object *net, const json_value *doc, sim_error *err) {
    endpoint *ep = (endpoint *)obj;
    ep->net = (network *)net;
    ep->net->n_endpoints++;
    ep->state = ENDPOINT_CREATED;
    return read_ip_configurations(ep, doc, err);
}

static int apply_endpoint(hcn_object *obj, int type, const json_value *policies, modify_stats *st, sim_error *err) {
    return endpoint_apply((endpoint *)obj, type, policies, g_sim.version, st, err);
}

static int endpoint_listed(const hcn_object *obj, const json_value *filter) {
    const endpoint *ep = (const endpoint *)obj;
    return filter_allows(filter, "VirtualNetwork", ep->net->obj.key) &&
           filter_allows(filter, "HostComputeNetwork", ep->net->obj.key) && filter_allows_int(filter, "State", ep->state);
}

static void write_endpoint(strbuf *sb, const hcn_object *obj) {
    const endpoint *ep = (const endpoint *)obj;
    sb_printf(sb, "{\"ID\":\"%s\",\"HostComputeNetwork\":\"%s\",\"State\":%d,", obj->key, ep->net->obj.key, ep->state);
    write_members(sb, obj->doc);
    write_policies(sb, &ep->policies);
}

static void release_endpoint(hcn_object *obj) {
    endpoint *ep = (endpoint *)obj;
    policy_list_clear(&ep->policies);
    for (int d = 0; d < 2; d++) {
        free(ep->index[d]);
        free(ep->host_index[d]);
    }
    free(ep->ips);
    if (ep->net) ep->net->n_endpoints--;
}

const object_kind ENDPOINT_KIND = {
    .noun = "endpoint",
    .param = "Endpoint",
    .handle = HANDLE_ENDPOINT,
    .fn = FN_ENDPOINT,
    .not_found = HCN_E_ENDPOINT_NOT_FOUND,
    .live = offsetof(sim_state, endpoints),
    .size = sizeof(endpoint),
    .managed = MANAGED_ENDPOINT_FIELDS,
    .parent = &NETWORK_KIND,
    .check = check_endpoint,
    .init = init_endpoint,
    .apply = apply_endpoint,
    .listed = endpoint_listed,
    .write = write_endpoint,
    .release = release_endpoint,
};

HRESULT WINAPI HcnEnumerateEndpoints(const char16_t *Query, char16_t **Endpoints, char16_t **ErrorRecord) {
    return object_enumerate(&ENDPOINT_KIND, Query, Endpoints, ErrorRecord);
}

HRESULT WINAPI HcnCreateEndpoint(HCN_NETWORK Network, const GUID *Id, const char16_t *Settings,
                                 HCN_ENDPOINT *Endpoint, char16_t **ErrorRecord) {
    return object_create(&ENDPOINT_KIND, Network, Id, Settings, Endpoint, ErrorRecord);
}

HRESULT WINAPI HcnOpenEndpoint(const GUID *Id, HCN_ENDPOINT *Endpoint, char16_t **ErrorRecord) {
    return object_open(&ENDPOINT_KIND, Id, Endpoint, ErrorRecord);
}

HRESULT WINAPI HcnModifyEndpoint(HCN_ENDPOINT Endpoint, const char16_t *Settings, char16_t **ErrorRecord) {
    return object_modify(&ENDPOINT_KIND, Endpoint, Settings, ErrorRecord);
}

HRESULT WINAPI HcnQueryEndpointProperties(HCN_ENDPOINT Endpoint, const char16_t *Query, char16_t **Properties,
                                          char16_t **ErrorRecord) {
    return object_query(&ENDPOINT_KIND, Endpoint, Query, Properties, ErrorRecord);
}

HRESULT WINAPI HcnDeleteEndpoint(const GUID *Id, char16_t **ErrorRecord) {
    return object_delete(&ENDPOINT_KIND, Id, ErrorRecord);
}

HRESULT WINAPI HcnCloseEndpoint(HCN_ENDPOINT Endpoint) { return object_close(&ENDPOINT_KIND, Endpoint); }
