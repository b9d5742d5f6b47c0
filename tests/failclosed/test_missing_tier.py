"""A policy in a tier that does not exist: Felix's ordering, and a warning (input 4)."""

from __future__ import annotations

from dataplane.engine import Engine
from dataplane.model import InSync
from tests.conformance.manifests import action, global_policy, tier
from tests.failclosed.cluster import PODS, allowed, converted, programmed


def test_policy_in_a_missing_tier_is_enforced_last() -> None:
    deny = global_policy(
        "ghost.deny", tier="ghost", selector="app == 'a'", ingress=[action("Deny")]
    )
    node = programmed(deny)
    assert not allowed(node, "x/b", "x/a"), "still enforced"
    passing = global_policy("early.pass", tier="early", selector="all()", ingress=[action("Pass")])
    node = programmed(deny, tier("early", 10), passing)
    assert not allowed(node, "x/b", "x/a"), "ordered after the tiers that exist"


def test_missing_tier_is_a_warning_until_the_tier_exists() -> None:
    engine = Engine("n1")
    deny = global_policy(
        "ghost.deny", tier="ghost", selector="app == 'a'", ingress=[action("Deny")]
    )
    engine.apply([*converted(*PODS, deny), InSync()])
    (warning,) = engine.take_warnings()
    assert "tier 'ghost' does not exist" in warning and "ghost.deny" in warning
    engine.apply(converted(tier("ghost", 5)))
    assert engine.warnings() == ()
