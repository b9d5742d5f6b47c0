"""RemoteSubnetRoute policies in the simulator: validation, query, remove, lookup, instances."""

from __future__ import annotations

from typing import Any

import pytest

from dataplane.hns import HcnApi, HnsError, is_already_exists, is_invalid_policy, simulator
from tests.hns.conftest import add, remove, update


def route(
    prefix: str = "10.244.3.0/26",
    provider: str = "172.16.0.13",
    mac: str = "00-15-5D-11-22-33",
    vsid: Any = 4096,
) -> dict[str, Any]:
    return {
        "Type": "RemoteSubnetRoute",
        "Settings": {
            "DestinationPrefix": prefix,
            "IsolationId": vsid,
            "ProviderAddress": provider,
            "DistributedRouterMacAddress": mac,
        },
    }


@pytest.fixture
def overlay(api: HcnApi) -> str:
    return api.create_network("vxlan0", "Overlay")


def test_routes_are_queryable_like_any_policy_and_removable(api: HcnApi, overlay: str) -> None:
    api.modify_network(overlay, add(route(), route("10.244.4.0/26", "172.16.0.14")))
    policies = api.query_network(overlay).policies
    assert [p["Settings"]["DestinationPrefix"] for p in policies] == [
        "10.244.3.0/26",
        "10.244.4.0/26",
    ]
    api.modify_network(overlay, remove(route()))
    assert [p["Settings"]["DestinationPrefix"] for p in api.query_network(overlay).policies] == [
        "10.244.4.0/26"
    ]
    with pytest.raises(HnsError):
        api.modify_network(overlay, remove(route()))


def test_lookup_takes_the_most_specific_route(api: HcnApi, overlay: str) -> None:
    api.modify_network(overlay, add(route("10.244.0.0/16", "172.16.0.1"), route()))
    assert simulator.lookup_route(overlay, "10.244.3.7")["ProviderAddress"] == "172.16.0.13"  # type: ignore[index]
    assert simulator.lookup_route(overlay, "10.244.9.7")["ProviderAddress"] == "172.16.0.1"  # type: ignore[index]
    assert simulator.lookup_route(overlay, "10.9.0.1") is None


@pytest.mark.parametrize(
    ("policy", "needle"),
    [
        (route("10.244.3.1/26"), "DestinationPrefix"),
        (route("10.244.3.1"), "DestinationPrefix"),
        (route(provider="fd00::1"), "ProviderAddress"),
        (route(mac="00:15:5d:11:22:33"), "DistributedRouterMacAddress"),
        (route(vsid=4095), "IsolationId"),
        (route(vsid=65536), "IsolationId"),
        (route(vsid="4096"), "IsolationId"),
    ],
)
def test_invalid_routes_are_rejected_and_change_nothing(
    api: HcnApi, overlay: str, policy: dict[str, Any], needle: str
) -> None:
    with pytest.raises(HnsError) as info:
        api.modify_network(overlay, add(route("10.244.9.0/26"), policy))
    assert needle in info.value.message
    assert api.query_network(overlay).policies == ()


def test_duplicate_prefixes_are_rejected(api: HcnApi, overlay: str) -> None:
    api.modify_network(overlay, add(route()))
    with pytest.raises(HnsError) as info:
        api.modify_network(overlay, add(route(provider="172.16.0.99")))
    assert is_already_exists(info.value)
    with pytest.raises(HnsError):
        api.modify_network(overlay, add(route("10.9.0.0/24"), route("10.9.0.0/24")))
    assert len(api.query_network(overlay).policies) == 1
    api.modify_network(overlay, update(route(provider="172.16.0.99")))  # Update replaces them all
    (only,) = api.query_network(overlay).policies
    assert only["Settings"]["ProviderAddress"] == "172.16.0.99"


def test_routes_need_an_overlay_network(api: HcnApi, network: str) -> None:
    with pytest.raises(HnsError) as info:
        api.modify_network(network, add(route()))
    assert is_invalid_policy(info.value) and "Overlay" in info.value.message


def test_instances_are_separate_services() -> None:
    simulator.reset()
    try:
        ids = {}
        for node in ("a", "b"):
            simulator.select_instance(node)
            with HcnApi("sim") as api:
                ids[node] = api.create_network("vxlan0", "Overlay", id=None)
                api.modify_network(ids[node], add(route(provider=f"172.16.0.{ord(node)}")))
        simulator.select_instance("a")
        assert simulator.lookup_route(ids["a"], "10.244.3.1")["ProviderAddress"] == "172.16.0.97"  # type: ignore[index]
        with pytest.raises(HnsError):
            simulator.lookup_route(ids["b"], "10.244.3.1")
        simulator.select_instance("")
        with HcnApi("sim") as api:
            assert api.enumerate_networks() == []
        simulator.reset()
        simulator.select_instance("a")
        with HcnApi("sim") as api:
            assert api.enumerate_networks() == [], "reset drops every instance"
    finally:
        simulator.reset()
