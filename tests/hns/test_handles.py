"""Cached handles: a modify costs one HCN call, stale handles reopen once, close releases all."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from dataplane.hns import HcnApi, HnsError, is_not_found, simulator
from tests.hns.conftest import acl, add


def calls(name: str) -> int:
    return int(simulator.counters()["calls"][name])


def test_a_modify_is_one_call_once_the_handle_is_cached(
    api: HcnApi, network: str, new_api: Callable[[], HcnApi]
) -> None:
    endpoint = api.create_endpoint(network, "ep", ["10.0.0.5"])
    other = new_api()  # no cached handle for the endpoint
    other.modify_endpoint(endpoint, add(acl("a", "Allow", "In", 1)))
    assert (calls("HcnOpenEndpoint"), calls("HcnModifyEndpoint")) == (1, 1)
    for i in range(5):
        other.modify_endpoint(endpoint, add(acl(f"b{i}", "Allow", "In", 2 + i)))
    assert (calls("HcnOpenEndpoint"), calls("HcnModifyEndpoint")) == (1, 6)
    api.modify_endpoint(endpoint, add(acl("c", "Allow", "In", 99)))  # created here: already cached
    assert calls("HcnOpenEndpoint") == 1
    other.close()
    assert calls("HcnCloseEndpoint") == 1 and other.open_handles == 0


def test_listing_n_endpoints_costs_one_enumerate_and_n_queries(api: HcnApi, network: str) -> None:
    for i in range(4):
        api.create_endpoint(network, f"ep{i}", [f"10.0.0.{i + 1}"])
    before = simulator.counters()["calls"]
    assert len(api.list_endpoints(network)) == 4
    after = simulator.counters()["calls"]
    spent = {k: after[k] - before[k] for k in after if after[k] != before[k]}
    assert spent == {"HcnEnumerateEndpoints": 1, "HcnQueryEndpointProperties": 4}


def test_stale_handle_after_delete_and_recreate_reopens_once(
    api: HcnApi, network: str, new_api: Callable[[], HcnApi]
) -> None:
    endpoint = api.create_endpoint(network, "ep", ["10.0.0.5"])
    other = new_api()
    other.modify_endpoint(endpoint, add(acl("a", "Allow", "In", 1)))
    api.delete_endpoint(endpoint)
    api.create_endpoint(network, "ep", ["10.0.0.5"], id=endpoint)  # same id, new object
    other.modify_endpoint(endpoint, add(acl("b", "Allow", "In", 2)))
    assert calls("HcnOpenEndpoint") == 2
    assert [p["Settings"]["Id"] for p in other.query_endpoint(endpoint).policies] == ["b"]
    other.close()


def test_stale_handles_after_an_hns_restart_reopen(api: HcnApi, network: str) -> None:
    endpoint = api.create_endpoint(network, "ep", ["10.0.0.5"])
    simulator.invalidate_handles()
    api.modify_endpoint(endpoint, add(acl("a", "Allow", "In", 1)))
    api.query_network(network)
    assert calls("HcnOpenEndpoint") == 1 and calls("HcnOpenNetwork") == 1
    assert calls("HcnModifyEndpoint") == 2  # the failed attempt and the retry


def test_a_deleted_endpoint_stays_not_found(
    api: HcnApi, network: str, new_api: Callable[[], HcnApi]
) -> None:
    endpoint = api.create_endpoint(network, "ep", ["10.0.0.5"])
    other = new_api()
    other.query_endpoint(endpoint)
    api.delete_endpoint(endpoint)
    with pytest.raises(HnsError) as info:
        other.modify_endpoint(endpoint, add(acl("a", "Allow", "In", 1)))
    assert is_not_found(info.value) and info.value.call == "HcnOpenEndpoint"
    assert other.open_handles == 0


def test_list_skips_endpoints_deleted_meanwhile(api: HcnApi, network: str) -> None:
    keep = api.create_endpoint(network, "keep", ["10.0.0.1"])
    gone = api.create_endpoint(network, "gone", ["10.0.0.2"])
    simulator.inject_fault("HcnQueryEndpointProperties", 2, 0x803B0002, repeat=True)
    assert api.open_handles == 3
    assert [e.id for e in api.list_endpoints(network)] == [keep]
    assert api.open_handles == 2  # the handle of the vanished endpoint is closed, not kept
    assert gone in api.enumerate_endpoints(network)  # (only the fault made it look gone)


def test_close_closes_every_cached_handle(api: HcnApi, network: str) -> None:
    for i in range(3):
        api.create_endpoint(network, f"ep{i}", [f"10.0.0.{i + 1}"])
    assert api.open_handles == 4
    api.close()
    assert api.open_handles == 0
    assert calls("HcnCloseEndpoint") == 3 and calls("HcnCloseNetwork") == 1
    assert len(api.enumerate_endpoints(network)) == 3  # still usable
    api.query_endpoint(api.enumerate_endpoints(network)[0])
    assert calls("HcnOpenEndpoint") == 1


def test_handles_of_unknown_ids_are_never_cached(api: HcnApi) -> None:
    with pytest.raises(HnsError):
        api.query_endpoint(str(uuid.uuid4()))
    assert api.open_handles == 0
