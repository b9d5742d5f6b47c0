"""Reference verdicts of the cluster-admin policies, read straight from their manifests.

Written from network-policy-api's API text, sharing nothing with the pipeline's
conversion or selectors: AdminNetworkPolicy and BaselineAdminNetworkPolicy
(v1alpha1), ClusterNetworkPolicy (v1alpha2). Per direction, a tier's policies
apply in priority order (ties by name, then kind; the BaselineAdminNetworkPolicy
after every Baseline ClusterNetworkPolicy), rules in list order, first match
wins. A peer or port entry that sets nothing this module knows fails closed as
the API says: in an Allow rule it matches nothing, a Deny or Pass rule holding one
denies every peer. ``domainNames`` match nothing. (Calico policies placed in the
admin tiers themselves are evaluated as a tier of their own at the same order, not
interleaved with the admin policies.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dataplane.model import WorkloadEndpoint
from tests.reference.cluster import ADMIN_TIERS, Cluster
from tests.reference.matching import Packet, in_nets

Manifest = Mapping[str, Any]

ADMIN_TIER = ("adminnetworkpolicy", ADMIN_TIERS["adminnetworkpolicy"])
BASELINE_TIER = ("baselineadminnetworkpolicy", ADMIN_TIERS["baselineadminnetworkpolicy"])
_PROTOCOLS = {"TCP": 6, "UDP": 17, "SCTP": 132}
_V2_PROTOCOLS = {"tcp": 6, "udp": 17, "sctp": 132}


@dataclass(frozen=True, slots=True)
class AdminDecision:
    """A rule that matched: ``Allow``, ``Deny`` or ``Pass``, and which rule it was."""

    action: str
    reason: str


def tier_of(manifest: Manifest) -> tuple[str, float]:
    """(tier name, tier order) as Calico places the policy."""
    spec = manifest["spec"]
    if manifest["kind"] == "AdminNetworkPolicy":
        return ADMIN_TIER
    if manifest["kind"] == "ClusterNetworkPolicy" and spec["tier"] == "Admin":
        return ADMIN_TIER
    return BASELINE_TIER


def _order(manifest: Manifest) -> tuple[float, str, str]:
    priority = manifest["spec"].get("priority")
    return (
        float("inf") if priority is None else priority,
        manifest["metadata"]["name"],
        manifest["kind"],
    )


# -- label selectors ---------------------------------------------------------------


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A Kubernetes LabelSelector: every matchLabels pair and every expression."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values") or []
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def _namespace_labels(cluster: Cluster, namespace: str) -> Mapping[str, str]:
    """A namespace's labels as the cluster holds them (an unknown namespace has none)."""
    return cluster.namespace_labels(namespace)


def _namespaced_pods(cluster: Cluster, pods: Mapping[str, Any], endpoint: WorkloadEndpoint) -> bool:
    """A ``pods`` subject or peer: pod labels and namespace labels (missing: every namespace)."""
    namespaces = pods.get("namespaceSelector")
    return selector_matches(pods.get("podSelector"), endpoint.labels) and (
        namespaces is None
        or selector_matches(namespaces, _namespace_labels(cluster, endpoint.namespace))
    )


def subject_selects(cluster: Cluster, manifest: Manifest, endpoint: WorkloadEndpoint) -> bool:
    """Whether a policy's subject picks ``endpoint``."""
    subject = manifest["spec"]["subject"]
    if "namespaces" in subject:
        return selector_matches(
            subject["namespaces"], _namespace_labels(cluster, endpoint.namespace)
        )
    return _namespaced_pods(cluster, subject["pods"], endpoint)


# -- rules --------------------------------------------------------------------------


class _NotUnderstood(Exception):
    """A peer or port entry that sets nothing this module knows."""


def _peer_matches(cluster: Cluster, peer: Mapping[str, Any], remote: str, egress: bool) -> bool:
    if "namespaces" in peer:
        owner = cluster.endpoint_with_address(remote)
        return owner is not None and selector_matches(
            peer["namespaces"], _namespace_labels(cluster, owner.namespace)
        )
    if "pods" in peer:
        owner = cluster.endpoint_with_address(remote)
        return owner is not None and _namespaced_pods(cluster, peer["pods"], owner)
    if egress and "networks" in peer:
        return in_nets(remote, tuple(peer["networks"]))
    if egress and "nodes" in peer:
        return any(
            remote in node.addresses and selector_matches(peer["nodes"], node.labels)
            for node in cluster.nodes
        )
    if egress and "domainNames" in peer:
        return False
    raise _NotUnderstood


def _port_entry_matches(
    entry: Mapping[str, Any], packet: Packet, destination: WorkloadEndpoint | None
) -> bool:
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
            p.name == named and p.protocol == packet.protocol and p.port == number
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
    raise _NotUnderstood


def _rule_decision(
    cluster: Cluster,
    rule: Mapping[str, Any],
    packet: Packet,
    endpoint: WorkloadEndpoint,
    egress: bool,
) -> str | None:
    """The action a rule takes on the packet (Accept read as Allow), or None."""
    action = "Allow" if rule["action"] == "Accept" else rule["action"]
    remote = packet.dst_ip if egress else packet.src_ip
    destination = cluster.endpoint_with_address(packet.dst_ip) if egress else endpoint
    entries = rule.get("ports", rule.get("protocols"))
    port_ok, port_unknown = entries is None, False
    for entry in entries or []:
        try:
            port_ok = _port_entry_matches(entry, packet, destination) or port_ok
        except _NotUnderstood:
            port_unknown = True
    peer_ok, peer_unknown = False, False
    for peer in rule["to" if egress else "from"]:
        try:
            peer_ok = _peer_matches(cluster, peer, remote, egress) or peer_ok
        except _NotUnderstood:
            peer_unknown = True
    if action == "Allow":
        return action if port_ok and peer_ok else None
    if port_unknown or peer_unknown:  # a Deny or Pass of everything it could match
        return "Deny" if (port_ok or port_unknown) and (peer_ok or peer_unknown) else None
    return action if port_ok and peer_ok else None


def decide(
    cluster: Cluster,
    manifests: Iterable[Manifest],
    tier: str,
    egress: bool,
    endpoint: WorkloadEndpoint,
    packet: Packet,
) -> tuple[bool, AdminDecision | None]:
    """(whether any policy of ``tier`` selects ``endpoint`` for the direction, the first
    matching rule's decision or None)."""
    direction = "egress" if egress else "ingress"
    selected = sorted(
        (
            m
            for m in manifests
            if tier_of(m)[0] == tier
            and m["spec"].get(direction)
            and subject_selects(cluster, m, endpoint)
        ),
        key=_order,
    )
    for manifest in selected:
        for index, rule in enumerate(manifest["spec"][direction]):
            action = _rule_decision(cluster, rule, packet, endpoint, egress)
            if action is not None:
                name = f"{manifest['kind']} {manifest['metadata']['name']}"
                return True, AdminDecision(action, f"{name} {direction} rule {index}: {action}")
    return bool(selected), None
