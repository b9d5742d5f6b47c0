"""Simulator knobs: version gates, fault injection, latency, counters and reset."""

from __future__ import annotations

import pytest

from dataplane.hns import HcnApi, HnsError, is_invalid_policy, simulator
from tests.hns.conftest import acl, add, ipset, remove, update


def test_configure_sets_the_reported_version(api: HcnApi) -> None:
    simulator.configure(version=(14, 3))
    assert simulator.version() == (14, 3)
    assert str(api.version()) == "14.3"


def test_set_policy_needs_13_0(api: HcnApi, network: str) -> None:
    simulator.configure(version=(12, 9))
    with pytest.raises(HnsError) as info:
        api.modify_network(network, add(ipset("s", "10.0.0.1")))
    assert is_invalid_policy(info.value) and "13.0" in info.value.message
    simulator.configure(version=(13, 0))
    api.modify_network(network, add(ipset("s", "10.0.0.1")))


def test_nested_ip_sets_need_15_0(api: HcnApi, network: str) -> None:
    simulator.configure(version=(14, 0))
    api.modify_network(network, add(ipset("s", "10.0.0.1")))
    with pytest.raises(HnsError) as info:
        api.modify_network(network, add(ipset("n", "s", "NESTEDIPSET")))
    assert is_invalid_policy(info.value) and "15.0" in info.value.message
    simulator.configure(version=(15, 0))
    api.modify_network(network, add(ipset("n", "s", "NESTEDIPSET")))


def test_ipv6_addresses_need_11_10(api: HcnApi, network: str) -> None:
    endpoint = api.create_endpoint(network, "ep", ["10.0.0.5"])
    simulator.configure(version=(11, 9))
    with pytest.raises(HnsError) as info:
        api.modify_endpoint(endpoint, add(acl("v6", "Allow", "In", 1, RemoteAddresses="fd00::/8")))
    assert is_invalid_policy(info.value)
    simulator.configure(version=(11, 10))
    api.modify_endpoint(endpoint, add(acl("v6", "Allow", "In", 1, RemoteAddresses="fd00::/8")))


def test_fault_once_fails_only_the_nth_call_and_changes_nothing(api: HcnApi, network: str) -> None:
    endpoint = api.create_endpoint(network, "ep", ["10.0.0.5"])
    simulator.inject_fault("HcnModifyEndpoint", 2, 0x800706BE)  # RPC call failed: not retried
    api.modify_endpoint(endpoint, add(acl("a", "Allow", "In", 1)))
    with pytest.raises(HnsError) as info:
        api.modify_endpoint(endpoint, add(acl("b", "Allow", "In", 2)))
    assert info.value.hresult == 0x800706BE and info.value.call == "HcnModifyEndpoint"
    assert "injected" in info.value.message
    api.modify_endpoint(endpoint, add(acl("c", "Allow", "In", 3)))
    ids = [p["Settings"]["Id"] for p in api.query_endpoint(endpoint).policies]
    assert ids == ["a", "c"]
    assert simulator.counters()["faults_triggered"] == 1


def test_fault_repeat_fails_every_call_until_cleared(api: HcnApi, network: str) -> None:
    simulator.inject_fault("HcnEnumerateEndpoints", 1, 0x80070005, repeat=True)
    for _ in range(3):
        with pytest.raises(HnsError):
            api.enumerate_endpoints(network)
    simulator.clear_faults()
    assert api.enumerate_endpoints(network) == []


def test_a_stale_handle_fault_is_retried_with_a_fresh_handle(api: HcnApi, network: str) -> None:
    simulator.inject_fault("HcnQueryNetworkProperties", 1, 0x80070006)  # E_HANDLE once
    assert api.query_network(network).id == network
    assert simulator.counters()["calls"]["HcnOpenNetwork"] == 1


def test_inject_fault_validates_its_arguments() -> None:
    with pytest.raises(ValueError, match="unknown function"):
        simulator.inject_fault("HcnFrobnicate", 1, 0x80004005)
    with pytest.raises(ValueError):
        simulator.inject_fault("HcnOpenEndpoint", 0, 0x80004005)
    with pytest.raises(ValueError):
        simulator.inject_fault("HcnOpenEndpoint", 1, 0)


def test_latency_is_injected_without_changing_results(api: HcnApi, network: str) -> None:
    endpoint = api.create_endpoint(network, "ep", ["10.0.0.5"])
    simulator.configure(call_latency_us=200, acl_latency_us=50)
    api.modify_endpoint(endpoint, add(*(acl(f"r{i}", "Allow", "In", 10 + i) for i in range(20))))
    assert len(api.query_endpoint(endpoint).policies) == 20
    simulator.configure()
    assert simulator.counters()["acls_added"] == 20


def test_counters_track_calls_acls_sets_and_bytes(api: HcnApi, network: str) -> None:
    endpoint = api.create_endpoint(network, "ep", ["10.0.0.5"])
    simulator.reset()
    api.close()
    network = api.create_network("again")
    endpoint = api.create_endpoint(network, "ep", ["10.0.0.5"])
    request = add(acl("a", "Allow", "In", 1), acl("b", "Allow", "In", 2))
    api.modify_endpoint(endpoint, request)
    api.modify_endpoint(endpoint, update(acl("c", "Block", "In", 3)))
    api.modify_network(network, add(ipset("s", "10.0.0.0/8"), ipset("t", "")))
    api.modify_network(network, update(ipset("t", "10.1.0.0/16")))
    api.modify_network(network, remove(ipset("s", "")))
    counters = simulator.counters()
    assert counters["calls"]["HcnModifyEndpoint"] == 2
    assert counters["calls"]["HcnModifyNetwork"] == 3
    assert counters["acls_added"] == 3 and counters["acls_removed"] == 2
    assert counters["set_policies_written"] == 3 and counters["set_policies_removed"] == 1
    assert counters["request_bytes"] >= 2 * len(request.to_json())
    assert set(counters["calls"]) == set(simulator.function_names())


def test_reset_forgets_everything_and_restores_defaults(api: HcnApi, network: str) -> None:
    api.create_endpoint(network, "ep", ["10.0.0.5"])
    simulator.configure(version=(13, 0), call_latency_us=10)
    simulator.inject_fault("HcnEnumerateNetworks", 1, 0x80004005, repeat=True)
    simulator.reset()
    assert simulator.version() == (15, 0)
    assert api.enumerate_networks() == [] and api.enumerate_endpoints() == []
    assert simulator.counters()["calls"]["HcnEnumerateNetworks"] == 1
    with pytest.raises(HnsError):
        api.query_network(network)
