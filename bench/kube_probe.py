"""The measured agent of the Kubernetes benchmarks, one process per run.

``python -m bench.kube_probe URL MODE [--rate R --seconds S]`` runs the real
``KubernetesSource`` into a ``Dataplane`` on the HNS simulator (the simulated
CNI creating the local pods' endpoints), serves /healthz on an ephemeral port
(printed as ``HEALTH <port>`` so the parent can poll it), and prints one JSON
line of measurements:

- ``sync``: seconds to InSync and to ready (programmed), CPU seconds, peak RSS;
- ``relist``: then ``/_bench/expire`` (410 on every watch): seconds until every
  collection relisted and watches again, CPU seconds of it, peak RSS after;
- ``churn``: then ``/_bench/churn``: lag of each relabelled pod from the
  server's send time to its update reaching the dataplane (p50, p99); the
  garbage collector's full collections during the churn (count, longest pause,
  survivors frozen) and the RSS every 5 s. After that result line, a second one:
  what freezing kept of cyclic garbage (``gc.unfreeze()``, then a full
  collection: unreachable objects found, their shallow size and commonest types,
  its CPU seconds).
"""

from __future__ import annotations

import argparse
import collections
import gc
import json
import math
import resource
import statistics
import sys
import time
import urllib.request
from collections.abc import Sequence
from typing import Any

import anyio

from bench.kube_objects import LOCAL_NODE
from dataplane import Dataplane, DataplaneOptions
from dataplane.daemon import _routes
from dataplane.hns import HcnClient, simulator
from dataplane.http import HttpServer
from dataplane.model import Update, Upsert, WorkloadEndpoint
from dataplane.sources import KubernetesSource, WatchSettings
from dataplane.sources.gc_policy import FULL, CollectorPolicy
from dataplane.sources.gc_tuning import observing_collector

RSS_SAMPLE_INTERVAL = 5.0
CATCH_UP = 60.0  # seconds, beyond the churn's, for the agent to catch up


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


class LagSink:
    """Passes batches to the dataplane, noting the lag of the pods churned since
    ``since`` (a server may still hold labels of an earlier run's churn)."""

    def __init__(self, dp: Dataplane) -> None:
        self.dp = dp
        self.lags: list[float] = []
        self.since = math.inf

    async def updates(self, batch: Sequence[Update]) -> None:
        now = time.time()
        for update in batch:
            if isinstance(update, Upsert) and isinstance(update.value, WorkloadEndpoint):
                sent = update.value.labels.get("bench-sent")
                if sent is not None and float(sent) >= self.since:
                    self.lags.append(now - float(sent))
        await self.dp.updates(batch)

    def invalid(self, origin: str, error: Exception) -> None:
        self.dp.invalid(origin, error)

    def valid(self, origin: str) -> None:
        self.dp.valid(origin)


def post(url: str) -> Any:
    request = urllib.request.Request(url, method="POST")
    with urllib.request.urlopen(request, timeout=600) as reply:
        return json.loads(reply.read())


async def wait_for(check: Any, step: float = 0.01) -> None:
    while not check():
        await anyio.sleep(step)


async def measure(
    url: str, mode: str, rate: float, seconds: float, settings: WatchSettings
) -> dict[str, Any]:
    simulator.reset()
    options = DataplaneOptions(create_network=True, manage_endpoints=True)
    source = KubernetesSource(server=url, settings=settings)
    result: dict[str, Any] = {}
    started, cpu_started = time.perf_counter(), time.process_time()
    async with (
        HcnClient(backend="sim") as client,
        Dataplane(LOCAL_NODE, client, options) as dp,
        anyio.create_task_group() as tg,
    ):
        sink = LagSink(dp)
        dp._sources["kubernetes"] = source
        tg.start_soon(source.run, sink)
        port: list[int] = []
        tg.start_soon(HttpServer(_routes(dp)).serve, "127.0.0.1", 0, port.append)
        await wait_for(lambda: bool(port))
        print(f"HEALTH {port[0]}", flush=True)
        await wait_for(lambda: dp._engine is not None and dp.engine.in_sync)
        result["in_sync_s"] = time.perf_counter() - started
        await wait_for(lambda: not dp.not_ready())
        result["ready_s"] = time.perf_counter() - started
        result["sync_cpu_s"] = time.process_time() - cpu_started
        result["local_endpoints"] = len(dp.status()["endpoints"])
        result["peak_rss_mb"] = peak_rss_mb()
        await anyio.sleep(0.5)
        result["rss_after_sync_mb"] = current_rss_mb()
        if mode == "relist":
            await relist(url, source, result)
        elif mode == "churn":
            await churn(url, sink, source, rate, seconds, result)
        print("RESULT " + json.dumps(result), flush=True)
        await anyio.sleep(0.5)  # the parent stops polling /healthz at the first result
        if mode == "churn":
            print("RESULT " + json.dumps(frozen_garbage()), flush=True)
        tg.cancel_scope.cancel()
    return result


async def relist(url: str, source: KubernetesSource, result: dict[str, Any]) -> None:
    before = {name: c["relists"] for name, c in source.status()["collections"].items()}
    started, cpu_started = time.perf_counter(), time.process_time()
    expired = await anyio.to_thread.run_sync(post, f"{url}/_bench/expire")

    def relisted() -> bool:
        collections = source.status()["collections"]
        return all(
            c["state"] == "absent" or (c["relists"] > before[name] and c["state"] == "watching")
            for name, c in collections.items()
        )

    await wait_for(relisted)
    result["relist_s"] = time.perf_counter() - started
    result["relist_cpu_s"] = time.process_time() - cpu_started
    result["expired_watches"] = expired["expired"]
    result["peak_rss_after_relist_mb"] = peak_rss_mb()


async def churn(
    url: str,
    sink: LagSink,
    source: KubernetesSource,
    rate: float,
    seconds: float,
    result: dict[str, Any],
) -> None:
    cpu_started = time.process_time()
    sink.since = time.time()
    print("CHURN", flush=True)  # the parent notes the slowest /healthz from now on too
    # Measuring only: pauses in wall-clock seconds and in CPU seconds of the thread
    # (the machine's other load stretches the former).
    wall, cpu = CollectorPolicy(None), CollectorPolicy(None)
    rss: list[float] = []
    async with anyio.create_task_group() as sampling:
        sampling.start_soon(sample_rss, rss)
        with observing_collector(wall), observing_collector(cpu, time.thread_time):
            freezes = source.collector.freezes
            sent = await anyio.to_thread.run_sync(
                post, f"{url}/_bench/churn?rate={rate}&seconds={seconds}"
            )
            # An agent more than the server's event window behind relists instead
            # (fewer updates than events): stop waiting then.
            with anyio.move_on_after(seconds + CATCH_UP):
                await wait_for(lambda: len(sink.lags) >= sent["sent"], step=0.05)
            result["gc_freezes"] = source.collector.freezes - freezes
        sampling.cancel_scope.cancel()
    result["gc_full_count"] = wall.pauses[FULL].count
    for name, pauses in (("", wall.pauses), ("_cpu", cpu.pauses)):
        result[f"gc_full_max{name}_ms"] = round(1000 * pauses[FULL].longest, 1)
        result[f"gc_full_total{name}_ms"] = round(1000 * pauses[FULL].total, 1)
        young = max(pauses[0].longest, pauses[1].longest)
        result[f"gc_young_max{name}_ms"] = round(1000 * young, 1)
    result["rss_mb"] = [round(mb, 1) for mb in [*rss, current_rss_mb()]]
    lags = sorted(sink.lags)
    result["churn_events"] = sent["sent"]
    result["churn_updates"] = len(lags)
    result["churn_rate"] = sent["sent"] / sent["seconds"]
    result["lag_p50_ms"] = 1000 * statistics.median(lags)
    result["lag_p99_ms"] = 1000 * lags[min(len(lags) - 1, int(0.99 * len(lags)))]
    result["churn_cpu_s"] = time.process_time() - cpu_started


async def sample_rss(samples: list[float]) -> None:
    while True:
        samples.append(current_rss_mb())
        await anyio.sleep(RSS_SAMPLE_INTERVAL)


def frozen_garbage() -> dict[str, Any]:
    """Unfreeze and collect everything: the cyclic garbage that freezing kept (what a
    full collection finds before unfreezing is not counted)."""
    gc.collect()
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    gc.set_debug(gc.DEBUG_SAVEALL)
    cpu_started = time.process_time()
    found = gc.collect()
    cpu = time.process_time() - cpu_started
    kinds = collections.Counter(type(thing).__qualname__ for thing in gc.garbage)
    size = sum(map(sys.getsizeof, gc.garbage))
    gc.set_debug(0)
    gc.garbage.clear()
    return {
        "gc_frozen_objects": frozen,
        "gc_leak_unreachable": found,
        "gc_leak_bytes": size,
        "gc_leak_types": dict(kinds.most_common(12)),
        "gc_unfrozen_full_cpu_s": round(cpu, 3),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("mode", choices=("sync", "relist", "churn"))
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--lists", action="store_true", help="paginated lists, not WatchList")
    parser.add_argument(
        "--no-list-prefetch", action="store_true", help="fetch each list page in turn"
    )
    parser.add_argument(
        "--full-gc-interval",
        type=float,
        default=WatchSettings().full_gc_interval,
        help="seconds between full collections whose survivors are frozen (0: off)",
    )
    options = parser.parse_args(argv)
    settings = WatchSettings(
        watch_list=not options.lists,
        list_prefetch=not options.no_list_prefetch,
        full_gc_interval=options.full_gc_interval,
    )
    # As the daemon starts (``anyio.run``): the loop backend is loaded before the clock starts.
    anyio.run(measure, options.url, options.mode, options.rate, options.seconds, settings)


if __name__ == "__main__":
    main()
