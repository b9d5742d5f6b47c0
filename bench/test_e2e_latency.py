"""Event fed to ``Dataplane`` -> HNS request completed, with simulated HNS latency."""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from anyio.from_thread import start_blocking_portal

from bench.churn import CHURN_EVENTS
from bench.conftest import cluster_for, size_id
from bench.generator import Cluster
from bench.harness import (
    ENGINE_COUNTERS,
    NETWORK_NAME,
    hns_counters,
    per_event,
    percentile,
    record,
)
from dataplane import Dataplane, DataplaneOptions
from dataplane.hns import HcnClient, simulator
from dataplane.model import Update

# What one HNS RPC costs in this scenario (order of magnitude seen on Windows
# Server 2022 for a modify): 1 ms per call plus 20 µs per policy it carries.
CALL_LATENCY_US = 1_000
ACL_LATENCY_US = 20
ROUNDS = 100
SNAPSHOT_TIMEOUT = 600.0
EVENT_TIMEOUT = 60.0
FULL_REWRITE = {"set_policy": False, "acl_update_mode": "replace"}


@asynccontextmanager
async def programmed_dataplane(cluster: Cluster, engine_kind: str) -> AsyncIterator[Dataplane]:
    """A running ``Dataplane`` that has programmed the cluster's snapshot.

    The local pods' HNS endpoints are created first, as the CNI plugin does on
    a Windows node, so every cycle measures the agent and not endpoint creation.
    """
    overrides = FULL_REWRITE if engine_kind == "full_rewrite" else {}
    options = DataplaneOptions(network_name=NETWORK_NAME, engine_overrides=overrides)
    async with HcnClient(backend="sim") as client:
        network_id = await client.create_network(NETWORK_NAME)
        for pod in cluster.local_endpoints():
            name = f"{pod.namespace}_{pod.name}"
            await client.create_endpoint(network_id, name, list(pod.addresses))
        async with Dataplane(cluster.node_name, client, options) as dp:
            await dp.programmed(dp.feed(cluster.updates()), timeout=SNAPSHOT_TIMEOUT)
            mapped, local = len(dp.applier.endpoint_ids), len(cluster.local_endpoints())
            if mapped != local:
                raise RuntimeError(f"snapshot programmed with {mapped} of {local} endpoints mapped")
            yield dp


async def event_latency(dp: Dataplane, updates: tuple[Update, ...]) -> float:
    """Seconds from feeding one event to its HNS requests having completed."""
    started = time.perf_counter()
    await dp.programmed(dp.feed(updates), timeout=EVENT_TIMEOUT)
    return time.perf_counter() - started


def counters_of(dp: Dataplane) -> dict[str, float]:
    found = dp.counters()
    now = {name: float(found.get(name, 0)) for name in ENGINE_COUNTERS}
    now.update(hns_counters())
    return now


@pytest.mark.parametrize("engine_kind", ["incremental", "full_rewrite"])
@pytest.mark.parametrize("event", ["pod", "policy"])
def test_e2e_latency(
    benchmark: Any, cluster_shape: str, cluster_pods: int, event: str, engine_kind: str
) -> None:
    cluster = cluster_for(cluster_shape, cluster_pods)
    steps = CHURN_EVENTS[event](cluster).steps()
    latencies: list[float] = []
    simulator.reset()
    simulator.configure(call_latency_us=CALL_LATENCY_US, acl_latency_us=ACL_LATENCY_US)
    try:
        with (
            start_blocking_portal() as portal,
            portal.wrap_async_context_manager(programmed_dataplane(cluster, engine_kind)) as dp,
        ):
            before = counters_of(dp)

            def one_event() -> None:
                latencies.append(portal.call(event_latency, dp, next(steps)))

            benchmark.group = f"e2e_latency {event} {cluster_shape} {size_id(cluster_pods)}"
            benchmark.pedantic(one_event, rounds=ROUNDS)
            counters = per_event(before, counters_of(dp), len(latencies))
    finally:
        simulator.reset()
    record(
        benchmark,
        scenario="e2e_latency",
        shape=f"{cluster_shape}/{event}",
        pods=cluster_pods,
        engine=engine_kind,
        counters=counters,
        latency_median_us=statistics.median(latencies) * 1e6,
        latency_p99_us=percentile(latencies, 0.99) * 1e6,
        call_latency_us=CALL_LATENCY_US,
        acl_latency_us=ACL_LATENCY_US,
    )
