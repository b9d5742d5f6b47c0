"""One churn event at a time on a programmed cluster: incremental engine vs baselines."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bench.churn import CHURN_EVENTS
from bench.conftest import cluster_for, size_id
from bench.harness import (
    ENGINES,
    PlanningEngine,
    SimulatedNode,
    counters_now,
    make_engine,
    per_event,
    percentile,
    record,
)
from dataplane.model import Update
from dataplane.plan.requests import Plan


def warmup_events(engine_kind: str) -> int:
    """Events run before measuring; the full recompute starts from scratch every time."""
    return 0 if engine_kind == "full_recompute" else 2


def churn_rounds(engine_kind: str, pods: int) -> int:
    """Many rounds for the cheap engines, a few for the full recompute."""
    if engine_kind == "full_recompute":
        return 10 if pods <= 1_000 else 3 if pods <= 10_000 else 1
    return 200 if engine_kind == "incremental" else 100


class ChurnRun:
    """Alternates an event and its inverse; only ``apply`` + ``plan`` is timed, the
    plan is executed against the simulator in the untimed teardown."""

    def __init__(
        self, engine: PlanningEngine, node: SimulatedNode, steps: Iterator[tuple[Update, ...]]
    ) -> None:
        self.engine = engine
        self.node = node
        self.steps = steps
        self.pending: Plan | None = None
        self.cpu_seconds: list[float] = []
        self.execute_seconds: list[float] = []

    def next_event(self) -> tuple[tuple[tuple[Update, ...]], dict[str, Any]]:
        return (next(self.steps),), {}

    def compute(self, updates: tuple[Update, ...]) -> None:
        started = time.process_time()
        self.engine.apply(updates)
        self.pending = self.engine.plan()
        self.cpu_seconds.append(time.process_time() - started)

    def execute(self, *_: tuple[Update, ...]) -> None:
        """Program the pending plan (pytest-benchmark passes the event; it is not needed)."""
        if self.pending is None:
            return
        started = time.perf_counter()
        self.node.execute(self.engine, self.pending)
        self.execute_seconds.append(time.perf_counter() - started)
        self.pending = None


@pytest.mark.parametrize("engine_kind", ENGINES)
@pytest.mark.parametrize("event", list(CHURN_EVENTS))
def test_churn(
    benchmark: Any, cluster_shape: str, cluster_pods: int, event: str, engine_kind: str
) -> None:
    cluster = cluster_for(cluster_shape, cluster_pods)
    churn = CHURN_EVENTS[event](cluster)
    node = SimulatedNode.create(cluster)
    engine = make_engine(engine_kind, cluster.node_name)
    node.adopt(engine)
    engine.apply(cluster.updates())
    node.execute(engine, engine.plan())
    run = ChurnRun(engine, node, churn.steps())
    for _ in range(warmup_events(engine_kind)):
        run.compute(*run.next_event()[0])
        run.execute()
    run.cpu_seconds.clear()
    before = counters_now(engine)
    rounds = churn_rounds(engine_kind, cluster_pods)
    benchmark.group = f"{event}_churn {cluster_shape} {size_id(cluster_pods)}"
    benchmark.pedantic(run.compute, setup=run.next_event, teardown=run.execute, rounds=rounds)
    run.execute()  # with --benchmark-disable the single call has no teardown
    counters = per_event(before, counters_now(engine), len(run.cpu_seconds))
    node.close()
    record(
        benchmark,
        scenario=f"{event}_churn",
        shape=cluster_shape,
        pods=cluster_pods,
        engine=engine_kind,
        counters=counters,
        cpu_median_us=statistics.median(run.cpu_seconds) * 1e6,
        cpu_p99_us=percentile(run.cpu_seconds, 0.99) * 1e6,
        execute_median_us=statistics.median(run.execute_seconds) * 1e6,
    )
