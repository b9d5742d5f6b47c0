"""Cluster-admin policies as the reference reads them, straight from their manifests.

Written from network-policy-api's API text: AdminNetworkPolicy and
BaselineAdminNetworkPolicy (v1alpha1), ClusterNetworkPolicy (v1alpha2). Each
becomes a policy of the tier Calico puts it in: ``adminnetworkpolicy`` (order
1000) at order = priority, or ``baselineadminnetworkpolicy`` (order 10000000),
the BaselineAdminNetworkPolicy after every Baseline ClusterNetworkPolicy; both
tiers pass on what nothing matched. Rules apply in list order, ``Accept`` is
``Allow``. A peer or port entry that sets nothing this module knows fails closed
as the API says: in an Allow rule it matches nothing, a Deny or Pass rule holding
one is a Deny of every peer (an unknown port entry: on every port).
``domainNames`` match nothing; ``nodes`` match the addresses of the Kubernetes Nodes
whose labels match (a Calico Node of the same name adds nothing to them). While the
cluster's Nodes cannot be read (``Cluster.nodes_unreadable``) a ``nodes`` peer matches
nothing in an Allow rule and denies every packet of the direction in a Deny or Pass rule.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from typing import Any

from tests.reference.cluster import ADMIN_TIER, BASELINE_TIER, Cluster, Manifest, Pod, identity
from tests.reference.matching import EGRESS, INGRESS, Packet, in_nets
from tests.reference.policies import PolicyView, RuleView
from tests.reference.selectors import label_selector

GROUP = "policy.networking.k8s.io"
KINDS = ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy")
_PROTOCOLS = {"TCP": 6, "UDP": 17, "SCTP": 132}
_V2_PROTOCOLS = {"tcp": 6, "udp": 17, "sctp": 132}
_PEERS = {INGRESS: ("namespaces", "pods"), EGRESS: ("namespaces", "pods", "networks", "nodes")}
_PORTS = ("portNumber", "portRange", "namedPort", "destinationNamedPort", *_V2_PROTOCOLS)

Matcher = Callable[[Cluster, Packet], bool]


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A Kubernetes LabelSelector (missing: everything)."""
    return label_selector(selector or {}).matches(labels)


def _in_pods(cluster: Cluster, pods: Mapping[str, Any], pod: Pod) -> bool:
    """A ``pods`` subject or peer: pod labels, namespace labels (missing: every namespace)."""
    namespaces = pods.get("namespaceSelector")
    return selector_matches(pods.get("podSelector"), pod.labels) and (
        namespaces is None or selector_matches(namespaces, cluster.namespace_labels(pod.namespace))
    )


def _selects(subject: Mapping[str, Any]) -> Callable[[Cluster, Pod], bool]:
    if "namespaces" in subject:
        return lambda cluster, pod: selector_matches(
            subject["namespaces"], cluster.namespace_labels(pod.namespace)
        )
    return lambda cluster, pod: _in_pods(cluster, subject["pods"], pod)


def _node_addresses(cluster: Cluster, selector: Mapping[str, Any]) -> set[str]:
    """The IP addresses of the Nodes whose labels match (host names skipped)."""
    found: set[str] = set()
    for node in cluster.of_kind("", "Node"):
        labels = (node.get("metadata") or {}).get("labels") or {}
        if not selector_matches(selector, labels):
            continue
        for entry in (node.get("status") or {}).get("addresses") or []:
            try:
                found.add(str(ipaddress.ip_address(entry["address"])))
            except ValueError:
                continue
    return found


def _peer_matches(cluster: Cluster, peer: Mapping[str, Any], remote: str) -> bool:
    if "namespaces" in peer:
        owner = cluster.pod_with_address(remote)
        return owner is not None and selector_matches(
            peer["namespaces"], cluster.namespace_labels(owner.namespace)
        )
    if "pods" in peer:
        owner = cluster.pod_with_address(remote)
        return owner is not None and _in_pods(cluster, peer["pods"], owner)
    if "networks" in peer:
        return in_nets(remote, tuple(peer["networks"]))
    if "nodes" in peer:
        return remote in _node_addresses(cluster, peer["nodes"])
    return False  # domainNames: cannot be matched at L4


def _port_matches(entry: Mapping[str, Any], packet: Packet, destination: Pod | None) -> bool:
    """One v1alpha1 ``ports`` entry or v1alpha2 ``protocols`` entry."""
    number = packet.dst_port
    if "portNumber" in entry:
        spec = entry["portNumber"]
        return _PROTOCOLS[spec.get("protocol", "TCP")] == packet.protocol and spec["port"] == number
    if "portRange" in entry:
        spec = entry["portRange"]
        return (
            _PROTOCOLS[spec.get("protocol", "TCP")] == packet.protocol
            and number is not None
            and spec["start"] <= number <= spec["end"]
        )
    named = entry.get("namedPort", entry.get("destinationNamedPort"))
    if named is not None:
        return destination is not None and any(
            p.name == named and p.protocol == packet.protocol and p.number == number
            for p in destination.ports
        )
    for name, protocol in _V2_PROTOCOLS.items():
        if name in entry:
            port = entry[name]["destinationPort"]
            if protocol != packet.protocol or number is None:
                return False
            if "number" in port:
                return bool(port["number"] == number)
            return bool(port["range"]["start"] <= number <= port["range"]["end"])
    raise AssertionError(f"unknown port entry {entry}")


def _rule(
    rule: Mapping[str, Any], direction: str, label: str, nodes_unknown: bool
) -> tuple[RuleView, ...]:
    """One rule as the reference evaluates it, with the API's fail-closed reading.

    ``nodes_unknown``: the Node objects cannot be read, so a ``nodes`` peer cannot be
    evaluated: in an Allow rule it matches nothing; in a Deny or Pass rule it denies
    every packet of the direction (the rule's earlier peers still apply first).
    """
    egress = direction == EGRESS
    action = "Allow" if rule["action"] == "Accept" else rule["action"]
    peers = rule["to" if egress else "from"]
    known_peers = [p for p in peers if any(k in p for k in (*_PEERS[direction], "domainNames"))]
    entries = rule.get("ports", rule.get("protocols"))
    known_ports = None if entries is None else [e for e in entries if any(k in e for k in _PORTS)]
    peers_unknown = len(known_peers) < len(peers)
    ports_unknown = known_ports is not None and len(known_ports) < len(entries or ())
    unknown = peers_unknown or ports_unknown
    blind = nodes_unknown and any("nodes" in p for p in known_peers)
    if blind and action == "Allow":
        known_peers = [p for p in known_peers if "nodes" not in p]

    def matching(chosen: list[Mapping[str, Any]]) -> Matcher:
        def matches(cluster: Cluster, packet: Packet) -> bool:
            remote = packet.dst_ip if egress else packet.src_ip
            destination = cluster.pod_with_address(packet.dst_ip)
            ports_ok = known_ports is None or any(
                _port_matches(e, packet, destination) for e in known_ports
            )
            if unknown and action != "Allow":
                ports_ok = ports_ok or ports_unknown
                peers_ok = peers_unknown or any(_peer_matches(cluster, p, remote) for p in chosen)
                return ports_ok and peers_ok
            return ports_ok and any(_peer_matches(cluster, p, remote) for p in chosen)

        return matches

    if not blind or action == "Allow" or peers_unknown:
        final = "Deny" if unknown and action != "Allow" else action
        return (RuleView(final, matching(known_peers), label),)
    if unknown:  # a Deny on every port already; its nodes peer could be any address
        return (RuleView("Deny", _anything, label),)
    views: list[RuleView] = []
    for peer in known_peers:
        if "nodes" in peer:
            views.append(RuleView("Deny", _anything, label))
            break
        views.append(RuleView(action, matching([peer]), label))
    return tuple(views)


def _anything(cluster: Cluster, packet: Packet) -> bool:
    return True


def _view(manifest: Manifest, nodes_unknown: bool) -> PolicyView:
    _, kind, _, name = identity(manifest)
    spec = manifest["spec"]
    baseline = kind == "BaselineAdminNetworkPolicy" or spec.get("tier") == "Baseline"
    priority = spec.get("priority")
    label = f"{kind} {name}"

    def rules(direction: str) -> tuple[RuleView, ...]:
        key = "ingress" if direction == INGRESS else "egress"
        return tuple(
            view
            for index, rule in enumerate(spec.get(key) or ())
            for view in _rule(rule, direction, f"{label} {key}[{index}]", nodes_unknown)
        )

    return PolicyView(
        label,
        "",
        name,
        BASELINE_TIER if baseline else ADMIN_TIER,
        None if kind == "BaselineAdminNetworkPolicy" else float(priority),
        frozenset(d for d, key in ((INGRESS, "ingress"), (EGRESS, "egress")) if spec.get(key)),
        _selects(spec["subject"]),
        rules(INGRESS),
        rules(EGRESS),
    )


def admin_policies(cluster: Cluster) -> list[PolicyView]:
    """Every cluster-admin policy of the cluster, as a policy of its tier."""
    return [
        _view(m, cluster.nodes_unreadable) for kind in KINDS for m in cluster.of_kind(GROUP, kind)
    ]
