"""Reference verdicts: tiers, policies and rules evaluated directly from SEMANTICS.md."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from dataplane.model import (
    ADMIN_POLICY_KINDS,
    Action,
    Direction,
    IcmpMatch,
    Kind,
    Labels,
    Policy,
    Tier,
    WorkloadEndpoint,
)
from dataplane.selector import GLOBAL
from tests.reference import admin
from tests.reference.cluster import Cluster
from tests.reference.matching import Packet, rule_matches

DEFAULT_SOURCE_PORT = 40000

Peer = WorkloadEndpoint | str


@dataclass(frozen=True, slots=True)
class Verdict:
    """One direction's decision and what made it (policy and rule index, or a default)."""

    allowed: bool
    reason: str


def selects(cluster: Cluster, policy: Policy, endpoint: WorkloadEndpoint) -> bool:
    """Whether ``policy`` applies to ``endpoint`` (namespace scoping, then its selector)."""
    if policy.kind is Kind.GLOBAL_NETWORK_POLICY:
        ns_selector = policy.namespace_selector
        if ns_selector == GLOBAL:
            return False
        if ns_selector is not None and not ns_selector.matches(
            Labels(cluster.namespace_labels(endpoint.namespace))
        ):
            return False
    elif policy.namespace != endpoint.namespace:
        return False
    return policy.selector.matches(Labels(cluster.endpoint_labels(endpoint)))


def _order_key(order: float | None, name: str) -> tuple[bool, float, str]:
    """Ascending order, a missing order last, ties broken by name."""
    return (order is None, order or 0.0, name)


def _policy_order(policy: Policy) -> tuple[bool, float, str]:
    return _order_key(policy.order, f"{policy.namespace}/{policy.name}")


def _tier_order(tier: Tier) -> tuple[bool, float, str]:
    return _order_key(tier.order, tier.name)


def evaluate(
    cluster: Cluster, direction: Direction, endpoint: WorkloadEndpoint, packet: Packet
) -> Verdict:
    """The verdict of ``endpoint``'s policies for ``packet`` in one direction.

    Tiers in order; within a tier, policies in order and rules first-match;
    ``Log`` continues, ``Pass`` jumps to the next tier, a tier whose policies
    match nothing applies its default action. No applicable policy (or a pass
    out of the last tier) falls through to the namespace profile: allow.
    """
    if direction is Direction.INGRESS and packet.src_ip in cluster.host_addresses:
        return Verdict(True, "host traffic")
    applicable = [
        p
        for p in cluster.policies
        if p.kind not in ADMIN_POLICY_KINDS  # read from their manifests (admin.py)
        and direction in p.types
        and selects(cluster, p, endpoint)
    ]
    egress = direction is Direction.EGRESS
    admin_tiers: dict[str, admin.AdminDecision | None] = {}
    admin_tier_orders: set[Tier] = set()
    for name, order in (admin.ADMIN_TIER, admin.BASELINE_TIER):
        selected, decision = admin.decide(
            cluster, cluster.admin_manifests.values(), name, egress, endpoint, packet
        )
        if selected:
            admin_tiers[name] = decision
            admin_tier_orders.add(Tier(name, order, Action.PASS))
    if not applicable and not admin_tiers:
        return Verdict(True, "no policy")
    tiers = sorted(
        {cluster.tier(p.tier) for p in applicable} | admin_tier_orders,
        key=_tier_order,
    )
    for tier in tiers:
        if tier.name in admin_tiers:  # no implicit deny: nothing matched passes on
            found = admin_tiers[tier.name]
            if found is not None and found.action != "Pass":
                return Verdict(found.action == "Allow", found.reason)
            continue
        in_tier = sorted((p for p in applicable if p.tier == tier.name), key=_policy_order)
        decided = _first_decision(cluster, direction, in_tier, packet)
        if decided is None:
            if tier.default_action is Action.PASS:
                continue
            return Verdict(False, f"tier {tier.name}: default deny")
        action, reason = decided
        if action is not Action.PASS:
            return Verdict(action is Action.ALLOW, reason)
    return Verdict(True, "passed to profile")


def _first_decision(
    cluster: Cluster, direction: Direction, policies: list[Policy], packet: Packet
) -> tuple[Action, str] | None:
    """The first matching Allow/Deny/Pass rule of a tier and where it is; None if none."""
    for policy in policies:
        for index, rule in enumerate(policy.rules(direction)):
            if rule.action is Action.LOG or not rule_matches(cluster, policy, rule, packet):
                continue
            return rule.action, f"{policy.key} {direction} rule {index}: {rule.action}"
    return None


def _resolve(cluster: Cluster, peer: Peer, version: int) -> tuple[str, WorkloadEndpoint | None]:
    """A peer's address of ``version`` and the endpoint owning it (the dataplane sees IPs)."""
    if isinstance(peer, WorkloadEndpoint):
        for address in peer.addresses:
            if ipaddress.ip_address(address).version == version:
                return address, peer
        raise ValueError(f"{peer.key} has no IPv{version} address")
    return peer, cluster.endpoint_with_address(peer)


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
        if isinstance(peer, WorkloadEndpoint)
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
    icmp: IcmpMatch | None,
    source_port: int | None,
    ip_version: int | None,
) -> tuple[Packet, WorkloadEndpoint | None, WorkloadEndpoint | None]:
    version = _version(src, dst, ip_version)
    src_ip, src_ep = _resolve(cluster, src, version)
    dst_ip, dst_ep = _resolve(cluster, dst, version)
    packet = Packet(src_ip, dst_ip, protocol, source_port, port, icmp)
    return packet, src_ep, dst_ep


def verdict(
    cluster: Cluster,
    direction: Direction,
    endpoint: WorkloadEndpoint,
    peer: Peer,
    protocol: int,
    port: int | None,
    *,
    icmp: IcmpMatch | None = None,
    source_port: int | None = DEFAULT_SOURCE_PORT,
    ip_version: int | None = None,
) -> Verdict:
    """Whether ``endpoint``'s policy in ``direction`` admits this connection with
    ``peer`` (the destination on egress, the source on ingress)."""
    src, dst = (endpoint, peer) if direction is Direction.EGRESS else (peer, endpoint)
    packet, _, _ = _packet(cluster, src, dst, protocol, port, icmp, source_port, ip_version)
    return evaluate(cluster, direction, endpoint, packet)


def allowed(
    cluster: Cluster,
    src: Peer,
    dst: Peer,
    protocol: int,
    port: int | None,
    *,
    icmp: IcmpMatch | None = None,
    source_port: int | None = DEFAULT_SOURCE_PORT,
    ip_version: int | None = None,
) -> bool:
    """A connection is allowed iff the source pod's egress and the destination pod's
    ingress both allow it (a side that is not a pod has no say).

    A peer given as an IP that some endpoint owns is that endpoint. ``port`` is
    the destination port (None for ICMP); ``ip_version`` picks the family when
    both peers are endpoints (default: IPv4 if both have one).
    """
    packet, src_ep, dst_ep = _packet(
        cluster, src, dst, protocol, port, icmp, source_port, ip_version
    )
    if src_ep is not None and not evaluate(cluster, Direction.EGRESS, src_ep, packet).allowed:
        return False
    return dst_ep is None or evaluate(cluster, Direction.INGRESS, dst_ep, packet).allowed
