"""Reference verdicts, evaluated directly from SEMANTICS.md over raw manifests.

One direction's verdict is a pipeline of stages, each deciding or passing on:
host traffic, then the tiers of Kubernetes and Calico policies, then the
profile default (allow). Another kind of policy plugs in as a stage at its
place: admin policies before the tiers, baseline admin policies after them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.reference.cluster import Cluster, Pod, Tier
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


def tiers(cluster: Cluster, direction: str, pod: Pod, packet: Packet) -> Verdict | None:
    """Kubernetes and Calico policies: tiers in order; within a tier, policies in
    order and rules first-match; ``Log`` goes on, ``Pass`` jumps to the next tier,
    a tier whose policies match nothing applies its default action. None when no
    policy applies or every tier passed."""
    applicable = [
        p for p in tiered_policies(cluster) if direction in p.types and p.selects(cluster, pod)
    ]
    if not applicable:
        return None
    ordered = sorted({cluster.tier(p.tier) for p in applicable}, key=_tier_key)
    for tier in ordered:
        in_tier = sorted((p for p in applicable if p.tier == tier.name), key=_policy_key)
        decided = _first_decision(cluster, direction, in_tier, packet)
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


def _tier_key(tier: Tier) -> tuple[bool, float, str]:
    return (tier.order is None, tier.order or 0.0, tier.name)


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
