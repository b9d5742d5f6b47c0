"""What a change costs in HNS requests, through Engine, the executor and the simulator."""

from __future__ import annotations

import dataclasses

import pytest

from dataplane.apply.adopt import adopt_endpoint, ipsets_of
from dataplane.apply.executor import execute_plan_sync
from dataplane.engine import Engine
from dataplane.hns import simulator
from dataplane.model import Delete, InSync, Labels, PortRange, Upsert
from dataplane.plan import EndpointAclRequest, NetworkSetRequest, RequestType
from tests.compile.harness import (
    NODE,
    TCP,
    SimNode,
    allow,
    namespace,
    pod,
    policy,
    side,
)

WEB1 = pod("web1", "10.0.0.1", app="web", tier="front")
WEB2 = pod("web2", "10.0.0.2", app="web", tier="front")
DB = pod("db", "10.0.0.3", app="db")
CLIENT = pod("client", "10.0.1.1", node="node-2", app="client")
FROM_CLIENTS = allow(protocol=TCP, source=side(selector="app == 'client'"))
WEB_POLICY = policy("web", "app == 'web'", ingress=[FROM_CLIENTS])
FRONT_POLICY = policy(
    "front", "tier == 'front'", ingress=[allow(protocol=TCP, source=side(nets=("10.9.0.0/16",)))]
)


def calls() -> dict[str, int]:
    counts = simulator.counters()["calls"]
    return {"network": counts["HcnModifyNetwork"], "endpoint": counts["HcnModifyEndpoint"]}


def changes(node: SimNode, *updates: object) -> dict[str, int]:
    """HNS modify calls made to program ``updates``."""
    before = calls()
    node.apply(*updates)
    node.sync()
    after = calls()
    return {k: after[k] - before[k] for k in after}


def test_remote_pod_joining_a_selector_costs_one_network_request() -> None:
    node = SimNode(set_policy=True)
    node.setup(namespace(), WEB1, WEB2, CLIENT, WEB_POLICY)
    acls_before = node.acls(WEB1)
    joining = pod("client2", "10.0.1.2", node="node-2", app="client")
    assert changes(node, joining) == {"network": 1, "endpoint": 0}
    assert node.acls(WEB1) == acls_before
    assert node.allowed_in(WEB1, "10.0.1.2")
    assert node.engine.counters()["endpoint_compiles"] == 2


def test_remote_pod_joining_in_inline_mode_rewrites_only_endpoints_that_use_it() -> None:
    node = SimNode(set_policy=False)
    node.setup(namespace(), WEB1, DB, CLIENT, WEB_POLICY, policy("db", "app == 'db'", ingress=[]))
    joining = pod("client2", "10.0.1.2", node="node-2", app="client")
    plan_before = node.engine.counters()["endpoint_compiles"]
    assert changes(node, joining) == {"network": 0, "endpoint": 1}  # one Update
    assert node.engine.counters()["endpoint_compiles"] == plan_before + 1
    assert node.allowed_in(WEB1, "10.0.1.2")


def test_identical_state_sent_again_costs_nothing() -> None:
    node = SimNode(set_policy=True)
    node.setup(namespace(), WEB1, WEB2, CLIENT, WEB_POLICY, FRONT_POLICY)
    assert changes(node, namespace(), WEB1, WEB2, CLIENT, WEB_POLICY, FRONT_POLICY, InSync()) == {
        "network": 0,
        "endpoint": 0,
    }


@pytest.mark.parametrize(("mode", "requests"), [("merge", 2), ("remove", 4)])
def test_editing_one_rule_writes_only_that_rule_to_the_selected_endpoints(
    mode: str, requests: int
) -> None:
    """merge: one Update on web1 and web2; remove: Add + Remove on each."""
    node = SimNode(set_policy=True, acl_update_mode=mode)
    node.setup(namespace(), WEB1, WEB2, DB, CLIENT, WEB_POLICY, FRONT_POLICY)
    before = {ep.key: node.acls(ep) for ep in (WEB1, WEB2, DB)}
    written = node.engine.counters()["acls_written"]
    edited = dataclasses.replace(
        FRONT_POLICY, ingress=(allow(protocol=TCP, source=side(nets=("10.8.0.0/16",))),)
    )
    assert changes(node, edited) == {"network": 0, "endpoint": requests}
    if mode == "remove":
        assert node.engine.counters()["acls_written"] == written + 2
    assert node.acls(DB) == before[DB.key]
    for ep in (WEB1, WEB2):
        after = node.acls(ep)
        gone = [a for a in before[ep.key] if a not in after]
        new = [a for a in after if a not in before[ep.key]]
        assert [a.remote_addresses for a in gone] == ["10.9.0.0/16"]
        assert [a.remote_addresses for a in new] == ["10.8.0.0/16"]
        assert new[0].priority == gone[0].priority and new[0].id != gone[0].id


def test_adding_a_policy_leaves_other_policies_acls_byte_identical() -> None:
    node = SimNode(set_policy=True)
    node.setup(namespace(), WEB1, CLIENT, WEB_POLICY)
    before = node.acls(WEB1)
    node.apply(FRONT_POLICY)
    node.sync()
    after = node.acls(WEB1)
    assert all(a in after for a in before)
    assert [a.remote_addresses for a in after if a not in before] == ["10.9.0.0/16"]
    assert node.engine.counters()["priority_rebalances"] == 0


def test_relabelled_pod_leaving_a_policy_loses_only_that_policys_acls() -> None:
    node = SimNode(set_policy=True)
    node.setup(namespace(), WEB1, CLIENT, WEB_POLICY, FRONT_POLICY)
    before = node.acls(WEB1)
    relabelled = dataclasses.replace(WEB1, labels=Labels({"app": "web"}))
    assert changes(node, relabelled) == {"network": 0, "endpoint": 1}
    after = node.acls(WEB1)
    assert all(a in before for a in after)
    assert [a.remote_addresses for a in before if a not in after] == ["10.9.0.0/16"]


def test_set_emptied_removes_the_rule_then_deletes_the_set() -> None:
    node = SimNode(set_policy=True)
    node.setup(namespace(), WEB1, CLIENT, WEB_POLICY)
    assert len(node.sets()) == 1
    plan = node.engine.plan()
    assert not plan
    node.apply(Delete(CLIENT.key))
    plan = node.sync()
    kinds = [[(type(r).__name__, r.request_type) for r in stage] for stage in plan.stages]
    assert kinds == [
        [("EndpointAclRequest", RequestType.UPDATE)],
        [("NetworkSetRequest", RequestType.REMOVE)],
    ]
    assert node.sets() == {}
    assert not node.allowed_in(WEB1, "10.0.1.1")


def test_a_policy_is_rendered_once_for_all_its_endpoints() -> None:
    node = SimNode(set_policy=True)
    pods = [pod(f"w{i}", f"10.0.0.{i + 10}", app="web") for i in range(5)]
    node.setup(namespace(), *pods, CLIENT, WEB_POLICY)
    counters = node.engine.counters()
    assert counters["policy_renders"] == 1
    assert counters["endpoint_compiles"] == 5
    assert len(node.sets()) == 1


def test_failed_request_is_retried_by_the_next_plan() -> None:
    node = SimNode(set_policy=True)
    node.apply(namespace(), WEB1, CLIENT, WEB_POLICY, InSync())
    simulator.inject_fault("HcnModifyEndpoint", 1, 0x803B000D)
    plan = node.engine.plan()
    result = execute_plan_sync(node.engine, plan, node.api, node.ids, node.network)
    assert result.failed == 1 and result.errors
    assert node.acls(WEB1) == []
    retry = node.sync()
    assert [type(r) for r in retry.requests] == [EndpointAclRequest]
    assert node.allowed_in(WEB1, "10.0.1.1") and not node.allowed_in(WEB1, "10.0.1.7")


def test_failed_set_request_stops_the_plan_before_acls_that_need_it() -> None:
    node = SimNode(set_policy=True)
    node.apply(namespace(), WEB1, CLIENT, WEB_POLICY, InSync())
    simulator.inject_fault("HcnModifyNetwork", 1, 0x803B000D)
    plan = node.engine.plan()
    result = execute_plan_sync(node.engine, plan, node.api, node.ids, node.network)
    assert (result.sent, result.failed, result.skipped) == (1, 1, 1)
    assert node.acls(WEB1) == []
    retry = node.sync()
    assert [type(r) for r in retry.requests] == [NetworkSetRequest, EndpointAclRequest]


def test_endpoints_without_hns_id_are_skipped_and_kept_for_later() -> None:
    node = SimNode(set_policy=False)
    node.apply(namespace(), WEB1, CLIENT, WEB_POLICY, InSync())
    plan = node.engine.plan()
    result = execute_plan_sync(node.engine, plan, node.api, {}, node.network)
    assert (result.sent, result.skipped) == (0, 1)
    assert node.engine.plan() == plan


def test_restarted_engine_adopting_hns_state_plans_nothing() -> None:
    node = SimNode(set_policy=True)
    resources = (namespace(), WEB1, WEB2, CLIENT, WEB_POLICY, FRONT_POLICY)
    node.setup(*resources)
    restarted = Engine(NODE, node.config)
    restarted.apply([*(Upsert(r) for r in resources), InSync()])
    restarted.plan()
    for ep in (WEB1, WEB2):
        adopt_endpoint(restarted, ep.key, node.api.query_endpoint(node.ids[ep.key]).policies)
    restarted.set_programmed_sets(ipsets_of(node.api.query_network(node.network).policies))
    assert not restarted.plan()


def test_replace_mode_sends_one_update_per_changed_endpoint() -> None:
    node = SimNode(set_policy=True, acl_update_mode="replace")
    node.setup(namespace(), WEB1, DB, CLIENT, WEB_POLICY, FRONT_POLICY)
    edited = dataclasses.replace(
        FRONT_POLICY,
        ingress=(
            allow(
                source=side(nets=("10.8.0.0/16",)),
                destination=side(ports=(PortRange(1, 2),)),
                protocol=TCP,
            ),
        ),
    )
    node.apply(edited)
    plan = node.sync()
    assert [(r.endpoint, r.request_type) for r in plan.requests] == [  # type: ignore[union-attr]
        (WEB1.key, RequestType.UPDATE)
    ]
    assert node.allowed_in(WEB1, "10.8.0.1", port=2) and not node.allowed_in(WEB1, "10.9.0.1")
