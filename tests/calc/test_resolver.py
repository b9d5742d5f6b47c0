"""Tier and policy ordering of an endpoint's policies."""

from __future__ import annotations

from dataplane.calc import TierPolicies
from dataplane.calc.resolver import effective_tier, resolve, resolve_directions
from dataplane.model import DEFAULT_TIER, Action, Direction, Kind, Policy, Tier
from dataplane.selector import ALL

BOTH = frozenset({Direction.INGRESS, Direction.EGRESS})


def _policy(
    name: str,
    tier: str = "default",
    order: float | None = None,
    kind: Kind = Kind.GLOBAL_NETWORK_POLICY,
    namespace: str = "",
    types: frozenset[Direction] = BOTH,
) -> Policy:
    return Policy(kind, namespace, name, ALL, types, tier=tier, order=order)


def test_tiers_by_order_with_none_last_and_ties_by_name() -> None:
    tiers = {
        "b": Tier("b", 1.0),
        "a": Tier("a", 1.0, Action.PASS),
        "late": Tier("late", None),
        "first": Tier("first", 0.5),
    }
    policies = [_policy(f"p-{t}", tier=t) for t in ("late", "b", "a", "first")]
    resolved = resolve(policies, tiers, Direction.INGRESS)
    assert [t.tier for t in resolved] == ["first", "a", "b", "late"]
    assert resolved[1] == TierPolicies("a", Action.PASS, (policies[2].key,))


def test_policies_by_order_with_none_last_then_name_kind_namespace() -> None:
    policies = [
        _policy("z", order=1.0),
        _policy("none", order=None),
        _policy("a", order=2.0),
        _policy("m", order=1.0, kind=Kind.NETWORK_POLICY, namespace="ns"),
        _policy("m", order=1.0),
    ]
    (tier,) = resolve(policies, {}, Direction.EGRESS)
    assert [(k.name, k.kind) for k in tier.policies] == [
        ("m", Kind.GLOBAL_NETWORK_POLICY),
        ("m", Kind.NETWORK_POLICY),
        ("z", Kind.GLOBAL_NETWORK_POLICY),
        ("a", Kind.GLOBAL_NETWORK_POLICY),
        ("none", Kind.GLOBAL_NETWORK_POLICY),
    ]


def test_kubernetes_policies_sort_in_the_default_tier_at_order_1000() -> None:
    k8s = Policy(Kind.K8S_NETWORK_POLICY, "ns", "k", ALL, BOTH, tier="elsewhere", order=None)
    before = _policy("before", order=999.0)
    after = _policy("after", order=1001.0)
    (tier,) = resolve([after, k8s, before], {}, Direction.INGRESS)
    assert tier.tier == "default"
    assert tier.policies == (before.key, k8s.key, after.key)


def test_only_tiers_with_a_policy_for_the_direction_are_listed() -> None:
    ingress_only = _policy("in", tier="t1", types=frozenset({Direction.INGRESS}))
    egress_only = _policy("out", tier="t2", types=frozenset({Direction.EGRESS}))
    assert [t.tier for t in resolve([ingress_only, egress_only], {}, Direction.INGRESS)] == ["t1"]
    assert [t.tier for t in resolve([ingress_only, egress_only], {}, Direction.EGRESS)] == ["t2"]
    assert resolve([_policy("none", types=frozenset())], {}, Direction.INGRESS) == ()


def test_default_tier_is_implicit_unless_declared_and_unknown_tiers_fail_closed() -> None:
    assert effective_tier("default", {}) == DEFAULT_TIER
    declared = Tier("default", 5.0, Action.PASS)
    assert effective_tier("default", {"default": declared}) == declared
    assert effective_tier("ghost", {}) == Tier("ghost", None, Action.DENY)


def test_resolve_directions_is_resolve_per_direction_with_the_given_key_instances() -> None:
    tiers = {"t": Tier("t", 2.0), "u": Tier("u", 1.0, Action.PASS)}
    policies = [
        _policy("a", tier="t", order=3.0, types=frozenset({Direction.INGRESS})),
        _policy("b", tier="u", order=1.0),
        _policy("c", tier="t", order=None, types=frozenset({Direction.EGRESS})),
        _policy("d", tier="missing", order=2.0),
        _policy("e", tier="t", order=1.0),
    ]
    keyed = [(p.key, p) for p in policies]
    ingress, egress = resolve_directions(keyed, tiers)
    assert ingress == resolve(policies, tiers, Direction.INGRESS)
    assert egress == resolve(policies, tiers, Direction.EGRESS)
    filed = {id(key) for key, _ in keyed}
    assert all(id(key) in filed for tier in ingress + egress for key in tier.policies)
