"""While Node objects cannot be read, rules with ``nodes`` peers are enforced fail-closed:
an Allow allows nothing, a Deny or Pass denies everything; other rules and policies are
untouched, and the stand-ins go when the Nodes are readable again."""

from __future__ import annotations

from dataclasses import replace

from dataplane.calc import CalcGraph
from dataplane.calc.node_peers import NodePeerGuard, uses_nodes
from dataplane.model import (
    Action,
    Delete,
    Direction,
    EntityMatch,
    Kind,
    Labels,
    Policy,
    Rule,
    UnreadableNodes,
    Upsert,
    WorkloadEndpoint,
)
from dataplane.selector import ALL, parse

EGRESS = frozenset({Direction.EGRESS})
INFRA = EntityMatch(node_selector=parse("role == 'infra'"))
POD = WorkloadEndpoint("ns", "pod", "local", ("10.0.0.1",), Labels({"app": "web"}))
NETS = EntityMatch(nets=("10.9.0.0/16",))


def _admin(name: str, *rules: Rule) -> Policy:
    return Policy(
        Kind.ADMIN_NETWORK_POLICY, "", name, ALL, EGRESS, egress=rules, tier="adminnetworkpolicy"
    )


GUARD = _admin(
    "guard",
    Rule(Action.PASS, destination=NETS, origin="egress[0]"),
    Rule(Action.DENY, protocol=6, destination=INFRA, origin="egress[1] 'no-infra'"),
    Rule(Action.ALLOW, destination=INFRA, origin="egress[2]"),
    Rule(Action.PASS, destination=INFRA, origin="egress[3]"),
)
PLAIN = _admin("plain", Rule(Action.DENY, destination=NETS))
MARKER = UnreadableNodes("nodes")


def test_stand_ins_replace_only_the_rules_with_nodes_peers() -> None:
    guard = NodePeerGuard()
    assert guard.enforced(GUARD) == GUARD
    (blinded,) = guard.set_unreadable("nodes", True)
    assert guard.unreadable == {"nodes"}
    first, deny, allow, passing = blinded.egress
    assert first == GUARD.egress[0]
    assert (deny.action, deny.protocol, deny.invalid is not None) == (Action.DENY, None, True)
    assert deny.origin == "egress[1] 'no-infra'" and "(nodes)" in str(deny.invalid)
    assert (allow.action, allow.invalid is not None) == (Action.ALLOW, True)
    assert (passing.action, passing.invalid is not None) == (Action.DENY, True)
    assert not any(uses_nodes(rule) for rule in blinded.egress)
    assert guard.set_unreadable("nodes", True) == []  # no change, nothing to redo
    assert guard.set_unreadable("nodes", False) == [GUARD]


def test_policies_without_nodes_peers_are_not_touched_or_remembered() -> None:
    guard = NodePeerGuard()
    guard.set_unreadable("nodes", True)
    assert guard.enforced(PLAIN) is PLAIN
    assert guard.set_unreadable("nodes", False) == []


def test_a_policy_edited_or_deleted_while_unreadable() -> None:
    guard = NodePeerGuard()
    guard.set_unreadable("nodes", True)
    assert guard.enforced(GUARD) != GUARD
    edited = replace(GUARD, egress=GUARD.egress[:1])  # no nodes peer any more
    assert guard.enforced(edited) is edited
    assert guard.set_unreadable("nodes", False) == []
    guard.enforced(GUARD)
    guard.forget(GUARD.key)
    assert guard.set_unreadable("nodes", True) == []


def _graph() -> CalcGraph:
    graph = CalcGraph("local")
    graph.apply_all([Upsert(POD), Upsert(GUARD), Upsert(PLAIN)])
    graph.flush()
    return graph


def test_the_graph_enforces_stand_ins_while_a_marker_stands() -> None:
    graph = _graph()
    graph.apply(Upsert(MARKER))
    delta = graph.flush()
    assert set(delta.policies) == {GUARD.key}  # only the policy with nodes peers
    enforced = graph.policy(GUARD.key)
    assert enforced is not None and len(enforced.problems) == 3
    assert graph.policy(PLAIN.key) == PLAIN
    assert graph.unreadable_nodes == {"nodes"}

    graph.apply(Delete(MARKER.key))
    delta = graph.flush()
    assert delta.policies == {GUARD.key: GUARD}
    assert graph.unreadable_nodes == frozenset()


def test_a_policy_arriving_while_nodes_are_unreadable_is_enforced_fail_closed() -> None:
    graph = CalcGraph("local")
    graph.apply_all([Upsert(MARKER), Upsert(POD), Upsert(GUARD)])
    graph.flush()
    enforced = graph.policy(GUARD.key)
    assert enforced is not None and enforced != GUARD and enforced.problems
    graph.apply(Delete(GUARD.key))
    graph.apply(Delete(MARKER.key))
    graph.flush()
    assert graph.policy(GUARD.key) is None  # the marker's removal does not bring it back
