"""Subjects, peers and ports of the cluster-admin policies (policy.networking.k8s.io).

AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy
(v1alpha2) share these shapes. Each of a subject, a peer and a port entry sets
exactly one field; one that sets no field we know (an empty object, or a field of
a newer API version) cannot be understood and is returned as ``None``: the rule
reader enforces it fail-closed, as the API asks.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from dataplane.convert.fields import Field
from dataplane.convert.names import port_name_problem
from dataplane.convert.nets import read_network
from dataplane.convert.ports import MAX_PORT
from dataplane.convert.protocols import read_k8s_protocol
from dataplane.convert.selectors import read_label_selector
from dataplane.model import EntityMatch, NamedPortRef, Port, PortRange, Protocol
from dataplane.model.wellknown import K8S_ORCHESTRATOR, ORCHESTRATOR_LABEL
from dataplane.selector import ALL, Selector, conjunction, label_equals

PODS_ONLY = label_equals(ORCHESTRATOR_LABEL, K8S_ORCHESTRATOR)
"""Peers select pods, never network sets (which share the selectors' label space)."""
NAMED_PORT_PROTOCOLS = (Protocol.TCP, Protocol.UDP, Protocol.SCTP)
MAX_NETWORKS = 25


@dataclass(frozen=True, slots=True)
class Subject:
    """The pods a policy applies to: a pod selector within the selected namespaces."""

    selector: Selector
    namespace_selector: Selector


def _only_field(obj: Field, names: Collection[str]) -> tuple[str, Field] | None:
    """The one field of ``names`` that ``obj`` sets; None when it sets none of them.

    Two of them, or one of them next to an unknown field, is an error.
    """
    if not obj.missing and not isinstance(obj.value, dict):
        obj.known(())  # raises the type error
    given = [name for name in names if not obj.get(name).missing]
    if not given:
        return None
    if len(given) > 1:
        raise obj.error(f"exactly one of {', '.join(names)} may be set, got {', '.join(given)}")
    obj.known(names)
    return given[0], obj.get(given[0])


def _namespaced_pods(field: Field, *, namespaces_required: bool) -> tuple[Selector, Selector]:
    """A NamespacedPod: (pod selector, namespace selector)."""
    field.known(("namespaceSelector", "podSelector"))
    namespaces = field.get("namespaceSelector")
    if namespaces.missing and not namespaces_required:
        namespace_selector = ALL
    else:
        namespace_selector = read_label_selector(namespaces)
    return read_label_selector(field.get("podSelector")), namespace_selector


def read_subject(field: Field, *, namespaces_required: bool) -> Subject:
    """``subject``: ``namespaces`` (every pod there) or ``pods``; required and readable."""
    if field.missing:
        raise field.error("missing required field")
    found = _only_field(field, ("namespaces", "pods"))
    if found is None:
        raise field.error("one of namespaces, pods must be set")
    name, value = found
    if name == "namespaces":
        return Subject(ALL, read_label_selector(value))
    pods, namespaces = _namespaced_pods(value, namespaces_required=namespaces_required)
    return Subject(pods, namespaces)


def read_peer(
    field: Field, names: Collection[str], *, namespaces_required: bool
) -> tuple[EntityMatch, ...] | None:
    """One peer as the entity matches it stands for (one per address family for
    ``networks``); None when it sets none of ``names`` (cannot be understood).

    ``domainNames`` is the caller's (see ``admin_policy``).
    """
    found = _only_field(field, names)
    if found is None:
        return None
    name, value = found
    if name == "namespaces":
        return (EntityMatch(selector=PODS_ONLY, namespace_selector=read_label_selector(value)),)
    if name == "pods":
        pods, namespaces = _namespaced_pods(value, namespaces_required=namespaces_required)
        return (EntityMatch(selector=conjunction(PODS_ONLY, pods), namespace_selector=namespaces),)
    if name == "networks":
        return _networks(value)
    if name == "nodes":
        return (EntityMatch(node_selector=read_label_selector(value)),)
    raise AssertionError(f"read_peer: {name} is the caller's")


def _networks(field: Field) -> tuple[EntityMatch, ...]:
    """CIDRs (1..25), one entity per address family (a rule keeps to one family)."""
    entries = field.items()
    if not entries:
        raise field.error("at least one CIDR is required")
    if len(entries) > MAX_NETWORKS:
        raise field.error(f"at most {MAX_NETWORKS} CIDRs are allowed, got {len(entries)}")
    by_family: dict[int, list[str]] = {}
    for entry in entries:
        if isinstance(entry.value, str) and "/" not in entry.value:
            raise entry.error(f"bad CIDR {entry.value!r}: a prefix length is required")
        net = read_network(entry)
        listed = by_family.setdefault(net.version, [])
        if str(net) not in listed:
            listed.append(str(net))
    return tuple(EntityMatch(nets=tuple(by_family[v])) for v in sorted(by_family))


def read_v1alpha1_port(entry: Field) -> list[tuple[int, Port]] | None:
    """An AdminNetworkPolicyPort as (protocol, port) pairs; None when not understood.

    ``namedPort`` names a container port whatever its protocol: one pair per
    protocol (a pod has at most one port of a name).
    """
    found = _only_field(entry, ("portNumber", "portRange", "namedPort"))
    if found is None:
        return None
    name, value = found
    if name == "namedPort":
        return _named(value)
    if name == "portNumber":
        value.known(("protocol", "port"))
        number = value.get("port").integer_in(1, MAX_PORT)
        return [(read_k8s_protocol(value.get("protocol")), PortRange(number, number))]
    value.known(("protocol", "start", "end"))
    return [(read_k8s_protocol(value.get("protocol")), _range(value))]


def read_v1alpha2_protocol(entry: Field) -> list[tuple[int, Port | None]] | None:
    """A ClusterNetworkPolicyProtocol as (protocol, port or None for all) pairs;
    None when not understood."""
    found = _only_field(entry, ("tcp", "udp", "sctp", "destinationNamedPort"))
    if found is None:
        return None
    name, value = found
    if name == "destinationNamedPort":
        return list(_named(value))
    protocol = {"tcp": Protocol.TCP, "udp": Protocol.UDP, "sctp": Protocol.SCTP}[name]
    found_port = _only_field(value, ("destinationPort",))
    if found_port is None:
        if not value.value:
            raise value.error("destinationPort is required")
        return None  # only matches of a newer API version
    found_port = _only_field(found_port[1], ("number", "range"))
    if found_port is None:
        if not value.get("destinationPort").value:
            raise value.get("destinationPort").error("one of number, range must be set")
        return None
    kind, spec = found_port
    if kind == "number":
        number = spec.integer_in(1, MAX_PORT)
        return [(protocol, PortRange(number, number))]
    spec.known(("start", "end"))
    return [(protocol, _range(spec))]


def _named(field: Field) -> list[tuple[int, Port]]:
    name = field.text()
    problem = port_name_problem(name)
    if problem:
        raise field.error(problem)
    return [(protocol, NamedPortRef(name)) for protocol in NAMED_PORT_PROTOCOLS]


def _range(field: Field) -> PortRange:
    """An inclusive ``start``..``end`` range (``end`` below ``start`` is an error)."""
    start = field.get("start").integer_in(1, MAX_PORT)
    end = field.get("end").integer_in(1, MAX_PORT)
    if end < start:
        raise field.get("end").error(f"end {end} is less than start {start}")
    return PortRange(start, end)
