"""Paginated lists fetched one page ahead (``list_prefetch``), on a virtual clock.

The watcher is driven against ``ScriptedApi``; its reflector records every call
with the time. Prefetching may change when a request is sent, never what the
reflector hears nor what is published: each scenario runs with and without it
and the two are compared.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp
import anyio
import pytest
from trio.testing import MockClock

from dataplane.model import Delete, Kind, ResourceKey, Update, Upsert
from dataplane.sources import BackoffPolicy, KubernetesSource, WatchSettings
from dataplane.sources.kube_resources import KUBERNETES_RESOURCES
from dataplane.sources.kube_watcher import ResourceWatcher
from dataplane.sources.reflector import Action, Failure, Reflector
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.sources.objects import namespace, pod
from tests.sources.recording_sink import RecordingSink, model_state
from tests.sources.scripted_api import Reply, ScriptedApi, page, status

pytestmark = pytest.mark.anyio

PODS = KUBERNETES_RESOURCES[2]
SETTINGS = WatchSettings(
    page_size=2,
    header_timeout=30,
    idle_timeout=20,
    watch_list=False,
    backoff=BackoffPolicy(base=0.5, max=30),
)
P = [pod("shop", f"p{index}", f"10.0.0.{index + 1}") for index in range(6)]
for index, obj in enumerate(P):
    obj["metadata"]["resourceVersion"] = str(index + 1)
FIRST, SECOND, LAST = page(P[0:2], "t1"), page(P[2:4], "t2"), page(P[4:5])
RELIST = [page(P[0:2], "r1"), page(P[2:4], "r2"), page(P[4:5])]


@pytest.fixture
def anyio_backend() -> tuple[str, dict[str, Any]]:
    """Trio with a clock that jumps to the next deadline whenever every task waits."""
    return "trio", {"clock": MockClock(autojump_threshold=0)}


class RecordingReflector(Reflector):
    """A reflector that notes each input it receives, with its arguments and the time
    since it was made (the virtual clock runs on from one run to the next)."""

    def __init__(self, trace: list[tuple[Any, ...]]) -> None:
        super().__init__(PODS, SETTINGS, random.Random(1))
        self.trace = trace
        self.origin = anyio.current_time()

    def _at(self, now: float) -> float:
        return round(now - self.origin, 6)

    def headers(self, now: float) -> None:
        self.trace.append(("headers", self._at(now)))
        super().headers(now)

    def progress(self, now: float) -> None:
        self.trace.append(("progress", self._at(now)))
        super().progress(now)

    def page(self, continue_token: str, resource_version: str, now: float) -> Action:
        self.trace.append(("page", continue_token, resource_version, self._at(now)))
        return super().page(continue_token, resource_version, now)

    def failed(self, failure: Failure, now: float) -> Action:
        self.trace.append(("failed", failure.code, failure.message, self._at(now)))
        return super().failed(failure, now)

    def timed_out(self, now: float) -> Action:
        self.trace.append(("timed_out", self._at(now)))
        return super().timed_out(now)

    def woke(self, now: float) -> Action:
        self.trace.append(("woke", self._at(now)))
        return super().woke(now)


@dataclass
class Run:
    """What one run of the watcher showed: ``trace`` holds the reflector's inputs and
    ``("publish", names)`` entries in the order they happened."""

    api: ScriptedApi
    trace: list[tuple[Any, ...]] = field(default_factory=list)
    sink: RecordingSink = field(default_factory=RecordingSink)

    @property
    def reflector_inputs(self) -> list[tuple[Any, ...]]:
        return [entry for entry in self.trace if entry[0] != "publish"]

    def index(self, entry: tuple[Any, ...]) -> int:
        return self.trace.index(entry)


def published(*objects: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return "publish", tuple(obj["metadata"]["name"] for obj in objects)


def watcher(run: Run, prefetch: bool, block_publish: anyio.Event | None) -> ResourceWatcher:
    async def publish(updates: Sequence[Update], _: ResourceWatcher) -> None:
        names = tuple(u.key.name for u in updates if isinstance(u, Upsert | Delete))
        run.trace.append(("publish", names))
        await run.sink.updates(updates)
        if block_publish is not None:
            await block_publish.wait()

    settings = replace(SETTINGS, list_prefetch=prefetch)
    api: Any = run.api  # stands in for KubeApi
    watching = ResourceWatcher(
        PODS, api, settings, publish, run.sink.invalid, random.Random(1), anyio.current_time
    )
    watching.reflector = RecordingReflector(run.trace)
    return watching


async def listed(replies: Sequence[Reply], prefetch: bool) -> Run:
    """Run a watcher until its listing is complete and it opens a watch."""
    run = Run(ScriptedApi(replies))
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(watcher(run, prefetch, None).run)
        with anyio.fail_after(3600):
            await run.api.watched.wait()
        tasks.cancel_scope.cancel()
    assert run.api.replies == [], "every scripted reply was asked for"
    assert all(response.closed for response in run.api.responses)
    return run


def requests(run: Run) -> list[tuple[str, str]]:
    return [entry for entry in run.api.log if entry[0] != "chunk"]


async def test_the_next_page_is_requested_while_this_page_is_processed() -> None:
    ahead = await listed([FIRST, SECOND, LAST], prefetch=True)
    assert requests(ahead) == [("list", ""), ("list", "t1"), ("list", "t2"), ("watch", "")]
    trace = ahead.trace
    # page() of a page hands out the next request before the page's items are published.
    assert ahead.index(("page", "t1", "10", 0.0)) < ahead.index(published(*P[0:2]))
    assert ahead.index(("page", "t2", "10", 0.0)) < ahead.index(published(*P[2:4]))
    # The last page starts nothing: its items are published, then the listing commits.
    assert trace[-2:] == [("page", "", "10", 0.0), ("publish", ())]
    assert trace[-3] == published(P[4])
    assert ahead.sink.state == model_state(P[0:5])


async def test_without_prefetch_each_page_is_requested_after_the_last_is_published() -> None:
    in_turn = await listed([FIRST, SECOND, LAST], prefetch=False)
    trace = in_turn.trace
    assert trace.index(published(*P[0:2])) < trace.index(("page", "t1", "10", 0.0))
    assert trace.index(published(*P[2:4])) < trace.index(("page", "t2", "10", 0.0))


async def test_prefetching_changes_nothing_that_the_reflector_or_the_sink_sees() -> None:
    ahead = await listed([FIRST, SECOND, LAST], prefetch=True)
    in_turn = await listed([FIRST, SECOND, LAST], prefetch=False)
    assert ahead.reflector_inputs == in_turn.reflector_inputs
    assert ahead.sink.batches == in_turn.sink.batches
    assert ahead.api.requests == in_turn.api.requests


SECOND_PAGE_FAILURES = {
    "410-expired": status(410, "Expired", "The provided continue parameter is too old"),
    "500": status(500, "InternalError", "etcd unavailable"),
    "connect-error": Reply(open_error=aiohttp.ClientConnectionError("connection refused")),
    "reset-mid-body": Reply(SECOND.body, body_error=aiohttp.ClientPayloadError("reset")),
    "header-timeout": Reply(SECOND.body, hang_headers=True),
    "idle-timeout": Reply(SECOND.body, hang_body=True),
    "not-json": Reply(b'{"metadata": {"continue": "t2"'),
    "no-items": Reply(b'{"metadata": {"resourceVersion": "10"}}'),
}


@pytest.mark.parametrize("failure", SECOND_PAGE_FAILURES, ids=list(SECOND_PAGE_FAILURES))
async def test_a_prefetched_page_fails_exactly_as_a_page_fetched_in_turn(failure: str) -> None:
    script = [FIRST, SECOND_PAGE_FAILURES[failure], *RELIST]
    ahead = await listed(script, prefetch=True)
    in_turn = await listed(script, prefetch=False)
    assert ahead.reflector_inputs == in_turn.reflector_inputs
    assert ahead.sink.batches == in_turn.sink.batches
    assert ahead.api.requests == in_turn.api.requests
    # The failure reaches the reflector once the page before it is published.
    (reported,) = [entry for entry in ahead.trace if entry[0] in ("failed", "timed_out")]
    assert ahead.index(published(*P[0:2])) < ahead.index(reported)
    assert ahead.sink.state == model_state(P[0:5])
    assert ahead.sink.redundant == 0


@pytest.mark.parametrize(
    ("failure", "reported"),
    [
        ("header-timeout", ("timed_out", 30.0)),
        ("idle-timeout", ("timed_out", 20.0)),
        ("500", ("failed", 500, "GET /api/v1/pods: 500 InternalError: etcd unavailable", 0.0)),
    ],
)
async def test_what_the_reflector_hears_of_a_failed_prefetch(
    failure: str, reported: tuple[Any, ...]
) -> None:
    ahead = await listed([FIRST, SECOND_PAGE_FAILURES[failure], *RELIST], prefetch=True)
    assert reported in ahead.trace


async def test_an_expired_continue_token_mid_list_relists_from_etcd() -> None:
    renamed = page([P[0], P[5]])  # p1 deleted, p5 created meanwhile
    gone = SECOND_PAGE_FAILURES["410-expired"]
    ahead = await listed([FIRST, gone, renamed], prefetch=True)
    assert requests(ahead) == [("list", ""), ("list", "t1"), ("list", ""), ("watch", "")]
    first, _, relist, _ = ahead.api.requests
    assert first["resourceVersion"] == "0"
    assert "resourceVersion" not in relist, "after 410 the relist is a consistent read"
    assert ahead.sink.state == model_state([P[0], P[5]])
    assert Delete(ResourceKey(Kind.WORKLOAD_ENDPOINT, "shop", "p1")) in ahead.sink.updates_seen
    assert ahead.sink.redundant == 0


@pytest.mark.parametrize("moment", ["publishing", "awaiting-headers", "reading-body"])
async def test_cancellation_leaves_no_request_open(moment: str) -> None:
    second = {
        "publishing": SECOND,
        "awaiting-headers": SECOND_PAGE_FAILURES["header-timeout"],
        "reading-body": SECOND_PAGE_FAILURES["idle-timeout"],
    }[moment]
    run = Run(ScriptedApi([FIRST, second, LAST]))
    block = anyio.Event() if moment == "publishing" else None
    with anyio.fail_after(5):  # virtual: well before any deadline of the request
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(watcher(run, True, block).run)
            while not (published(*P[0:2]) in run.trace and ("list", "t1") in run.api.log):
                await anyio.sleep(0.01)
            if moment == "reading-body":
                while ("chunk", 1) not in run.api.log[-1:]:
                    await anyio.sleep(0.01)
            tasks.cancel_scope.cancel()
    assert run.api.in_flight == 0
    assert all(response.closed for response in run.api.responses)
    assert len(run.api.responses) == (1 if moment == "awaiting-headers" else 2)


@pytest.mark.parametrize("prefetch", [True, False], ids=["ahead", "in-turn"])
async def test_a_last_page_without_resource_version_is_not_half_taken(prefetch: bool) -> None:
    unversioned = page(P[2:5], version="")
    run = await listed([FIRST, unversioned, *RELIST], prefetch)
    failures = [entry for entry in run.trace if entry[0] == "failed"]
    assert [entry[2] for entry in failures] == [
        "GET /api/v1/pods: list response without resourceVersion"
    ]
    # Its items were not taken into the mirror unpublished: the relist publishes them.
    assert run.sink.state == model_state(P[0:5])
    assert run.sink.redundant == 0


class CompactingSink(RecordingSink):
    """Compacts the server (expiring every continue token) and changes two pods while
    the first page of pods is delivered: the list in progress is answered 410."""

    def __init__(self, server: FakeKubeApiServer) -> None:
        super().__init__()
        self.server = server
        self.compacted = False

    async def updates(self, batch: Sequence[Update]) -> None:
        pods = [u for u in batch if isinstance(u, Upsert) and u.key.kind is Kind.WORKLOAD_ENDPOINT]
        if pods and not self.compacted:
            self.compacted = True
            self.server.delete("v1", "Pod", "p1", "shop")
            self.server.create(pod("shop", "p9", "10.0.0.99"))
            self.server.compact()
        await super().updates(batch)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize("prefetch", [True, False], ids=["ahead", "in-turn"])
async def test_over_http_a_list_expired_mid_way_relists_and_converges(prefetch: bool) -> None:
    settings = WatchSettings(
        page_size=2,
        watch_list=False,
        list_prefetch=prefetch,
        backoff=BackoffPolicy(base=0.005, max=0.05),
    )
    async with FakeKubeApiServer() as server:
        server.create(namespace("shop"))
        for index in range(7):
            server.create(pod("shop", f"p{index}", f"10.0.0.{index + 1}"))
        source = KubernetesSource(server=server.url, settings=settings, rng=random.Random(7))
        sink = CompactingSink(server)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(source.run, sink)
            await sink.wait_until(lambda: sink.in_sync == 1)
            await sink.wait_until(lambda: sink.state == model_state(server.all_objects()))
            pods = source.status()["collections"]["pods"]
            tasks.cancel_scope.cancel()
    assert sink.compacted
    assert pods["lists"] == 2, "the first listing, abandoned at 410, then a whole new one"
    assert "410" in str(pods["last_error"])
    assert sink.redundant == 0
