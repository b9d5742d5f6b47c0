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
