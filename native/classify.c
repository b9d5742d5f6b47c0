/* HcnSimClassify: would VFP allow this packet on this endpoint, with HNS's ACL semantics? */
#include <stdio.h>
#include <string.h>

#include "api_object.h"
#include "settings.h"

static int has_ports(int protocol) { return protocol == 6 || protocol == 17 || protocol == 132; }

/* The endpoint's first address of the family, for a packet given without a local address. */
static int endpoint_address(const endpoint *ep, int family, ipaddr *out) {
    for (size_t i = 0; i < ep->n_ips; i++)
        if (ep->ips[i].family == family) {
            *out = ep->ips[i];
            return 0;
        }
    return -1;
}

/* Lowest priority number wins; among the matches at that priority, Block wins. */
static const acl *decide(acl *const *rules, size_t n, const packet *pkt) {
    const acl *winner = NULL;
    for (size_t i = 0; i < n; i++) {
        const acl *a = rules[i];
        if (winner && a->priority != winner->priority) break;
        if ((!winner || (winner->allow && !a->allow)) && acl_matches(a, pkt)) winner = a;
    }
    return winner;
}

static size_t switch_acl_count(const endpoint *ep) { return ep->n_index[DIR_IN] + ep->n_index[DIR_OUT]; }

/* host_rules=required: on L2Bridge and Overlay networks the host firewall layer also filters an endpoint
 * that carries any ACL; a packet passes it only through a matching Host Allow of its direction.
 * When it blocks, *by is the Host Block that decided (NULL: no Host ACL matched). */
static int host_layer_blocks(const endpoint *ep, const packet *pkt, const acl **by) {
    *by = NULL;
    if (setting(SETTING_HOST_RULES) != HOST_RULES_REQUIRED) return 0;
    const char *type = json_get_string(ep->net->obj.doc, "Type");
    if (!type || (ascii_casecmp_n(type, strlen(type), "L2Bridge") && ascii_casecmp_n(type, strlen(type), "Overlay")))
        return 0;
    if (!switch_acl_count(ep) && !ep->n_host_index[DIR_IN] && !ep->n_host_index[DIR_OUT]) return 0;
    *by = decide(ep->host_index[pkt->direction], ep->n_host_index[pkt->direction], pkt);
    return !(*by && (*by)->allow);
}

int HcnSimClassify(const GUID *endpoint_id, int direction, int protocol, const char *local_ip, int local_port,
                   const char *remote_ip, int remote_port, char *acl_id, size_t acl_id_len) {
    sim_call call;
    int result;
    if (acl_id && acl_id_len) acl_id[0] = '\0';
    sim_enter(&call, FN_CLASSIFY);
    packet pkt = {direction, protocol, has_ports(protocol), {0}, {0}, local_port, remote_port,
                  setting(SETTING_SET_SIDE) == SET_SIDE_NPM};
    const endpoint *ep = endpoint_id ? (const endpoint *)object_find(&ENDPOINT_KIND, endpoint_id) : NULL;
    if (call.fault) result = call.fault;
    else if (!endpoint_id || (direction != DIR_IN && direction != DIR_OUT) || protocol < 0 || protocol > 255 ||
             (pkt.has_ports && (local_port < 0 || local_port > 65535 || remote_port < 0 || remote_port > 65535)))
        result = E_INVALIDARG;
    else if (!ep) result = HCN_E_ENDPOINT_NOT_FOUND;
    else if (!remote_ip || ip_parse(remote_ip, strlen(remote_ip), &pkt.remote)) result = HCN_E_INVALID_IP;
    else if (local_ip && *local_ip ? ip_parse(local_ip, strlen(local_ip), &pkt.local)
                                   : endpoint_address(ep, pkt.remote.family, &pkt.local))
        result = HCN_E_INVALID_IP;
    else if (pkt.local.family != pkt.remote.family) result = E_INVALIDARG;
    else {
        const acl *winner = NULL;
        if (host_layer_blocks(ep, &pkt, &winner)) result = 0;
        else if (!switch_acl_count(ep)) result = 1;
        else {
            winner = decide(ep->index[pkt.direction], ep->n_index[pkt.direction], &pkt);
            result = winner && winner->allow;
        }
        if (winner && acl_id && acl_id_len) snprintf(acl_id, acl_id_len, "%s", winner->id);
    }
    sim_leave(&call);
    return result;
}
