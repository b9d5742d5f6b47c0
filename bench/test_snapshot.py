"""Initial sync: the whole cluster fed, then planned and programmed into the simulator."""

from __future__ import annotations

import resource
import statistics
import time
import tracemalloc
from typing import Any

import pytest

from bench.conftest import cluster_for, size_id
from bench.generator import Cluster
from bench.harness import (
    PlanningEngine,
    SimulatedNode,
    counters_now,
    make_engine,
    per_event,
    record,
)
from dataplane.model import Update

MEBIBYTE = 1 << 20


def snapshot_rounds(pods: int) -> int:
    """Fewer rounds for bigger clusters (each round is a whole initial sync)."""
    return 5 if pods <= 1_000 else 3 if pods <= 10_000 else 1


def sync(engine: PlanningEngine, node: SimulatedNode, updates: list[Update]) -> None:
    """Everything in, one plan, executed."""
    engine.apply(updates)
    node.execute(engine, engine.plan())


def traced_snapshot(cluster: Cluster, engine_kind: str) -> dict[str, float]:
    """Python heap of one initial sync: peak, and retained once programmed (tracemalloc)."""
    node = SimulatedNode.create(cluster)
    updates = cluster.updates()
    tracemalloc.start()
    try:
        engine = make_engine(engine_kind, cluster.node_name)
        node.adopt(engine)
        sync(engine, node, updates)
        retained, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        node.close()
    return {"peak_memory_mb": peak / MEBIBYTE, "retained_memory_mb": retained / MEBIBYTE}


@pytest.mark.parametrize("engine_kind", ["incremental", "full_rewrite"])
def test_snapshot(benchmark: Any, cluster_shape: str, cluster_pods: int, engine_kind: str) -> None:
    cluster = cluster_for(cluster_shape, cluster_pods)
    updates = cluster.updates()
    state: dict[str, Any] = {}

    def fresh() -> tuple[tuple[PlanningEngine, SimulatedNode, list[Update]], dict[str, Any]]:
        if "node" in state:
            state["node"].close()
        engine = make_engine(engine_kind, cluster.node_name)
        node = SimulatedNode.create(cluster)
        node.adopt(engine)
        state.update(engine=engine, node=node, before=counters_now(engine))
        return (engine, node, updates), {}

    cpu_seconds: list[float] = []

    def timed_sync(engine: PlanningEngine, node: SimulatedNode, updates: list[Update]) -> None:
        started = time.process_time()
        sync(engine, node, updates)
        cpu_seconds.append(time.process_time() - started)

    benchmark.group = f"snapshot {cluster_shape} {size_id(cluster_pods)}"
    benchmark.pedantic(timed_sync, setup=fresh, rounds=snapshot_rounds(cluster_pods))
    counters = per_event(state["before"], counters_now(state["engine"]), 1)
    state["node"].close()
    memory = traced_snapshot(cluster, engine_kind)
    record(
        benchmark,
        scenario="snapshot",
        shape=cluster_shape,
        pods=cluster_pods,
        engine=engine_kind,
        counters=counters,
        cpu_median_us=statistics.median(cpu_seconds) * 1e6,
        max_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **memory,
    )
