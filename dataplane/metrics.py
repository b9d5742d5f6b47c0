"""Prometheus metrics of one agent instance (its own registry, no global state)."""

from __future__ import annotations

import gc
import itertools
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

if TYPE_CHECKING:  # the sources package imports this module
    from dataplane.sources.gc_policy import PauseStats

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


# Per-collection counters of the Kubernetes source's status, exported as counters.
_KUBE_COUNTERS = {
    "pages": "List requests (pages)",
    "watches": "Watch requests",
    "lists": "Listings started (first lists and relists)",
    "relists": "Relists (after 410 Gone, a version going back, a skipped event)",
    "errors": "Failed requests and skipped forbidden collections",
    "events": "Watch events received (not bookmarks)",
    "bookmarks": "Watch bookmarks received",
    "stalls": "Watch streams restarted after going silent",
    "malformed": "Malformed watch events skipped",
    "invalid": "Objects rejected by validation",
}


class _KubeCollections(Collector):
    """The Kubernetes source's per-collection status as counters and gauges."""

    def __init__(self, read: Callable[[], Mapping[str, Mapping[str, Any]]]) -> None:
        self._read = read

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        collections = self._read()
        for field, text in _KUBE_COUNTERS.items():
            family = CounterMetricFamily(f"dataplane_kube_{field}", text, labels=["collection"])
            for name, entry in sorted(collections.items()):
                family.add_metric([name], entry[field])
            yield family
        down = GaugeMetricFamily(
            "dataplane_kube_down_seconds",
            "Seconds a collection has been without a working watch",
            labels=["collection"],
        )
        objects = GaugeMetricFamily(
            "dataplane_kube_objects", "Objects mirrored per collection", labels=["collection"]
        )
        state = GaugeMetricFamily(
            "dataplane_kube_state",
            "1 for the state each collection is in",
            labels=["collection", "state"],
        )
        for name, entry in sorted(collections.items()):
            down.add_metric([name], entry["down_for"])
            objects.add_metric([name], entry["objects"])
            state.add_metric([name, entry["state"]], 1)
        yield from (down, objects, state)


class _CollectorPauses(Collector):
    """Python's garbage collections: pauses by generation, freezes, objects frozen."""

    def __init__(self, pauses: Mapping[int, PauseStats], freezes: Callable[[], int]) -> None:
        self._pauses = pauses
        self._freezes = freezes

    def collect(self) -> Iterator[Metric]:
        histogram = HistogramMetricFamily(
            "dataplane_gc_pause_seconds",
            "Pauses of Python's cyclic garbage collector by generation (2: full collections)",
            labels=["generation"],
        )
        longest = GaugeMetricFamily(
            "dataplane_gc_pause_max_seconds",
            "Longest pause of the garbage collector by generation",
            labels=["generation"],
        )
        for generation, stats in sorted(self._pauses.items()):
            bounds = [*map(str, stats.bounds), "+Inf"]
            cumulative = map(float, itertools.accumulate(stats.counts))
            buckets = list(zip(bounds, cumulative, strict=True))
            histogram.add_metric([str(generation)], buckets, stats.total)
            longest.add_metric([str(generation)], stats.longest)
        yield histogram
        yield longest
        yield CounterMetricFamily(
            "dataplane_gc_freezes",
            "Full collections whose survivors were frozen (kubernetes.full_gc_interval)",
            value=self._freezes(),
        )
        yield GaugeMetricFamily(
            "dataplane_gc_frozen_objects",
            "Objects frozen out of the garbage collector's view",
            value=gc.get_freeze_count(),
        )


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
        self.admin_policies = Gauge(
            "dataplane_admin_policies",
            "Cluster-admin policies applying to local endpoints, by kind",
            ["kind"],
            registry=r,
        )
        self.admin_priority_ties = Gauge(
            "dataplane_admin_priority_ties",
            "Groups of active admin policies sharing a tier and priority (applied by name)",
            registry=r,
        )
        self.retries = Counter("dataplane_hns_retries", "HNS request retries", registry=r)
        self.endpoints_pending = Gauge(
            "dataplane_endpoints_pending", "Local pods without an HNS endpoint yet", registry=r
        )
        self.resyncs = Counter("dataplane_resyncs", "Full re-reads of HNS state", registry=r)
        self.route_requests = Counter(
            "dataplane_route_requests",
            "VXLAN route requests (RemoteSubnetRoute Add/Remove) by request and result",
            ["request", "result"],
            registry=r,
        )
        self.routes_programmed = Gauge(
            "dataplane_routes_programmed", "VXLAN routes programmed on the network", registry=r
        )
        self.kube_event_lag = Histogram(
            "dataplane_kube_event_lag_seconds",
            "From a watch chunk's arrival until its updates were handed to the dataplane",
            ["collection"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.foreign_acls = Counter(
            "dataplane_foreign_acls",
            "ACLs found on managed endpoints that the agent did not program (removed)",
            registry=r,
        )

    def watch_core(self, read: Callable[[], Mapping[str, int]]) -> None:
        """Export the core's operation counters, read at scrape time."""
        self.registry.register(_EngineCounters(read))

    def read_endpoint_gauges(self, read: Callable[[], Mapping[str, int]]) -> None:
        """Compute the endpoint gauges when scraped (``read()`` gives ``acls``,
        ``fail_closed`` and ``pending``), rather than after every programming cycle."""
        self.acls_programmed.set_function(lambda: read()["acls"])
        self.fail_closed.set_function(lambda: read()["fail_closed"])
        self.endpoints_pending.set_function(lambda: read()["pending"])

    def watch_kube(self, read: Callable[[], Mapping[str, Mapping[str, Any]]]) -> None:
        """Export the Kubernetes source's per-collection status, read at scrape time."""
        self.registry.register(_KubeCollections(read))

    def watch_gc(self, pauses: Mapping[int, PauseStats], freezes: Callable[[], int]) -> None:
        """Export the garbage collector's pauses (kept by a ``CollectorPolicy``) and freezes,
        read at scrape time (never updated from inside a collection)."""
        self.registry.register(_CollectorPauses(pauses, freezes))

    def render(self) -> bytes:
        return generate_latest(self.registry)
