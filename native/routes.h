/* RemoteSubnetRoute network policies: what networks' modify path and the lookup share. */
#ifndef HCNSIM_ROUTES_H
#define HCNSIM_ROUTES_H

#include "model.h"

/* Checks the RemoteSubnetRoute entries of a network Add (replacing = 0) or Update (replacing = 1:
 * the request replaces every route) request: fields, an Overlay network, and no prefix twice. */
int routes_check(const network *net, const json_value *list, int replacing, sim_error *err);
/* The network's index of route prefixes, kept by the modify requests: after an Add (its list), before
 * a route policy is dropped, after an Update (rebuilt); freed with the network. */
void routes_index_add(network *net, const json_value *list);
void routes_index_drop(network *net, const json_value *policy_doc);
void routes_index_rebuild(network *net);
void routes_index_free(network *net);
/* The Settings of the network's most specific route containing ip, or NULL. */
const json_value *route_lookup(const network *net, const ipaddr *ip);

#endif
