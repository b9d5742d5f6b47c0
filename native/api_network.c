/* The exported HCN network functions. */
#include <string.h>

#include "sim.h"

static const char *const MANAGED_NETWORK_FIELDS[] = {"ID", "Policies", "SchemaVersion", NULL};

static void write_network(strbuf *sb, const network *net) {
    sb_printf(sb, "{\"ID\":\"%s\",", net->key);
    write_members(sb, net->doc);
    write_policies(sb, &net->policies);
}

HRESULT WINAPI HcnEnumerateNetworks(const char16_t *Query, char16_t **Networks, char16_t **ErrorRecord) {
    sim_call call;
    sim_error err = {0};
    json_value *query = NULL, *filter = NULL;
    HRESULT hr = S_OK;
    if (ErrorRecord) *ErrorRecord = NULL;
    if (Networks) *Networks = NULL;
    sim_enter(&call, FN_ENUMERATE_NETWORKS);
    if (call.fault) set_error(&err, call.fault, "injected fault");
    else if (!Networks) set_error(&err, E_POINTER, "Networks: NULL");
    else if (sim_read_json(Query, 1, &query, &err) == 0 && sim_query_filter(query, &filter, &err) == 0) {
        strbuf sb;
        sb_init(&sb);
        sb_putc(&sb, '[');
        size_t written = 0;
        for (size_t i = 0; i < g_sim.n_networks; i++) {
            const network *net = g_sim.networks[i];
            const char *name = json_get_string(net->doc, "Name"), *type = json_get_string(net->doc, "Type");
            if (!filter_allows(filter, "ID", net->key) || !filter_allows(filter, "Name", name ? name : "") ||
                !filter_allows(filter, "Type", type ? type : ""))
                continue;
            sb_printf(&sb, "%s\"%s\"", written++ ? "," : "", net->key);
        }
        sb_putc(&sb, ']');
        sim_write(Networks, &sb);
    }
    if (err.hr) hr = sim_fail(ErrorRecord, &err);
    json_free(query);
    json_free(filter);
    sim_leave(&call);
    return hr;
}

static network *create_network(const GUID *Id, const json_value *doc, sim_call *call, sim_error *err) {
    GUID id;
    if (!doc || doc->type != JSON_OBJECT) {
        set_error(err, HCN_E_INVALID_JSON, "network settings: must be a JSON object");
        return NULL;
    }
    const json_value *type = json_get(doc, "Type"), *name = json_get(doc, "Name");
    if (!type || type->type != JSON_STRING || !type->len) {
        set_error(err, E_INVALIDARG, "network settings: Type: required string");
        return NULL;
    }
    if (name && name->type != JSON_STRING) {
        set_error(err, E_INVALIDARG, "network settings: Name: must be a string");
        return NULL;
    }
    const json_value *policies = json_get(doc, "Policies");
    if (policies && policies->type != JSON_ARRAY && policies->type != JSON_NULL) {
        set_error(err, HCN_E_INVALID_JSON, "network settings: Policies: must be an array");
        return NULL;
    }
    for (size_t i = 0; policies && policies->type == JSON_ARRAY && i < policies->len; i++)
        if (policies->u.items[i]->type != JSON_OBJECT || !json_get_string(policies->u.items[i], "Type")) {
            set_error(err, HCN_E_INVALID_JSON, "network settings: Policies[%zu]: must be an object with a string Type", i);
            return NULL;
        }
    if (choose_id(Id, doc, &id, err)) return NULL;
    if (network_find(&id)) {
        char key[GUID_TEXT_LEN + 1];
        guid_format(&id, key);
        set_error(err, HRESULT_ERROR_ALREADY_EXISTS, "network %s already exists", key);
        return NULL;
    }
    network *net = xcalloc(1, sizeof *net);
    net->id = id;
    guid_format(&id, net->key);
    net->serial = g_sim.next_serial++;
    net->doc = strip_managed(doc, MANAGED_NETWORK_FIELDS);
    strmap_init(&net->sets);
    modify_stats st = {0};
    if (policies && policies->type == JSON_ARRAY &&
        network_apply(net, REQ_ADD, policies, g_sim.version, &st, err)) {
        network_destroy(net);
        return NULL;
    }
    call->work = st.policies;
    g_sim.counters.set_policies_written += st.sets_written;
    grow((void **)&g_sim.networks, &g_sim.cap_networks, g_sim.n_networks + 1, sizeof *g_sim.networks);
    g_sim.networks[g_sim.n_networks++] = net;
    strmap_put(&g_sim.network_by_id, net->key, net);
    return net;
}

HRESULT WINAPI HcnCreateNetwork(const GUID *Id, const char16_t *Settings, HCN_NETWORK *Network,
                                char16_t **ErrorRecord) {
    sim_call call;
    sim_error err = {0};
    json_value *doc = NULL;
    HRESULT hr = S_OK;
    if (ErrorRecord) *ErrorRecord = NULL;
    if (Network) *Network = NULL;
    sim_enter(&call, FN_CREATE_NETWORK);
    if (call.fault) set_error(&err, call.fault, "injected fault");
    else if (!Network) set_error(&err, E_POINTER, "Network: NULL");
    else if (sim_read_json(Settings, 0, &doc, &err) == 0) {
        network *net = create_network(Id, doc, &call, &err);
        if (net && !(*Network = handle_open(HANDLE_NETWORK, net->key, net->serial)))
            set_error(&err, HR(0x8007000Eu), "too many open handles");
    }
    if (err.hr) hr = sim_fail(ErrorRecord, &err);
    json_free(doc);
    sim_leave(&call);
    return hr;
}

HRESULT WINAPI HcnOpenNetwork(const GUID *Id, HCN_NETWORK *Network, char16_t **ErrorRecord) {
    sim_call call;
    sim_error err = {0};
    HRESULT hr = S_OK;
    if (ErrorRecord) *ErrorRecord = NULL;
    if (Network) *Network = NULL;
    sim_enter(&call, FN_OPEN_NETWORK);
    if (call.fault) set_error(&err, call.fault, "injected fault");
    else if (!Id || !Network) set_error(&err, E_POINTER, "Id or Network: NULL");
    else {
        network *net = network_find(Id);
        char key[GUID_TEXT_LEN + 1];
        guid_format(Id, key);
        if (!net) set_error(&err, HCN_E_NETWORK_NOT_FOUND, "network %s was not found", key);
        else if (!(*Network = handle_open(HANDLE_NETWORK, net->key, net->serial)))
            set_error(&err, HR(0x8007000Eu), "too many open handles");
    }
    if (err.hr) hr = sim_fail(ErrorRecord, &err);
    sim_leave(&call);
    return hr;
}

HRESULT WINAPI HcnModifyNetwork(HCN_NETWORK Network, const char16_t *Settings, char16_t **ErrorRecord) {
    sim_call call;
    sim_error err = {0};
    json_value *doc = NULL;
    HRESULT hr = S_OK;
    if (ErrorRecord) *ErrorRecord = NULL;
    sim_enter(&call, FN_MODIFY_NETWORK);
    network *net = NULL;
    if (call.fault) set_error(&err, call.fault, "injected fault");
    else if ((net = network_from_handle(Network, &err)) && sim_read_json(Settings, 0, &doc, &err) == 0) {
        int type;
        const json_value *policies;
        modify_stats st = {0};
        if (parse_modify_request(doc, &type, &policies, &err) == 0 &&
            network_apply(net, type, policies, g_sim.version, &st, &err) == 0) {
            g_sim.counters.set_policies_written += st.sets_written;
            g_sim.counters.set_policies_removed += st.sets_removed;
        }
        call.work = st.policies;
    }
    if (err.hr) hr = sim_fail(ErrorRecord, &err);
    json_free(doc);
    sim_leave(&call);
    return hr;
}

HRESULT WINAPI HcnQueryNetworkProperties(HCN_NETWORK Network, const char16_t *Query, char16_t **Properties,
                                         char16_t **ErrorRecord) {
    sim_call call;
    sim_error err = {0};
    json_value *query = NULL;
    HRESULT hr = S_OK;
    if (ErrorRecord) *ErrorRecord = NULL;
    if (Properties) *Properties = NULL;
    sim_enter(&call, FN_QUERY_NETWORK);
    network *net = NULL;
    if (call.fault) set_error(&err, call.fault, "injected fault");
    else if (!Properties) set_error(&err, E_POINTER, "Properties: NULL");
    else if ((net = network_from_handle(Network, &err)) && sim_read_json(Query, 1, &query, &err) == 0) {
        if (query && query->type != JSON_OBJECT) set_error(&err, HCN_E_INVALID_JSON, "query: must be a JSON object");
        else {
            strbuf sb;
            sb_init(&sb);
            write_network(&sb, net);
            sim_write(Properties, &sb);
        }
    }
    if (err.hr) hr = sim_fail(ErrorRecord, &err);
    json_free(query);
    sim_leave(&call);
    return hr;
}

HRESULT WINAPI HcnDeleteNetwork(const GUID *Id, char16_t **ErrorRecord) {
    sim_call call;
    sim_error err = {0};
    HRESULT hr = S_OK;
    if (ErrorRecord) *ErrorRecord = NULL;
    sim_enter(&call, FN_DELETE_NETWORK);
    if (call.fault) set_error(&err, call.fault, "injected fault");
    else if (!Id) set_error(&err, E_POINTER, "Id: NULL");
    else {
        network *net = network_find(Id);
        char key[GUID_TEXT_LEN + 1];
        guid_format(Id, key);
        if (!net) set_error(&err, HCN_E_NETWORK_NOT_FOUND, "network %s was not found", key);
        else if (net->n_endpoints)
            set_error(&err, HCN_E_ENTITY_HAS_REFERENCES, "network %s still has %zu endpoint(s)", key, net->n_endpoints);
        else {
            forget_network(net);
            network_destroy(net);
        }
    }
    if (err.hr) hr = sim_fail(ErrorRecord, &err);
    sim_leave(&call);
    return hr;
}

HRESULT WINAPI HcnCloseNetwork(HCN_NETWORK Network) {
    sim_call call;
    HRESULT hr = S_OK;
    sim_enter(&call, FN_CLOSE_NETWORK);
    if (call.fault) hr = call.fault;
    else if (handle_close(Network, HANDLE_NETWORK)) hr = E_HANDLE;
    sim_leave(&call);
    return hr;
}
