"""The Dataplane programs and repairs VXLAN routes on the simulator; restarts adopt them."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from dataplane.config import VxlanConfig
from dataplane.convert import convert
from dataplane.hns import ModifyRequest, simulator
from dataplane.model import InSync, Update
from tests.agent.test_dataplane import FAST, eventually, options, started


def node(name: str, address: str, tunnel: str, mac: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {
                "projectcalico.org/IPv4Address": f"{address}/24",
                "projectcalico.org/IPv4VXLANTunnelAddr": tunnel,
                "projectcalico.org/VXLANTunnelMACAddr": mac,
            },
        },
    }


def block(cidr: str, host: str) -> dict[str, Any]:
    return {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "IPAMBlock",
        "metadata": {"name": cidr.replace(".", "-").replace("/", "-")},
        "spec": {"cidr": cidr, "affinity": f"host:{host}", "deleted": False},
    }


POOL = {
    "apiVersion": "crd.projectcalico.org/v1",
    "kind": "IPPool",
    "metadata": {"name": "default-ipv4-ippool"},
    "spec": {"cidr": "10.244.0.0/16", "vxlanMode": "Always"},
}
CLUSTER = [
    POOL,
    node("node-1", "172.16.0.11", "10.244.1.0", "00:15:5d:00:00:01"),
    node("node-2", "172.16.0.12", "10.244.2.0", "00:15:5d:00:00:02"),
    node("node-3", "172.16.0.13", "10.244.3.0", "00:15:5d:00:00:03"),
    block("10.244.1.0/26", "node-1"),
    block("10.244.2.0/26", "node-2"),
    block("10.244.3.0/26", "node-3"),
    block("10.244.3.64/26", "node-3"),
]


def updates(objects: list[dict[str, Any]]) -> list[Update]:
    return [convert(o) for o in objects] + [InSync()]


def overlay(**kw: Any) -> Any:
    return options(network_type="Overlay", **kw)


def held_routes(network_id: str) -> list[tuple[str, str]]:
    policies = simulator_network_policies(network_id)
    return sorted(
        (p["Settings"]["DestinationPrefix"], p["Settings"]["ProviderAddress"])
        for p in policies
        if p["Type"] == "RemoteSubnetRoute"
    )


def simulator_network_policies(network_id: str) -> tuple[dict[str, Any], ...]:
    from dataplane.hns import HcnApi

    with HcnApi("sim") as api:
        return api.query_network(network_id).policies


WANTED = [
    ("10.244.2.0/26", "172.16.0.12"),
    ("10.244.3.0/26", "172.16.0.13"),
    ("10.244.3.64/26", "172.16.0.13"),
]


@pytest.fixture(autouse=True)
def fresh_simulator() -> None:
    simulator.reset()


def route_requests(dp: Any, request: str, result: str = "ok") -> float:
    value = dp.metrics.registry.get_sample_value(
        "dataplane_route_requests_total", {"request": request, "result": result}
    )
    return value or 0.0


@pytest.mark.anyio
async def test_programs_one_route_per_remote_block_and_follows_changes() -> None:
    async with started(overlay()) as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        network = dp.status()["network"]
        assert held_routes(network) == WANTED
        assert simulator.lookup_route(network, "10.244.3.70")["ProviderAddress"] == "172.16.0.13"  # type: ignore[index]
        assert simulator.lookup_route(network, "10.244.1.5") is None, "no route to this node"
        assert route_requests(dp, "Add") == 3
        status = dp.status()["routes"]
        assert [r["prefix"] for r in status["programmed"]] == [p for p, _ in WANTED]
        assert status["pending"] == [] and status["failed"] == {} and status["error"] == ""
        # node-3 leaves: exactly its two routes go.
        leave = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-3"}}
        await dp.programmed(dp.feed([convert(leave)]), timeout=10)
        assert held_routes(network) == WANTED[:1]
        assert route_requests(dp, "Remove") == 2


@pytest.mark.anyio
async def test_routes_removed_behind_our_back_are_repaired_on_resync() -> None:
    opts = overlay(applier=dataclasses.replace(FAST, resync_interval=0.05))
    async with started(opts) as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        network = dp.status()["network"]
        victim = next(
            p for p in simulator_network_policies(network) if p["Type"] == "RemoteSubnetRoute"
        )
        await dp.client.modify_network(network, ModifyRequest.of("Remove", [victim]))
        foreign = {
            "Type": "RemoteSubnetRoute",
            "Settings": {
                "DestinationPrefix": "10.99.0.0/24",
                "IsolationId": 4096,
                "ProviderAddress": "172.16.0.99",
                "DistributedRouterMacAddress": "00-15-5D-99-99-99",
            },
        }
        await dp.client.modify_network(network, ModifyRequest.of("Add", [foreign]))
        await eventually(lambda: held_routes(network) == WANTED)


@pytest.mark.anyio
async def test_restart_adopts_routes_with_zero_writes() -> None:
    async with started(overlay()) as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
    before = simulator.counters()["calls"]["HcnModifyNetwork"]
    async with started(overlay()) as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        assert [r["prefix"] for r in dp.status()["routes"]["programmed"]] == [p for p, _ in WANTED]
        assert route_requests(dp, "Add") == route_requests(dp, "Remove") == 0
    assert simulator.counters()["calls"]["HcnModifyNetwork"] == before


@pytest.mark.anyio
async def test_failed_network_modify_is_retried_without_duplicates() -> None:
    simulator.inject_fault("HcnModifyNetwork", 2, 0x803B0020)  # HNS manager stopped, once
    async with started(overlay()) as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        await eventually(lambda: held_routes(dp.status()["network"]) == WANTED)
        assert simulator.counters()["faults_triggered"] == 1
        assert route_requests(dp, "Add", "error") == 1
        assert route_requests(dp, "Add") == 3
        assert dp.status()["routes"]["failed"] == {}


@pytest.mark.anyio
async def test_a_network_that_is_not_overlay_is_reported_and_untouched() -> None:
    async with started(options()) as dp:  # L2Bridge
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        error = dp.status()["routes"]["error"]
        assert "not 'Overlay'" in error and "3 VXLAN routes wanted" in error
        assert simulator.counters()["calls"]["HcnModifyNetwork"] == 0


@pytest.mark.anyio
async def test_auto_touches_nothing_without_a_vxlan_pool_and_off_never() -> None:
    never = POOL | {"spec": {"cidr": "10.244.0.0/16", "vxlanMode": "Never"}}
    async with started(overlay()) as dp:
        await dp.programmed(dp.feed(updates([never, *CLUSTER[1:]])), timeout=10)
        assert dp.status()["routes"]["active"] is False
    async with started(overlay(vxlan=VxlanConfig(enabled="off"))) as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        assert dp.status()["routes"] == {"enabled": "off"}
    assert simulator.counters()["calls"]["HcnModifyNetwork"] == 0


@pytest.mark.anyio
async def test_a_recreated_network_is_found_again_and_gets_its_routes() -> None:
    async with started(overlay()) as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        old = dp.status()["network"]
        # HNS loses the network (endpoints first) and the CNI creates a new one.
        for endpoint in await dp.client.enumerate_endpoints(old):
            await dp.client.delete_endpoint(endpoint)
        await dp.client.delete_network(old)
        new = await dp.client.create_network("hns-dataplane", "Overlay")
        leave = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-3"}}
        dp.feed([convert(leave)])
        await eventually(lambda: held_routes(new) == WANTED[:1])
