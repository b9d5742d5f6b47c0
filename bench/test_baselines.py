"""The baselines are faithful: same HNS requests as the product, state mirrored as HNS does."""

from __future__ import annotations

import pytest

from bench.baselines import FullRecomputeEngine, ProgrammedState, full_rewrite_config
from bench.churn import CHURN_EVENTS
from bench.generator import Cluster, ClusterShape, generate_cluster, isolated_customers
from bench.harness import SimulatedNode, make_engine, percentile
from dataplane.engine import Engine, EngineConfig
from dataplane.model import Delete, InSync, ResourceKey, Upsert
from dataplane.model.keys import Kind
from dataplane.plan.requests import (
    AclSpec,
    EndpointAclRequest,
    IpSetSpec,
    NetworkSetRequest,
    RequestType,
)

POD = ResourceKey(Kind.WORKLOAD_ENDPOINT, "ns", "pod")


def acl(id: str, priority: int = 100) -> AclSpec:
    return AclSpec(id=id, action="Allow", direction="In", priority=priority)


def ipset(id: str, *values: str) -> IpSetSpec:
    return IpSetSpec(id=id, name=id, values=values)


def test_programmed_state_follows_hns_request_semantics():
    state = ProgrammedState()
    state.record(EndpointAclRequest(POD, RequestType.ADD, (acl("a"), acl("b"))))
    state.record(EndpointAclRequest(POD, RequestType.REMOVE, (acl("a"),)))
    assert set(state.endpoints[POD]) == {"b"}
    state.record(EndpointAclRequest(POD, RequestType.UPDATE, (acl("c"),)))
    assert set(state.endpoints[POD]) == {"c"}
    state.record(NetworkSetRequest(RequestType.ADD, (ipset("s1", "10.0.0.1/32"), ipset("s2"))))
    state.record(NetworkSetRequest(RequestType.UPDATE, (ipset("s1", "10.0.0.2/32"),)))
    assert state.sets == {"s1": ipset("s1", "10.0.0.2/32"), "s2": ipset("s2")}
    state.record(NetworkSetRequest(RequestType.REMOVE, (ipset("s2"),)))
    assert set(state.sets) == {"s1"}


def test_full_rewrite_config_inlines_and_replaces():
    config = full_rewrite_config(EngineConfig(set_policy=True, max_addresses_per_acl=7))
    assert (config.set_policy, config.acl_update_mode, config.max_addresses_per_acl) == (
        False,
        "replace",
        7,
    )


def from_scratch(cluster: Cluster, resources: dict) -> dict[ResourceKey, frozenset[AclSpec]]:
    """The ACLs a brand-new engine fed the cluster as it is now would program."""
    engine = Engine(cluster.node_name, EngineConfig(set_policy=True))
    engine.apply([*map(Upsert, resources.values()), InSync()])
    desired: dict[ResourceKey, set[AclSpec]] = {}
    for request in engine.plan().requests:
        if isinstance(request, EndpointAclRequest):
            desired.setdefault(request.endpoint, set()).update(request.acls)
    return {key: frozenset(acls) for key, acls in desired.items()}


@pytest.mark.parametrize(
    "cluster",
    [
        isolated_customers(200, local_pods=10, seed=2),
        generate_cluster(ClusterShape.realistic(600, local_pods=12, seed=2)),
    ],
    ids=["isolated", "realistic"],
)
def test_full_recompute_programs_what_a_fresh_engine_would(cluster):
    engine = make_engine("full_recompute", cluster.node_name)
    assert isinstance(engine, FullRecomputeEngine)
    resources = {r.key: r for r in cluster.resources()}
    events = [event(cluster) for event in CHURN_EVENTS.values()]
    node = SimulatedNode.create(cluster)
    node.adopt(engine)
    try:
        engine.apply(cluster.updates())
        node.execute(engine, engine.plan())
        for step in [s for e in events for s in (e.forward, e.backward, e.forward)]:
            engine.apply(step)
            for update in step:
                if isinstance(update, Upsert):
                    resources[update.key] = update.value
                elif isinstance(update, Delete):
                    resources.pop(update.key, None)
            node.execute(engine, engine.plan())
            assert node.programmed() == from_scratch(cluster, resources)
        assert engine.counters()["policy_renders"] > len(events) * 3
    finally:
        node.close()


def test_full_recompute_sends_no_request_when_nothing_changed():
    cluster = isolated_customers(100, local_pods=5, seed=4)
    engine = make_engine("full_recompute", cluster.node_name)
    node = SimulatedNode.create(cluster)
    node.adopt(engine)
    try:
        engine.apply(cluster.updates())
        node.execute(engine, engine.plan())
        engine.apply([Upsert(cluster.policies[0])])
        assert not engine.plan()
    finally:
        node.close()


def test_percentile_of_one_and_many():
    assert percentile([3.0], 0.99) == 3.0
    assert percentile([float(i) for i in range(1, 101)], 0.5) == pytest.approx(50.5)
    assert percentile([float(i) for i in range(1, 101)], 0.99) == pytest.approx(99.01)
