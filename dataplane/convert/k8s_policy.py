"""Kubernetes networking.k8s.io/v1 NetworkPolicy to a model Policy."""

from __future__ import annotations

from functools import partial

from dataplane.convert.fail_closed import attempt, child, invalid_rule, rules_or_stand_in
from dataplane.convert.fields import Field
from dataplane.convert.identity import ObjectIdentity
from dataplane.convert.nets import read_network
from dataplane.convert.policy_types import listed_policy_types
from dataplane.convert.ports import PortGroup, read_k8s_port
from dataplane.convert.protocols import read_k8s_protocol
from dataplane.convert.selectors import read_label_selector
from dataplane.errors import ValidationError
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
from dataplane.model.wellknown import K8S_ORCHESTRATOR, ORCHESTRATOR_LABEL
from dataplane.selector import ALL, Selector, conjunction, parse

K8S_POLICY_TIER = "default"
K8S_POLICY_ORDER = 1000.0

_SPEC_FIELDS = ("podSelector", "policyTypes", "ingress", "egress")
_INGRESS_FIELDS = ("from", "ports")
_EGRESS_FIELDS = ("to", "ports")
_PEER_FIELDS = ("podSelector", "namespaceSelector", "ipBlock")
_IP_BLOCK_FIELDS = ("cidr", "except")
_PORT_FIELDS = ("protocol", "port", "endPort")

PODS_ONLY = parse(f"{ORCHESTRATOR_LABEL} == '{K8S_ORCHESTRATOR}'")
"""A NetworkPolicy peer's selectors pick pods, never Calico network sets (as Calico
converts them)."""


def convert_k8s_network_policy(identity: ObjectIdentity, obj: Field) -> Policy:
    """A NetworkPolicy as an all-Allow policy in the default tier at order 1000.

    An invalid rule, peer or port allows nothing (and says so); when the
    target (``podSelector``, ``policyTypes``, the spec itself) cannot be read,
    the policy isolates every pod of its namespace, for its directions (both
    when those cannot be read either), and allows nothing.
    """
    spec = obj.get("spec")
    egress = child(spec, "egress")
    problems: list[ValidationError] = []
    types = attempt(
        lambda: _policy_types(spec.get("policyTypes"), egress_present=not egress.missing),
        problems,
    )
    selector = attempt(lambda: _target(spec), problems)
    if selector is None or types is None:
        return _isolating(identity, types or frozenset(Direction), problems[0])
    return Policy(
        kind=Kind.K8S_NETWORK_POLICY,
        namespace=identity.key.namespace,
        name=identity.key.name,
        selector=selector,
        types=types,
        ingress=rules_or_stand_in(spec.get("ingress"), _ingress_rules, _ALLOW),
        egress=rules_or_stand_in(egress, _egress_rules, _ALLOW),
        tier=K8S_POLICY_TIER,
        order=K8S_POLICY_ORDER,
    )


def _target(spec: Field) -> Selector:
    """The spec's podSelector, after checking the spec is an object of known fields."""
    if spec.missing:
        raise spec.error("missing required field")
    spec.known(_SPEC_FIELDS)
    return read_label_selector(spec.get("podSelector"))


def _isolating(
    identity: ObjectIdentity, types: frozenset[Direction], error: ValidationError
) -> Policy:
    """The stand-in of a policy without a readable target: every pod of its namespace,
    isolated for ``types``, nothing allowed."""
    rule = invalid_rule(Action.ALLOW, error)
    return Policy(
        kind=Kind.K8S_NETWORK_POLICY,
        namespace=identity.key.namespace,
        name=identity.key.name,
        selector=ALL,
        types=types,
        ingress=(rule,) if Direction.INGRESS in types else (),
        egress=(rule,) if Direction.EGRESS in types else (),
        tier=K8S_POLICY_TIER,
        order=K8S_POLICY_ORDER,
    )


def _ALLOW(_entry: Field) -> Action:
    return Action.ALLOW


def _ingress_rules(entry: Field) -> list[Rule]:
    return _rules(entry, Direction.INGRESS)


def _egress_rules(entry: Field) -> list[Rule]:
    return _rules(entry, Direction.EGRESS)


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
    """One Allow rule per peer (or one for any peer) and per protocol among the ports.

    An invalid peer or port entry is left out (with a stand-in carrying its
    error); when every listed peer or port is invalid, the entry allows nothing.
    """
    peers_name = "from" if direction is Direction.INGRESS else "to"
    entry.known(_INGRESS_FIELDS if direction is Direction.INGRESS else _EGRESS_FIELDS)
    problems: list[ValidationError] = []
    listed = entry.get(peers_name).items()
    peers = [p for p in (attempt(partial(_peer, f), problems) for f in listed) if p is not None]
    if not listed:
        peers = [ANY_ENTITY]
    groups = _port_groups(entry.get("ports"), problems)
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
    rules.extend(invalid_rule(Action.ALLOW, error) for error in problems)
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
        selector=PODS_ONLY if pods.missing else conjunction(PODS_ONLY, read_label_selector(pods)),
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


def _port_groups(ports: Field, problems: list[ValidationError]) -> list[PortGroup]:
    """The rule's valid ports grouped by protocol in first-seen order (no ports: all of
    them; only invalid ones: none). Each invalid entry's error goes to ``problems``."""
    entries = ports.items()
    if not entries:
        return [(None, ())]
    by_protocol: dict[int, list[Port] | None] = {}
    for entry in entries:
        read = attempt(partial(_port_entry, entry), problems)
        if read is None:
            continue
        protocol, port = read
        if port is None:
            by_protocol[protocol] = None
            continue
        listed = by_protocol.setdefault(protocol, [])
        if listed is not None and port not in listed:
            listed.append(port)
    return [(protocol, tuple(listed or ())) for protocol, listed in by_protocol.items()]


def _port_entry(entry: Field) -> tuple[int, Port | None]:
    entry.known(_PORT_FIELDS)
    return read_k8s_protocol(entry.get("protocol")), read_k8s_port(
        entry.get("port"), entry.get("endPort")
    )
