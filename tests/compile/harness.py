"""A node on the HNS simulator driven through Engine: build clusters, program, classify."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import pytest

from dataplane.apply.adopt import acls_of, adopt_endpoint, ipsets_of
from dataplane.apply.executor import ExecutionResult, execute_plan_sync
from dataplane.engine import Engine, EngineConfig
from dataplane.hns import HcnApi, simulator
from dataplane.model import (
    Action,
    Delete,
    Direction,
    EntityMatch,
    InSync,
    Kind,
    Labels,
    NamedPort,
    Namespace,
    NetworkSet,
    Policy,
    Rule,
    Tier,
    Update,
    Upsert,
    WorkloadEndpoint,
)
from dataplane.model.wellknown import K8S_NAMESPACE_NAME_LABEL
from dataplane.plan.requests import AclSpec, IpSetSpec, Plan
from dataplane.selector import parse

NODE = "node-1"
TCP, UDP, ICMP = 6, 17, 1

MODES = [pytest.param(True, id="setpolicy"), pytest.param(False, id="inline")]
"""Both set modes: SetPolicy references and inlined addresses."""


def namespace(name: str = "ns", **labels: str) -> Namespace:
    return Namespace(name, Labels({K8S_NAMESPACE_NAME_LABEL: name, **labels}))


def pod(
    name: str,
    address: str | tuple[str, ...],
    node: str = NODE,
    ns: str = "ns",
    ports: tuple[NamedPort, ...] = (),
    **labels: str,
) -> WorkloadEndpoint:
    addresses = (address,) if isinstance(address, str) else address
    return WorkloadEndpoint(ns, name, node, addresses, Labels(labels), ports)


def netset(name: str, nets: tuple[str, ...], ns: str = "", **labels: str) -> NetworkSet:
    return NetworkSet(ns, name, nets, Labels(labels))


def side(**fields: Any) -> EntityMatch:
    """An EntityMatch; selector fields may be given as text."""
    for name in ("selector", "not_selector", "namespace_selector", "service_account_selector"):
        if isinstance(fields.get(name), str):
            fields[name] = parse(fields[name])
    return EntityMatch(**fields)


def policy(
    name: str,
    selector: str = "all()",
    ingress: Iterable[Rule] | None = None,
    egress: Iterable[Rule] | None = None,
    ns: str = "ns",
    tier: str = "default",
    order: float | None = 100.0,
    kind: Kind = Kind.NETWORK_POLICY,
) -> Policy:
    types = set()
    if ingress is not None:
        types.add(Direction.INGRESS)
    if egress is not None:
        types.add(Direction.EGRESS)
    return Policy(
        kind,
        "" if kind is Kind.GLOBAL_NETWORK_POLICY else ns,
        name,
        parse(selector),
        frozenset(types),
        tuple(ingress or ()),
        tuple(egress or ()),
        tier,
        order,
    )


def allow(**fields: Any) -> Rule:
    return Rule(Action.ALLOW, **fields)


def deny(**fields: Any) -> Rule:
    return Rule(Action.DENY, **fields)


def pass_(**fields: Any) -> Rule:
    return Rule(Action.PASS, **fields)


def tier(name: str, order: float, default: Action = Action.DENY) -> Tier:
    return Tier(name, order, default)


class SimNode:
    """One node: an Engine programming the simulator's endpoints for its local pods."""

    def __init__(self, version: tuple[int, int] = (15, 0), **config: Any) -> None:
        simulator.reset()
        # The ``remove`` update mode relies on HNS honouring Remove (the default ignores it).
        remove = config.get("acl_update_mode") == "remove"
        simulator.configure(version=version, settings={"acl_remove": "honoured"} if remove else {})
        self.api = HcnApi("sim")
        self.network = self.api.create_network("test")
        self.config = dataclasses.replace(EngineConfig(), **config)
        self.engine = Engine(NODE, self.config)
        self.ids: dict[Any, str] = {}
        self.last: ExecutionResult | None = None

    def apply(self, *updates: Update | Any) -> None:
        """Feed resources (bare values are upserts); local pods get an HNS endpoint."""
        batch: list[Update] = [
            u if isinstance(u, Upsert | Delete | InSync) else Upsert(u) for u in updates
        ]
        for update in batch:
            if isinstance(update, Upsert) and isinstance(update.value, WorkloadEndpoint):
                ep = update.value
                if ep.node == NODE and ep.key not in self.ids:
                    self.ids[ep.key] = self.api.create_endpoint(self.network, ep.name, ep.addresses)
                    info = self.api.query_endpoint(self.ids[ep.key])
                    adopt_endpoint(self.engine, ep.key, info.policies)
        self.engine.apply(batch)

    def sync(self) -> Plan:
        """Plan and execute; every request must succeed."""
        plan = self.engine.plan()
        self.last = execute_plan_sync(self.engine, plan, self.api, self.ids, self.network)
        assert self.last.failed == 0, self.last.errors
        return plan

    def setup(self, *resources: Any) -> Plan:
        self.apply(*resources, InSync())
        return self.sync()

    def acls(self, target: WorkloadEndpoint) -> list[AclSpec]:
        """The switch ACLs HNS really holds on a pod's endpoint, by priority (the Host
        rules every endpoint carrying ACLs gets are left out: ``host_rules``)."""
        found = self.all_acls(target)
        return [a for a in found if a.rule_type == "Switch"]

    def all_acls(self, target: WorkloadEndpoint) -> list[AclSpec]:
        """Every ACL HNS really holds on a pod's endpoint, by priority."""
        info = self.api.query_endpoint(self.ids[target.key])
        return sorted(acls_of(info.policies), key=lambda a: (a.direction, a.priority, a.id))

    def sets(self) -> dict[str, IpSetSpec]:
        return {s.id: s for s in ipsets_of(self.api.query_network(self.network).policies)}

    def allowed_in(
        self,
        target: WorkloadEndpoint,
        src: str,
        protocol: int = TCP,
        port: int = 80,
        sport: int = 40000,
    ) -> bool:
        """Would ``target`` accept this packet from ``src``?"""
        return simulator.classify(
            self.ids[target.key], "In", protocol, None, port, src, sport
        ).allowed

    def allowed_out(
        self,
        source: WorkloadEndpoint,
        dst: str,
        protocol: int = TCP,
        port: int = 80,
        sport: int = 40000,
    ) -> bool:
        """Would ``source`` send this packet to ``dst``?"""
        return simulator.classify(
            self.ids[source.key], "Out", protocol, None, sport, dst, port
        ).allowed
