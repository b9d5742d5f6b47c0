/* ACL policies: validation of the HNS settings into a compiled rule, and packet matching. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "settings.h"

typedef struct {
    size_t index;
    const char *id;
    sim_error *err;
} acl_ctx;

static int invalid(const acl_ctx *c, HRESULT hr, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int invalid(const acl_ctx *c, HRESULT hr, const char *field, const char *fmt, ...) {
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return set_error(c->err, hr, "ACL policy %zu (Id '%.64s'): %s: %s", c->index, c->id, field, detail);
}

/* The field as text: strings as is, numbers by their digits; NULL (with an error) otherwise. */
static const char *text_field(const acl_ctx *c, const json_value *settings, const char *field, int numbers_ok,
                              int *bad) {
    const json_value *v = json_get(settings, field);
    *bad = 0;
    if (!v || v->type == JSON_NULL) return "";
    if (v->type == JSON_STRING || (numbers_ok && v->type == JSON_NUMBER)) return v->u.text;
    *bad = 1;
    invalid(c, HCN_E_INVALID_POLICY, field, "must be a string");
    return NULL;
}

static int parse_uint(const char *s, size_t n, long max, long *out) {
    if (n == 0 || n > 6) return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v > max) return -1;
    *out = v;
    return 0;
}

static int parse_protocols(const acl_ctx *c, const char *text, acl *a) {
    a->any_protocol = 1;
    if (!*text) return 0;
    const char *p = text, *end = text + strlen(text), *tok;
    size_t len;
    int any = 0;
    while (next_token(&p, end, &tok, &len)) {
        long v;
        if (parse_uint(tok, len, 256, &v))
            return invalid(c, HCN_E_INVALID_POLICY, "Protocols", "'%.*s' is not a protocol number 0..256",
                           (int)(len > 32 ? 32 : len), tok);
        if (v == 256) any = 1;
        else a->protocols[v / 8] |= (uint8_t)(1u << (v % 8));
    }
    a->any_protocol = any;
    return 0;
}

static int parse_ports(const acl_ctx *c, const char *field, const char *text, port_match *m) {
    if (!*text) return 0;
    const char *p = text, *end = text + strlen(text), *tok;
    size_t len, cap = 0;
    while (next_token(&p, end, &tok, &len)) {
        const char *dash = memchr(tok, '-', len);
        long lo, hi;
        int bad = dash ? parse_uint(tok, (size_t)(dash - tok), 65535, &lo) ||
                             parse_uint(dash + 1, len - (size_t)(dash - tok) - 1, 65535, &hi) || lo > hi
                       : parse_uint(tok, len, 65535, &lo);
        if (bad)
            return invalid(c, HCN_E_INVALID_POLICY, field, "'%.*s' is not a port or a port range a-b",
                           (int)(len > 32 ? 32 : len), tok);
        if (!dash) hi = lo;
        grow((void **)&m->ranges, &cap, m->n + 1, sizeof *m->ranges);
        m->ranges[m->n].lo = (uint16_t)lo;
        m->ranges[m->n].hi = (uint16_t)hi;
        m->n++;
    }
    return 0;
}

static int looks_like_address(const char *tok, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (tok[i] == ':' || tok[i] == '/') return 1;
    for (size_t i = 0; i < len; i++)
        if (!(tok[i] == '.' || (tok[i] >= '0' && tok[i] <= '9'))) return 0;
    return 1;
}

static int parse_addresses(const acl_ctx *c, const char *field, const char *text, network *net, int version,
                           addr_match *m) {
    if (!*text) return 0;
    const char *p = text, *end = text + strlen(text), *tok;
    size_t len, n_cidrs = 0, cap_cidrs = 0, cap_sets = 0;
    cidr *cidrs = NULL;
    int rc = 0;
    while (rc == 0 && next_token(&p, end, &tok, &len)) {
        cidr cd;
        if (len && cidr_parse(tok, len, &cd) == 0) {
            if (cd.a.family == 6 && version < GATE_IPV6) {
                rc = invalid(c, HCN_E_INVALID_POLICY, field, "IPv6 needs HNS 11.10");
                break;
            }
            grow((void **)&cidrs, &cap_cidrs, n_cidrs + 1, sizeof *cidrs);
            cidrs[n_cidrs++] = cd;
            continue;
        }
        char *id = xstrndup(tok, len);
        ipset *s = len ? strmap_get(&net->sets, id) : NULL;
        free(id);
        if (!s) {
            rc = invalid(c, len && looks_like_address(tok, len) ? HCN_E_INVALID_IP : HCN_E_INVALID_POLICY, field,
                         "'%.*s' is neither an address, a CIDR nor the id of a set on this network",
                         (int)(len > 64 ? 64 : len), tok);
            break;
        }
        grow((void **)&m->sets, &cap_sets, m->n_sets + 1, sizeof *m->sets);
        m->sets[m->n_sets++] = s;
        s->refs++;
    }
    addrset_build(&m->literal, cidrs, n_cidrs);
    free(cidrs);
    return rc;
}

static int parse_choice(const acl_ctx *c, const json_value *settings, const char *field, const char *a,
                        const char *b, int dflt, int *out) {
    const json_value *v = json_get(settings, field);
    if (!v && dflt >= 0) {
        *out = dflt;
        return 0;
    }
    if (v && v->type == JSON_STRING) {
        if (names_equal(v->u.text, v->len, a)) return *out = 0, 0;
        if (names_equal(v->u.text, v->len, b)) return *out = 1, 0;
    }
    return invalid(c, HCN_E_INVALID_POLICY, field, "must be '%s' or '%s'", a, b);
}

static const char *const ACL_FIELDS[] = {"Id",          "Protocols",       "Action",     "Direction",   "LocalAddresses",
                                          "RemoteAddresses", "LocalPorts", "RemotePorts", "RuleType",       "Priority",
                                          NULL};

/* Priority: 1..65500; a Host rule may give 0 or none where HNS has AclNoHostRulePriority (7.2+). */
static int parse_priority(const acl_ctx *c, const json_value *settings, int host, int version, int *out) {
    const json_value *v = json_get(settings, "Priority");
    int64_t prio;
    int no_host_priority = host && version >= GATE_ACL_NO_HOST_RULE_PRIORITY;
    if ((!v || v->type == JSON_NULL) && no_host_priority) return *out = 0, 0;
    if (json_int(v, &prio) || prio < !no_host_priority || prio > 65500)
        return invalid(c, HCN_E_INVALID_POLICY, "Priority",
                       no_host_priority ? "must be an integer in 0..65500" : "must be an integer in 1..65500");
    *out = (int)prio;
    return 0;
}

acl *acl_parse(const json_value *settings, network *net, int version, size_t index, sim_error *err) {
    acl_ctx c = {index, "", err};
    if (!settings || settings->type != JSON_OBJECT) {
        invalid(&c, HCN_E_INVALID_POLICY, "Settings", "must be an object");
        return NULL;
    }
    char where[48];
    snprintf(where, sizeof where, "ACL policy %zu", index);
    if (check_known_fields(settings, ACL_FIELDS, where, err)) return NULL;
    const json_value *idv = json_get(settings, "Id");
    if (idv && idv->type != JSON_STRING && idv->type != JSON_NULL) {
        invalid(&c, HCN_E_INVALID_POLICY, "Id", "must be a string");
        return NULL;
    }
    acl *a = xcalloc(1, sizeof *a);
    a->id = xstrdup(idv && idv->type == JSON_STRING ? idv->u.text : "");
    c.id = a->id;
    int block, host, bad = 0;
    /* The strict schema types address, port and protocol lists as strings, as HNS declares them. */
    int numbers_ok = setting(SETTING_SCHEMA) != SCHEMA_STRICT;
    if (parse_choice(&c, settings, "Action", "Allow", "Block", -1, &block) ||
        parse_choice(&c, settings, "Direction", "In", "Out", -1, &a->direction) ||
        parse_choice(&c, settings, "RuleType", "Switch", "Host", 0, &host))
        goto fail;
    a->allow = !block;
    a->is_switch = !host;
    if (parse_priority(&c, settings, host, version, &a->priority)) goto fail;
    const char *text = text_field(&c, settings, "Protocols", numbers_ok, &bad);
    if (bad || parse_protocols(&c, text, a)) goto fail;
    static const char *const port_fields[2] = {"LocalPorts", "RemotePorts"};
    port_match *ports[2] = {&a->local_ports, &a->remote_ports};
    for (int i = 0; i < 2; i++) {
        text = text_field(&c, settings, port_fields[i], numbers_ok, &bad);
        if (bad || parse_ports(&c, port_fields[i], text, ports[i])) goto fail;
    }
    static const char *const addr_fields[2] = {"LocalAddresses", "RemoteAddresses"};
    addr_match *addrs[2] = {&a->local, &a->remote};
    for (int i = 0; i < 2; i++) {
        text = text_field(&c, settings, addr_fields[i], 0, &bad);
        if (bad || parse_addresses(&c, addr_fields[i], text, net, version, addrs[i])) goto fail;
    }
    return a;
fail:
    acl_free(a);
    return NULL;
}

static void addr_match_free(addr_match *m) {
    for (size_t i = 0; i < m->n_sets; i++) m->sets[i]->refs--;
    free(m->sets);
    addrset_free(&m->literal);
}

void acl_free(acl *a) {
    if (!a) return;
    free(a->id);
    addr_match_free(&a->local);
    addr_match_free(&a->remote);
    free(a->local_ports.ranges);
    free(a->remote_ports.ranges);
    free(a);
}

/* HNS quirk reproduced on purpose: a field whose sets are all empty (and has no literal
 * address) is treated as absent, so it matches every address. */
static int addr_matches(const addr_match *m, const ipaddr *ip, const ipaddr *set_ip) {
    size_t literal = addrset_size(&m->literal);
    if (literal && addrset_contains(&m->literal, ip)) return 1;
    int restricted = literal > 0;
    for (size_t i = 0; i < m->n_sets; i++) {
        if (ipset_contains(m->sets[i], set_ip, 0)) return 1;
        if (!restricted && !ipset_is_empty(m->sets[i], 0)) restricted = 1;
    }
    return !restricted;
}

static int port_matches(const port_match *m, const packet *pkt, int port) {
    if (!m->n) return 1;
    if (!pkt->has_ports) return 0;
    for (size_t i = 0; i < m->n; i++)
        if (port >= m->ranges[i].lo && port <= m->ranges[i].hi) return 1;
    return 0;
}

int acl_matches(const acl *a, const packet *pkt) {
    if (!a->any_protocol && !(a->protocols[pkt->protocol / 8] & (1u << (pkt->protocol % 8)))) return 0;
    /* Literal addresses are endpoint-relative; sets too, unless they name the flow's ends (NPM layout):
     * inbound, the source is the remote address and the destination the endpoint's own. */
    int swap = pkt->sets_by_flow && pkt->direction == DIR_IN;
    const ipaddr *local_set = swap ? &pkt->remote : &pkt->local, *remote_set = swap ? &pkt->local : &pkt->remote;
    return port_matches(&a->local_ports, pkt, pkt->local_port) &&
           port_matches(&a->remote_ports, pkt, pkt->remote_port) && addr_matches(&a->remote, &pkt->remote, remote_set) &&
           addr_matches(&a->local, &pkt->local, local_set);
}
