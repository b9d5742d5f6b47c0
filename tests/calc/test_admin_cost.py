"""An admin policy's edit or priority change recomputes only the endpoints it selects."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dataplane.calc import CalcGraph
from dataplane.engine import Engine, EngineConfig
from dataplane.model import (
    ADMIN_TIER,
    Action,
    Direction,
    EntityMatch,
    Kind,
    Policy,
    Rule,
    Update,
    Upsert,
)
from dataplane.selector import ALL, parse
from tests.calc.shapes import LOCAL_PODS, NODE, Shape, built, isolated_customers

SIZES = (1_000, 10_000)
BOTH = frozenset({Direction.INGRESS, Direction.EGRESS})


def _admin(name: str, namespaces: str, priority: float) -> Policy:
    """An AdminNetworkPolicy (as converted) over the pods of the namespaces selected."""
    return Policy(
        Kind.ADMIN_NETWORK_POLICY,
        "",
        name,
        ALL,
        BOTH,
        ingress=(Rule(Action.DENY, source=EntityMatch(namespace_selector=parse("plan == 'B'"))),),
        egress=(Rule(Action.PASS, destination=EntityMatch(nets=("192.168.0.0/16",))),),
        tier=ADMIN_TIER.name,
        order=priority,
        namespace_selector=parse(namespaces),
    )


NARROW = _admin("narrow", "tenant == 'customer-7'", 10.0)
BROAD = _admin("broad", "plan == 'A'", 20.0)


def _with_admin(n: int) -> tuple[Shape, CalcGraph]:
    shape = isolated_customers(n)
    graph = built(shape)
    graph.apply_all([Upsert(NARROW), Upsert(BROAD)])
    graph.flush()
    return shape, graph


def _cost(graph: CalcGraph, updates: list[Update]) -> dict[str, int]:
    before = graph.counters.snapshot()
    graph.apply_all(updates)
    graph.flush()
    after = graph.counters.snapshot()
    return {name: after[name] - before[name] for name in after}


EVENTS = {
    "narrow-priority": (Upsert(replace(NARROW, order=30.0)), 1),
    "broad-priority": (Upsert(replace(BROAD, order=5.0)), LOCAL_PODS),
}


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_priority_change_re_resolves_only_the_selected_local_endpoints(event: str) -> None:
    update, selected = EVENTS[event]
    costs = [_cost(_with_admin(n)[1], [update]) for n in SIZES]
    assert costs[0] == costs[1]
    assert costs[0]["endpoints_dirtied"] == selected
    assert costs[0]["endpoints_resolved"] == selected
    assert costs[0]["items_scanned"] == 0


def test_rule_edit_dirties_the_policy_only() -> None:
    edited = replace(NARROW, ingress=(*NARROW.ingress, Rule(Action.ALLOW)))
    costs = [_cost(_with_admin(n)[1], [Upsert(edited)]) for n in SIZES]
    assert costs[0] == costs[1]
    assert costs[0]["policies_dirtied"] == 1
    assert costs[0]["endpoints_dirtied"] == 0
    assert costs[0]["selector_evaluations"] == 0


def test_admin_edit_recompiles_only_the_endpoints_it_selects() -> None:
    costs = []
    for n in SIZES:
        shape = isolated_customers(n)
        engine = Engine(NODE, EngineConfig())
        engine.apply([Upsert(r) for r in shape.resources] + [Upsert(NARROW), Upsert(BROAD)])
        engine.plan()
        before = engine.counters()
        engine.apply([Upsert(replace(NARROW, order=30.0))])
        engine.plan()
        middle = engine.counters()
        engine.apply([Upsert(replace(NARROW, ingress=(*NARROW.ingress, Rule(Action.ALLOW))))])
        engine.plan()
        after = engine.counters()
        costs.append(
            (
                middle["endpoint_compiles"] - before["endpoint_compiles"],
                after["endpoint_compiles"] - middle["endpoint_compiles"],
                after["rules_rendered"] - middle["rules_rendered"],
            )
        )
    assert costs[0] == costs[1] == (1, 1, 1)
