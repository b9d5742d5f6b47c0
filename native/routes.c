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

static int same_prefix(const cidr *a, const cidr *b) { return a->prefix == b->prefix && !memcmp(&a->a, &b->a, sizeof a->a); }

int routes_check(const network *net, const json_value *list, int replacing, sim_error *err) {
    size_t n = list ? list->len : 0, count = 0;
    for (size_t i = 0; i < n; i++) count += is_route(list->u.items[i]);
    if (!count) return 0;
    const char *type = json_get_string(net->obj.doc, "Type");
    if (!type || ascii_casecmp_n(type, strlen(type), "Overlay"))
        return set_error(err, HCN_E_INVALID_POLICY, "RemoteSubnetRoute needs an Overlay network; %s is %s", net->obj.key,
                         type ? type : "untyped");
    cidr *seen = xcalloc(count + net->policies.n, sizeof *seen);
    size_t k = 0;
    if (!replacing)
        for (size_t p = 0; p < net->policies.n; p++)
            if (is_route(net->policies.items[p].doc) &&
                parse_prefix(json_get_string(json_get(net->policies.items[p].doc, "Settings"), "DestinationPrefix"),
                             &seen[k]) == 0)
                k++;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!is_route(list->u.items[i])) continue;
        cidr prefix;
        rc = check_route(json_get(list->u.items[i], "Settings"), i, &prefix, err);
        for (size_t s = 0; s < k && rc == 0; s++)
            if (same_prefix(&seen[s], &prefix))
                rc = set_error(err, HCN_E_POLICY_ALREADY_EXISTS,
                               "RemoteSubnetRoute %zu: a route to %.64s already exists on the network", i,
                               json_get_string(json_get(list->u.items[i], "Settings"), "DestinationPrefix"));
        seen[k++] = prefix;
    }
    free(seen);
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
