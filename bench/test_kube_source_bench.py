"""The Kubernetes source at cluster scale: initial sync, relist, churn and the garbage
collector under churn, through the real ``KubernetesSource`` and ``Dataplane`` (HNS
simulator) against a fake API server process.

Each run is its own agent process (``bench/kube_probe.py``), so its peak RSS and CPU
time are its own; the API server is another process (``bench/kube_server.py``) serving
realistic pods (~6.4 KB of JSON each) and Nodes. While the agent runs, this process
polls its /healthz every 20 ms and records the slowest answer. Sizes come from ``BENCH_SCALE``
(default 1k pods; ``medium`` 10k; ``large`` 10k and 100k). The machine's other load
shows in wall-clock times: compare CPU seconds too. Measured numbers: docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

HEALTH_POLL = 0.02
GC_CHURN_SECONDS = os.environ.get("BENCH_GC_CHURN_SECONDS", "10")


@pytest.fixture(scope="session")
def kube_servers() -> Iterator[dict[int, str]]:
    """Fake API server processes by pod count (started on first use); their URLs."""
    urls: dict[int, str] = {}
    processes: list[subprocess.Popen[str]] = []
    yield _Servers(urls, processes)
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


class _Servers(dict[int, str]):
    def __init__(self, urls: dict[int, str], processes: list[subprocess.Popen[str]]) -> None:
        super().__init__(urls)
        self.processes = processes

    def __missing__(self, pods: int) -> str:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.kube_server", "--pods", str(pods)],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.processes.append(process)
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        # Warm this process's HTTP client up, so its first /healthz poll measures the agent.
        with urllib.request.urlopen(f"{url}/api/v1/namespaces?limit=1", timeout=30) as reply:
            reply.read()
        self[pods] = url
        return url


@pytest.fixture
def kube_server(kube_servers: dict[int, str], cluster_pods: int) -> str:
    """The URL of a fake API server serving ``cluster_pods`` realistic pods."""
    return kube_servers[cluster_pods]


class HealthPoller(threading.Thread):
    """Polls an agent's /healthz and keeps the slowest answer (seconds)."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.url = f"http://127.0.0.1:{port}/healthz"
        self.slowest = 0.0
        self.slowest_at = 0.0
        self.slowest_since_churn = 0.0  # once the agent announced its churn (``CHURN``)
        self.churning = False
        self.started = time.perf_counter()
        self.polls = 0
        self.failures: list[str] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url, timeout=30) as reply:
                    reply.read()
            except OSError as error:
                self.failures.append(str(error))
            took = time.perf_counter() - started
            if took > self.slowest:
                self.slowest, self.slowest_at = took, started - self.started
            if self.churning:
                self.slowest_since_churn = max(self.slowest_since_churn, took)
            self.polls += 1
            self.stopped.wait(HEALTH_POLL)


def run_probe(url: str, mode: str, *options: str) -> dict[str, Any]:
    """One agent process; its measurements plus the slowest /healthz answer."""
    command = [sys.executable, "-m", "bench.kube_probe", url, mode, *options]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    poller: HealthPoller | None = None
    result: dict[str, Any] = {}
    for line in process.stdout:
        if line.startswith("HEALTH "):
            poller = HealthPoller(int(line.split()[1]))
            poller.start()
        elif line.startswith("CHURN") and poller is not None:
            poller.churning = True
        elif line.startswith("RESULT "):
            assert poller is not None
            poller.stopped.set()  # the agent stops (or measures without answering) after
            poller.join()
            result.update(json.loads(line.removeprefix("RESULT ")))
    assert process.wait(timeout=60) == 0, "the probe failed"
    assert poller is not None
    result["healthz_max_ms"] = round(1000 * poller.slowest, 1)
    result["healthz_max_at_s"] = round(poller.slowest_at, 2)
    if poller.churning:
        result["healthz_churn_max_ms"] = round(1000 * poller.slowest_since_churn, 1)
    result["healthz_polls"] = poller.polls
    result["healthz_failures"] = poller.failures
    return result


def measured(benchmark: Any, url: str, mode: str, *options: str) -> dict[str, Any]:
    result: dict[str, Any] = benchmark.pedantic(
        run_probe, args=(url, mode, *options), rounds=1, iterations=1
    )
    benchmark.extra_info.update(result)
    assert result["local_endpoints"] == 100
    assert result["healthz_failures"] == []
    return result


TRANSPORTS = {
    "watch_list": (),
    "lists": ("--lists",),
    "lists_in_turn": ("--lists", "--no-list-prefetch"),  # baseline: no page fetched ahead
}


@pytest.mark.parametrize("transport", list(TRANSPORTS))
def test_initial_sync(benchmark: Any, kube_server: str, transport: str) -> None:
    options = TRANSPORTS[transport]
    result = measured(benchmark, kube_server, "sync", *options)
    assert result["ready_s"] >= result["in_sync_s"] > 0


def test_relist_after_410(benchmark: Any, kube_server: str) -> None:
    result = measured(benchmark, kube_server, "relist")
    assert result["expired_watches"] >= 4
    assert result["relist_s"] > 0


@pytest.mark.parametrize("rate", [1000, 5000], ids=["1k-per-s", "5k-per-s"])
def test_churn_lag(benchmark: Any, kube_server: str, rate: int) -> None:
    result = measured(benchmark, kube_server, "churn", "--rate", str(rate), "--seconds", "3")
    assert result["churn_events"] > 0
    assert result["lag_p99_ms"] >= result["lag_p50_ms"] > 0


@pytest.mark.parametrize("interval", ["0.25", "0"], ids=["full-gc-policy", "no-full-gc-policy"])
def test_full_collections_under_churn(benchmark: Any, kube_server: str, interval: str) -> None:
    """5k events/s for ``BENCH_GC_CHURN_SECONDS`` (default 10) with and without a full
    collection every 0.25 s whose survivors are frozen: the full collections' count and
    pauses (wall and CPU), the RSS every 5 s, and the cyclic garbage that freezing kept
    (``gc_leak_*``)."""
    churn = ("--rate", "5000", "--seconds", GC_CHURN_SECONDS)
    result = measured(benchmark, kube_server, "churn", *churn, "--full-gc-interval", interval)
    assert result["gc_freezes"] == (result["gc_full_count"] if interval != "0" else 0)
    assert result["gc_full_max_ms"] * result["gc_full_count"] >= result["gc_full_total_ms"] >= 0
    assert result["gc_leak_unreachable"] >= 0 and len(result["rss_mb"]) >= 2
