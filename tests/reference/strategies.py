"""Hypothesis strategies for small random clusters, as Kubernetes and Calico manifests."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from hypothesis import strategies as st

from tests.reference.cluster import Identity, identity

Manifest = dict[str, Any]

LOCAL_NODE = "node-1"
REMOTE_NODE = "node-2"
HOST_ADDRESS = "10.0.0.1"
NAMESPACES = ("x", "y", "z")
POD_NAMES = ("a", "b", "c", "d", "e", "f")
# Addresses that no pod owns, inside and outside the pod ranges.
EXTERNAL_ADDRESSES = ("10.0.0.200", "10.0.1.200", "192.168.5.5", "172.16.0.9", "fd00::200")
PROBE_PORTS = (53, 80, 81, 8080, 9090)
PROBE_PROTOCOLS = ("TCP", "UDP", "SCTP")
ICMP_ECHO_V4 = (8, 0)
ICMP_ECHO_V6 = (128, 0)

# Label vocabularies by name (strategy factories are memoized, so they take names).
_VOCABULARIES: dict[str, dict[str, tuple[str, ...]]] = {
    "pod": {"app": ("a", "b", "c"), "role": ("web", "db")},
    "namespace": {"env": ("prod", "dev"), "team": ("t1", "t2")},
    "account": {"kind": ("bot", "human"), "team": ("t1", "t2")},
    "node": {"role": ("infra", "worker"), "zone": ("a", "b")},
    "namespace+name": {
        "env": ("prod", "dev"),
        "team": ("t1", "t2"),
        "kubernetes.io/metadata.name": NAMESPACES,
    },
}
# (name, protocol, number) choices for container ports: one name can mean
# different numbers on different pods.
_NAMED_PORTS = (
    ("http", "TCP", 80),
    ("http", "TCP", 8080),
    ("dns", "UDP", 53),
    ("dns", "TCP", 53),
    ("metrics", "TCP", 9090),
    ("metrics", "SCTP", 81),
)
_CIDRS_WITH_EXCEPTS = {
    "10.0.0.0/16": ("10.0.1.0/24", "10.0.0.0/28", "10.0.0.192/26"),
    "10.0.0.0/24": ("10.0.0.0/28", "10.0.0.16/28"),
    "10.0.1.0/24": ("10.0.1.10/31",),
    "0.0.0.0/0": ("10.0.0.0/24", "192.168.0.0/16"),
    "192.168.0.0/16": ("192.168.5.0/24",),
    "fd00::/64": ("fd00::/124",),
    "::/0": ("fd00::/64",),
}
# Calico rules keep to one address family; notNets never holds a /0.
_NETS_V4 = (
    "10.0.0.0/16",
    "10.0.0.0/24",
    "10.0.1.0/24",
    "0.0.0.0/0",
    "192.168.0.0/16",
    "10.0.0.10/32",
    "10.0.1.11/32",
    "172.16.0.0/12",
)
_NETS_V6 = ("fd00::/64", "::/0", "fd00::11/128", "fd00::/124")
_NETS = {4: _NETS_V4, 6: _NETS_V6}


@dataclass(frozen=True, slots=True)
class RandomCluster:
    """Manifests of a random cluster, plus the probes to check on it."""

    manifests: tuple[Manifest, ...]
    probes: tuple[tuple[int, str], ...]


@cache
def _label_map(vocabulary: str) -> st.SearchStrategy[dict[str, str]]:
    values = _VOCABULARIES[vocabulary]
    return st.fixed_dictionaries(
        {}, optional={key: st.sampled_from(choices) for key, choices in values.items()}
    )


# -- selectors -----------------------------------------------------------------
# Every factory is memoized: hypothesis validates a strategy the first time it is
# drawn from, so building fresh strategies inside draws would dominate the run time.


@cache
def _calico_terms_for(vocabulary: str, key: str) -> st.SearchStrategy[str]:
    one = st.sampled_from(_VOCABULARIES[vocabulary][key])
    subset = st.lists(one, min_size=1, max_size=2, unique=True).map(
        lambda vs: "{" + ", ".join(f"'{v}'" for v in vs) + "}"
    )
    return st.one_of(
        one.map(lambda v: f"{key} == '{v}'"),
        one.map(lambda v: f"{key} != '{v}'"),
        subset.map(lambda s: f"{key} in {s}"),
        subset.map(lambda s: f"{key} not in {s}"),
        st.just(f"has({key})"),
        st.just(f"!has({key})"),
        one.map(lambda v: f"{key} starts with '{v[0]}'"),
    )


@cache
def calico_selector(vocabulary: str = "pod") -> st.SearchStrategy[str]:
    """A Calico selector over a small label vocabulary (``all()`` included)."""
    term = st.one_of(*(_calico_terms_for(vocabulary, k) for k in sorted(_VOCABULARIES[vocabulary])))
    combined = st.tuples(term, st.sampled_from(("&&", "||")), term).map(
        lambda t: f"({t[0]}) {t[1]} ({t[2]})"
    )
    return st.one_of(st.just("all()"), term, combined, term.map(lambda t: f"!({t})"))


@cache
def namespace_selector_text() -> st.SearchStrategy[str]:
    """A Calico namespaceSelector (namespace labels, names, ``all()``)."""
    by_name = st.sampled_from(NAMESPACES).map(lambda n: f"kubernetes.io/metadata.name == '{n}'")
    return st.one_of(calico_selector("namespace"), by_name)


@cache
def _expression(vocabulary: str, key: str) -> st.SearchStrategy[dict[str, Any]]:
    listed = st.lists(
        st.sampled_from(_VOCABULARIES[vocabulary][key]), min_size=1, max_size=2, unique=True
    )
    return st.one_of(
        st.builds(
            lambda op, vs: {"key": key, "operator": op, "values": vs},
            st.sampled_from(("In", "NotIn")),
            listed,
        ),
        st.sampled_from(("Exists", "DoesNotExist")).map(lambda op: {"key": key, "operator": op}),
    )


@cache
def label_selector(vocabulary: str) -> st.SearchStrategy[dict[str, Any]]:
    """A Kubernetes LabelSelector: ``{}``, matchLabels and/or matchExpressions."""
    keys = sorted(_VOCABULARIES[vocabulary])
    match_labels = _label_map(vocabulary).filter(bool)
    expression = st.one_of(*(_expression(vocabulary, k) for k in keys))
    expressions = st.lists(expression, min_size=1, max_size=2)
    return st.one_of(
        st.just({}),
        match_labels.map(lambda m: {"matchLabels": m}),
        expressions.map(lambda e: {"matchExpressions": e}),
        st.tuples(match_labels, expressions).map(
            lambda t: {"matchLabels": t[0], "matchExpressions": t[1]}
        ),
    )


# -- cluster objects -----------------------------------------------------------


@cache
def namespace_manifest(name: str) -> st.SearchStrategy[Manifest]:
    """A Namespace with random labels (and its ``kubernetes.io/metadata.name``)."""
    return _label_map("namespace").map(
        lambda labels: {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": name,
                "labels": {**labels, "kubernetes.io/metadata.name": name},
            },
        }
    )


SERVICE_ACCOUNTS = ("sa-a", "sa-b")


@cache
def service_account_manifest(name: str, namespace: str) -> st.SearchStrategy[Manifest]:
    """A ServiceAccount with random labels (they reach pods as ``pcsa.`` labels)."""
    return _label_map("account").map(
        lambda labels: {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
        }
    )


def pod_address(index: int) -> tuple[str, str]:
    """A pod's stable IPv4 and IPv6 addresses (the pod's index picks them)."""
    return f"10.0.{index % 2}.{10 + index}", f"fd00::{10 + index:x}"


@cache
def pod_manifest(index: int, namespace: str) -> st.SearchStrategy[Manifest]:
    """A running pod: labels, named container ports, local or remote, maybe dual-stack."""
    v4, v6 = pod_address(index)

    def build(
        labels: dict[str, str], ports: list[Any], local: bool, dual: bool, account: str
    ) -> Manifest:
        ips = [v4, v6] if dual else [v4]
        seen: set[tuple[str, str]] = set()
        container_ports = []
        for name, protocol, number in ports:
            if (name, protocol) in seen:
                continue
            seen.add((name, protocol))
            container_ports.append({"name": name, "protocol": protocol, "containerPort": number})
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": POD_NAMES[index], "namespace": namespace, "labels": labels},
            "spec": {
                "nodeName": LOCAL_NODE if local else REMOTE_NODE,
                "containers": [{"name": "main", "ports": container_ports}],
                **({"serviceAccountName": account} if account else {}),
            },
            "status": {
                "phase": "Running",
                "podIP": v4,
                "podIPs": [{"ip": ip} for ip in ips],
            },
        }

    return st.builds(
        build,
        _label_map("pod"),
        st.lists(st.sampled_from(_NAMED_PORTS), max_size=2),
        st.booleans(),
        st.integers(0, 3).map(lambda n: n == 0),
        st.sampled_from(("", *SERVICE_ACCOUNTS)),
    )


@cache
def _nets(family: int, *, negated: bool = False) -> st.SearchStrategy[list[str]]:
    """1-2 nets of one family (never a /0 when the list is a notNets)."""
    choices = tuple(n for n in _NETS[family] if not (negated and n.endswith("/0")))
    return st.lists(st.sampled_from(choices), min_size=1, max_size=2, unique=True)


@cache
def network_set_manifest(name: str, namespace: str) -> st.SearchStrategy[Manifest]:
    """A NetworkSet (or a GlobalNetworkSet when ``namespace`` is "") with labels."""
    metadata_base: dict[str, str] = {"name": name}
    if namespace:
        metadata_base["namespace"] = namespace
    return st.builds(
        lambda labels, nets: {
            "apiVersion": "projectcalico.org/v3",
            "kind": "NetworkSet" if namespace else "GlobalNetworkSet",
            "metadata": {**metadata_base, "labels": labels},
            "spec": {"nets": nets},
        },
        _label_map("pod"),
        st.one_of(_nets(4), _nets(4), _nets(6)),
    )


@cache
def tier_manifest(name: str, order: int) -> st.SearchStrategy[Manifest]:
    """A Calico Tier with a Deny or Pass default action."""
    return st.sampled_from(("Deny", "Pass")).map(
        lambda action: {
            "apiVersion": "projectcalico.org/v3",
            "kind": "Tier",
            "metadata": {"name": name},
            "spec": {"order": order, "defaultAction": action},
        }
    )


# -- Kubernetes NetworkPolicy ----------------------------------------------------


@cache
def _ip_block_for(cidr: str) -> st.SearchStrategy[dict[str, Any]]:
    excepts = st.lists(st.sampled_from(_CIDRS_WITH_EXCEPTS[cidr]), max_size=2, unique=True)
    return excepts.map(lambda ex: {"cidr": cidr, "except": ex} if ex else {"cidr": cidr})


@cache
def k8s_peer() -> st.SearchStrategy[dict[str, Any]]:
    """A NetworkPolicyPeer: pods, namespaces, both, or an ipBlock."""
    pods = label_selector("pod")
    namespaces = label_selector("namespace+name")
    ip_block = st.one_of(*(_ip_block_for(c) for c in sorted(_CIDRS_WITH_EXCEPTS)))
    return st.one_of(
        pods.map(lambda s: {"podSelector": s}),
        namespaces.map(lambda s: {"namespaceSelector": s}),
        st.tuples(pods, namespaces).map(lambda t: {"podSelector": t[0], "namespaceSelector": t[1]}),
        ip_block.map(lambda b: {"ipBlock": b}),
    )


@cache
def k8s_port() -> st.SearchStrategy[dict[str, Any]]:
    """A NetworkPolicyPort: number, range (endPort) or name, with an optional protocol."""
    protocol = st.one_of(st.none(), st.sampled_from(PROBE_PROTOCOLS))
    number = st.sampled_from((53, 80, 81, 8080, 9090))
    port = st.one_of(
        st.none(),
        number.map(lambda p: {"port": p}),
        st.tuples(number, st.sampled_from((0, 1, 10, 9000))).map(
            lambda t: {"port": t[0], "endPort": t[0] + t[1]}
        ),
        st.sampled_from(("http", "dns", "metrics")).map(lambda n: {"port": n}),
    )
    return st.builds(
        lambda proto, p: {**({"protocol": proto} if proto else {}), **(p or {})},
        protocol,
        port,
    ).filter(bool)


@cache
def k8s_rule(peer_key: str) -> st.SearchStrategy[dict[str, Any]]:
    """An ingress (``from``) or egress (``to``) rule; missing lists mean "all"."""
    return st.fixed_dictionaries(
        {},
        optional={
            peer_key: st.lists(k8s_peer(), max_size=2),
            "ports": st.lists(k8s_port(), max_size=2),
        },
    )


@cache
def k8s_network_policy(name: str, namespace: str) -> st.SearchStrategy[Manifest]:
    """A networking.k8s.io/v1 NetworkPolicy."""
    types = st.one_of(
        st.none(),
        st.lists(st.sampled_from(("Ingress", "Egress")), min_size=1, max_size=2, unique=True),
    )

    def build(selector: Any, policy_types: Any, ingress: Any, egress: Any) -> Manifest:
        spec: dict[str, Any] = {"podSelector": selector}
        if policy_types is not None:
            spec["policyTypes"] = policy_types
        if ingress is not None:
            spec["ingress"] = ingress
        if egress is not None:
            spec["egress"] = egress
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace},
            "spec": spec,
        }

    rules_in = st.one_of(st.none(), st.lists(k8s_rule("from"), max_size=2))
    rules_out = st.one_of(st.none(), st.lists(k8s_rule("to"), max_size=2))
    return st.builds(build, label_selector("pod"), types, rules_in, rules_out)


# -- Calico policy -----------------------------------------------------------------


@cache
def _calico_ports() -> st.SearchStrategy[list[Any]]:
    entry = st.one_of(
        st.sampled_from((53, 80, 81, 8080, 9090)),
        st.sampled_from(("80:81", "8000:9000", "50:60")),
        st.sampled_from(("http", "dns", "metrics")),
    )
    return st.lists(entry, min_size=1, max_size=2)


def _entity_fields(
    with_ports: bool, namespaced: bool, family: int
) -> dict[str, st.SearchStrategy[Any]]:
    ns_choices = st.one_of(namespace_selector_text(), st.just("global()"))
    fields: dict[str, st.SearchStrategy[Any]] = {
        "nets": _nets(family),
        "notNets": _nets(family, negated=True),
        "selector": calico_selector(),
        "notSelector": calico_selector(),
        "namespaceSelector": ns_choices if namespaced else namespace_selector_text(),
    }
    names = st.lists(st.sampled_from(SERVICE_ACCOUNTS), min_size=1, max_size=2, unique=True)
    fields["serviceAccounts"] = st.one_of(
        names.map(lambda n: {"names": n}),
        calico_selector("account").map(lambda s: {"selector": s}),
    )
    if with_ports:
        fields["ports"] = _calico_ports()
        fields["notPorts"] = _calico_ports()
    return fields


@cache
def calico_entity(
    with_ports: bool, namespaced: bool, family: int
) -> st.SearchStrategy[dict[str, Any]]:
    """A rule side with 0-2 of: nets, notNets, selector, notSelector, namespaceSelector,
    ports, notPorts (sparse, so that rules match often enough to decide)."""
    fields = _entity_fields(with_ports, namespaced, family)
    names = sorted(fields)
    singles = [st.fixed_dictionaries({n: fields[n]}) for n in names]
    pairs = [
        st.fixed_dictionaries({a: fields[a], b: fields[b]})
        for i, a in enumerate(names)
        for b in names[i + 1 :]
    ]
    return st.one_of(
        st.just({}), st.just({}), st.one_of(*singles), st.one_of(*singles), st.one_of(*pairs)
    )


@cache
def _calico_rule_with(
    namespaced: bool, protocol: str | None, family: int
) -> st.SearchStrategy[dict[str, Any]]:
    has_ports = protocol in PROBE_PROTOCOLS
    head: dict[str, st.SearchStrategy[Any]] = {
        "action": st.sampled_from(("Allow", "Deny", "Pass", "Log"))
    }
    if protocol is not None:
        head["protocol"] = st.just(protocol)
    optional: dict[str, st.SearchStrategy[Any]] = {
        "source": calico_entity(has_ports, namespaced, family),
        "destination": calico_entity(has_ports, namespaced, family),
    }
    if protocol is None:
        icmp_name = "ICMP" if family == 4 else "ICMPv6"
        optional["notProtocol"] = st.sampled_from(("TCP", "UDP", icmp_name))
    if protocol not in ("ICMP", "ICMPv6"):
        optional["ipVersion"] = st.just(family)
    if protocol in ("ICMP", "ICMPv6"):
        echo = ICMP_ECHO_V4 if protocol == "ICMP" else ICMP_ECHO_V6
        icmp = st.sampled_from(
            ({"type": echo[0]}, {"type": echo[0], "code": echo[1]}, {"type": 3, "code": 1})
        )
        optional["icmp"] = icmp
        optional["notICMP"] = icmp
    return st.fixed_dictionaries(head, optional=optional)


@cache
def calico_rule(namespaced: bool) -> st.SearchStrategy[dict[str, Any]]:
    """A Calico rule: action, protocol or notProtocol, ICMP matches, two sides of one
    address family."""
    return st.one_of(
        *(
            _calico_rule_with(namespaced, protocol, family)
            for protocol in (None, "TCP", "UDP", "SCTP", "ICMP", "ICMPv6")
            for family in (4, 4, 6)
        )
    )


@cache
def calico_policy(
    name: str, namespace: str, tier: str, order: int | None
) -> st.SearchStrategy[Manifest]:
    """A projectcalico.org/v3 NetworkPolicy, or a GlobalNetworkPolicy when namespace is ""."""
    rules = st.lists(calico_rule(bool(namespace)), max_size=3)
    types = st.lists(st.sampled_from(("Ingress", "Egress")), min_size=1, max_size=2, unique=True)
    full_name = name if tier == "default" else f"{tier}.{name}"

    def build(
        selector: str, policy_types: list[str], ingress: Any, egress: Any, ns_sel: Any
    ) -> Manifest:
        metadata = {"name": full_name}
        spec: dict[str, Any] = {"tier": tier, "selector": selector, "types": policy_types}
        if order is not None:
            spec["order"] = order
        if namespace:
            metadata["namespace"] = namespace
        elif ns_sel is not None:
            spec["namespaceSelector"] = ns_sel
        if "Ingress" in policy_types:
            spec["ingress"] = ingress
        if "Egress" in policy_types:
            spec["egress"] = egress
        return {
            "apiVersion": "projectcalico.org/v3",
            "kind": "NetworkPolicy" if namespace else "GlobalNetworkPolicy",
            "metadata": metadata,
            "spec": spec,
        }

    return st.builds(
        build,
        calico_selector(),
        types,
        rules,
        rules,
        st.one_of(st.none(), namespace_selector_text()),
    )


# -- cluster-admin policies (policy.networking.k8s.io) ----------------------------------

_ADMIN_V1ALPHA1 = "policy.networking.k8s.io/v1alpha1"
_ADMIN_V1ALPHA2 = "policy.networking.k8s.io/v1alpha2"
_PORT_NUMBERS = (53, 80, 81, 8080, 9090)
_PORT_NAMES = ("http", "dns", "metrics")


@cache
def admin_subject() -> st.SearchStrategy[dict[str, Any]]:
    """``namespaces`` or ``pods`` (a namespace and a pod selector)."""
    namespaces = label_selector("namespace+name")
    return st.one_of(
        namespaces.map(lambda s: {"namespaces": s}),
        st.tuples(namespaces, label_selector("pod")).map(
            lambda t: {"pods": {"namespaceSelector": t[0], "podSelector": t[1]}}
        ),
    )


@cache
def admin_peer(egress: bool) -> st.SearchStrategy[dict[str, Any]]:
    """A peer: like a subject, egress ``networks`` (families mixed), rarely one that a
    newer API version would write (which must fail closed)."""
    choices = [admin_subject(), st.just({"futurePeer": {}})]
    if egress:
        nets = st.lists(st.sampled_from(_NETS_V4 + _NETS_V6), min_size=1, max_size=3, unique=True)
        choices.append(nets.map(lambda n: {"networks": n}))
        choices.append(label_selector("node").map(lambda s: {"nodes": s}))
    return st.one_of(*choices)


@cache
def admin_port(version: str) -> st.SearchStrategy[dict[str, Any]]:
    """A v1alpha1 ``ports`` entry or a v1alpha2 ``protocols`` entry."""
    number = st.sampled_from(_PORT_NUMBERS)
    span = st.tuples(number, st.sampled_from((1, 10, 9000))).map(
        lambda t: {"start": t[0], "end": t[0] + t[1]}
    )
    name = st.sampled_from(_PORT_NAMES)
    if version == _ADMIN_V1ALPHA1:
        protocol = st.sampled_from(PROBE_PROTOCOLS)
        return st.one_of(
            st.tuples(protocol, number).map(
                lambda t: {"portNumber": {"protocol": t[0], "port": t[1]}}
            ),
            st.tuples(protocol, span).map(lambda t: {"portRange": {"protocol": t[0], **t[1]}}),
            name.map(lambda n: {"namedPort": n}),
        )
    port = st.one_of(number.map(lambda n: {"number": n}), span.map(lambda r: {"range": r}))
    return st.one_of(
        st.tuples(st.sampled_from(("tcp", "udp", "sctp")), port).map(
            lambda t: {t[0]: {"destinationPort": t[1]}}
        ),
        name.map(lambda n: {"destinationNamedPort": n}),
    )


def _admin_rule(
    action: str,
    peers: list[dict[str, Any]],
    ports: list[dict[str, Any]],
    version: str,
    egress: bool,
) -> dict[str, Any]:
    if any("networks" in peer or "nodes" in peer for peer in peers):  # named ports: pods only
        ports = [p for p in ports if "namedPort" not in p and "destinationNamedPort" not in p]
    rule: dict[str, Any] = {"action": action, ("to" if egress else "from"): peers}
    if ports:
        rule["ports" if version == _ADMIN_V1ALPHA1 else "protocols"] = ports
    return rule


@cache
def admin_rule(
    version: str, actions: tuple[str, ...], egress: bool
) -> st.SearchStrategy[dict[str, Any]]:
    """One ingress or egress rule of an admin policy."""
    return st.builds(
        _admin_rule,
        st.sampled_from(actions),
        st.lists(admin_peer(egress), min_size=1, max_size=2),
        st.lists(admin_port(version), max_size=2),
        st.just(version),
        st.just(egress),
    )


@st.composite
def admin_policy(draw: st.DrawFn, kind: str, name: str, priority: int) -> Manifest:
    """An AdminNetworkPolicy, the BaselineAdminNetworkPolicy or a ClusterNetworkPolicy."""
    version = _ADMIN_V1ALPHA2 if kind == "ClusterNetworkPolicy" else _ADMIN_V1ALPHA1
    actions = {
        "AdminNetworkPolicy": ("Allow", "Deny", "Pass"),
        "BaselineAdminNetworkPolicy": ("Allow", "Deny"),
        "ClusterNetworkPolicy": ("Accept", "Deny", "Pass"),
    }[kind]
    spec: dict[str, Any] = {"subject": draw(admin_subject())}
    if kind != "BaselineAdminNetworkPolicy":
        spec["priority"] = priority
    if kind == "ClusterNetworkPolicy":
        spec["tier"] = draw(st.sampled_from(("Admin", "Baseline")))
    for direction, egress in (("ingress", False), ("egress", True)):
        rules = draw(st.lists(admin_rule(version, actions, egress), max_size=3))
        if rules:
            spec[direction] = rules
    return {"apiVersion": version, "kind": kind, "metadata": {"name": name}, "spec": spec}


@cache
def node_manifest(name: str) -> st.SearchStrategy[Manifest]:
    """A Node whose addresses are pods' or external ones (as host networking would be)."""
    pool = [a for i in range(len(POD_NAMES)) for a in pod_address(i)] + list(EXTERNAL_ADDRESSES)
    return st.builds(
        lambda labels, addresses: {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": labels},
            "status": {
                "addresses": [{"type": "InternalIP", "address": a} for a in addresses]
                + [{"type": "Hostname", "address": name}]
            },
        },
        _label_map("node"),
        st.lists(st.sampled_from(pool), max_size=2, unique=True),
    )


def calico_node_manifest(name: str, index: int) -> Manifest:
    """A Calico Node of the same name as a Kubernetes Node: a VTEP, and labels that no
    ``nodes`` peer may read (they select Kubernetes Nodes)."""
    return {
        "apiVersion": "projectcalico.org/v3",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"role": "infra", "zone": "a"}},
        "spec": {
            "bgp": {"ipv4Address": f"172.16.0.{index + 1}/24"},
            "ipv4VXLANTunnelAddr": f"10.244.{index}.0",
        },
    }


@st.composite
def admin_objects(draw: st.DrawFn) -> list[Manifest]:
    """Up to two nodes and three cluster-admin policies; priorities may tie (ordered by
    name; names differ across kinds, whose order on equal names is our choice). A node
    may also have a Calico Node of its name, read before or after the Kubernetes one."""
    manifests: list[Manifest] = []
    for i in range(draw(st.integers(0, 2))):
        pair = [draw(node_manifest(f"host-{i}"))]
        if draw(st.booleans()):
            calico = calico_node_manifest(f"host-{i}", i)
            pair = [calico, *pair] if draw(st.booleans()) else [*pair, calico]
        manifests += pair
    for i in range(draw(st.integers(0, 3))):
        kind = draw(
            st.sampled_from(
                ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy")
            )
        )
        prefix = "anp" if kind == "AdminNetworkPolicy" else "cnp"
        name = "default" if kind == "BaselineAdminNetworkPolicy" else f"{prefix}-{i}"
        priority = draw(st.sampled_from((0, 5, 5, 50, 1000)))
        manifests.append(draw(admin_policy(kind, name, priority)))
    unique = {(m["apiVersion"], m["kind"], m["metadata"]["name"]): m for m in manifests}
    return list(unique.values())


# -- whole clusters -------------------------------------------------------------------


@st.composite
def random_clusters(draw: st.DrawFn, calico: bool = True, admin: bool = True) -> RandomCluster:
    """A cluster of 1-3 namespaces, 1-6 pods and a handful of policies.

    With ``calico`` False only Kubernetes NetworkPolicies are generated (and cluster-admin
    policies unless ``admin`` is False).
    Calico policies get distinct orders so that ties never decide a verdict.
    """
    namespaces = draw(st.lists(st.sampled_from(NAMESPACES), min_size=1, max_size=3, unique=True))
    manifests: list[Manifest] = [draw(namespace_manifest(ns)) for ns in namespaces]
    for ns in namespaces:
        for account in draw(st.lists(st.sampled_from(SERVICE_ACCOUNTS), max_size=2, unique=True)):
            manifests.append(draw(service_account_manifest(account, ns)))
    pod_count = draw(st.integers(1, len(POD_NAMES)))
    for i in range(pod_count):
        manifests.append(draw(pod_manifest(i, draw(st.sampled_from(namespaces)))))
    for i in range(draw(st.integers(0, 3))):
        manifests.append(draw(k8s_network_policy(f"knp-{i}", draw(st.sampled_from(namespaces)))))
    if calico:
        manifests += draw(calico_objects(namespaces))
    if admin:
        manifests += draw(admin_objects())
    probes = draw(
        st.lists(
            st.tuples(st.sampled_from(PROBE_PORTS), st.sampled_from(PROBE_PROTOCOLS)),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    return RandomCluster(tuple(manifests), tuple(probes))


@st.composite
def calico_objects(draw: st.DrawFn, namespaces: list[str]) -> list[Manifest]:
    """Tiers, network sets, Calico NetworkPolicies and GlobalNetworkPolicies."""
    manifests: list[Manifest] = []
    tiers = ["default"]
    tier_orders = draw(st.lists(st.sampled_from((10, 100, 2000)), max_size=2, unique=True))
    for i in range(len(tier_orders)):
        name = f"tier{i}"
        manifests.append(draw(tier_manifest(name, tier_orders[i])))
        tiers.append(name)
    for i in range(draw(st.integers(0, 2))):
        namespace = draw(st.sampled_from(["", *namespaces]))
        manifests.append(draw(network_set_manifest(f"set-{i}", namespace)))
    orders = draw(
        st.lists(st.sampled_from((1, 5, 10, 50, 100, 500, 1500, 3000)), max_size=4, unique=True)
    )
    for i, order in enumerate(orders):
        namespace = draw(st.sampled_from(["", *namespaces]))
        tier = draw(st.sampled_from(tiers))
        manifests.append(draw(calico_policy(f"cnp-{i}", namespace, tier, order)))
    return manifests


# -- edits for incremental runs ------------------------------------------------------------

Edit = tuple[str, Manifest]  # ("upsert" | "delete", manifest)


CALICO_GROUP = "projectcalico.org"


def _tier_id(name: str) -> Identity:
    return CALICO_GROUP, "Tier", "", name


def _calico_orders(state: list[Manifest]) -> set[float]:
    return {
        m["spec"]["order"]
        for m in state
        if m["kind"] in ("NetworkPolicy", "GlobalNetworkPolicy") and "order" in m["spec"]
    }


def _with_free_tier_order(tier: Manifest, present: dict[Identity, Manifest]) -> Manifest:
    """The tier with its existing order (a replacement) or one no other tier uses."""
    name = tier["metadata"]["name"]
    taken = {m["spec"]["order"] for k, m in present.items() if k[1] == "Tier" and k[3] != name}
    existing = present.get(_tier_id(name))
    order = existing["spec"]["order"] if existing else tier["spec"]["order"]
    while order in taken:
        order += 1
    return {**tier, "spec": {**tier["spec"], "order": order}}


@st.composite
def cluster_edit(draw: st.DrawFn, state: list[Manifest]) -> list[Edit]:
    """One change to a cluster: create or replace an object (taken from another random
    cluster over the same names), or delete one (never a namespace or a tier).

    Fix-ups keep the cluster realistic: one pod per name (so one owner per address),
    tiers exist before their policies, Calico orders stay distinct.
    """
    deletable = [m for m in state if m["kind"] not in ("Namespace", "Tier", "ServiceAccount")]
    if deletable and draw(st.integers(0, 3)) == 0:
        return [("delete", draw(st.sampled_from(deletable)))]
    donor = draw(random_clusters())
    manifest = draw(st.sampled_from(donor.manifests))
    edits: list[Edit] = []
    _, kind, namespace, name = identity(manifest)
    present = {identity(m): m for m in state}
    if kind == "Pod":
        edits += [
            ("delete", m)
            for key, m in present.items()
            if key[1] == "Pod" and key[3] == name and key[2] != namespace
        ]
    elif kind == "Tier":
        manifest = _with_free_tier_order(manifest, present)
    elif kind in ("NetworkPolicy", "GlobalNetworkPolicy") and manifest["apiVersion"].startswith(
        "projectcalico"
    ):
        tier = manifest["spec"]["tier"]
        if tier != "default" and _tier_id(tier) not in present:
            edits += [
                ("upsert", _with_free_tier_order(m, present))
                for m in donor.manifests
                if identity(m) == _tier_id(tier)
            ]
        order = max(_calico_orders(state), default=0) + 1
        if order == 1000:  # the order of Kubernetes policies
            order += 1
        manifest = {**manifest, "spec": {**manifest["spec"], "order": order}}
    return [*edits, ("upsert", manifest)]
