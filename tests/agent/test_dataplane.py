"""The embeddable Dataplane against the native simulator: programming, retries,
drift repair, restart adoption, vanished endpoints; under asyncio and trio."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest

from dataplane import Dataplane, DataplaneOptions
from dataplane.config import ApplierConfig
from dataplane.convert import convert
from dataplane.hns import HcnClient, ModifyRequest, simulator
from dataplane.model import InSync, Update

FAST = ApplierConfig(
    batch_window=0.001,
    retry_base=0.01,
    retry_max=0.05,
    resync_interval=3600,
    endpoint_poll_interval=0.02,
    progress_interval=3600,
)


def pod(name: str, ip: str, labels: dict[str, str], node: str = "node-1") -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "demo", "labels": labels},
        "spec": {"nodeName": node, "containers": [{"name": "c"}]},
        "status": {"phase": "Running", "podIP": ip},
    }


def ingress_policy(name: str, selector: dict, port: int, from_app: str) -> dict:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": "demo"},
        "spec": {
            "podSelector": {"matchLabels": selector},
            "ingress": [
                {
                    "from": [{"podSelector": {"matchLabels": {"app": from_app}}}],
                    "ports": [{"port": port}],
                }
            ],
        },
    }


CLUSTER = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}},
    pod("api", "10.1.0.5", {"app": "api"}),
    pod("web", "10.1.0.6", {"app": "web"}),
    pod("web-remote", "10.2.0.7", {"app": "web"}, node="node-2"),
    pod("batch-remote", "10.2.0.8", {"app": "batch"}, node="node-2"),
    ingress_policy("api-from-web", {"app": "api"}, 443, "web"),
]


def updates(objects: list[dict]) -> list[Update]:
    return [convert(o) for o in objects] + [InSync()]


def allowed_in(dp: Dataplane, pod_name: str, source_ip: str, port: int) -> bool:
    endpoint_id = dp.status()["endpoints"][f"demo/{pod_name}"]["hns_endpoint"]
    return simulator.classify(endpoint_id, "In", 6, None, port, source_ip, 40000).allowed


@pytest.fixture
def fresh_simulator() -> None:
    simulator.reset()


def options(**kw: Any) -> DataplaneOptions:
    return DataplaneOptions(
        **{"create_network": True, "manage_endpoints": True, "applier": FAST, **kw}
    )


@asynccontextmanager
async def started(opts: DataplaneOptions | None = None) -> AsyncIterator[Dataplane]:
    async with (
        HcnClient(backend="sim") as client,
        Dataplane("node-1", client, opts or options()) as dp,
    ):
        yield dp


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    with anyio.fail_after(timeout):
        while not check():
            await anyio.sleep(0.01)


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_programs_policy_under_both_event_loops(
    fresh_simulator: None, anyio_backend: str
) -> None:
    async with started() as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        assert dp.ready
        assert allowed_in(dp, "api", "10.2.0.7", 443), "remote web pod may reach api:443"
        assert not allowed_in(dp, "api", "10.2.0.8", 443), "batch is not selected by the rule"
        assert not allowed_in(dp, "api", "10.2.0.7", 80), "only port 443 is allowed"
        assert allowed_in(dp, "web", "10.2.0.8", 80), "web is not isolated"
        status = dp.status()["endpoints"]["demo/api"]
        assert status["ingress"] == ["KubernetesNetworkPolicy(demo/api-from-web)"]
        assert status["acls"] > 0 and status["fail_closed"] == []


@pytest.mark.anyio
async def test_nothing_is_programmed_before_in_sync(fresh_simulator: None) -> None:
    async with started() as dp:
        dp.feed([convert(o) for o in CLUSTER])
        result = await dp.applier.cycle()
        assert result.requests == 0
        assert simulator.counters()["calls"]["HcnModifyEndpoint"] == 0
        assert not dp.ready
        await dp.programmed(dp.feed([InSync()]), timeout=10)
        assert simulator.counters()["calls"]["HcnModifyEndpoint"] > 0


@pytest.mark.anyio
async def test_transient_hns_failure_is_retried(fresh_simulator: None) -> None:
    simulator.inject_fault("HcnModifyEndpoint", 1, 0x80070005)  # E_ACCESSDENIED, once
    async with started() as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        assert simulator.counters()["faults_triggered"] == 1
        assert allowed_in(dp, "api", "10.2.0.7", 443)
        assert not allowed_in(dp, "api", "10.2.0.8", 443)
        retries = dp.metrics.registry.get_sample_value("dataplane_hns_retries_total")
        assert retries == 1


@pytest.mark.anyio
async def test_failed_set_request_blocks_acls_that_need_it_then_recovers(
    fresh_simulator: None,
) -> None:
    simulator.inject_fault("HcnModifyNetwork", 1, 0x803B0020)  # HNS manager stopped, once
    async with started() as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        assert allowed_in(dp, "api", "10.2.0.7", 443)
        assert not allowed_in(dp, "api", "10.2.0.8", 443)


@pytest.mark.anyio
async def test_drift_is_repaired_on_resync(fresh_simulator: None) -> None:
    opts = options(applier=dataclasses.replace(FAST, resync_interval=0.05))
    async with started(opts) as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        api_id = dp.status()["endpoints"]["demo/api"]["hns_endpoint"]
        # Someone wipes the endpoint's ACLs behind our back: everything is allowed.
        await dp.client.modify_endpoint(api_id, ModifyRequest(request_type="Update", policies=()))
        assert allowed_in(dp, "api", "10.2.0.8", 443)
        await eventually(lambda: not allowed_in(dp, "api", "10.2.0.8", 443))
        assert allowed_in(dp, "api", "10.2.0.7", 443)


@pytest.mark.anyio
async def test_a_foreign_acl_is_removed_at_resync_and_reported(
    fresh_simulator: None, caplog: pytest.LogCaptureFixture
) -> None:
    opts = options(applier=dataclasses.replace(FAST, resync_interval=0.05))
    async with started(opts) as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        api_id = dp.status()["endpoints"]["demo/api"]["hns_endpoint"]
        foreign = {"Action": "Allow", "Direction": "In", "Priority": 1, "RuleType": "Switch"}
        await dp.client.modify_endpoint(
            api_id, ModifyRequest.of("Add", [{"Type": "ACL", "Settings": foreign}])
        )
        await eventually(lambda: dp.status()["endpoints"]["demo/api"]["foreign_acls_found"] == 1)
        await eventually(lambda: not allowed_in(dp, "api", "10.2.0.8", 443))
        assert allowed_in(dp, "api", "10.2.0.7", 443)
        await eventually(
            lambda: dp.metrics.registry.get_sample_value("dataplane_foreign_acls_total") == 1
        )
        assert any("foreign ACLs" in r.getMessage() for r in caplog.records)
        info = await dp.client.query_endpoint(api_id)
        assert info.policies[0]["Type"] == "OutBoundNAT", "the CNI's policy stays"


@pytest.mark.anyio
async def test_restart_adopts_programmed_state_without_rewriting(fresh_simulator: None) -> None:
    async with started() as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
    before = simulator.counters()
    async with started() as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        assert allowed_in(dp, "api", "10.2.0.7", 443)
    after = simulator.counters()
    assert after["calls"]["HcnModifyEndpoint"] == before["calls"]["HcnModifyEndpoint"]
    assert after["calls"]["HcnModifyNetwork"] == before["calls"]["HcnModifyNetwork"]
    assert after["acls_added"] == before["acls_added"]


@pytest.mark.anyio
async def test_endpoint_deleted_mid_update_is_remapped(fresh_simulator: None) -> None:
    async with started() as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        old_id = dp.status()["endpoints"]["demo/api"]["hns_endpoint"]
        await dp.client.delete_endpoint(old_id)  # the CNI re-creates it on the next cycle
        edited = ingress_policy("api-from-web", {"app": "api"}, 8443, "web")
        await dp.programmed(dp.feed([convert(edited)]), timeout=10)
        await eventually(lambda: dp.status()["endpoints"]["demo/api"]["hns_endpoint"] != old_id)
        await eventually(lambda: allowed_in(dp, "api", "10.2.0.7", 8443))
        assert not allowed_in(dp, "api", "10.2.0.7", 443)


@pytest.mark.anyio
async def test_invalid_resource_keeps_programmed_rules(fresh_simulator: None) -> None:
    async with started() as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        dp.invalid("demo/api-from-web", ValueError("spec.ingress[0].ports[0].port: 0 out of range"))
        assert "demo/api-from-web" in dp.status()["invalid_resources"]
        assert dp.metrics.registry.get_sample_value("dataplane_invalid_resources_total") == 1
        assert allowed_in(dp, "api", "10.2.0.7", 443)
        assert not allowed_in(dp, "api", "10.2.0.8", 443)


ICMP_ECHO_ONLY = {
    "apiVersion": "projectcalico.org/v3",
    "kind": "NetworkPolicy",
    "metadata": {"name": "ping-only", "namespace": "demo"},
    "spec": {
        "selector": "app == 'web'",
        "ingress": [{"action": "Allow", "protocol": "ICMP", "icmp": {"type": 8}}],
    },
}


@pytest.mark.anyio
async def test_fail_closed_rule_is_logged_once_and_shown_in_status(
    fresh_simulator: None, caplog: pytest.LogCaptureFixture
) -> None:
    async with started() as dp:
        await dp.programmed(dp.feed(updates([*CLUSTER, ICMP_ECHO_ONLY])), timeout=10)
        notes = dp.status()["endpoints"]["demo/web"]["fail_closed"]
        assert notes and any("ping-only" in n for n in notes)
        logged = [r for r in caplog.records if "compiled fail-closed" in r.getMessage()]
        assert len(logged) == len(notes)
        assert dp.metrics.registry.get_sample_value("dataplane_fail_closed_rules") == len(notes)
        # Re-sending the same policy reports nothing new.
        await dp.programmed(dp.feed([convert(ICMP_ECHO_ONLY)]), timeout=10)
        again = [r for r in caplog.records if "compiled fail-closed" in r.getMessage()]
        assert len(again) == len(logged)
        assert not allowed_in(dp, "web", "10.2.0.8", 80)


@pytest.mark.anyio
async def test_programs_correctly_with_injected_hns_latency(fresh_simulator: None) -> None:
    simulator.configure(call_latency_us=2000, acl_latency_us=200)
    async with started() as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=20)
        latency = dp.metrics.registry.get_sample_value(
            "dataplane_hns_call_seconds_sum", {"call": "ModifyEndpoint"}
        )
        calls = dp.metrics.registry.get_sample_value(
            "dataplane_hns_calls_total", {"call": "ModifyEndpoint", "result": "ok"}
        )
        assert calls and latency is not None and latency >= calls * 0.002
        assert allowed_in(dp, "api", "10.2.0.7", 443)
        assert not allowed_in(dp, "api", "10.2.0.8", 443)


@pytest.mark.anyio
async def test_adapts_to_hns_without_set_policy(fresh_simulator: None) -> None:
    simulator.configure(version=(12, 0))  # Windows Server 2019: no SetPolicy
    async with started() as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        assert simulator.counters()["set_policies_written"] == 0
        assert simulator.counters()["calls"]["HcnModifyNetwork"] == 0
        assert allowed_in(dp, "api", "10.2.0.7", 443)
        assert not allowed_in(dp, "api", "10.2.0.8", 443)
