"""The reconciler on a fake clock against the HNS simulator: batching, polls, resync,
backoff under persistent faults, adoption and restarts, foreign ACLs, the CNI's policies."""

from __future__ import annotations

import dataclasses
import itertools
import random

import pytest

from dataplane.apply.actions import Outcome
from dataplane.hns import ModifyRequest, simulator
from dataplane.model import Delete, Labels
from dataplane.plan.requests import EndpointAclRequest, NetworkSetRequest, RequestType
from tests.apply.fake_clock import CONFIG, OUTBOUND_NAT, FakeClockNode
from tests.compile.harness import MODES, TCP, allow, namespace, pod, policy, side

E_ACCESSDENIED = 0x80070005
WEB = pod("web", "10.0.0.1", app="web")
API = pod("api", "10.0.0.2", app="api")
CLIENT = pod("client", "10.0.1.1", node="node-2", app="client")
OTHER = pod("other", "10.0.1.2", node="node-2", app="other")
FROM_CLIENTS = policy(
    "web", "app == 'web'", ingress=[allow(protocol=TCP, source=side(selector="app == 'client'"))]
)
UPDATE_MODES = ["merge", "remove", "replace"]


def programmed(set_policy: bool = True, **kw: object) -> FakeClockNode:
    node = FakeClockNode.create(set_policy=set_policy, **kw)
    node.feed(namespace(), WEB, API, CLIENT, OTHER, FROM_CLIENTS, in_sync=True)
    node.run_for(1)
    assert node.reconciler.ready and node.reconciler.programmed_generation == 1
    assert node.allowed_in(WEB, "10.0.1.1") and not node.allowed_in(WEB, "10.0.1.2")
    return node


def test_nothing_is_read_or_sent_before_in_sync() -> None:
    node = FakeClockNode.create()
    node.feed(namespace(), WEB, CLIENT, FROM_CLIENTS)
    node.run_for(60)
    assert node.sent == [] and node.reads == []
    node.feed(in_sync=True)
    node.run_for(1)
    assert node.sent and node.reconciler.ready


def test_a_burst_within_the_batching_window_is_one_cycle() -> None:
    node = programmed()
    cycles = node.reconciler.cycles
    node.feed(dataclasses.replace(API, labels=Labels({"app": "web"})))
    node.run_for(0.001)
    node.feed(dataclasses.replace(OTHER, labels=Labels({"app": "client"})))
    node.run_for(0.01)
    assert node.reconciler.cycles == cycles + 1
    assert node.allowed_in(API, "10.0.1.2")


def test_endpoints_are_polled_and_the_network_read_only_at_resync() -> None:
    config = dataclasses.replace(CONFIG, resync_interval=10.0)
    node = FakeClockNode.create(config)
    node.feed(namespace(), WEB, CLIENT, FROM_CLIENTS, in_sync=True)
    node.run_until(21)
    listings = [t for t, what in node.reads if what == "endpoints"]
    network = [t for t, what in node.reads if what == "network"]
    assert listings == pytest.approx(list(range(0, 21, 2)))
    assert network == pytest.approx([0, 10, 20])
    assert node.reconciler.resyncs == 3


def test_backoff_holds_under_a_persistent_fault() -> None:
    """Every retry waits base * 2**(n-1) times a jitter in [0.5, 1.5) drawn from the
    injected rng; the 2 s endpoint polls in between never send anything."""
    node = FakeClockNode.create(set_policy=False)
    node.feed(namespace(), WEB, CLIENT, FROM_CLIENTS, in_sync=True)
    simulator.inject_fault("HcnModifyEndpoint", 1, E_ACCESSDENIED, repeat=True)
    node.run_until(12)
    jitter = random.Random(7)
    expected: list[float] = []
    at = 0.0
    while at <= 12:
        expected.append(at)
        at += CONFIG.retry_base * 2 ** (len(expected) - 1) * (0.5 + jitter.random())
    assert node.endpoint_attempts() == pytest.approx(expected)
    assert len(expected) <= 5
    assert len([r for r in node.reads if r[1] == "endpoints"]) >= 6, "polls kept running"
    assert not node.reconciler.ready
    simulator.clear_faults()
    node.run_until(at + 0.001)
    assert node.endpoint_attempts()[-1] == pytest.approx(at)
    assert node.reconciler.ready and node.allowed_in(WEB, "10.0.1.1")


def test_backoff_is_capped_and_starts_over_after_a_success() -> None:
    config = dataclasses.replace(CONFIG, retry_max=4.0)
    node = FakeClockNode.create(config, set_policy=False)
    node.feed(namespace(), WEB, CLIENT, FROM_CLIENTS, in_sync=True)
    simulator.inject_fault("HcnModifyEndpoint", 1, E_ACCESSDENIED, repeat=True)
    node.run_until(60)
    attempts = node.endpoint_attempts()
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert max(gaps) < 4.0 * 1.5 and min(gaps[3:]) >= 4.0 * 0.5
    simulator.clear_faults()
    node.run_for(10)
    assert node.reconciler.ready
    simulator.inject_fault("HcnModifyEndpoint", 1, E_ACCESSDENIED)
    node.feed(dataclasses.replace(OTHER, labels=Labels({"app": "client"})))
    start = len(node.sent)
    node.run_for(10)
    first, second = (s.at for s in node.sent[start : start + 2])
    assert second - first < 1.5 * CONFIG.retry_base, "a new streak starts from the base"


def test_a_failed_endpoint_waits_while_other_endpoints_are_programmed() -> None:
    node = programmed(set_policy=False)
    simulator.inject_fault("HcnModifyEndpoint", 1, E_ACCESSDENIED)
    node.feed(
        dataclasses.replace(OTHER, labels=Labels({"app": "client"})),
        policy("api", "app == 'api'", ingress=[]),
    )
    start = len(node.sent)
    node.run_for(0.01)
    first = node.sent[start:]
    assert [s.outcome for s in first] == [Outcome.FAILED, Outcome.OK]
    failed = first[0].request
    assert isinstance(failed, EndpointAclRequest)
    node.run_for(0.3)
    assert len(node.sent) == start + 2, "the failed endpoint waits for its backoff"
    node.run_for(2)
    assert node.sent[-1].request.endpoint == failed.endpoint  # type: ignore[union-attr]
    assert node.reconciler.ready and node.allowed_in(WEB, "10.0.1.2")


def test_a_failed_set_request_stops_the_cycle_before_the_acls_that_need_it() -> None:
    node = FakeClockNode.create(set_policy=True)
    node.feed(namespace(), WEB, CLIENT, FROM_CLIENTS, in_sync=True)
    simulator.inject_fault("HcnModifyNetwork", 1, E_ACCESSDENIED)
    node.run_for(0.01)
    assert [(type(s.request), s.outcome) for s in node.sent] == [
        (NetworkSetRequest, Outcome.FAILED)
    ]
    assert node.acls(WEB) == []
    node.run_for(2)
    kinds = [type(s.request) for s in node.sent[1:]]
    assert kinds == [NetworkSetRequest, EndpointAclRequest]
    assert node.allowed_in(WEB, "10.0.1.1") and not node.allowed_in(WEB, "10.0.1.2")


def test_a_failed_endpoint_request_skips_that_endpoints_later_stages() -> None:
    node = programmed(set_policy=True, acl_update_mode="remove")
    edited = policy(
        "web", "app == 'web'", ingress=[allow(protocol=TCP, source=side(selector="app == 'other'"))]
    )
    simulator.inject_fault("HcnModifyEndpoint", 1, E_ACCESSDENIED)
    start = len(node.sent)
    node.feed(edited)
    node.run_for(0.01)
    endpoint_requests = [s for s in node.sent[start:] if isinstance(s.request, EndpointAclRequest)]
    assert [(s.request.request_type, s.outcome) for s in endpoint_requests] == [  # type: ignore[union-attr]
        (RequestType.ADD, Outcome.FAILED)
    ], "the Remove of the same endpoint is not sent after its Add failed"
    assert node.allowed_in(WEB, "10.0.1.1"), "the old rule stays until the new one is in"
    node.run_for(3)
    assert node.allowed_in(WEB, "10.0.1.2") and not node.allowed_in(WEB, "10.0.1.1")


def test_a_vanished_endpoint_is_remapped_without_backoff() -> None:
    node = programmed()
    node.api.delete_endpoint(node.ids.pop(WEB.key))
    node.feed(policy("web", "app == 'web'", ingress=[allow(protocol=TCP)]))
    node.run_for(0.01)
    assert [s.outcome for s in node.sent if isinstance(s.request, EndpointAclRequest)][-1] is (
        Outcome.GONE
    )
    node.cni(WEB)  # the CNI creates the pod's endpoint again; the next poll finds it
    node.run_for(2.1)
    assert node.reconciler.endpoint_ids[WEB.key] == node.ids[WEB.key]
    assert node.allowed_in(WEB, "10.0.1.2")
    assert {"Type": "OutBoundNAT"}.items() <= node.policies(WEB)[0].items()


@pytest.mark.parametrize("mode", UPDATE_MODES)
def test_a_foreign_acl_is_gone_after_one_resync(mode: str) -> None:
    config = dataclasses.replace(CONFIG, resync_interval=30.0)
    node = FakeClockNode.create(config, set_policy=True, acl_update_mode=mode)
    node.feed(namespace(), WEB, API, CLIENT, OTHER, FROM_CLIENTS, in_sync=True)
    node.run_for(1)
    foreign = {"Action": "Allow", "Direction": "In", "Priority": 1, "RuleType": "Switch"}
    node.api.modify_endpoint(
        node.ids[WEB.key], ModifyRequest.of("Add", [{"Type": "ACL", "Settings": foreign}])
    )
    assert node.allowed_in(WEB, "10.0.1.2"), "another tool's allow lets denied traffic in"
    node.run_until(30.5)
    assert node.reconciler.resyncs == 2
    assert not node.allowed_in(WEB, "10.0.1.2") and node.allowed_in(WEB, "10.0.1.1")
    assert all(a.id for a in node.acls(WEB)) and len(node.acls(WEB)) == len(
        node.engine.planner.desired(WEB.key)
    )
    assert node.reconciler.foreign_found[WEB.key] == 1
    assert node.reconciler.take_foreign() == [(WEB.key, 1)]
    assert node.engine.counters()["foreign_acls_removed"] == 1
    assert OUTBOUND_NAT in node.policies(WEB)


@pytest.mark.parametrize("mode", UPDATE_MODES)
@pytest.mark.parametrize("set_policy", MODES)
def test_the_cnis_outbound_nat_survives_every_churn_and_resync(mode: str, set_policy: bool) -> None:
    config = dataclasses.replace(CONFIG, resync_interval=5.0)
    node = FakeClockNode.create(config, set_policy=set_policy, acl_update_mode=mode)
    node.feed(namespace(), WEB, API, CLIENT, OTHER, FROM_CLIENTS, in_sync=True)

    def check(allowed: str, denied: str) -> None:
        node.run_for(0.5)
        assert node.reconciler.ready
        for p in (WEB, API):
            policies = node.policies(p)
            assert [x for x in policies if x["Type"] != "ACL"] == [OUTBOUND_NAT], p.name
        assert node.allowed_in(WEB, allowed) and not node.allowed_in(WEB, denied)

    check("10.0.1.1", "10.0.1.2")
    edited = policy(
        "web", "app == 'web'", ingress=[allow(protocol=TCP, source=side(selector="app == 'other'"))]
    )
    node.feed(edited)  # rule edit: old ACLs go
    check("10.0.1.2", "10.0.1.1")
    node.feed(dataclasses.replace(CLIENT, labels=Labels({"app": "other"})))  # membership
    check("10.0.1.1", "10.0.1.9")
    node.feed(policy("api", "app == 'api'", ingress=[]))  # API gets ACLs
    node.feed(Delete(edited.key))  # WEB loses every ACL
    node.run_for(0.5)
    assert node.acls(WEB) == [] and [x["Type"] for x in node.policies(WEB)] == ["OutBoundNAT"]
    node.feed(edited)
    check("10.0.1.2", "10.0.1.9")
    node.api.modify_endpoint(node.ids[WEB.key], ModifyRequest.of("Update", [OUTBOUND_NAT]))
    node.run_until(node.now + 5.5)  # resync repairs the wiped ACLs
    check("10.0.1.2", "10.0.1.9")


def test_a_restart_adopts_what_hns_holds_and_sends_nothing() -> None:
    node = programmed()
    again = FakeClockNode.start(node.api, node.network, set_policy=True)
    again.ids = node.ids
    again.feed(namespace(), WEB, API, CLIENT, OTHER, FROM_CLIENTS, in_sync=True)
    again.run_for(5)
    assert again.sent == [] and again.reconciler.ready
    assert again.reconciler.foreign_found == {WEB.key: 0, API.key: 0}


def test_the_network_waits_for_its_backoff_and_holds_the_plan() -> None:
    node = FakeClockNode.create(set_policy=True)
    node.feed(namespace(), WEB, CLIENT, FROM_CLIENTS, in_sync=True)
    simulator.inject_fault("HcnModifyNetwork", 1, E_ACCESSDENIED, repeat=True)
    node.run_until(6)
    assert {type(s.request) for s in node.sent} == {NetworkSetRequest}
    assert 2 <= len(node.sent) <= 4, "0, then after 0.5-1.5 s, 1-3 s, 2-6 s"
    assert node.reconciler.deadline() > node.now, "the plan waits for the network"
