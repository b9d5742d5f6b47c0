/* The exported HCN network functions: what networks add to the shared calls of api_object.c. */
#include "api_object.h"
#include "routes.h"

#include <stddef.h>

static const char *const MANAGED_NETWORK_FIELDS[] = {"ID", "Policies", "SchemaVersion", NULL};

static int check_network(const hcn_object *parent, const json_value *doc, sim_error *err) {
    (void)parent;
    const json_value *type = json_get(doc, "Type"), *name = json_get(doc, "Name");
    if (!type || type->type != JSON_STRING || !type->len)
        return set_error(err, E_INVALIDARG, "network settings: Type: required string");
    if (name && name->type != JSON_STRING) return set_error(err, E_INVALIDARG, "network settings: Name: must be a string");
    return 0;
}

static int init_network(hcn_object *obj, hcn_object *parent, const json_value *doc, sim_error *err) {
    (void)parent, (void)doc, (void)err;
    strmap_init(&((network *)obj)->sets);
    strmap_init(&((network *)obj)->routes);
    return 0;
}

static int apply_network(hcn_object *obj, int type, const json_value *policies, modify_stats *st, sim_error *err) {
    return network_apply((network *)obj, type, policies, g_sim.version, st, err);
}

static int network_listed(const hcn_object *obj, const json_value *filter) {
    const char *type = json_get_string(obj->doc, "Type");
    return filter_allows(filter, "Type", type ? type : "");
}

static void write_network(strbuf *sb, const hcn_object *obj) {
    sb_printf(sb, "{\"ID\":\"%s\",", obj->key);
    write_members(sb, obj->doc);
    write_policies(sb, &((const network *)obj)->policies);
}

static int network_in_use(const hcn_object *obj, sim_error *err) {
    size_t n = ((const network *)obj)->n_endpoints;
    return n ? set_error(err, HCN_E_ENTITY_HAS_REFERENCES, "network %s still has %zu endpoint(s)", obj->key, n) : 0;
}

static void release_network(hcn_object *obj) {
    network *net = (network *)obj;
    policy_list_clear(&net->policies);
    strmap_free(&net->sets);
    routes_index_free(net);
}

const object_kind NETWORK_KIND = {
    .noun = "network",
    .param = "Network",
    .handle = HANDLE_NETWORK,
    .fn = FN_NETWORK,
    .not_found = HCN_E_NETWORK_NOT_FOUND,
    .live = offsetof(sim_state, networks),
    .size = sizeof(network),
    .managed = MANAGED_NETWORK_FIELDS,
    .check = check_network,
    .init = init_network,
    .apply = apply_network,
    .listed = network_listed,
    .write = write_network,
    .in_use = network_in_use,
    .release = release_network,
};

HRESULT WINAPI HcnEnumerateNetworks(const char16_t *Query, char16_t **Networks, char16_t **ErrorRecord) {
    return object_enumerate(&NETWORK_KIND, Query, Networks, ErrorRecord);
}

HRESULT WINAPI HcnCreateNetwork(const GUID *Id, const char16_t *Settings, HCN_NETWORK *Network,
                                char16_t **ErrorRecord) {
    return object_create(&NETWORK_KIND, NULL, Id, Settings, Network, ErrorRecord);
}

HRESULT WINAPI HcnOpenNetwork(const GUID *Id, HCN_NETWORK *Network, char16_t **ErrorRecord) {
    return object_open(&NETWORK_KIND, Id, Network, ErrorRecord);
}

HRESULT WINAPI HcnModifyNetwork(HCN_NETWORK Network, const char16_t *Settings, char16_t **ErrorRecord) {
    return object_modify(&NETWORK_KIND, Network, Settings, ErrorRecord);
}

HRESULT WINAPI HcnQueryNetworkProperties(HCN_NETWORK Network, const char16_t *Query, char16_t **Properties,
                                         char16_t **ErrorRecord) {
    return object_query(&NETWORK_KIND, Network, Query, Properties, ErrorRecord);
}

HRESULT WINAPI HcnDeleteNetwork(const GUID *Id, char16_t **ErrorRecord) {
    return object_delete(&NETWORK_KIND, Id, ErrorRecord);
}

HRESULT WINAPI HcnCloseNetwork(HCN_NETWORK Network) { return object_close(&NETWORK_KIND, Network); }
