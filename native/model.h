/* The simulated HNS objects: networks, endpoints, their policies, IP sets and compiled ACLs. */
#ifndef HCNSIM_MODEL_H
#define HCNSIM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "guid.h"
#include "ipaddr.h"
#include "json.h"
#include "strmap.h"

#define SET_MAX_NESTING 32

typedef struct ipset ipset;
struct ipset {
    char *id;
    int nested;                /* 0: IPSET (addresses), 1: NESTEDIPSET (member set ids) */
    addrset members;           /* IPSET */
    ipset **children;          /* NESTEDIPSET */
    size_t n_children;
    size_t refs;               /* ACL address tokens and nested sets that name this set */
    /* Scratch state of the modify request in progress. */
    int staged;
    addrset staged_members;
    ipset **staged_children;
    size_t n_staged_children;
    int mark;
    int height;
    size_t removed_refs;
};

typedef struct {
    addrset literal; /* IPs and CIDRs written in the field */
    ipset **sets;    /* set ids written in the field */
    size_t n_sets;
} addr_match;

typedef struct {
    uint16_t lo, hi;
} port_range;

typedef struct {
    port_range *ranges;
    size_t n; /* 0: any port */
} port_match;

enum { DIR_IN = 0, DIR_OUT = 1 };

typedef struct {
    char *id; /* "" when the ACL has none */
    int allow;
    int direction;
    int is_switch;
    int priority;
    int any_protocol;
    uint8_t protocols[32]; /* bitmap over 0..255 */
    addr_match local, remote;
    port_match local_ports, remote_ports;
    size_t order; /* position on the endpoint, for deterministic ties */
} acl;

typedef struct {
    json_value *doc; /* {"Type":..,"Settings":..} exactly as programmed */
    acl *acl;        /* compiled ACL (endpoints) */
    ipset *set;      /* IP set (networks) */
} policy;

typedef struct {
    policy *items;
    size_t n, cap;
} policy_list;

/* What networks and endpoints share, the first member of both: a pointer to either converts to
 * and from a pointer to its hcn_object. */
typedef struct {
    GUID id;
    char key[GUID_TEXT_LEN + 1];
    uint64_t serial; /* a re-created object gets a new serial, so stale handles miss it */
    json_value *doc; /* create settings without the fields the simulator manages */
} hcn_object;

typedef struct network {
    hcn_object obj;
    policy_list policies;
    strmap sets; /* set id -> ipset */
    strmap routes; /* canonical DestinationPrefix of each RemoteSubnetRoute (routes.c) */
    size_t n_endpoints;
} network;

typedef struct endpoint {
    hcn_object obj;
    network *net;
    ipaddr *ips;
    size_t n_ips;
    int state;
    policy_list policies;
    acl **index[2]; /* Switch ACLs per direction, by priority then order */
    size_t n_index[2];
    acl **host_index[2]; /* Host ACLs, the same way */
    size_t n_host_index[2];
} endpoint;

/* A packet as the classifier sees it, from the endpoint's point of view. */
typedef struct {
    int direction;
    int protocol;
    int has_ports;
    ipaddr local, remote;
    int local_port, remote_port;
    int sets_by_flow; /* set_side=npm: sets in LocalAddresses name the source, in RemoteAddresses the destination */
} packet;

/* Version gates, as major << 16 | minor. */
#define HNS_VERSION(major, minor) (((major) << 16) | (minor))
#define GATE_ACL_NO_HOST_RULE_PRIORITY HNS_VERSION(7, 2)
#define GATE_IPV6 HNS_VERSION(11, 10)
#define GATE_SET_POLICY HNS_VERSION(13, 0)
#define GATE_NESTED_SET HNS_VERSION(15, 0)

/* acl.c */
acl *acl_parse(const json_value *settings, network *net, int version, size_t index, sim_error *err);
void acl_free(acl *a);
int acl_matches(const acl *a, const packet *pkt);

/* ipset.c */
typedef ipset *(*set_lookup_fn)(void *ctx, const char *id);
/* A new, empty set (refs 0) named by SetPolicy settings; fill it with ipset_stage + ipset_commit. */
ipset *ipset_create(const json_value *settings, int version, size_t index, sim_error *err);
/* Stages the contents given by settings (the PolicyType must match); nested ids resolve via lookup. */
int ipset_stage(ipset *s, const json_value *settings, int version, size_t index, set_lookup_fn lookup, void *ctx,
                sim_error *err);
void ipset_unstage(ipset *s);
/* Makes the staged contents current, moving the references from the old members to the new. */
void ipset_commit(ipset *s);
/* Fails when a cycle or nesting deeper than SET_MAX_NESTING is reachable from s (staged contents count). */
int ipset_check_nesting(ipset *s, sim_error *err);
/* Drops this set's references to its members (before freeing several sets together). */
void ipset_release_children(ipset *s);
void ipset_free(ipset *s);
int ipset_is_empty(const ipset *s, int depth);
int ipset_contains(const ipset *s, const ipaddr *ip, int depth);

/* policies.c: the modify requests, all-or-nothing. */
enum { REQ_ADD, REQ_REMOVE, REQ_UPDATE, REQ_REFRESH };
typedef struct {
    size_t acls_added, acls_removed, sets_written, sets_removed, policies;
} modify_stats;
int parse_modify_request(const json_value *req, int *type, const json_value **policies, sim_error *err);
/* Checks a Policies array (absent or null passes): objects with a string Type; where names it in errors. */
int check_policy_array(const json_value *list, const char *where, sim_error *err);
int endpoint_apply(endpoint *ep, int type, const json_value *policies, int version, modify_stats *st,
                   sim_error *err);
int network_apply(network *net, int type, const json_value *policies, int version, modify_stats *st,
                  sim_error *err);
void policy_list_clear(policy_list *l);
void endpoint_reindex(endpoint *ep);

#endif
