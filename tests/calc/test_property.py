"""The main proof: incremental results equal a from-scratch computation and the spec."""

from __future__ import annotations

from hypothesis import given, settings

from dataplane.calc import CalcGraph, EndpointPolicies
from dataplane.model import Delete, InSync, Resource, ResourceKey, Upsert
from tests.calc.consumer import Consumer
from tests.calc.reference import World
from tests.calc.universe import LOCAL, Flush, Op, scenarios


def _lists(endpoint: EndpointPolicies) -> tuple[tuple, tuple]:
    return tuple(  # type: ignore[return-value]
        tuple((t.tier, t.default_action, t.policies) for t in tiers)
        for tiers in (endpoint.ingress, endpoint.egress)
    )


def _run(sequence: list[Op]) -> tuple[CalcGraph, Consumer, dict[ResourceKey, Resource], bool]:
    graph = CalcGraph(LOCAL)
    consumer = Consumer()
    objects: dict[ResourceKey, Resource] = {}
    saw_in_sync = False
    for op in sequence:
        match op:
            case Flush():
                delta = graph.flush()
                assert delta.in_sync == saw_in_sync
                consumer.apply(delta)
            case Upsert(value):
                objects[value.key] = value
                graph.apply(op)
            case Delete(key):
                objects.pop(key, None)
                graph.apply(op)
            case InSync():
                saw_in_sync = True
                graph.apply(op)
    consumer.apply(graph.flush())
    assert not graph.flush(), "a flush after a flush must be empty"
    return graph, consumer, objects, saw_in_sync


def _assert_state(
    graph: CalcGraph, consumer: Consumer, objects: dict[ResourceKey, Resource]
) -> None:
    world = World(objects)
    expected = world.expected(LOCAL)
    # The deltas rebuild the graph's own view exactly.
    assert consumer.endpoints == dict(graph.local_endpoints())
    assert consumer.policies == dict(graph.active_policies())
    assert set(consumer.sets) == graph.ipsets.active()
    for key, members in consumer.sets.items():
        assert members == graph.ipsets.members(key), key
    # And that view is what the spec says for the final objects.
    assert {k: _lists(v) for k, v in consumer.endpoints.items()} == expected.endpoints
    assert {k: dict(v.selector_labels) for k, v in consumer.endpoints.items()} == expected.labels
    assert {k: v.endpoint for k, v in consumer.endpoints.items()} == {
        k: objects[k] for k in expected.endpoints
    }
    assert consumer.policies == expected.active
    assert set(consumer.sets) == world.active_sets(LOCAL)
    for key, members in consumer.sets.items():
        assert members == world.members(key), key


@settings(max_examples=300)
@given(scenarios())
def test_incremental_equals_from_scratch_and_reference(sequence: list[Op]) -> None:
    graph, consumer, objects, saw_in_sync = _run(sequence)
    assert graph.in_sync == saw_in_sync
    _assert_state(graph, consumer, objects)

    fresh = CalcGraph(LOCAL)
    fresh.apply_all(Upsert(value) for value in objects.values())
    delta = fresh.flush()
    assert dict(fresh.local_endpoints()) == consumer.endpoints
    assert dict(fresh.active_policies()) == consumer.policies
    assert delta.ipsets_activated == {k: frozenset(m) for k, m in consumer.sets.items()}
