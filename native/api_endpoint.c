/* The exported HCN endpoint functions. */
#include <string.h>

#include "sim.h"

static const char *const MANAGED_ENDPOINT_FIELDS[] = {"ID", "HostComputeNetwork", "State", "Policies", "SchemaVersion",
                                                      NULL};

enum { ENDPOINT_CREATED = 1 };

static void write_endpoint(strbuf *sb, const endpoint *ep) {
    sb_printf(sb, "{\"ID\":\"%s\",\"HostComputeNetwork\":\"%s\",\"State\":%d,", ep->key, ep->net->key, ep->state);
    write_members(sb, ep->doc);
    write_policies(sb, &ep->policies);
}

HRESULT WINAPI HcnEnumerateEndpoints(const char16_t *Query, char16_t **Endpoints, char16_t **ErrorRecord) {
    sim_call call;
    sim_error err = {0};
    json_value *query = NULL, *filter = NULL;
    HRESULT hr = S_OK;
    if (ErrorRecord) *ErrorRecord = NULL;
    if (Endpoints) *Endpoints = NULL;
    sim_enter(&call, FN_ENUMERATE_ENDPOINTS);
    if (call.fault) set_error(&err, call.fault, "injected fault");
    else if (!Endpoints) set_error(&err, E_POINTER, "Endpoints: NULL");
    else if (sim_read_json(Query, 1, &query, &err) == 0 && sim_query_filter(query, &filter, &err) == 0) {
        strbuf sb;
        sb_init(&sb);
        sb_putc(&sb, '[');
        size_t written = 0;
        for (size_t i = 0; i < g_sim.n_endpoints; i++) {
            const endpoint *ep = g_sim.endpoints[i];
            const char *name = json_get_string(ep->doc, "Name");
            if (!filter_allows(filter, "ID", ep->key) || !filter_allows(filter, "Name", name ? name : "") ||
                !filter_allows(filter, "VirtualNetwork", ep->net->key) ||
                !filter_allows(filter, "HostComputeNetwork", ep->net->key) ||
                !filter_allows_int(filter, "State", ep->state))
                continue;
            sb_printf(&sb, "%s\"%s\"", written++ ? "," : "", ep->key);
        }
        sb_putc(&sb, ']');
        sim_write(Endpoints, &sb);
    }
    if (err.hr) hr = sim_fail(ErrorRecord, &err);
    json_free(query);
    json_free(filter);
    sim_leave(&call);
    return hr;
}

static int ip_in_use(const network *net, const ipaddr *ip) {
    for (size_t i = 0; i < g_sim.n_endpoints; i++) {
        const endpoint *ep = g_sim.endpoints[i];
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
                             "An address provided is invalid or reserved: %s is in use on network %s", text, ep->net->key);
        for (size_t k = 0; k < ep->n_ips; k++)
            if (memcmp(&ep->ips[k], &ip, sizeof ip) == 0)
                return set_error(err, HCN_E_ADDR_INVALID_OR_RESERVED, "An address provided is invalid or reserved: %s given twice", text);
        ep->ips[ep->n_ips++] = ip;
    }
    return 0;
}

static int check_endpoint_settings(const network *net, const json_value *doc, sim_error *err) {
    if (!doc || doc->type != JSON_OBJECT) return set_error(err, HCN_E_INVALID_JSON, "endpoint settings: must be a JSON object");
    const json_value *name = json_get(doc, "Name");
    if (name && name->type != JSON_STRING) return set_error(err, E_INVALIDARG, "endpoint settings: Name: must be a string");
    const json_value *hcn = json_get(doc, "HostComputeNetwork");
    GUID given;
    if (hcn && hcn->type != JSON_NULL &&
        (hcn->type != JSON_STRING || guid_parse(hcn->u.text, &given) || memcmp(&given, &net->id, sizeof given) != 0))
        return set_error(err, E_INVALIDARG, "endpoint settings: HostComputeNetwork: must be the id of the network handle");
    const json_value *policies = json_get(doc, "Policies");
    if (policies && policies->type != JSON_ARRAY && policies->type != JSON_NULL)
        return set_error(err, HCN_E_INVALID_JSON, "endpoint settings: Policies: must be an array");
    for (size_t i = 0; policies && policies->type == JSON_ARRAY && i < policies->len; i++)
        if (policies->u.items[i]->type != JSON_OBJECT || !json_get_string(policies->u.items[i], "Type"))
            return set_error(err, HCN_E_INVALID_JSON, "endpoint settings: Policies[%zu]: must be an object with a string Type", i);
    return 0;
}

static endpoint *create_endpoint(network *net, const GUID *Id, const json_value *doc, sim_call *call, sim_error *err) {
    GUID id;
    if (check_endpoint_settings(net, doc, err) || choose_id(Id, doc, &id, err)) return NULL;
    if (endpoint_find(&id)) {
        char key[GUID_TEXT_LEN + 1];
        guid_format(&id, key);
        set_error(err, HRESULT_ERROR_ALREADY_EXISTS, "endpoint %s already exists", key);
        return NULL;
    }
    endpoint *ep = xcalloc(1, sizeof *ep);
    ep->id = id;
    guid_format(&id, ep->key);
    ep->net = net;
    net->n_endpoints++;
    ep->state = ENDPOINT_CREATED;
    ep->doc = strip_managed(doc, MANAGED_ENDPOINT_FIELDS);
    const json_value *policies = json_get(doc, "Policies");
    modify_stats st = {0};
    if (read_ip_configurations(ep, doc, err) ||
        (policies && policies->type == JSON_ARRAY && endpoint_apply(ep, REQ_ADD, policies, g_sim.version, &st, err))) {
        endpoint_destroy(ep);
        return NULL;
    }
    ep->serial = g_sim.next_serial++;
    call->work = st.policies;
    g_sim.counters.acls_added += st.acls_added;
    grow((void **)&g_sim.endpoints, &g_sim.cap_endpoints, g_sim.n_endpoints + 1, sizeof *g_sim.endpoints);
    g_sim.endpoints[g_sim.n_endpoints++] = ep;
    strmap_put(&g_sim.endpoint_by_id, ep->key, ep);
    return ep;
}

HRESULT WINAPI HcnCreateEndpoint(HCN_NETWORK Network, const GUID *Id, const char16_t *Settings,
                                 HCN_ENDPOINT *Endpoint, char16_t **ErrorRecord) {
    sim_call call;
    sim_error err = {0};
    json_value *doc = NULL;
    HRESULT hr = S_OK;
    if (ErrorRecord) *ErrorRecord = NULL;
    if (Endpoint) *Endpoint = NULL;
    sim_enter(&call, FN_CREATE_ENDPOINT);
    network *net = NULL;
    if (call.fault) set_error(&err, call.fault, "injected fault");
    else if (!Endpoint) set_error(&err, E_POINTER, "Endpoint: NULL");
    else if ((net = network_from_handle(Network, &err)) && sim_read_json(Settings, 0, &doc, &err) == 0) {
        endpoint *ep = create_endpoint(net, Id, doc, &call, &err);
        if (ep && !(*Endpoint = handle_open(HANDLE_ENDPOINT, ep->key, ep->serial)))
            set_error(&err, HR(0x8007000Eu), "too many open handles");
    }
    if (err.hr) hr = sim_fail(ErrorRecord, &err);
    json_free(doc);
    sim_leave(&call);
    return hr;
}

HRESULT WINAPI HcnOpenEndpoint(const GUID *Id, HCN_ENDPOINT *Endpoint, char16_t **ErrorRecord) {
    sim_call call;
    sim_error err = {0};
    HRESULT hr = S_OK;
    if (ErrorRecord) *ErrorRecord = NULL;
    if (Endpoint) *Endpoint = NULL;
    sim_enter(&call, FN_OPEN_ENDPOINT);
    if (call.fault) set_error(&err, call.fault, "injected fault");
    else if (!Id || !Endpoint) set_error(&err, E_POINTER, "Id or Endpoint: NULL");
    else {
        endpoint *ep = endpoint_find(Id);
        char key[GUID_TEXT_LEN + 1];
        guid_format(Id, key);
        if (!ep) set_error(&err, HCN_E_ENDPOINT_NOT_FOUND, "endpoint %s was not found", key);
        else if (!(*Endpoint = handle_open(HANDLE_ENDPOINT, ep->key, ep->serial)))
            set_error(&err, HR(0x8007000Eu), "too many open handles");
    }
    if (err.hr) hr = sim_fail(ErrorRecord, &err);
    sim_leave(&call);
    return hr;
}

HRESULT WINAPI HcnModifyEndpoint(HCN_ENDPOINT Endpoint, const char16_t *Settings, char16_t **ErrorRecord) {
    sim_call call;
    sim_error err = {0};
    json_value *doc = NULL;
    HRESULT hr = S_OK;
    if (ErrorRecord) *ErrorRecord = NULL;
    sim_enter(&call, FN_MODIFY_ENDPOINT);
    endpoint *ep = NULL;
    if (call.fault) set_error(&err, call.fault, "injected fault");
    else if ((ep = endpoint_from_handle(Endpoint, &err)) && sim_read_json(Settings, 0, &doc, &err) == 0) {
        int type;
        const json_value *policies;
        modify_stats st = {0};
        if (parse_modify_request(doc, &type, &policies, &err) == 0 &&
            endpoint_apply(ep, type, policies, g_sim.version, &st, &err) == 0) {
            g_sim.counters.acls_added += st.acls_added;
            g_sim.counters.acls_removed += st.acls_removed;
        }
        call.work = st.policies;
    }
    if (err.hr) hr = sim_fail(ErrorRecord, &err);
    json_free(doc);
    sim_leave(&call);
    return hr;
}

HRESULT WINAPI HcnQueryEndpointProperties(HCN_ENDPOINT Endpoint, const char16_t *Query, char16_t **Properties,
                                          char16_t **ErrorRecord) {
    sim_call call;
    sim_error err = {0};
    json_value *query = NULL;
    HRESULT hr = S_OK;
    if (ErrorRecord) *ErrorRecord = NULL;
    if (Properties) *Properties = NULL;
    sim_enter(&call, FN_QUERY_ENDPOINT);
    endpoint *ep = NULL;
    if (call.fault) set_error(&err, call.fault, "injected fault");
    else if (!Properties) set_error(&err, E_POINTER, "Properties: NULL");
    else if ((ep = endpoint_from_handle(Endpoint, &err)) && sim_read_json(Query, 1, &query, &err) == 0) {
        if (query && query->type != JSON_OBJECT) set_error(&err, HCN_E_INVALID_JSON, "query: must be a JSON object");
        else {
            strbuf sb;
            sb_init(&sb);
            write_endpoint(&sb, ep);
            sim_write(Properties, &sb);
        }
    }
    if (err.hr) hr = sim_fail(ErrorRecord, &err);
    json_free(query);
    sim_leave(&call);
    return hr;
}

HRESULT WINAPI HcnDeleteEndpoint(const GUID *Id, char16_t **ErrorRecord) {
    sim_call call;
    sim_error err = {0};
    HRESULT hr = S_OK;
    if (ErrorRecord) *ErrorRecord = NULL;
    sim_enter(&call, FN_DELETE_ENDPOINT);
    if (call.fault) set_error(&err, call.fault, "injected fault");
    else if (!Id) set_error(&err, E_POINTER, "Id: NULL");
    else {
        endpoint *ep = endpoint_find(Id);
        char key[GUID_TEXT_LEN + 1];
        guid_format(Id, key);
        if (!ep) set_error(&err, HCN_E_ENDPOINT_NOT_FOUND, "endpoint %s was not found", key);
        else {
            forget_endpoint(ep);
            endpoint_destroy(ep);
        }
    }
    if (err.hr) hr = sim_fail(ErrorRecord, &err);
    sim_leave(&call);
    return hr;
}

HRESULT WINAPI HcnCloseEndpoint(HCN_ENDPOINT Endpoint) {
    sim_call call;
    HRESULT hr = S_OK;
    sim_enter(&call, FN_CLOSE_ENDPOINT);
    if (call.fault) hr = call.fault;
    else if (handle_close(Endpoint, HANDLE_ENDPOINT)) hr = E_HANDLE;
    sim_leave(&call);
    return hr;
}
