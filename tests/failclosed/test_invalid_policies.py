"""Partly invalid policies are enforced fail-closed and say so (issue 13, input 1)."""

from __future__ import annotations

from dataplane.model import Policy, Upsert
from tests.conformance.manifests import (
    action,
    calico_policy,
    from_,
    global_policy,
    labels,
    netpol,
    peer,
    port,
)
from tests.failclosed.cluster import TCP81, allowed, at_most, converted, programmed


def test_one_bad_port_keeps_the_policy_and_its_good_rules() -> None:
    good = netpol(
        "web", labels(app="a"), ingress=[from_(peer(pods=labels(app="b")), ports=[port(80)])]
    )
    bad = netpol(
        "web",
        labels(app="a"),
        ingress=[from_(peer(pods=labels(app="b")), ports=[port(80)]), from_(ports=[port(70000)])],
    )
    assert at_most((bad,), (good,)) and at_most((bad,), (good,), TCP81)
    node = programmed(bad)
    assert allowed(node, "x/b", "x/a")
    assert not allowed(node, "y/c", "x/a")  # isolated: the bad rule allows nothing
    notes = node.notes("x/a")
    assert any("spec.ingress[1].ports[0].port" in n and "matches nothing" in n for n in notes)


def test_bad_selector_in_one_peer_drops_only_that_peer() -> None:
    bad_peer = peer(pods={"matchLabels": {"app": "bad value!"}})
    policy = netpol("web", labels(app="a"), ingress=[from_(peer(pods=labels(app="b")), bad_peer)])
    node = programmed(policy)
    assert allowed(node, "x/b", "x/a")
    assert not allowed(node, "y/c", "x/a")
    assert any("from[1]" in n for n in node.notes("x/a"))


def test_every_port_invalid_allows_nothing_rather_than_every_port() -> None:
    bad = netpol("web", labels(app="a"), ingress=[from_(ports=[port(80, end_port=70)])])
    node = programmed(bad)
    assert not allowed(node, "x/b", "x/a")
    assert any("endPort 70 is less than port 80" in n for n in node.notes("x/a"))


def test_unreadable_pod_selector_isolates_every_pod_of_the_namespace() -> None:
    bad = netpol("web", {"matchLabels": {"app": 5}}, ingress=[from_()])
    (update,) = converted(bad)
    assert isinstance(update, Upsert) and isinstance(update.value, Policy)
    assert update.value.problems
    node = programmed(bad)
    assert not allowed(node, "y/c", "x/a")
    assert not allowed(node, "y/c", "x/b")
    assert allowed(node, "x/a", "y/c")  # other namespaces and egress untouched
    assert node.notes("x/b")


def test_invalid_deny_denies_everything_it_could_have_matched() -> None:
    deny = calico_policy(
        "deny-c",
        selector="app == 'a'",
        ingress=[
            action("Deny", source={"selector": "app = 'c'"}),  # '=' is not an operator
            action("Allow"),
        ],
    )
    node = programmed(deny)
    assert not allowed(node, "y/c", "x/a")
    assert not allowed(node, "x/b", "x/a")
    notes = node.notes("x/a")
    assert any("(Deny): invalid" in n and "denies everything" in n for n in notes)


def test_invalid_pass_is_a_deny() -> None:
    policy = calico_policy(
        "p", selector="all()", order=1, ingress=[action("Pass", protocol="TCP", icmp={"type": 3})]
    )
    opened = global_policy("open", selector="all()", order=2, ingress=[action("Allow")])
    node = programmed(policy, opened)
    assert not allowed(node, "x/b", "x/a")


def test_unreadable_global_target_denies_every_endpoint_for_its_directions() -> None:
    bad = global_policy("g", selector="app ==", types=["Ingress"], ingress=[action("Allow")])
    node = programmed(bad)
    assert not allowed(node, "x/a", "y/c")
    assert not allowed(node, "y/c", "x/b")
    assert allowed(node, "x/a", "x/a") is False  # self traffic too: every ingress denied
    assert any("invalid selector" in n for n in node.notes("y/c"))


def test_unreadable_types_isolate_both_directions() -> None:
    bad = calico_policy("p", selector="app == 'a'", types=["Sideways"])
    node = programmed(bad)
    assert not allowed(node, "x/a", "x/b")  # egress of a denied
    assert not allowed(node, "x/b", "x/a")  # ingress of a denied
    assert allowed(node, "x/b", "y/c")


def test_rule_list_not_a_list_is_one_deny() -> None:
    bad = calico_policy("p", selector="app == 'a'", order=1, ingress={"action": "Allow"})
    opened = global_policy("open", selector="all()", order=2000, ingress=[action("Allow")])
    node = programmed(bad, opened)
    assert not allowed(node, "x/b", "x/a")


def test_valid_policies_are_unchanged() -> None:
    policy = netpol("web", labels(app="a"), ingress=[from_(peer(pods=labels(app="b")))])
    (update,) = converted(policy)
    assert isinstance(update, Upsert) and isinstance(update.value, Policy)
    assert update.value.problems == ()
    assert programmed(policy).notes("x/a") == ()
