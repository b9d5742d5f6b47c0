"""Cost follows the change: one event costs the same at 1k and at 10k pods (counters)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

import pytest

from dataplane.calc import CalcGraph
from dataplane.model import (
    Delete,
    Direction,
    EntityMatch,
    Kind,
    Labels,
    Namespace,
    Policy,
    Rule,
    Update,
    Upsert,
    WorkloadEndpoint,
)
from dataplane.selector import parse
from tests.calc.shapes import Shape, built, isolated_customers, shared_selectors

SIZES = (1_000, 10_000)
INGRESS = frozenset({Direction.INGRESS})
SHAPES = {"isolated": isolated_customers, "shared": shared_selectors}


@lru_cache(maxsize=4)
def _shape(name: str, n: int) -> Shape:
    return SHAPES[name](n)


def _label_flip(shape: Shape, local: bool) -> list[Update]:
    pod = (shape.local if local else shape.remote)[1]
    flipped = replace(pod, labels=Labels({**pod.labels, "app": pod.labels["app"] + "-canary"}))
    return [Upsert(flipped), Upsert(pod)]


def _remote_add_delete(shape: Shape) -> list[Update]:
    """A remote replica joins (and leaves) the namespace of a local pod."""
    local = shape.local[1]
    pod = replace(local, name="extra", node="remote", addresses=("10.250.0.1",))
    return [Upsert(pod), Delete(pod.key)]


def _namespace_label(shape: Shape) -> list[Update]:
    namespace = next(r for r in shape.resources if isinstance(r, Namespace))
    return [Upsert(replace(namespace, labels=Labels({**namespace.labels, "plan": "Z"})))]


EVENTS: dict[str, Callable[[Shape], list[Update]]] = {
    "local-label-flip": lambda s: _label_flip(s, local=True),
    "remote-label-flip": lambda s: _label_flip(s, local=False),
    "remote-add-delete": _remote_add_delete,
    "namespace-label": _namespace_label,
}


def _cost(graph: CalcGraph, updates: list[Update]) -> dict[str, int]:
    before = graph.counters.snapshot()
    for update in updates:
        graph.apply(update)
        graph.flush()
    after = graph.counters.snapshot()
    return {name: after[name] - before[name] for name in after}


@pytest.mark.parametrize("event", sorted(EVENTS))
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_event_cost_does_not_grow_with_cluster_size(shape: str, event: str) -> None:
    costs = []
    for n in SIZES:
        cluster = _shape(shape, n)
        costs.append(_cost(built(cluster), EVENTS[event](cluster)))
    relabelled = [cost.pop("items_relabelled") for cost in costs]
    assert costs[0] == costs[1]
    assert costs[0]["items_scanned"] == 0
    if event != "remote-label-flip":
        assert costs[0]["set_member_changes"] + costs[0]["endpoints_dirtied"] > 0
    if event == "namespace-label":  # every pod of the namespace gets new selector labels
        assert relabelled == [_namespace_size(_shape(shape, n)) for n in SIZES]
    else:
        assert relabelled == [0, 0]


def _namespace_size(shape: Shape) -> int:
    namespace = next(r for r in shape.resources if isinstance(r, Namespace)).name
    return sum(1 for pod in (*shape.local, *shape.remote) if pod.namespace == namespace)


def _local_policy(shape: Shape) -> Policy:
    return next(
        r
        for r in shape.resources
        if isinstance(r, Policy) and r.namespace == shape.local[0].namespace
    )


def _with_rule(policy: Policy, selector: str) -> Policy:
    rule = Rule(policy.ingress[0].action, source=EntityMatch(selector=parse(selector)))
    return replace(policy, ingress=(*policy.ingress, rule))


def test_policy_rule_edit_costs_one_dirty_policy_one_scan_and_no_evaluations() -> None:
    for n in SIZES:
        shape = _shape("isolated", n)
        graph = built(shape)
        policy = _local_policy(shape)
        edited = replace(policy, ingress=(*policy.ingress, Rule(policy.ingress[0].action)))
        cost = _cost(graph, [Upsert(edited)])
        assert cost["policies_dirtied"] == 1 and cost["rules_scanned"] == 1
        assert cost["selector_evaluations"] == 0 and cost["endpoints_dirtied"] == 0
        assert cost["sets_activated"] == 0


def test_new_set_selector_is_evaluated_only_against_indexed_candidates() -> None:
    for n in SIZES:
        shape = _shape("isolated", n)
        graph = built(shape)
        policy = _local_policy(shape)
        graph.apply(Upsert(_with_rule(policy, "has(tenant)")))
        before = graph.counters.snapshot()
        (members,) = graph.flush().ipsets_activated.values()
        after = graph.counters.snapshot()
        assert len(members) == 1  # scoped to the policy's namespace
        assert after["sets_activated"] - before["sets_activated"] == 1
        assert after["selector_evaluations"] - before["selector_evaluations"] == 1
        assert after["items_scanned"] == before["items_scanned"]


def test_a_selector_on_a_new_key_indexes_that_key_once() -> None:
    shape = _shape("isolated", 1_000)
    graph = built(shape)
    policy = replace(_local_policy(shape), kind=Kind.GLOBAL_NETWORK_POLICY, namespace="")
    graph.apply(Upsert(policy))
    graph.flush()
    before = graph.counters.items_scanned
    graph.apply(Upsert(_with_rule(policy, "app == 'shop-3'")))
    graph.flush()
    scanned = graph.counters.items_scanned
    assert scanned - before == 1_000
    evaluations = graph.counters.selector_evaluations
    graph.apply(Upsert(_with_rule(policy, "app in {'shop-4', 'shop-5'}")))
    (members,) = graph.flush().ipsets_activated.values()
    assert len(members) == 2
    assert graph.counters.items_scanned == scanned
    assert graph.counters.selector_evaluations - evaluations == 2


def test_shared_shape_label_flip_evaluates_only_selectors_filed_under_its_values() -> None:
    shape = _shape("shared", 1_000)
    graph = built(shape)
    pod = shape.local[1]
    assert pod.labels["app"] == "api"
    cost = _cost(graph, _label_flip(shape, local=True)[:1])
    # Rule sets filed under app=api: "app == 'api'", "app == 'api' && env == 'prod'";
    # unrestricted and reading app: "!has(app)". Policy selectors filed under app=api:
    # "app == 'api'"; unrestricted and reading app: "app != 'batch'". Nothing is filed
    # under the new value. The other 5 selectors are not evaluated.
    assert cost["selector_evaluations"] == 5


def test_namespaced_policies_stay_dormant_until_their_namespace_has_a_local_endpoint() -> None:
    graph = CalcGraph("local")
    policies = [
        Policy(Kind.NETWORK_POLICY, f"ns-{i}", "p", parse("app == 'web'"), INGRESS)
        for i in range(1_000)
    ]
    graph.apply_all(Upsert(p) for p in policies)
    assert not graph.flush()
    assert graph.counters.policies_dirtied == 0
    assert graph.counters.selector_evaluations == 0
    pod = WorkloadEndpoint("ns-7", "pod", "local", ("10.0.0.1",), Labels({"app": "web"}))
    graph.apply(Upsert(pod))
    delta = graph.flush()
    assert list(delta.policies) == [policies[7].key]
    assert graph.counters.policies_dirtied == 1
