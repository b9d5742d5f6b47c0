"""Prometheus metrics of one agent instance (its own registry, no global state)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)


class _EngineCounters(Collector):
    """Exposes the core's deterministic operation counters as one counter family."""

    def __init__(self, read: Callable[[], Mapping[str, int]]) -> None:
        self._read = read

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "dataplane_core_operations", "Operation counters of the core", labels=["operation"]
        )
        for name, value in sorted(self._read().items()):
            family.add_metric([name], value)
        yield family


class Metrics:
    """The agent's metrics; ``render()`` gives the Prometheus text format."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.events = Counter(
            "dataplane_events_processed", "Datastore updates processed", ["kind"], registry=r
        )
        self.invalid = Counter(
            "dataplane_invalid_resources", "Resources rejected by validation", registry=r
        )
        self.calc_seconds = Histogram(
            "dataplane_calc_seconds",
            "Core time per cycle (graph, compile, plan)",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.hns_calls = Counter(
            "dataplane_hns_calls", "HNS calls by call and result", ["call", "result"], registry=r
        )
        self.hns_seconds = Histogram(
            "dataplane_hns_call_seconds",
            "HNS call latency",
            ["call"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.acls_programmed = Gauge(
            "dataplane_acls_programmed", "ACLs currently programmed on local endpoints", registry=r
        )
        self.fail_closed = Gauge(
            "dataplane_fail_closed_rules",
            "Rules compiled fail-closed (denying more than the policy) on local endpoints",
            registry=r,
        )
        self.retries = Counter("dataplane_hns_retries", "HNS request retries", registry=r)
        self.endpoints_pending = Gauge(
            "dataplane_endpoints_pending", "Local pods without an HNS endpoint yet", registry=r
        )
        self.resyncs = Counter("dataplane_resyncs", "Full re-reads of HNS state", registry=r)
        self.foreign_acls = Counter(
            "dataplane_foreign_acls",
            "ACLs found on managed endpoints that the agent did not program (removed)",
            registry=r,
        )

    def watch_core(self, read: Callable[[], Mapping[str, int]]) -> None:
        """Export the core's operation counters, read at scrape time."""
        self.registry.register(_EngineCounters(read))

    def render(self) -> bytes:
        return generate_latest(self.registry)
