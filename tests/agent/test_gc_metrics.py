"""The garbage collector's pauses and freezes on /metrics, read at scrape time."""

from __future__ import annotations

from dataplane.metrics import Metrics
from dataplane.sources.gc_policy import FULL, CollectorPolicy


def test_pauses_by_generation_freezes_and_frozen_objects_are_exported() -> None:
    policy = CollectorPolicy(full_interval=1.0)
    metrics = Metrics()
    metrics.watch_gc(policy.pauses, lambda: policy.freezes)
    for generation, start, stop in ((0, 0.0, 0.0004), (FULL, 1.0, 1.09), (FULL, 2.0, 2.003)):
        policy.started(generation, start)
        policy.stopped(generation, stop)

    def sample(name: str, **labels: str) -> float | None:
        return metrics.registry.get_sample_value(name, labels)

    full = {"generation": "2"}
    assert sample("dataplane_gc_pause_seconds_count", **full) == 2
    assert sample("dataplane_gc_pause_seconds_sum", **full) == policy.pauses[FULL].total
    assert sample("dataplane_gc_pause_seconds_bucket", le="0.005", **full) == 1
    assert sample("dataplane_gc_pause_seconds_bucket", le="0.05", **full) == 1
    assert sample("dataplane_gc_pause_seconds_bucket", le="0.1", **full) == 2
    assert sample("dataplane_gc_pause_seconds_bucket", le="+Inf", **full) == 2
    assert sample("dataplane_gc_pause_max_seconds", **full) == policy.pauses[FULL].longest
    assert sample("dataplane_gc_pause_seconds_count", generation="0") == 1
    assert sample("dataplane_gc_pause_seconds_count", generation="1") == 0
    assert sample("dataplane_gc_freezes_total") == 2
    frozen = sample("dataplane_gc_frozen_objects")
    assert frozen is not None and frozen >= 0
