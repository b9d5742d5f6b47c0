/* RemoteSubnetRoute network policies (the VXLAN overlay): validation and longest-prefix lookup. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_object.h"
#include "routes.h"

/* The VSID range an Overlay network accepts (hcsshim's IsolationId is a uint16; Windows
 * reserves the VSIDs below 4096). */
#define ROUTE_MIN_ISOLATION_ID 4096
#define ROUTE_MAX_ISOLATION_ID 65535

static int is_route(const json_value *item) {
    const char *type = json_get_string(item, "Type");
    return type && !ascii_casecmp_n(type, strlen(type), "RemoteSubnetRoute");
}

/* A CIDR with a prefix length and no host bits set. */
static int parse_prefix(const char *text, cidr *out) {
    const char *slash = text ? strchr(text, '/') : NULL;
    ipaddr host;
    if (!slash || cidr_parse(text, strlen(text), out) || ip_parse(text, (size_t)(slash - text), &host)) return -1;
    return memcmp(&host, &out->a, sizeof host) == 0 ? 0 : -1;
}

/* Six hex pairs separated by dashes, as HNS writes MAC addresses. */
static int valid_mac(const char *text) {
    if (!text || strlen(text) != 17) return 0;
    for (int i = 0; i < 17; i++)
        if (i % 3 == 2 ? text[i] != '-' : !isxdigit((unsigned char)text[i])) return 0;
    return 1;
}

static int check_route(const json_value *settings, size_t i, cidr *prefix, sim_error *err) {
    if (!settings || settings->type != JSON_OBJECT)
        return set_error(err, HCN_E_INVALID_JSON, "RemoteSubnetRoute %zu: Settings: must be an object", i);
    const char *dest = json_get_string(settings, "DestinationPrefix");
    if (parse_prefix(dest, prefix))
        return set_error(err, HCN_E_INVALID_POLICY, "RemoteSubnetRoute %zu: DestinationPrefix: not a network CIDR: '%.64s'",
                         i, dest ? dest : "");
    const char *provider = json_get_string(settings, "ProviderAddress");
    ipaddr pa;
    if (!provider || ip_parse(provider, strlen(provider), &pa) || pa.family != 4)
        return set_error(err, HCN_E_INVALID_IP, "RemoteSubnetRoute %zu: ProviderAddress: not an IPv4 address: '%.64s'", i,
                         provider ? provider : "");
    const char *mac = json_get_string(settings, "DistributedRouterMacAddress");
    if (!valid_mac(mac))
        return set_error(err, HCN_E_INVALID_POLICY,
                         "RemoteSubnetRoute %zu: DistributedRouterMacAddress: expected XX-XX-XX-XX-XX-XX, got '%.64s'", i,
                         mac ? mac : "");
    int64_t vsid;
    const json_value *id = json_get(settings, "IsolationId");
    if (!id || json_int(id, &vsid) || vsid < ROUTE_MIN_ISOLATION_ID || vsid > ROUTE_MAX_ISOLATION_ID)
        return set_error(err, HCN_E_INVALID_POLICY, "RemoteSubnetRoute %zu: IsolationId: must be an integer in %d..%d", i,
                         ROUTE_MIN_ISOLATION_ID, ROUTE_MAX_ISOLATION_ID);
    return 0;
}

/* The canonical text of a prefix (family, address bytes, length): equal prefixes, equal keys. */
#define PREFIX_KEY_LEN 48
static void prefix_key(const cidr *c, char out[PREFIX_KEY_LEN]) {
    char *p = out;
    p += sprintf(p, "%u:", c->a.family);
    for (int i = 0; i < (c->a.family == 4 ? 4 : 16); i++) p += sprintf(p, "%02x", c->a.b[i]);
    sprintf(p, "/%u", c->prefix);
}

/* The key of a route policy document, 0 on success. */
static int route_key(const json_value *doc, char out[PREFIX_KEY_LEN]) {
    cidr prefix;
    if (!is_route(doc) || parse_prefix(json_get_string(json_get(doc, "Settings"), "DestinationPrefix"), &prefix))
        return -1;
    prefix_key(&prefix, out);
    return 0;
}

void routes_index_add(network *net, const json_value *list) {
    char key[PREFIX_KEY_LEN];
    for (size_t i = 0; list && i < list->len; i++)
        if (route_key(list->u.items[i], key) == 0 && !strmap_get(&net->routes, key)) {
            char *owned = xstrdup(key);
            strmap_put(&net->routes, owned, owned);
        }
}

void routes_index_drop(network *net, const json_value *policy_doc) {
    char key[PREFIX_KEY_LEN];
    char *owned = route_key(policy_doc, key) == 0 ? strmap_get(&net->routes, key) : NULL;
    if (!owned) return;
    strmap_remove(&net->routes, key);
    free(owned);
}

void routes_index_free(network *net) {
    for (size_t i = 0; i < net->routes.cap; i++)
        if (net->routes.slots[i].key) free(net->routes.slots[i].value);
    strmap_free(&net->routes);
    strmap_init(&net->routes);
}

void routes_index_rebuild(network *net) {
    routes_index_free(net);
    for (size_t p = 0; p < net->policies.n; p++) {
        char key[PREFIX_KEY_LEN];
        if (route_key(net->policies.items[p].doc, key) == 0 && !strmap_get(&net->routes, key)) {
            char *owned = xstrdup(key);
            strmap_put(&net->routes, owned, owned);
        }
    }
}

int routes_check(const network *net, const json_value *list, int replacing, sim_error *err) {
    size_t n = list ? list->len : 0, count = 0;
    for (size_t i = 0; i < n; i++) count += is_route(list->u.items[i]);
    if (!count) return 0;
    const char *type = json_get_string(net->obj.doc, "Type");
    if (!type || ascii_casecmp_n(type, strlen(type), "Overlay"))
        return set_error(err, HCN_E_INVALID_POLICY, "RemoteSubnetRoute needs an Overlay network; %s is %s", net->obj.key,
                         type ? type : "untyped");
    char (*keys)[PREFIX_KEY_LEN] = xcalloc(count, sizeof *keys);
    strmap batch;
    strmap_init(&batch);
    size_t k = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!is_route(list->u.items[i])) continue;
        cidr prefix;
        rc = check_route(json_get(list->u.items[i], "Settings"), i, &prefix, err);
        if (rc) break;
        prefix_key(&prefix, keys[k]);
        if ((!replacing && strmap_get(&net->routes, keys[k])) || strmap_get(&batch, keys[k]))
            rc = set_error(err, HCN_E_POLICY_ALREADY_EXISTS,
                           "RemoteSubnetRoute %zu: a route to %.64s already exists on the network", i,
                           json_get_string(json_get(list->u.items[i], "Settings"), "DestinationPrefix"));
        strmap_put(&batch, keys[k], keys[k]);
        k++;
    }
    strmap_free(&batch);
    free(keys);
    return rc;
}

const json_value *route_lookup(const network *net, const ipaddr *ip) {
    const json_value *best = NULL;
    int best_len = -1;
    for (size_t p = 0; p < net->policies.n; p++) {
        const json_value *doc = net->policies.items[p].doc;
        cidr prefix;
        if (!is_route(doc)) continue;
        const json_value *settings = json_get(doc, "Settings");
        if (parse_prefix(json_get_string(settings, "DestinationPrefix"), &prefix) == 0 && cidr_contains(&prefix, ip) &&
            prefix.prefix > best_len) {
            best = settings;
            best_len = prefix.prefix;
        }
    }
    return best;
}

int HcnSimLookupRoute(const GUID *network_id, const char *ip, char *route, size_t route_len) {
    sim_call call;
    int result = 0;
    ipaddr addr;
    if (route && route_len) route[0] = '\0';
    sim_enter(&call, FN_LOOKUP_ROUTE);
    const network *net = network_id ? (const network *)object_find(&NETWORK_KIND, network_id) : NULL;
    if (call.fault) result = call.fault;
    else if (!network_id) result = E_INVALIDARG;
    else if (!net) result = HCN_E_NETWORK_NOT_FOUND;
    else if (!ip || ip_parse(ip, strlen(ip), &addr)) result = HCN_E_INVALID_IP;
    else {
        const json_value *settings = route_lookup(net, &addr);
        if (settings) {
            strbuf sb;
            sb_init(&sb);
            json_write(&sb, settings);
            if (route && route_len) snprintf(route, route_len, "%s", sb.data ? sb.data : "");
            sb_free(&sb);
            result = 1;
        }
    }
    sim_leave(&call);
    return result;
}
