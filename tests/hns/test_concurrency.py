"""Many threads (and async tasks) programming different endpoints at once stay consistent."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest

from dataplane.hns import (
    HcnApi,
    HcnClient,
    HnsError,
    ModifyRequest,
    is_already_exists,
    simulator,
)
from tests.hns.conftest import acl, add, remove

pytestmark = pytest.mark.classic

THREADS = 8
ROUNDS = 40


def _churn(api: HcnApi, endpoint: str, barrier: threading.Barrier) -> None:
    barrier.wait()
    for i in range(ROUNDS):
        api.modify_endpoint(
            endpoint, add(acl(f"r{i}", "Allow", "In", 100 + i, LocalPorts=str(i + 1)))
        )
        if i % 3 == 2:
            api.modify_endpoint(endpoint, remove(acl(f"r{i - 1}", "Allow", "In", 0)))


def test_threads_modifying_different_endpoints(
    api: HcnApi, network: str, new_api: Callable[[], HcnApi]
) -> None:
    endpoints = [api.create_endpoint(network, f"ep{i}", [f"10.0.{i}.1"]) for i in range(THREADS)]
    shared = new_api()  # one instance, its handle cache shared by every thread
    barrier = threading.Barrier(THREADS)
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda e: _churn(shared, e, barrier), endpoints))
    removed = {f"r{i - 1}" for i in range(ROUNDS) if i % 3 == 2}
    expected = [f"r{i}" for i in range(ROUNDS) if f"r{i}" not in removed]
    for endpoint in endpoints:
        ids = [p["Settings"]["Id"] for p in api.query_endpoint(endpoint).policies]
        assert ids == expected
        assert simulator.classify(endpoint, "In", 6, None, 1, "1.1.1.1", 9).acl_id == "r0"
        second = simulator.classify(endpoint, "In", 6, None, 2, "1.1.1.1", 9)
        assert not second.allowed  # r1 was removed
    counters = simulator.counters()
    assert counters["calls"]["HcnOpenEndpoint"] == THREADS  # each handle opened once, racing or not
    assert counters["acls_added"] == THREADS * ROUNDS
    assert shared.open_handles == THREADS
    shared.close()


def test_racing_threads_keep_one_cached_handle(
    api: HcnApi, network: str, new_api: Callable[[], HcnApi]
) -> None:
    endpoint = api.create_endpoint(network, "ep", ["10.0.0.1"])
    shared = new_api()
    barrier = threading.Barrier(THREADS)

    def query() -> str:
        barrier.wait()
        return shared.query_endpoint(endpoint).id

    with ThreadPoolExecutor(THREADS) as pool:
        assert set(pool.map(lambda _: query(), range(THREADS))) == {endpoint}
    opened = simulator.counters()["calls"]["HcnOpenEndpoint"]
    closed = simulator.counters()["calls"]["HcnCloseEndpoint"]
    assert opened - closed == 1 == shared.open_handles  # losers of the race closed their handle
    shared.close()


class _InFlightApi(HcnApi):
    """Counts concurrent modify calls; each waits until ``limit`` of them are in flight."""

    def __init__(self, limit: int) -> None:
        super().__init__("sim")
        self._barrier = threading.Barrier(limit, timeout=30)
        self._lock = threading.Lock()
        self.in_flight = self.peak = 0

    def modify_endpoint(self, id: str, request: ModifyRequest) -> None:
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            self._barrier.wait()  # proves `limit` calls run at once (times out otherwise)
            super().modify_endpoint(id, request)
        finally:
            with self._lock:
                self.in_flight -= 1


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_async_client_runs_calls_concurrently_under_its_limit(anyio_backend: str) -> None:
    simulator.reset()
    api = _InFlightApi(limit=4)
    async with HcnClient(api=api, max_concurrency=4) as client:
        network = await client.create_network("n")
        endpoints = [
            await client.create_endpoint(network, f"ep{i}", [f"10.1.0.{i + 1}"]) for i in range(8)
        ]
        async with anyio.create_task_group() as tg:
            for i, endpoint in enumerate(endpoints):
                request = ModifyRequest("Policy", "Add", [acl(f"a{i}", "Allow", "In", 10)])
                tg.start_soon(client.modify_endpoint, endpoint, request)
        assert api.peak == 4
        infos = await client.list_endpoints(network)
        assert sorted(i.policies[0]["Settings"]["Id"] for i in infos) == [f"a{i}" for i in range(8)]
        assert str(await client.version()) == "15.0"
        assert (await client.features()).set_policy
        assert client.api.open_handles == 9
    assert client.api.open_handles == 0  # closed on exit
    simulator.reset()


@pytest.mark.anyio
async def test_async_client_surfaces_hns_errors() -> None:
    simulator.reset()
    async with HcnClient("sim") as client:
        network = await client.create_network("n")
        endpoint = await client.create_endpoint(network, "ep", ["10.0.0.1"])
        request = ModifyRequest.of("Add", [acl("a", "Allow", "In", 1)])
        await client.modify_endpoint(endpoint, request)
        with pytest.raises(HnsError) as info:
            await client.modify_endpoint(endpoint, request)
        assert info.value.call == "HcnModifyEndpoint" and is_already_exists(info.value)
        await client.delete_endpoint(endpoint)
        assert await client.enumerate_endpoints(network) == []
        await client.delete_network(network)
        assert await client.enumerate_networks() == []
    with pytest.raises(ValueError):
        HcnClient("sim", max_concurrency=0)
