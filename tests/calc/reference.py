"""A brute-force statement of what the graph must compute, written from the spec."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from ipaddress import ip_network

from dataplane.calc import IpSetKey, Member
from dataplane.calc.rule_selectors import policy_endpoint_selector, scoped_selector
from dataplane.model import (
    DEFAULT_TIER,
    Action,
    Direction,
    NamedPortRef,
    Namespace,
    NetworkSet,
    Policy,
    Protocol,
    Resource,
    ResourceKey,
    ServiceAccount,
    Tier,
    WorkloadEndpoint,
)
from dataplane.model.wellknown import NAMESPACE_LABEL
from dataplane.selector import ALL, label_equals


@dataclass(frozen=True, slots=True)
class Expected:
    """Per local endpoint (ingress, egress) lists of (tier, default action, policy keys)."""

    endpoints: dict[ResourceKey, tuple[tuple, tuple]]
    labels: dict[ResourceKey, dict[str, str]]
    active: dict[ResourceKey, Policy]


class World:
    """The final objects of a test, evaluated by scanning everything."""

    def __init__(self, objects: Mapping[ResourceKey, Resource]) -> None:
        self.objects = objects

    def _of(self, kind: type) -> list:
        return [value for value in self.objects.values() if isinstance(value, kind)]

    def endpoint_labels(self, endpoint: WorkloadEndpoint) -> dict[str, str]:
        labels: dict[str, str] = {}
        for ns in self._of(Namespace):
            if ns.name == endpoint.namespace:
                labels.update({f"pcns.{k}": v for k, v in ns.labels.items()})
        for sa in self._of(ServiceAccount):
            if (sa.namespace, sa.name) == (endpoint.namespace, endpoint.service_account):
                labels.update({f"pcsa.{k}": v for k, v in sa.labels.items()})
        labels.update(endpoint.labels)
        labels["projectcalico.org/namespace"] = endpoint.namespace
        labels["projectcalico.org/orchestrator"] = "k8s"
        if endpoint.service_account:
            labels["projectcalico.org/serviceaccount"] = endpoint.service_account
        return labels

    def network_set_labels(self, network_set: NetworkSet) -> dict[str, str]:
        labels: dict[str, str] = {}
        if network_set.namespace:
            for ns in self._of(Namespace):
                if ns.name == network_set.namespace:
                    labels.update({f"pcns.{k}": v for k, v in ns.labels.items()})
        labels.update(network_set.labels)
        if network_set.namespace:
            labels["projectcalico.org/namespace"] = network_set.namespace
        return labels

    def tier(self, name: str) -> Tier:
        for tier in self._of(Tier):
            if tier.name == name:
                return tier
        return DEFAULT_TIER if name == "default" else Tier(name, None, Action.DENY)

    def expected(self, node: str) -> Expected:
        endpoints: dict[ResourceKey, tuple[tuple, tuple]] = {}
        labels_of: dict[ResourceKey, dict[str, str]] = {}
        active: dict[ResourceKey, Policy] = {}
        local = [e for e in self._of(WorkloadEndpoint) if e.node == node]
        for endpoint in local:
            if any(_outranks(other, endpoint) for other in local if other is not endpoint):
                continue  # shadowed: another local pod claims one of its addresses
            labels = self.endpoint_labels(endpoint)
            labels_of[endpoint.key] = labels
            selecting = [p for p in self._of(Policy) if policy_endpoint_selector(p).matches(labels)]
            lists = []
            for direction in (Direction.INGRESS, Direction.EGRESS):
                chosen = [p for p in selecting if direction in p.types]
                active.update((p.key, p) for p in chosen)
                lists.append(self._tiers(chosen))
            endpoints[endpoint.key] = (lists[0], lists[1])
        return Expected(endpoints, labels_of, active)

    def _tiers(self, chosen: list[Policy]) -> tuple:
        names = {p.tier for p in chosen}
        ordered = sorted(
            (self.tier(n) for n in names),
            key=lambda t: (t.order is None, t.order if t.order is not None else 0, t.name),
        )
        result = []
        for tier in ordered:
            members = sorted(
                (p for p in chosen if p.tier == tier.name),
                key=lambda p: (
                    p.order is None,
                    p.order if p.order is not None else 0,
                    p.name,
                    p.kind.value,
                    p.namespace,
                ),
            )
            result.append((tier.name, tier.default_action, tuple(p.key for p in members)))
        return tuple(result)

    def active_sets(self, node: str) -> frozenset[IpSetKey]:
        """The sets the rules of the active policies read: per rule side its scoped
        selector (the policy's namespace when it only has a notSelector) and its
        notSelector; per remote named port, one set per protocol the ports can have."""
        keys: set[IpSetKey] = set()
        for policy in self.expected(node).active.values():
            for direction in policy.types:
                for rule in policy.rules(direction):
                    if rule.action is Action.LOG:
                        continue
                    for side in (rule.source, rule.destination):
                        if side.not_selector is not None:
                            keys.add(IpSetKey(side.not_selector))
                        positive = scoped_selector(policy, side)
                        if positive is None and side.uses_selector and policy.namespace:
                            positive = label_equals(NAMESPACE_LABEL, policy.namespace)
                        if positive is not None:
                            keys.add(IpSetKey(positive))
                    remote = rule.source if direction is Direction.INGRESS else rule.destination
                    protocols = (
                        Protocol.WITH_PORTS - {rule.not_protocol}
                        if rule.protocol is None
                        else Protocol.WITH_PORTS & {rule.protocol}
                    )
                    for port in remote.ports:
                        if isinstance(port, NamedPortRef):
                            keys.update(IpSetKey(ALL, None, (port.name, p)) for p in protocols)
        return frozenset(keys)

    def members(self, key: IpSetKey) -> frozenset[Member]:
        found: set[Member] = set()
        for endpoint in self._of(WorkloadEndpoint):
            if not key.selector.matches(self.endpoint_labels(endpoint)):
                continue
            cidrs = clip((f"{a}/{128 if ':' in a else 32}" for a in endpoint.addresses), key.nets)
            if key.named_port is None:
                found.update(cidrs)
            else:
                ports = [p.port for p in endpoint.ports if (p.name, p.protocol) == key.named_port]
                found.update((cidr, port) for cidr in cidrs for port in ports)
        if key.named_port is None:
            for network_set in self._of(NetworkSet):
                if key.selector.matches(self.network_set_labels(network_set)):
                    found.update(clip(network_set.nets, key.nets))
        return frozenset(found)


def _outranks(other: WorkloadEndpoint, endpoint: WorkloadEndpoint) -> bool:
    """``other`` shares an address with ``endpoint`` and wins it: not being deleted,
    then newer, then first by key."""
    if not set(other.addresses) & set(endpoint.addresses):
        return False
    mine, theirs = (not endpoint.deleting, endpoint.created), (not other.deleting, other.created)
    return theirs > mine or (theirs == mine and other.key < endpoint.key)


def clip(cidrs: Iterable[str], nets: tuple[str, ...] | None) -> list[str]:
    """Each CIDR's overlap with each filter net (the whole CIDR when unfiltered)."""
    out = []
    for cidr in cidrs:
        if nets is None:
            out.append(cidr)
            continue
        a = ip_network(cidr)
        for text in nets:
            b = ip_network(text)
            if a.version == b.version and a.overlaps(b):
                out.append(str(a if a.prefixlen >= b.prefixlen else b))
    return out
