"""A node's dataplane programmed into the HNS simulator through the real pipeline."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dataplane.apply.adopt import adopt_endpoint
from dataplane.apply.executor import execute_plan_sync
from dataplane.apply.routes import RouteReconciler
from dataplane.apply.simcni import cni_policies
from dataplane.engine import Engine, EngineConfig
from dataplane.hns import HcnApi, simulator
from dataplane.model import (
    Delete,
    InSync,
    Kind,
    ResourceKey,
    Update,
    Upsert,
    WorkloadEndpoint,
)
from dataplane.simulate.origins import admin_rule
from dataplane.simulate.verdicts import EndpointPacket, RouteHop, SideVerdict

SIMULATED_NODE = "simulated-node"
_MAX_PLAN_ROUNDS = 4


class SimulationError(RuntimeError):
    """The pipeline could not program the simulator."""


def on_node(updates: Iterable[Update], node_name: str) -> list[Update]:
    """The updates with every pod moved onto ``node_name`` (simulating one node for all)."""
    moved: list[Update] = []
    for update in updates:
        if isinstance(update, Upsert) and isinstance(update.value, WorkloadEndpoint):
            update = Upsert(dataclasses.replace(update.value, node=node_name))
        moved.append(update)
    return moved


def pod_name(key: ResourceKey) -> str:
    """``namespace/name`` of a pod key."""
    return f"{key.namespace}/{key.name}"


class SimulatedNode:
    """One node's dataplane programmed into the HNS simulator through the real pipeline.

    Feed model updates with :meth:`apply`: the engine plans, the executor writes
    the plan and the overlay routes into the simulator (one HNS endpoint per local
    pod), and :meth:`side` asks the simulator's classifier about one packet.
    Without ``instance`` the node uses the default simulator instance, which it
    resets; with one, it owns that named instance (one per node of a cluster).
    """

    def __init__(
        self,
        node_name: str = SIMULATED_NODE,
        *,
        set_policy: bool | None = None,
        host_addresses: Sequence[str] = (),
        instance: str | None = None,
        network_type: str = "L2Bridge",
    ) -> None:
        self._instance = instance
        if instance is None:
            simulator.reset()
        else:
            simulator.select_instance(instance)
        simulator.configure()
        self.node_name = node_name
        self._api = HcnApi(backend="sim")
        config = EngineConfig.for_features(self._api.features)
        overrides: dict[str, Any] = {"host_addresses": tuple(host_addresses)}
        if set_policy is not None:
            overrides["set_policy"] = set_policy
        self.engine = Engine(node_name, dataclasses.replace(config, **overrides))
        self._network_id = self._api.create_network("simulate", network_type)
        self._routes = RouteReconciler() if network_type == "Overlay" else None
        if self._routes is not None:
            self._routes.adopt("simulate", network_type, ())
        self._endpoint_ids: dict[ResourceKey, str] = {}
        self._addresses: dict[ResourceKey, tuple[str, ...]] = {}
        self._pods: dict[str, WorkloadEndpoint] = {}
        self._synced = False

    @property
    def pods(self) -> Mapping[str, WorkloadEndpoint]:
        """Every pod with an address, local or not, by ``namespace/name``."""
        return self._pods

    def is_local(self, pod: str) -> bool:
        return self._pods[pod].node == self.node_name

    def _select(self) -> None:
        if self._instance is not None:
            simulator.select_instance(self._instance)

    def apply(self, updates: Iterable[Update]) -> None:
        """Feed updates to the engine and program the resulting plan into the simulator."""
        self._select()
        batch = list(updates)
        for update in batch:
            self._track(update)
        if not self._synced:
            batch.append(InSync())
            self._synced = True
        self.engine.apply(batch)
        for _ in range(_MAX_PLAN_ROUNDS):
            plan = self.engine.plan()
            if self._sync_endpoints():
                continue  # endpoints appeared or went: plan again against what HNS has
            if not plan:
                self._program_routes()
                return
            result = execute_plan_sync(
                self.engine, plan, self._api, self._endpoint_ids, self._network_id
            )
            if not result.ok:
                raise SimulationError(
                    f"programming the simulator failed ({result.failed} failed, "
                    f"{result.skipped} skipped): {list(result.errors)}"
                )
        raise SimulationError(f"the plan did not settle after {_MAX_PLAN_ROUNDS} rounds")

    def _program_routes(self) -> None:
        """Send the overlay route changes, one request each (as the agent does); a node
        simulated alone (not Overlay) has every pod local and programs none."""
        if self._routes is None:
            return
        self._routes.update(self.engine.take_route_changes())
        if self._routes.error:
            raise SimulationError(self._routes.error)
        for request in self._routes.requests():
            self._api.modify_network(self._network_id, request.to_modify_request())
            self._routes.acknowledge(request, None)

    def programmed_routes(self) -> list[dict[str, Any]]:
        """The routes programmed on this node's network (prefix, provider address, MAC, VNI)."""
        return list(self._routes.status()["programmed"]) if self._routes is not None else []

    def routes(self) -> dict[str, list[dict[str, Any]]]:
        """No node of a cluster is simulated alone: no routes to report."""
        return {}

    def route_to(self, ip: str) -> dict[str, Any] | None:
        """The ``RemoteSubnetRoute`` the simulated VFP takes towards ``ip`` (None: no route)."""
        self._select()
        return simulator.lookup_route(self._network_id, ip)

    def hop(self, source: str, destination: str, destination_ip: str) -> RouteHop | None:
        """No routing decision on one node: every pod is local."""
        return None

    def _track(self, update: Update) -> None:
        if isinstance(update, Upsert):
            value = update.value
            if isinstance(value, WorkloadEndpoint):
                self._pods[pod_name(update.key)] = value
        elif isinstance(update, Delete) and update.key.kind is Kind.WORKLOAD_ENDPOINT:
            self._pods.pop(pod_name(update.key), None)

    def _sync_endpoints(self) -> bool:
        """Play the CNI: one simulator endpoint per local pod, following its addresses.

        Returns whether any endpoint was created or deleted (a plan made before is stale).
        """
        local = self.engine.local_endpoints()
        changed = False
        for key in list(self._endpoint_ids):
            if key not in local or self._addresses[key] != local[key].addresses:
                self._api.delete_endpoint(self._endpoint_ids.pop(key))
                del self._addresses[key]
                self.engine.set_programmed_endpoint(key, None)
                changed = True
        for key, pod in local.items():
            if key not in self._endpoint_ids:
                name = f"{key.namespace}_{key.name}"
                self._endpoint_ids[key] = self._api.create_endpoint(
                    self._network_id, name, list(pod.addresses), policies=cni_policies()
                )
                self._addresses[key] = pod.addresses
                info = self._api.query_endpoint(self._endpoint_ids[key])
                adopt_endpoint(self.engine, key, info.policies)
                changed = True
        return changed

    def policies(self, pod: str) -> tuple[dict[str, Any], ...]:
        """Every policy the simulator holds on a local pod's endpoint (ACLs and the CNI's)."""
        return self._api.query_endpoint(self._endpoint_ids[self._pods[pod].key]).policies

    def notes(self, pod: str) -> tuple[str, ...]:
        """The engine's fail-closed notes for a local pod (empty when exact)."""
        status = self.engine.endpoint_status(self._pods[pod].key)
        return tuple(status.notes) if status is not None else ()

    def side(self, pod: str, packet: EndpointPacket) -> SideVerdict:
        """The simulator's verdict on one packet at ``pod``'s endpoint."""
        self._select()
        label = "egress" if packet.direction == "Out" else "ingress"
        key = self._pods[pod].key
        endpoint_id = self._endpoint_ids.get(key)
        if endpoint_id is None:
            return SideVerdict(pod, label, None, "", f"{pod} is not on node {self.node_name}")
        verdict = simulator.classify(
            endpoint_id,
            packet.direction,
            packet.protocol,
            packet.local_ip,
            packet.local_port,
            packet.remote_ip,
            packet.remote_port,
        )
        rule = self.engine.acl_origin(key, verdict.acl_id) if verdict.acl_id else None
        origin = self._origin(key, verdict.acl_id) if verdict.acl_id else "no policy"
        notes = (
            () if rule is None else tuple(n for n in self.notes(pod) if n.startswith(rule + " ("))
        )
        return SideVerdict(pod, label, verdict.allowed, verdict.acl_id, origin, notes)

    def _origin(self, key: ResourceKey, acl_id: str) -> str:
        """What an ACL was compiled from, as the engine recorded it."""
        label = self.engine.acl_origin(key, acl_id)
        if label is None:
            return "unknown origin"
        if label in _ORIGIN_TEXT:
            return _ORIGIN_TEXT[label]
        if label.startswith("tier "):
            return f"default deny ({label})"
        rule = admin_rule(label, self.engine.graph.active_policies())
        return f"policy {label}" if rule is None else f"policy {label} = {rule}"


_ORIGIN_TEXT = {
    "host": "host traffic (allowed by configuration)",
    "allow-all": "no policy in this direction, or passed on by every tier: allowed",
    "overflow": "fail-closed block (more priorities needed than HNS has)",
}


def simulate_node(
    updates: Iterable[Update], node_name: str | None = None, **options: Any
) -> SimulatedNode:
    """A programmed node: every pod placed on it, or (``node_name`` given) only that node's
    pods local while the others stay set members and probe peers."""
    node = SimulatedNode(node_name or SIMULATED_NODE, **options)
    node.apply(updates if node_name else on_node(updates, SIMULATED_NODE))
    return node
