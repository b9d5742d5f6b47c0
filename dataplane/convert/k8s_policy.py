"""Kubernetes networking.k8s.io/v1 NetworkPolicy to a model Policy."""

from __future__ import annotations

from dataplane.convert.fields import Field
from dataplane.convert.identity import ObjectIdentity
from dataplane.convert.nets import read_network
from dataplane.convert.policy_types import listed_policy_types
from dataplane.convert.ports import PortGroup, port_groups, read_k8s_port
from dataplane.convert.protocols import read_k8s_protocol
from dataplane.convert.selectors import read_label_selector
from dataplane.model import (
    ANY_ENTITY,
    Action,
    Direction,
    EntityMatch,
    Kind,
    Policy,
    Port,
    Rule,
)

K8S_POLICY_TIER = "default"
K8S_POLICY_ORDER = 1000.0

_SPEC_FIELDS = ("podSelector", "policyTypes", "ingress", "egress")
_INGRESS_FIELDS = ("from", "ports")
_EGRESS_FIELDS = ("to", "ports")
_PEER_FIELDS = ("podSelector", "namespaceSelector", "ipBlock")
_IP_BLOCK_FIELDS = ("cidr", "except")
_PORT_FIELDS = ("protocol", "port", "endPort")


def convert_k8s_network_policy(identity: ObjectIdentity, obj: Field) -> Policy:
    """A NetworkPolicy as an all-Allow policy in the default tier at order 1000."""
    spec = obj.get("spec")
    if spec.missing:
        raise spec.error("missing required field")
    spec.known(_SPEC_FIELDS)
    ingress = spec.get("ingress")
    egress = spec.get("egress")
    return Policy(
        kind=Kind.K8S_NETWORK_POLICY,
        namespace=identity.key.namespace,
        name=identity.key.name,
        selector=read_label_selector(spec.get("podSelector")),
        types=_policy_types(spec.get("policyTypes"), egress_present=not egress.missing),
        ingress=tuple(
            rule for entry in ingress.items() for rule in _rules(entry, Direction.INGRESS)
        ),
        egress=tuple(rule for entry in egress.items() for rule in _rules(entry, Direction.EGRESS)),
        tier=K8S_POLICY_TIER,
        order=K8S_POLICY_ORDER,
    )


def _policy_types(field: Field, *, egress_present: bool) -> frozenset[Direction]:
    """Explicit policyTypes, else Ingress plus Egress when ``spec.egress`` is present.

    An empty list counts as not given, as in the API server's defaulting.
    """
    listed = listed_policy_types(field, reject_duplicates=False)
    if listed:
        return listed
    if egress_present:
        return frozenset({Direction.INGRESS, Direction.EGRESS})
    return frozenset({Direction.INGRESS})


def _rules(entry: Field, direction: Direction) -> list[Rule]:
    """One Allow rule per peer (or one for any peer) and per protocol among the ports."""
    peers_name = "from" if direction is Direction.INGRESS else "to"
    entry.known(_INGRESS_FIELDS if direction is Direction.INGRESS else _EGRESS_FIELDS)
    peers = [_peer(peer) for peer in entry.get(peers_name).items()] or [ANY_ENTITY]
    groups = _port_groups(entry.get("ports"))
    rules: list[Rule] = []
    for peer in peers:
        for protocol, ports in groups:
            if direction is Direction.INGRESS:
                source, destination = peer, EntityMatch(ports=ports)
            else:
                source, destination = ANY_ENTITY, _with_ports(peer, ports)
            rules.append(
                Rule(action=Action.ALLOW, protocol=protocol, source=source, destination=destination)
            )
    return rules


def _with_ports(peer: EntityMatch, ports: tuple[Port, ...]) -> EntityMatch:
    return EntityMatch(
        nets=peer.nets,
        not_nets=peer.not_nets,
        selector=peer.selector,
        namespace_selector=peer.namespace_selector,
        ports=ports,
    )


def _peer(peer: Field) -> EntityMatch:
    """A NetworkPolicyPeer: pod and/or namespace selectors, or an ipBlock."""
    peer.known(_PEER_FIELDS)
    pods, namespaces, ip_block = (peer.get(name) for name in _PEER_FIELDS)
    if not ip_block.missing:
        if not pods.missing or not namespaces.missing:
            raise peer.error("ipBlock cannot be combined with podSelector or namespaceSelector")
        return _ip_block(ip_block)
    if pods.missing and namespaces.missing:
        raise peer.error("a peer must set podSelector, namespaceSelector or ipBlock")
    return EntityMatch(
        selector=None if pods.missing else read_label_selector(pods),
        namespace_selector=None if namespaces.missing else read_label_selector(namespaces),
    )


def _ip_block(ip_block: Field) -> EntityMatch:
    """An ipBlock: ``cidr`` minus each ``except``, each strictly inside ``cidr``."""
    ip_block.known(_IP_BLOCK_FIELDS)
    cidr = read_network(ip_block.get("cidr"))
    excluded: list[str] = []
    for entry in ip_block.get("except").items():
        net = read_network(entry)
        if net.version != cidr.version or not net.subnet_of(cidr) or net == cidr:  # type: ignore[arg-type]
            raise entry.error(f"{net} is not strictly inside cidr {cidr}")
        excluded.append(str(net))
    return EntityMatch(nets=(str(cidr),), not_nets=tuple(dict.fromkeys(excluded)))


def _port_groups(ports: Field) -> list[PortGroup]:
    """The rule's ports grouped by protocol in first-seen order (no ports: all of them)."""
    pairs: list[tuple[int, Port | None]] = []
    for entry in ports.items():
        entry.known(_PORT_FIELDS)
        protocol = read_k8s_protocol(entry.get("protocol"))
        pairs.append((protocol, read_k8s_port(entry.get("port"), entry.get("endPort"))))
    return port_groups(pairs)
