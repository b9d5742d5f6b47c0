"""Ordering an endpoint's policies into tiers, the way Calico evaluates them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dataplane.calc.delta import TierPolicies
from dataplane.model import DEFAULT_TIER, Action, Direction, Kind, Policy, Tier

K8S_POLICY_TIER = "default"
K8S_POLICY_ORDER = 1000.0

OrderKey = tuple[bool, float, str]


def effective_tier(name: str, tiers: Mapping[str, Tier]) -> Tier:
    """The tier named ``name``: declared, the implicit default, or a fail-closed stand-in.

    A policy may name a tier that does not exist (yet); it is treated as a tier
    with order None (evaluated last) and default action Deny.
    """
    tier = tiers.get(name)
    if tier is not None:
        return tier
    if name == DEFAULT_TIER.name:
        return DEFAULT_TIER
    return Tier(name=name, order=None, default_action=Action.DENY)


def placement(policy: Policy) -> tuple[str, float | None]:
    """The tier and order a policy sorts by (Kubernetes policies: default tier, 1000)."""
    if policy.kind is Kind.K8S_NETWORK_POLICY:
        return K8S_POLICY_TIER, K8S_POLICY_ORDER
    return policy.tier, policy.order


def tier_sort_key(tier: Tier) -> OrderKey:
    """Tiers by order (None last), then name."""
    return (tier.order is None, tier.order or 0.0, tier.name)


def policy_sort_key(policy: Policy) -> tuple[bool, float, str, str, str]:
    """Policies within a tier by order (None last), then name, kind and namespace."""
    order = placement(policy)[1]
    return (order is None, order or 0.0, policy.name, policy.kind.value, policy.namespace)


def resolve(
    policies: Iterable[Policy], tiers: Mapping[str, Tier], direction: Direction
) -> tuple[TierPolicies, ...]:
    """The tiers (with at least one policy for ``direction``) and their policies, in order."""
    by_tier: dict[str, list[Policy]] = {}
    for policy in policies:
        if direction in policy.types:
            by_tier.setdefault(placement(policy)[0], []).append(policy)
    ordered = sorted((effective_tier(name, tiers) for name in by_tier), key=tier_sort_key)
    return tuple(
        TierPolicies(
            tier=tier.name,
            default_action=tier.default_action,
            policies=tuple(p.key for p in sorted(by_tier[tier.name], key=policy_sort_key)),
        )
        for tier in ordered
    )
