"""Reference verdicts, evaluated directly from SEMANTICS.md over raw manifests.

One direction's verdict is a pipeline of stages, each deciding or passing on:
host traffic, then the tiers, then the profile default (allow). The tiers come
from ``TIER_SOURCES``: Kubernetes and Calico policies in their tiers; another
kind of policy plugs in as a source of tiers at their orders (Calico places the
admin policies' tier before ``default`` and the baseline one after it), or as a
stage of its own in ``PIPELINE``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.reference.admin import admin_policies
from tests.reference.cluster import Cluster, Pod
from tests.reference.matching import EGRESS, INGRESS, Icmp, Packet
from tests.reference.policies import PolicyView, tiered_policies

DEFAULT_SOURCE_PORT = 40000

Peer = Pod | str


@dataclass(frozen=True, slots=True)
class Verdict:
    """One direction's decision and what made it (policy and rule, or a default)."""

    allowed: bool
    reason: str


Stage = Callable[[Cluster, str, Pod, Packet], Verdict | None]
"""One step of a direction's evaluation: a verdict, or None to go on."""


def host_traffic(cluster: Cluster, direction: str, _pod: Pod, packet: Packet) -> Verdict | None:
    """Traffic from the node itself to a pod is always allowed (kubelet probes)."""
    if direction == INGRESS and packet.src_ip in cluster.host_addresses:
        return Verdict(True, "host traffic")
    return None


@dataclass(frozen=True, slots=True)
class TierView:
    """One tier as it applies to one pod and direction: its place, the first matching
    rule's (action, reason) of its policies (None: nothing matched), and what happens
    then (``Deny``, or ``Pass`` to the next tier)."""

    name: str
    order: float | None
    decide: Callable[[Packet], tuple[str, str] | None]
    default_action: str

    @property
    def sort_key(self) -> tuple[bool, float, str]:
        return (self.order is None, self.order or 0.0, self.name)


TierSource = Callable[[Cluster, str, Pod], list[TierView]]
"""The tiers one kind of policy contributes for a pod and direction (only tiers in
which some policy applies to it)."""


def _tiers_of(policies: Callable[[Cluster], list[PolicyView]]) -> TierSource:
    """The tiers of some kind of policy: within a tier, policies in order and rules
    first-match (``Log`` goes on); a tier whose policies match nothing applies its
    default action."""

    def source(cluster: Cluster, direction: str, pod: Pod) -> list[TierView]:
        applicable = [
            p for p in policies(cluster) if direction in p.types and p.selects(cluster, pod)
        ]
        views = []
        for tier in {cluster.tier(p.tier) for p in applicable}:
            in_tier = sorted((p for p in applicable if p.tier == tier.name), key=_policy_key)
            views.append(
                TierView(
                    tier.name,
                    tier.order,
                    lambda packet, ps=in_tier: _first_decision(cluster, direction, ps, packet),
                    tier.default_action,
                )
            )
        return views

    return source


policy_tiers = _tiers_of(tiered_policies)
"""Kubernetes and Calico policies by tier."""

admin_tiers = _tiers_of(admin_policies)
"""AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy in the
``adminnetworkpolicy`` (order 1000) and ``baselineadminnetworkpolicy`` (10000000)
tiers, both passing on what nothing matched (see admin.py)."""


TIER_SOURCES: tuple[TierSource, ...] = (policy_tiers, admin_tiers)
"""Every kind of tiered policy; the admin policies are one more source, in their own
tiers at their own orders."""


def tiers(cluster: Cluster, direction: str, pod: Pod, packet: Packet) -> Verdict | None:
    """Every source's tiers in order (missing order last, then name): the first
    Allow or Deny decides, ``Pass`` jumps to the next tier, a tier where nothing
    matched applies its default action. None when no tier applies or all passed."""
    views = [view for source in TIER_SOURCES for view in source(cluster, direction, pod)]
    for tier in sorted(views, key=lambda view: view.sort_key):
        decided = tier.decide(packet)
        if decided is None:
            if tier.default_action == "Pass":
                continue
            return Verdict(False, f"tier {tier.name}: default deny")
        action, reason = decided
        if action != "Pass":
            return Verdict(action == "Allow", reason)
    return None


def profile(_cluster: Cluster, _direction: str, _pod: Pod, _packet: Packet) -> Verdict:
    """What no policy decided: the namespace profile allows."""
    return Verdict(True, "no policy, or passed to the profile")


PIPELINE: tuple[Stage, ...] = (host_traffic, tiers, profile)


def _policy_key(policy: PolicyView) -> tuple[bool, float, str, str]:
    return policy.sort_key


def _first_decision(
    cluster: Cluster, direction: str, policies: list[PolicyView], packet: Packet
) -> tuple[str, str] | None:
    """The first matching Allow/Deny/Pass rule of a tier and where it is; None if none."""
    for policy in policies:
        for rule in policy.rules(direction):
            if rule.action != "Log" and rule.matches(cluster, packet):
                return rule.action, f"{rule.label}: {rule.action}"
    return None


def evaluate(
    cluster: Cluster,
    direction: str,
    pod: Pod,
    packet: Packet,
    pipeline: Sequence[Stage] = PIPELINE,
) -> Verdict:
    """The verdict of ``pod``'s policy for ``packet`` in one direction."""
    for stage in pipeline:
        decided = stage(cluster, str(direction), pod, packet)
        if decided is not None:
            return decided
    raise AssertionError("the pipeline must end in a stage that always decides")


def _resolve(cluster: Cluster, peer: Peer, version: int) -> tuple[str, Pod | None]:
    """A peer's address of ``version`` and the pod owning it (the dataplane sees IPs)."""
    if isinstance(peer, Pod):
        for address in peer.addresses:
            if ipaddress.ip_address(address).version == version:
                return address, peer
        raise ValueError(f"{peer.namespace}/{peer.name} has no IPv{version} address")
    return peer, cluster.pod_with_address(peer)


def _version(src: Peer, dst: Peer, ip_version: int | None) -> int:
    """The address family of a connection: given, from a literal IP, or shared (IPv4 first)."""
    if ip_version is not None:
        return ip_version
    for peer in (src, dst):
        if isinstance(peer, str):
            return ipaddress.ip_address(peer).version
    families = [
        {ipaddress.ip_address(a).version for a in peer.addresses}
        for peer in (src, dst)
        if isinstance(peer, Pod)
    ]
    common = set.intersection(*families)
    if not common:
        raise ValueError("source and destination share no address family")
    return min(common)


def _packet(
    cluster: Cluster,
    src: Peer,
    dst: Peer,
    protocol: int,
    port: int | None,
    icmp: Icmp | None,
    source_port: int | None,
    ip_version: int | None,
) -> tuple[Packet, Pod | None, Pod | None]:
    version = _version(src, dst, ip_version)
    src_ip, src_pod = _resolve(cluster, src, version)
    dst_ip, dst_pod = _resolve(cluster, dst, version)
    return Packet(src_ip, dst_ip, protocol, source_port, port, icmp), src_pod, dst_pod


def verdict(
    cluster: Cluster,
    direction: str,
    pod: Pod,
    peer: Peer,
    protocol: int,
    port: int | None,
    *,
    icmp: Icmp | None = None,
    source_port: int | None = DEFAULT_SOURCE_PORT,
    ip_version: int | None = None,
) -> Verdict:
    """Whether ``pod``'s policy in ``direction`` admits this connection with ``peer``
    (the destination on egress, the source on ingress)."""
    src, dst = (pod, peer) if direction == EGRESS else (peer, pod)
    packet, _, _ = _packet(cluster, src, dst, protocol, port, icmp, source_port, ip_version)
    return evaluate(cluster, direction, pod, packet)


def allowed(
    cluster: Cluster,
    src: Peer,
    dst: Peer,
    protocol: int,
    port: int | None,
    *,
    icmp: Icmp | None = None,
    source_port: int | None = DEFAULT_SOURCE_PORT,
    ip_version: int | None = None,
) -> bool:
    """A connection is allowed iff the source pod's egress and the destination pod's
    ingress both allow it (a side that is not a pod has no say).

    A peer given as an IP that some pod owns is that pod. ``port`` is the
    destination port (None for ICMP); ``ip_version`` picks the family when both
    peers are pods (default: IPv4 if both have one).
    """
    packet, src_pod, dst_pod = _packet(
        cluster, src, dst, protocol, port, icmp, source_port, ip_version
    )
    if src_pod is not None and not evaluate(cluster, EGRESS, src_pod, packet).allowed:
        return False
    return dst_pod is None or evaluate(cluster, INGRESS, dst_pod, packet).allowed
