"""Decoding and converting realistic pods (~6.6 KB of JSON each), per pod: the full parse
(orjson: the baseline) against the projection of the fields the
converters read (msgspec, ``dataplane/sources/pod_projection.py``), as watch events and
as a list page, with the collector paused as the watcher pauses it. Both run in the same
session; ``us_per_pod`` and ``cpu_us_per_pod``: the median round's wall and CPU time.

The stream case times what the watcher does with a watch response body before
converting: the lines reassembled from the chunks the body arrives in (256 KiB:
one socket read; 4 MiB: what ``readany`` returned per read during a 10k-pod
sync) and each decoded into its event, the events kept as the mirror keeps them."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from bench.kube_objects import ClusterLayout, pod
from dataplane.convert import convert
from dataplane.model import Delete, Upsert
from dataplane.sources.gc_tuning import collector_paused
from dataplane.sources.pod_projection import load_pod_list
from dataplane.sources.watch_events import LineSplitter, WatchEvent, parse_event, parse_pod_event

PODS = 1000
_LAYOUT = ClusterLayout(pods=PODS)


def realistic_pods() -> list[dict[str, Any]]:
    pods = []
    for index in range(PODS):
        obj = pod(_LAYOUT, index)
        obj["metadata"]["resourceVersion"] = str(1000 + index)
        pods.append(obj)
    return pods


def watch_lines() -> list[bytes]:
    return [
        orjson.dumps({"type": "ADDED", "object": {"kind": "Pod", "apiVersion": "v1", **obj}})
        for obj in realistic_pods()
    ]


def list_body() -> bytes:
    metadata = {"resourceVersion": "5000", "continue": "next"}
    return orjson.dumps(
        {"kind": "PodList", "apiVersion": "v1", "metadata": metadata, "items": realistic_pods()}
    )


def converted(obj: dict[str, Any]) -> Upsert | Delete:
    obj.setdefault("apiVersion", "v1")
    obj.setdefault("kind", "Pod")
    return convert(obj)


EventParser = Callable[[str, bytes], WatchEvent]
EVENT_PARSERS: dict[str, EventParser] = {"full_parse": parse_event, "projection": parse_pod_event}
PAGE_LOADERS: dict[str, Callable[[bytes], Any]] = {
    "full_parse": orjson.loads,
    "projection": load_pod_list,
}


class Rounds:
    """Wall and CPU time of each round of a benchmark."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def timed(self, work: Callable[[], int]) -> int:
        wall, cpu = time.perf_counter(), time.process_time()
        with collector_paused():  # as the watcher decodes and converts
            result = work()
        self.cpu.append(time.process_time() - cpu)
        self.wall.append(time.perf_counter() - wall)
        return result

    def report(self, benchmark: BenchmarkFixture, payload_bytes: int) -> None:
        benchmark.extra_info["pods"] = PODS
        benchmark.extra_info["bytes_per_pod"] = round(payload_bytes / PODS)
        benchmark.extra_info["us_per_pod"] = round(statistics.median(self.wall) / PODS * 1e6, 2)
        benchmark.extra_info["cpu_us_per_pod"] = round(statistics.median(self.cpu) / PODS * 1e6, 2)


@pytest.mark.parametrize("decoder", list(EVENT_PARSERS))
def test_pod_watch_events_decoded_and_converted(benchmark: BenchmarkFixture, decoder: str) -> None:
    lines = watch_lines()
    parse = EVENT_PARSERS[decoder]
    rounds = Rounds()

    def run() -> int:
        return sum(isinstance(converted(parse("pods", line).obj), Upsert) for line in lines)

    assert benchmark(rounds.timed, run) == PODS
    rounds.report(benchmark, sum(map(len, lines)))


@pytest.mark.parametrize("decoder", list(PAGE_LOADERS))
def test_pod_list_page_decoded_and_converted(benchmark: BenchmarkFixture, decoder: str) -> None:
    body = list_body()
    load = PAGE_LOADERS[decoder]
    rounds = Rounds()

    def run() -> int:
        return sum(isinstance(converted(item), Upsert) for item in load(body)["items"])

    assert benchmark(rounds.timed, run) == PODS
    rounds.report(benchmark, len(body))


@pytest.mark.parametrize("chunk_kib", [256, 4096])
@pytest.mark.parametrize("decoder", list(EVENT_PARSERS))
def test_pod_watch_stream_split_and_decoded(
    benchmark: BenchmarkFixture, decoder: str, chunk_kib: int
) -> None:
    stream = b"".join(line + b"\n" for line in watch_lines())
    size = chunk_kib * 1024
    chunks = [stream[start : start + size] for start in range(0, len(stream), size)]
    parse = EVENT_PARSERS[decoder]
    rounds = Rounds()

    def run() -> int:
        splitter = LineSplitter()
        events = [parse("pods", line) for chunk in chunks for line in splitter.feed(chunk)]
        return len(events)

    assert benchmark(rounds.timed, run) == PODS
    rounds.report(benchmark, len(stream))
    benchmark.extra_info["chunks"] = len(chunks)
