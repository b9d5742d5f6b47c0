"""The HNS requests one churn event costs, checked exactly on the benchmark clusters.

Pod churn in SetPolicy mode is one network request and no endpoint request.
A rule edit touches only the endpoints the policy applies to: in ``merge`` mode
(default) and ``replace`` mode one ``Update`` per endpoint carrying the CNI's
policies first and the endpoint's whole new list (HNS has no request that
replaces single ACLs, and its ``Remove`` is unreliable); in ``remove`` mode one
``Add`` of the rule's new ACLs and one ``Remove`` of its old ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bench.churn import CHURN_EVENTS
from bench.conftest import SHAPES, cluster_for
from bench.harness import SimulatedNode, make_engine
from dataplane.apply.simcni import cni_policies
from dataplane.engine import Engine
from dataplane.model import ResourceKey, Update
from dataplane.plan.requests import (
    AclSpec,
    EndpointAclRequest,
    NetworkSetRequest,
    Plan,
    RequestType,
)

PODS = 1_000


@contextmanager
def _programmed(kind: str, shape: str) -> Iterator[tuple[Engine, SimulatedNode]]:
    """An engine of ``kind`` with the benchmark cluster programmed into a fresh simulator
    (with HNS's ``Remove`` honoured for the ``remove`` mode, which relies on it)."""
    cluster = cluster_for(shape, PODS)
    engine = make_engine(kind, cluster.node_name)
    assert isinstance(engine, Engine)
    settings = {"acl_remove": "honoured"} if kind == "incremental_remove" else {}
    node = SimulatedNode.create(cluster, **settings)
    node.adopt(engine)
    try:
        engine.apply(cluster.updates())
        node.execute(engine, engine.plan())
        yield engine, node
    finally:
        node.close()


def _by_endpoint(plan: Plan) -> dict[ResourceKey, dict[RequestType, set[AclSpec]]]:
    """The ACLs each endpoint request carries, by endpoint and request type (an Update
    also carries the CNI's policies, first)."""
    found: dict[ResourceKey, dict[RequestType, set[AclSpec]]] = {}
    for request in plan.requests:
        assert isinstance(request, EndpointAclRequest)
        carried = found.setdefault(request.endpoint, {})
        assert request.request_type not in carried  # one request of each type
        carried[request.request_type] = set(request.acls)
        if request.request_type is RequestType.UPDATE:
            assert list(request.others) == list(cni_policies())
            assert request.policies()[: len(request.others)] == list(request.others)
        else:
            assert request.others == ()
    return found


Programmed = dict[ResourceKey, frozenset[AclSpec]]


def _run(
    engine: Engine, node: SimulatedNode, step: tuple[Update, ...]
) -> tuple[Programmed, dict[ResourceKey, dict[RequestType, set[AclSpec]]], Programmed]:
    """Apply, plan and execute one step: what HNS held, what was sent, what it holds."""
    before = node.programmed()
    engine.apply(step)
    plan = engine.plan()
    requests = _by_endpoint(plan)
    node.execute(engine, plan)
    after = node.programmed()
    assert set(requests) == {key for key in after if after[key] != before.get(key)}
    assert requests
    return before, requests, after


@pytest.mark.parametrize("shape", SHAPES)
def test_pod_churn_is_one_network_request_and_no_endpoint_request(shape: str) -> None:
    event = CHURN_EVENTS["pod"](cluster_for(shape, PODS))
    with _programmed("incremental", shape) as (engine, node):
        for step in (event.forward, event.backward, event.forward):
            engine.apply(step)
            plan = engine.plan()
            assert [type(r) for r in plan.requests] == [NetworkSetRequest]
            node.execute(engine, plan)


@pytest.mark.parametrize("shape", SHAPES)
def test_rule_edit_in_merge_mode_is_one_update_per_endpoint_keeping_the_cni_policies(
    shape: str,
) -> None:
    event = CHURN_EVENTS["policy"](cluster_for(shape, PODS))
    with _programmed("incremental", shape) as (engine, node):
        for step in (event.forward, event.backward):
            _, requests, after = _run(engine, node, step)
            for key, carried in requests.items():
                assert carried == {RequestType.UPDATE: set(after[key])}
            assert all(node.others(key) == cni_policies() for key in node.endpoint_ids)


@pytest.mark.parametrize("shape", SHAPES)
def test_rule_edit_in_remove_mode_adds_the_new_and_removes_the_old_acls_of_that_rule_only(
    shape: str,
) -> None:
    event = CHURN_EVENTS["policy"](cluster_for(shape, PODS))
    with _programmed("incremental_remove", shape) as (engine, node):
        for step in (event.forward, event.backward):
            (upsert,) = step
            old_origins = {
                key: {a.id: engine.acl_origin(key, a.id) for a in acls}
                for key, acls in node.programmed().items()
            }
            before, requests, after = _run(engine, node, step)
            for key, carried in requests.items():
                assert carried == {
                    RequestType.ADD: after[key] - before[key],
                    RequestType.REMOVE: before[key] - after[key],
                }
                origins = {engine.acl_origin(key, a.id) for a in carried[RequestType.ADD]}
                origins |= {old_origins[key][a.id] for a in carried[RequestType.REMOVE]}
                (origin,) = origins  # both sides: the one edited rule
                assert str(origin).startswith(f"{upsert.key} ")


@pytest.mark.parametrize("shape", SHAPES)
def test_rule_edit_in_replace_mode_is_one_update_per_endpoint(shape: str) -> None:
    event = CHURN_EVENTS["policy"](cluster_for(shape, PODS))
    with _programmed("incremental_replace", shape) as (engine, node):
        for step in (event.forward, event.backward):
            _, requests, after = _run(engine, node, step)
            for key, carried in requests.items():
                assert carried == {RequestType.UPDATE: set(after[key])}
