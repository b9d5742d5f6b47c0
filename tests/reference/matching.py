"""Whether one policy rule matches one packet, written from the Calico rule reference."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from dataplane.model import (
    EntityMatch,
    IcmpMatch,
    Labels,
    NamedPortRef,
    NetworkSet,
    Policy,
    Port,
    Rule,
    WorkloadEndpoint,
)
from dataplane.selector import GLOBAL, Selector
from tests.reference.cluster import Cluster

Entity = WorkloadEndpoint | NetworkSet


@dataclass(frozen=True, slots=True)
class Packet:
    """The first packet of a connection: addresses, protocol, ports, ICMP type/code.

    Ports are None for protocols without ports; ``icmp`` is None for non-ICMP
    packets (an ICMP packet without a type matches no ``icmp`` rule).
    """

    src_ip: str
    dst_ip: str
    protocol: int
    src_port: int | None = None
    dst_port: int | None = None
    icmp: IcmpMatch | None = None

    @property
    def ip_version(self) -> int:
        return ipaddress.ip_address(self.src_ip).version


@lru_cache(maxsize=4096)
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(cidr, strict=False)


def in_nets(ip: str, nets: tuple[str, ...]) -> bool:
    """True when ``ip`` lies in any of ``nets`` (an address never lies in another family)."""
    address = ipaddress.ip_address(ip)
    return any(address in _network(net) for net in nets)


def entities_at(cluster: Cluster, ip: str) -> tuple[Entity, ...]:
    """Everything a selector can pick that carries ``ip``: its endpoint and the sets holding it."""
    found: list[Entity] = [ep for ep in cluster.endpoints if ip in ep.addresses]
    found.extend(ns for ns in cluster.network_sets if in_nets(ip, ns.nets))
    return tuple(found)


def _labels(cluster: Cluster, entity: Entity) -> Labels:
    if isinstance(entity, WorkloadEndpoint):
        return Labels(cluster.endpoint_labels(entity))
    return Labels(cluster.network_set_labels(entity))


def _service_account_labels(cluster: Cluster, entity: Entity) -> Mapping[str, str]:
    if isinstance(entity, WorkloadEndpoint) and entity.service_account:
        return cluster.service_account_labels(entity.namespace, entity.service_account)
    return {}


def _in_namespace_scope(cluster: Cluster, selector: Selector, entity: Entity) -> bool:
    """A rule's namespaceSelector: ``global()`` picks non-namespaced things, others namespaces."""
    if selector == GLOBAL:
        return not entity.namespace
    if not entity.namespace:
        return False
    return selector.matches(Labels(cluster.namespace_labels(entity.namespace)))


def _positive_match(cluster: Cluster, policy: Policy, side: EntityMatch, entity: Entity) -> bool:
    """The side's selector fields (without notSelector) after namespace scoping."""
    if side.namespace_selector is not None:
        if not _in_namespace_scope(cluster, side.namespace_selector, entity):
            return False
    elif policy.namespace and entity.namespace != policy.namespace:
        return False
    if side.selector is not None and not side.selector.matches(_labels(cluster, entity)):
        return False
    if side.service_account_names:
        if not isinstance(entity, WorkloadEndpoint):
            return False
        if entity.service_account not in side.service_account_names:
            return False
    if side.service_account_selector is not None:
        sa_labels = Labels(_service_account_labels(cluster, entity))
        if not side.service_account_selector.matches(sa_labels):
            return False
    return True


def _has_positive_part(policy: Policy, side: EntityMatch) -> bool:
    """Calico limits a side positively unless it is a bare notSelector in a global policy."""
    if not side.uses_selector:
        return False
    positive_fields = (
        side.selector is not None
        or side.namespace_selector is not None
        or bool(side.service_account_names)
        or side.service_account_selector is not None
    )
    return positive_fields or bool(policy.namespace)


def _selectors_match(cluster: Cluster, policy: Policy, side: EntityMatch, ip: str) -> bool:
    """IP-set semantics: ip is in the positive set and not in the notSelector set."""
    if not side.uses_selector:
        return True
    entities = entities_at(cluster, ip)
    if _has_positive_part(policy, side) and not any(
        _positive_match(cluster, policy, side, e) for e in entities
    ):
        return False
    if side.not_selector is not None:
        return not any(side.not_selector.matches(_labels(cluster, e)) for e in entities)
    return True


def _port_matches(entry: Port, port: int, protocol: int, owner: WorkloadEndpoint | None) -> bool:
    """A numeric range, or a named port of the endpoint that owns the packet's address."""
    if isinstance(entry, NamedPortRef):
        if owner is None:
            return False
        return any(
            p.name == entry.name and p.protocol == protocol and p.port == port for p in owner.ports
        )
    return entry.first <= port <= entry.last


def side_matches(
    cluster: Cluster,
    policy: Policy,
    side: EntityMatch,
    ip: str,
    port: int | None,
    protocol: int,
) -> bool:
    """Whether one side (source or destination) of a rule matches an address and port."""
    if side.nets and not in_nets(ip, side.nets):
        return False
    if side.not_nets and in_nets(ip, side.not_nets):
        return False
    if side.ports or side.not_ports:
        if port is None:
            return False
        owner = cluster.endpoint_with_address(ip)
        if side.ports and not any(_port_matches(p, port, protocol, owner) for p in side.ports):
            return False
        if any(_port_matches(p, port, protocol, owner) for p in side.not_ports):
            return False
    return _selectors_match(cluster, policy, side, ip)


def _icmp_matches(match: IcmpMatch, packet: Packet) -> bool:
    if packet.icmp is None or packet.icmp.type != match.type:
        return False
    return match.code is None or packet.icmp.code == match.code


def rule_matches(cluster: Cluster, policy: Policy, rule: Rule, packet: Packet) -> bool:
    """All of a rule's conditions hold for the packet (rules with HTTP matches never do)."""
    if rule.has_http_match:
        return False
    if rule.protocol is not None and rule.protocol != packet.protocol:
        return False
    if rule.not_protocol is not None and rule.not_protocol == packet.protocol:
        return False
    if rule.icmp is not None and not _icmp_matches(rule.icmp, packet):
        return False
    if rule.not_icmp is not None and _icmp_matches(rule.not_icmp, packet):
        return False
    if rule.ip_version is not None and rule.ip_version != packet.ip_version:
        return False
    source_ok = side_matches(
        cluster, policy, rule.source, packet.src_ip, packet.src_port, packet.protocol
    )
    return source_ok and side_matches(
        cluster, policy, rule.destination, packet.dst_ip, packet.dst_port, packet.protocol
    )
