"""Benchmarks of the calculation graph alone: snapshot, single churn events, memory.

Isolated-customers shape (``bench.generator.isolated_customers``): N namespaces
with one 15-label pod each, one Kubernetes policy per namespace, 100 pods local.
The graph activates every active policy's rule-side sets itself (its rule scanner).
Default sizes run in seconds; ``BENCH_SCALE=large`` adds 100k.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import tracemalloc
from collections.abc import Callable
from functools import lru_cache

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from bench.churn import CHURN_EVENTS
from bench.generator import Cluster, isolated_customers
from bench.workloads import pod_address
from dataplane.calc import CalcGraph, Delta
from dataplane.model import Update, Upsert

LARGE = os.environ.get("BENCH_SCALE", "").strip().lower() == "large"
SNAPSHOT_SIZES = (1_000, 10_000, 100_000) if LARGE else (1_000, 10_000)
CHURN_SIZES = (10_000, 100_000) if LARGE else (10_000,)
CHURN_ROUNDS = 1_000  # even: every forward step is undone, the graph ends as it began
MARGINAL_PODS = 0.1  # extra remote pods, as a fraction of N, for the per-pod memory cost


def _size_id(pods: int) -> str:
    return f"{pods // 1000}k"


@lru_cache(maxsize=1)
def _cluster(pods: int) -> Cluster:
    return isolated_customers(pods)


def _snapshot(cluster: Cluster, updates: list[Update]) -> CalcGraph:
    graph = CalcGraph(cluster.node_name)
    graph.apply_all(updates)
    graph.flush()
    return graph


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("pods", SNAPSHOT_SIZES, ids=_size_id)
def test_calc_snapshot(benchmark: BenchmarkFixture, pods: int) -> None:
    cluster = _cluster(pods)
    updates = cluster.updates()
    graph = benchmark.pedantic(
        _snapshot, args=(cluster, updates), rounds=1 if pods >= 100_000 else 3, iterations=1
    )
    assert len(graph.local_endpoints()) == len(cluster.local_endpoints())
    assert len(graph.active_policies()) == len(cluster.local_endpoints())
    benchmark.extra_info.update(graph.counters.snapshot())
    benchmark.extra_info["active_sets"] = len(graph.ipsets.active())


@lru_cache(maxsize=1)
def _steady_graph(pods: int) -> CalcGraph:
    cluster = _cluster(pods)
    return _snapshot(cluster, cluster.updates())


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("event_name", sorted(CHURN_EVENTS))
@pytest.mark.parametrize("pods", CHURN_SIZES, ids=_size_id)
def test_calc_churn_event(benchmark: BenchmarkFixture, pods: int, event_name: str) -> None:
    """One event (apply, flush), alternating with its inverse."""
    graph = _steady_graph(pods)
    event = CHURN_EVENTS[event_name](_cluster(pods))
    steps = event.steps()
    before = graph.counters.snapshot()

    def one_event() -> Delta:
        graph.apply_all(next(steps))
        return graph.flush()

    benchmark.pedantic(one_event, rounds=CHURN_ROUNDS, iterations=1)
    # What each event costs is asserted in tests/calc/test_cost.py; here it is recorded.
    after = graph.counters.snapshot()
    events = CHURN_ROUNDS if benchmark.enabled else 1
    benchmark.extra_info.update({name: (after[name] - before[name]) / events for name in after})


def _traced(action: Callable[[], object]) -> tuple[object, int]:
    """Run ``action`` and return its result and the bytes it left allocated."""
    gc.collect()
    tracemalloc.start()
    try:
        result = action()
        gc.collect()
        return result, tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("pods", SNAPSHOT_SIZES, ids=_size_id)
def test_calc_memory(benchmark: BenchmarkFixture, pods: int) -> None:
    """Bytes the graph holds per customer, and per extra remote endpoint."""
    cluster = _cluster(pods)
    updates = cluster.updates()
    remote = [e for e in cluster.endpoints if e.node != cluster.node_name]
    extra = [
        Upsert(dataclasses.replace(e, name=f"{e.name}-extra", addresses=(pod_address(pods + i),)))
        for i, e in enumerate(remote[: int(pods * MARGINAL_PODS)])
    ]

    def measure() -> tuple[CalcGraph, int, int]:
        built, snapshot_bytes = _traced(lambda: _snapshot(cluster, updates))
        assert isinstance(built, CalcGraph)

        def grow() -> None:
            built.apply_all(extra)
            built.flush()

        _, extra_bytes = _traced(grow)
        return built, snapshot_bytes, extra_bytes

    graph, snapshot_bytes, extra_bytes = benchmark.pedantic(measure, rounds=1, iterations=1)
    per_remote = extra_bytes / len(extra)
    benchmark.extra_info["bytes_per_customer"] = round(snapshot_bytes / pods)
    benchmark.extra_info["bytes_per_extra_remote_endpoint"] = round(per_remote)
    benchmark.extra_info["active_sets"] = len(graph.ipsets.active())
    assert per_remote < 2048
