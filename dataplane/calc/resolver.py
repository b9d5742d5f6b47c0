"""Ordering an endpoint's policies into tiers, the way Calico evaluates them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dataplane.calc.delta import TierPolicies
from dataplane.model import BUILTIN_TIERS, Action, Direction, Kind, Policy, ResourceKey, Tier

K8S_POLICY_TIER = "default"
K8S_POLICY_ORDER = 1000.0

OrderKey = tuple[bool, float, str]


def effective_tier(name: str, tiers: Mapping[str, Tier]) -> Tier:
    """The tier named ``name``: declared, built in, or a fail-closed stand-in.

    The built-in tiers (``default`` and the two cluster-admin tiers) exist without
    a Tier object. A policy may name a tier that does not exist (yet); it is
    treated as a tier with order None (evaluated last) and default action Deny.
    """
    tier = tiers.get(name)
    if tier is not None:
        return tier
    builtin = BUILTIN_TIERS.get(name)
    if builtin is not None:
        return builtin
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
    kind = policy.kind
    order = K8S_POLICY_ORDER if kind is Kind.K8S_NETWORK_POLICY else policy.order
    # A StrEnum member compares as its value.
    return (order is None, order or 0.0, policy.name, kind, policy.namespace)


def resolve(
    policies: Iterable[Policy], tiers: Mapping[str, Tier], direction: Direction
) -> tuple[TierPolicies, ...]:
    """The tiers (with at least one policy for ``direction``) and their policies, in order."""
    return _tiers_of(_ordered((p.key, p) for p in policies), tiers, direction)


def resolve_directions(
    policies: Iterable[tuple[ResourceKey, Policy]], tiers: Mapping[str, Tier]
) -> tuple[tuple[TierPolicies, ...], tuple[TierPolicies, ...]]:
    """``resolve`` for ingress and egress of (key, policy) pairs, sorting them once."""
    ordered = _ordered(policies)
    return (
        _tiers_of(ordered, tiers, Direction.INGRESS),
        _tiers_of(ordered, tiers, Direction.EGRESS),
    )


def _pair_sort_key(pair: tuple[ResourceKey, Policy]) -> tuple[bool, float, str, str, str]:
    return policy_sort_key(pair[1])


def _ordered(
    policies: Iterable[tuple[ResourceKey, Policy]],
) -> list[tuple[str, ResourceKey, Policy]]:
    """(tier name, key, policy) by ``policy_sort_key`` (a total order: keys are unique)."""
    return [(placement(p)[0], k, p) for k, p in sorted(policies, key=_pair_sort_key)]


def _tiers_of(
    ordered: list[tuple[str, ResourceKey, Policy]], tiers: Mapping[str, Tier], direction: Direction
) -> tuple[TierPolicies, ...]:
    by_tier: dict[str, list[ResourceKey]] = {}
    for tier_name, key, policy in ordered:
        if direction in policy.types:
            by_tier.setdefault(tier_name, []).append(key)
    ranked = sorted((effective_tier(name, tiers) for name in by_tier), key=tier_sort_key)
    return tuple(
        TierPolicies(
            tier=tier.name, default_action=tier.default_action, policies=tuple(by_tier[tier.name])
        )
        for tier in ranked
    )
