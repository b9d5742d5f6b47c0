"""``explain`` names the admin rule that decided, as written in its manifest."""

from __future__ import annotations

from dataplane.convert import convert
from dataplane.simulate import Probe, connection, simulate_node
from tests.conformance.cluster import base_manifests
from tests.conformance.manifests import (
    admin_policy,
    admin_rule,
    baseline_policy,
    egress_rule,
    ingress_rule,
    namespaces,
)


def test_explain_names_the_deciding_admin_and_baseline_rules() -> None:
    deny = ingress_rule(admin_rule("Deny", namespaces("y")))
    guard = admin_policy("guard", 7, namespaces("x"), ingress=[{**deny, "name": "no-y"}])
    baseline = baseline_policy(
        namespaces("x"), egress=[egress_rule(admin_rule("Deny", namespaces("z")))]
    )
    node = simulate_node([convert(m) for m in [*base_manifests(), guard, baseline]])
    denied = connection(node, "y/a", "x/b", Probe("TCP", 80))
    assert denied.allowed is False
    assert denied.ingress.origin.endswith(
        "= AdminNetworkPolicy guard ingress[0] 'no-y': Deny (tier adminnetworkpolicy, priority 7)"
    )
    out = connection(node, "x/a", "z/c", Probe("UDP", 81))
    assert out.allowed is False
    assert out.egress.origin.endswith(
        "= BaselineAdminNetworkPolicy default egress[0]: Deny"
        " (tier baselineadminnetworkpolicy, baseline)"
    )


def test_a_peer_not_understood_is_enforced_fail_closed_and_noted() -> None:
    newer = ingress_rule(admin_rule("Deny", {"futurePeer": {}}))
    guard = admin_policy("guard", 7, namespaces("x"), ingress=[newer])
    node = simulate_node([convert(m) for m in [*base_manifests(), guard]])
    denied = connection(node, "z/a", "x/b", Probe("TCP", 80))
    assert denied.allowed is False
    assert "ingress[0] (fail-closed): Deny" in denied.ingress.origin
    (note,) = node.notes("x/b")
    assert note == (
        "AdminNetworkPolicy guard: spec.ingress[0].from[0]: peer not understood:"
        " the Deny rule denies every peer (fail-closed)"
    )


def test_invalid_admin_rules_fail_closed_through_the_programmed_acls() -> None:
    bad_deny = ingress_rule(
        admin_rule("Deny", namespaces("y"), ports=[{"portNumber": {"port": 70000}}])
    )
    bad_allow = ingress_rule(admin_rule("Allow", {"namespaces": {"matchLabels": {"a": "!"}}}))
    deny_z = ingress_rule(admin_rule("Deny", namespaces("z")))
    guard = admin_policy("guard", 7, namespaces("x"), ingress=[bad_allow, deny_z])
    strict = admin_policy("strict", 8, namespaces("y"), ingress=[bad_deny])
    node = simulate_node([convert(m) for m in [*base_manifests(), guard, strict]])
    assert connection(node, "z/a", "x/b", Probe("TCP", 80)).allowed is False
    assert connection(node, "y/a", "x/b", Probe("TCP", 80)).allowed is True
    for source in ("x/a", "z/c", "y/b"):
        verdict = connection(node, source, "y/a", Probe("UDP", 81))
        assert verdict.allowed is False
        assert "ingress[0] (invalid, fail-closed)" in verdict.ingress.origin
    (note,) = node.notes("x/a")
    assert "spec.ingress[0].from[0].namespaces.matchLabels.a" in note
    assert note.endswith("the invalid Allow rule allows nothing (fail-closed)")
