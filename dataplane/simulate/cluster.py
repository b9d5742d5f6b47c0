"""A whole cluster simulated node by node: one simulated HNS per Node, routes between them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from dataplane.calc.nodes import NodeVteps
from dataplane.model import (
    CalicoNode,
    Delete,
    Kind,
    Node,
    ResourceKey,
    Update,
    Upsert,
    Vtep,
    WorkloadEndpoint,
)
from dataplane.simulate.node import SIMULATED_NODE, SimulatedNode
from dataplane.simulate.verdicts import EndpointPacket, RouteHop, SideVerdict


def node_names(updates: Iterable[Update]) -> list[str]:
    """The nodes the updates hold a Node object of (Kubernetes or Calico), sorted."""
    return sorted(
        {
            u.value.name
            for u in updates
            if isinstance(u, Upsert) and isinstance(u.value, Node | CalicoNode)
        }
    )


def node_vteps(updates: Iterable[Update]) -> dict[str, Vtep]:
    """Each node's VTEP in force after the updates (as the calc graph combines them)."""
    vteps = NodeVteps()
    for update in updates:
        match update:
            case Upsert(value=Node() as node):
                vteps.set_kubernetes(node.name, node)
            case Upsert(value=CalicoNode() as node):
                vteps.set_calico(node.name, node)
            case Delete(key=ResourceKey(kind=Kind.NODE, name=name)):
                vteps.set_kubernetes(name, None)
            case Delete(key=ResourceKey(kind=Kind.CALICO_NODE, name=name)):
                vteps.set_calico(name, None)
    return vteps.vteps()


class SimulatedCluster:
    """Every Node object's agent pipeline programmed into its own simulated HNS instance
    (an Overlay network, the node's pods as endpoints, the node's routes).

    Pods on nodes without a Node object all go to one extra simulated node, as a
    single-node simulation does; connections to or from them get no routing check.
    A connection between two nodes is decided as a real cluster would: the source
    node's egress ACLs, its route to the destination's address (none: not
    delivered), then the destination node's ingress ACLs.
    """

    def __init__(self, updates: Iterable[Update], **options: Any) -> None:
        from dataplane.hns import simulator

        batch = list(updates)
        names = node_names(batch)
        known = set(names)
        moved = [_place(update, known) for update in batch]
        homeless = any(
            isinstance(u, Upsert)
            and isinstance(u.value, WorkloadEndpoint)
            and u.value.node == SIMULATED_NODE
            for u in moved
        )
        simulator.reset()
        self.nodes: dict[str, SimulatedNode] = {}
        for name in [*names, *([SIMULATED_NODE] if homeless else [])]:
            node = SimulatedNode(name, instance=name, network_type="Overlay", **options)
            node.apply(moved)
            self.nodes[name] = node
        self._vteps = {name: vtep.provider_address for name, vtep in node_vteps(batch).items()}
        self._any = next(iter(self.nodes.values()))

    @property
    def pods(self) -> Mapping[str, WorkloadEndpoint]:
        """Every pod with an address, by ``namespace/name`` (on the node it runs on)."""
        return self._any.pods

    def node_of(self, pod: str) -> str:
        return self.pods[pod].node

    def side(self, pod: str, packet: EndpointPacket) -> SideVerdict:
        """The verdict of the pod's own node on one packet at its endpoint."""
        return self.nodes[self.node_of(pod)].side(pod, packet)

    def hop(self, source: str, destination: str, destination_ip: str) -> RouteHop | None:
        """The source node's route towards the destination's node (None on one node)."""
        src_node, dst_node = self.node_of(source), self.node_of(destination)
        if src_node == dst_node or SIMULATED_NODE in (src_node, dst_node):
            return None
        route = self.nodes[src_node].route_to(destination_ip)
        if route is None:
            reason = f"node {src_node} has no route to {destination_ip}"
            return RouteHop(src_node, dst_node, False, None, reason)
        provider = route.get("ProviderAddress")
        via = (
            f"{route.get('DestinationPrefix')} via {provider} "
            f"({route.get('DistributedRouterMacAddress')}, VNI {route.get('IsolationId')})"
        )
        if provider != self._vteps.get(dst_node):
            owner = next((n for n, a in self._vteps.items() if a == provider), "no node")
            reason = f"route {via} leads to {owner}, but {destination} runs on {dst_node}"
            return RouteHop(src_node, dst_node, False, route, reason)
        return RouteHop(src_node, dst_node, True, route, f"route {via}")

    def routes(self) -> dict[str, list[dict[str, Any]]]:
        """Each Node's programmed routes."""
        return {
            name: node.programmed_routes()
            for name, node in self.nodes.items()
            if name != SIMULATED_NODE
        }

    def notes(self, pod: str) -> tuple[str, ...]:
        return self.nodes[self.node_of(pod)].notes(pod)


def _place(update: Update, known: set[str]) -> Update:
    """A pod on a node without a Node object moves to the catch-all simulated node."""
    value = update.value if isinstance(update, Upsert) else None
    if isinstance(value, WorkloadEndpoint) and value.node not in known:
        return Upsert(dataclasses.replace(value, node=SIMULATED_NODE))
    return update


def simulate(updates: Iterable[Update], node_name: str | None = None, **options: Any) -> Any:
    """A simulated cluster when the updates hold Node objects (and no node is singled out),
    else one simulated node as :func:`simulate_node` gives."""
    from dataplane.simulate.node import simulate_node

    batch = list(updates)
    if node_name is None and node_names(batch):
        return SimulatedCluster(batch, **options)
    return simulate_node(batch, node_name, **options)
