"""Whether one rule of a raw policy manifest matches one packet.

Written from the Kubernetes NetworkPolicy and Calico rule references
(SEMANTICS.md), reading the manifests' own fields.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from tests.reference.cluster import Cluster, NetworkSet, Pod, protocol_number
from tests.reference.selectors import Selector, calico, label_selector

Entity = Pod | NetworkSet
Rule = Mapping[str, Any]
INGRESS, EGRESS = "Ingress", "Egress"


class Icmp(Protocol):
    @property
    def type(self) -> int: ...
    @property
    def code(self) -> int | None: ...


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
    icmp: Icmp | None = None

    @property
    def ip_version(self) -> int:
        return ipaddress.ip_address(self.src_ip).version


@dataclass(frozen=True, slots=True)
class PolicyScope:
    """What a rule needs to know of its policy: its namespace ("" when global)."""

    namespace: str


@lru_cache(maxsize=4096)
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(cidr, strict=False)


def in_nets(ip: str, nets: Any) -> bool:
    """True when ``ip`` lies in any of ``nets`` (never in another family's)."""
    address = ipaddress.ip_address(ip)
    return any(address in _network(net) for net in nets)


def entities_at(cluster: Cluster, ip: str) -> tuple[Entity, ...]:
    """What a Calico selector can pick at ``ip``: its pod and the network sets holding it."""
    found: list[Entity] = [pod for pod in cluster.endpoints if ip in pod.addresses]
    found.extend(ns for ns in cluster.network_sets if in_nets(ip, ns.nets))
    return tuple(found)


def _labels(cluster: Cluster, entity: Entity) -> Mapping[str, str]:
    if isinstance(entity, Pod):
        return cluster.pod_labels(entity)
    return cluster.network_set_labels(entity)


# -- ports ---------------------------------------------------------------------------


def _named_port_matches(owner: Pod | None, name: str, protocol: int, port: int) -> bool:
    """A named port is the destination's container port with that name and protocol."""
    if owner is None:
        return False
    return any(p.name == name and p.protocol == protocol and p.number == port for p in owner.ports)


def _calico_port_matches(entry: Any, port: int, protocol: int, owner: Pod | None) -> bool:
    """A Calico port: a number, ``"first:last"``, or a name."""
    if isinstance(entry, int):
        return entry == port
    first, colon, last = str(entry).partition(":")
    if first.isdigit() and (not colon or last.isdigit()):
        return int(first) <= port <= int(last if colon else first)
    return _named_port_matches(owner, str(entry), protocol, port)


# -- Calico rules --------------------------------------------------------------------------


def _uses_selector(side: Rule) -> bool:
    accounts = side.get("serviceAccounts") or {}
    return any(
        calico(side.get(name)) is not None
        for name in ("selector", "notSelector", "namespaceSelector")
    ) or bool(accounts.get("names") or calico(accounts.get("selector")))


def _in_namespace_scope(cluster: Cluster, selector: Selector, entity: Entity) -> bool:
    """A rule's namespaceSelector: ``global()`` picks non-namespaced things, others namespaces."""
    if selector.is_global:
        return not entity.namespace
    return bool(entity.namespace) and selector.matches(cluster.namespace_labels(entity.namespace))


def _positive_match(cluster: Cluster, scope: PolicyScope, side: Rule, entity: Entity) -> bool:
    """The side's selector fields (notSelector aside), after namespace scoping."""
    namespaces = calico(side.get("namespaceSelector"))
    if namespaces is not None:
        if not _in_namespace_scope(cluster, namespaces, entity):
            return False
    elif scope.namespace and entity.namespace != scope.namespace:
        return False
    selector = calico(side.get("selector"))
    if selector is not None and not selector.matches(_labels(cluster, entity)):
        return False
    accounts = side.get("serviceAccounts") or {}
    names = accounts.get("names") or ()
    if names and not (isinstance(entity, Pod) and entity.service_account in names):
        return False
    by_labels = calico(accounts.get("selector"))
    if by_labels is not None:
        labels = (
            cluster.service_account_labels(entity.namespace, entity.service_account)
            if isinstance(entity, Pod)
            else {}
        )
        if not by_labels.matches(labels):
            return False
    return True


def _has_positive_part(scope: PolicyScope, side: Rule) -> bool:
    """A side with selector fields is limited positively, unless it is a bare
    notSelector in a global policy."""
    accounts = side.get("serviceAccounts") or {}
    positive = (
        calico(side.get("selector")) is not None
        or calico(side.get("namespaceSelector")) is not None
        or bool(accounts.get("names"))
        or calico(accounts.get("selector")) is not None
    )
    return positive or bool(scope.namespace)


def _selectors_match(cluster: Cluster, scope: PolicyScope, side: Rule, ip: str) -> bool:
    """IP-set semantics: ``ip`` is in the positive set and not in the notSelector set."""
    if not _uses_selector(side):
        return True
    entities = entities_at(cluster, ip)
    if _has_positive_part(scope, side) and not any(
        _positive_match(cluster, scope, side, e) for e in entities
    ):
        return False
    excluded = calico(side.get("notSelector"))
    if excluded is not None:
        return not any(excluded.matches(_labels(cluster, e)) for e in entities)
    return True


def calico_side_matches(
    cluster: Cluster, scope: PolicyScope, side: Rule, ip: str, port: int | None, protocol: int
) -> bool:
    """Whether one side (source or destination) of a Calico rule matches."""
    nets, not_nets = side.get("nets") or (), side.get("notNets") or ()
    if nets and not in_nets(ip, nets):
        return False
    if not_nets and in_nets(ip, not_nets):
        return False
    ports, not_ports = side.get("ports") or (), side.get("notPorts") or ()
    if ports or not_ports:
        if port is None:
            return False
        owner = cluster.pod_with_address(ip)
        if ports and not any(_calico_port_matches(p, port, protocol, owner) for p in ports):
            return False
        if any(_calico_port_matches(p, port, protocol, owner) for p in not_ports):
            return False
    return _selectors_match(cluster, scope, side, ip)


def _icmp_matches(match: Mapping[str, Any], packet: Packet) -> bool:
    if packet.icmp is None or packet.icmp.type != match["type"]:
        return False
    return match.get("code") is None or packet.icmp.code == match["code"]


def calico_rule_matches(cluster: Cluster, scope: PolicyScope, rule: Rule, packet: Packet) -> bool:
    """All of a Calico rule's conditions hold (a rule with an HTTP match never does)."""
    if rule.get("http") is not None:
        return False
    if rule.get("protocol") is not None and protocol_number(rule["protocol"]) != packet.protocol:
        return False
    if (
        rule.get("notProtocol") is not None
        and protocol_number(rule["notProtocol"]) == packet.protocol
    ):
        return False
    if rule.get("icmp") is not None and not _icmp_matches(rule["icmp"], packet):
        return False
    if rule.get("notICMP") is not None and _icmp_matches(rule["notICMP"], packet):
        return False
    if rule.get("ipVersion") is not None and rule["ipVersion"] != packet.ip_version:
        return False
    source, destination = rule.get("source") or {}, rule.get("destination") or {}
    return calico_side_matches(
        cluster, scope, source, packet.src_ip, packet.src_port, packet.protocol
    ) and calico_side_matches(
        cluster, scope, destination, packet.dst_ip, packet.dst_port, packet.protocol
    )


# -- Kubernetes rules ---------------------------------------------------------------------------


def _k8s_peer_matches(cluster: Cluster, namespace: str, peer: Rule, ip: str) -> bool:
    """A NetworkPolicyPeer: an ipBlock (cidr minus excepts), or pods chosen by pod and/or
    namespace selectors (pods only: never network sets)."""
    block = peer.get("ipBlock")
    if block is not None:
        return in_nets(ip, [block["cidr"]]) and not in_nets(ip, block.get("except") or ())
    pod = cluster.pod_with_address(ip)
    if pod is None:
        return False
    namespaces = peer.get("namespaceSelector")
    if namespaces is None:
        if pod.namespace != namespace:
            return False
    elif not label_selector(namespaces).matches(cluster.namespace_labels(pod.namespace)):
        return False
    pods = peer.get("podSelector")
    return pods is None or label_selector(pods).matches(pod.labels)


def _k8s_port_matches(cluster: Cluster, entry: Rule, packet: Packet) -> bool:
    """A NetworkPolicyPort (protocol TCP by default) against the packet's destination."""
    if protocol_number(entry.get("protocol") or "TCP") != packet.protocol:
        return False
    port = entry.get("port")
    if port is None:
        return True
    if packet.dst_port is None:
        return False
    if isinstance(port, str):
        owner = cluster.pod_with_address(packet.dst_ip)
        return _named_port_matches(owner, port, packet.protocol, packet.dst_port)
    return port <= packet.dst_port <= (entry.get("endPort") or port)


def k8s_rule_matches(
    cluster: Cluster, namespace: str, rule: Rule, direction: str, packet: Packet
) -> bool:
    """A NetworkPolicy ingress/egress rule: any peer (none: all) and any port (none: all)."""
    peers = rule.get("from" if direction == INGRESS else "to") or ()
    remote = packet.src_ip if direction == INGRESS else packet.dst_ip
    if peers and not any(_k8s_peer_matches(cluster, namespace, p, remote) for p in peers):
        return False
    ports = rule.get("ports") or ()
    return not ports or any(_k8s_port_matches(cluster, p, packet) for p in ports)
