"""The I/O side of one collection: performs a ``Reflector``'s actions, streams pages and events.

Each list page is parsed, converted and handed on as it arrives, then
dropped; per object only the mirror's entry (key, resourceVersion, last
update) stays. All timing decisions belong to the reflector.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from functools import partial
from typing import Any, TypeVar

import aiohttp
import anyio
import orjson

from dataplane.convert import ObjectIdentity, convert_identified, identify
from dataplane.convert.identity import OBJECT_TYPES
from dataplane.errors import ValidationError
from dataplane.model import ResourceKey, Update
from dataplane.sources.describe import describe
from dataplane.sources.gc_tuning import collector_paused, freeze_alive, freeze_survivors
from dataplane.sources.kube_api import KubeApi, error_of, status_from_object
from dataplane.sources.kube_errors import ApiResponseError, ApiStatusError, MalformedEventError
from dataplane.sources.kube_resources import WatchedResource
from dataplane.sources.mirror import Clearer, ObjectMirror, Observation, Reporter
from dataplane.sources.pod_projection import load_pod_list
from dataplane.sources.reflector import (
    INITIAL_EVENTS_END,
    Action,
    Failure,
    KeepReading,
    ListingOp,
    ListPage,
    OpenWatch,
    Reflector,
    State,
    Wait,
    WatchSettings,
)
from dataplane.sources.watch_events import (
    Line,
    LineSplitter,
    WatchEvent,
    parse_event,
    parse_pod_event,
    peek_added,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

Publisher = Callable[[Sequence[Update], "ResourceWatcher"], Awaitable[None]]
"""``publish(updates, watcher)``: deliver a batch (the watcher tells whether it is synced)."""

Clock = Callable[[], float]
LagObserver = Callable[[str, float], None]
"""``observe(collection, seconds)``: from a watch chunk's arrival to its updates delivered."""

# Objects converted between two yields to the event loop (about 5 ms of work).
ITEMS_PER_SLICE = 50

# Updates of a watch's initial events delivered together: each delivery costs the
# dataplane a flush, and nothing is programmed from a listing before it completes.
INITIAL_EVENTS_BATCH = 500

# A failed request: no usable answer (connection, unreadable body) or an error status.
TRANSPORT_ERRORS = (aiohttp.ClientError, OSError, ApiResponseError)


class _DeadlinePassed(Exception):
    """The current request's deadline passed: the reflector hears ``timed_out``."""


class _Pending:
    """Updates read from a watch stream and not yet published; ``since``: when the
    first of them was read."""

    __slots__ = ("since", "updates")

    def __init__(self) -> None:
        self.updates: list[Update] = []
        self.since = 0.0

    def add(self, updates: list[Update], now: float) -> None:
        if updates and not self.updates:
            self.since = now
        self.updates += updates

    def full(self) -> bool:
        return len(self.updates) >= INITIAL_EVENTS_BATCH

    def take(self) -> list[Update]:
        taken, self.updates = self.updates, []
        return taken


class _Download:
    """The response to one list page request: its body, or the exception that ended the
    request, raised where the page is processed (``take``), as if it had just happened."""

    __slots__ = ("_body", "_error")

    def __init__(self) -> None:
        self._body: bytes | None = None
        self._error: Exception | None = None

    async def fetch(self, request: Callable[[], Awaitable[bytes]]) -> None:
        """Perform ``request``, keeping its body or what ended it (cancellation aside)."""
        try:
            self._body = await request()
        except Exception as error:  # kept for the page's own error handling (``take``)
            self._error = error

    def take(self) -> bytes:
        """The body (no longer referenced here), or raise what ended the request."""
        body, error = self._body, self._error
        self._body = self._error = None
        if error is not None:
            raise error
        assert body is not None
        return body


class ResourceWatcher:
    """Keeps one collection mirrored by performing its reflector's actions."""

    def __init__(
        self,
        resource: WatchedResource,
        api: KubeApi,
        settings: WatchSettings,
        publish: Publisher,
        report: Reporter,
        rng: random.Random,
        clock: Clock = time.monotonic,
        observe_lag: LagObserver | None = None,
        clear: Clearer | None = None,
        turns: anyio.Lock | None = None,
    ) -> None:
        self.resource = resource
        # Held for each step of parsing, converting or publishing: the watchers of one
        # source take turns, so an event loop iteration runs one watcher's step, not one
        # of each, and a health check waits a few steps, not a few rounds of them all.
        self._turns = turns or anyio.Lock()
        self.reflector = Reflector(resource, settings, rng)
        self._api = api
        self._publish = publish
        self._report = report
        self._clock = clock
        self._observe_lag = observe_lag
        self._tune_gc = settings.tune_gc
        self._prefetch = settings.list_prefetch
        self._object_type = OBJECT_TYPES.get((resource.group_version, resource.kind))
        self._peek = False
        self._mirror = ObjectMirror(convert_identified, self._invalid, clear)
        # Pods, the bulk of the data, are decoded through the projection the converters read.
        pods = (resource.group_version, resource.kind) == ("v1", "Pod")
        self._parse_event = parse_pod_event if pods else parse_event
        self._load_page = load_pod_list if pods else orjson.loads

    async def run(self) -> None:
        """Mirror the collection until cancelled."""
        action = self.reflector.start(self._clock())
        while True:
            await self._settle(action.listing)
            if isinstance(action, Wait):
                await anyio.sleep(action.seconds)
                action = self.reflector.woke(self._clock())
            elif isinstance(action, ListPage):
                action = await self._list_page(action)
            elif isinstance(action, OpenWatch):
                action = await self._watch(action)
            else:
                raise AssertionError(f"unexpected action {action!r}")

    async def _settle(self, op: ListingOp, updates: Sequence[Update] = ()) -> None:
        """Apply a listing operation and publish (always after a skip or a commit)."""
        batch = list(updates)
        if op is ListingOp.COMMIT:
            batch += self._mirror.end_listing()
        elif op is ListingOp.CLEAR:
            batch += self._mirror.clear()
        self.reflector.stats.objects = len(self._mirror)
        skipped = self.reflector.state in (State.ABSENT, State.FORBIDDEN)
        if batch or op is not ListingOp.NONE or skipped:
            await self._publish(batch, self)

    # -- lists ------------------------------------------------------------------------

    async def _list_page(self, action: ListPage) -> Action:
        """Perform ``action`` and the list pages that follow it; the first other action.

        With ``list_prefetch`` the next page is requested as soon as a page's continue
        token is known and fetched while that page is processed (one page ahead)."""
        if action.first:
            self._mirror.begin_listing(action.verify)
        download = _Download()
        await download.fetch(partial(self._fetch, self.resource.path, action.params))
        while True:
            following, ahead = await self._page(download)
            if ahead is None:
                return following
            download = ahead

    async def _page(self, download: _Download) -> tuple[Action, _Download | None]:
        """Process one list page: the next action, and the next page's download when it
        was fetched ahead (its failure, if any, raised when that page is processed)."""
        path = self.resource.path
        try:
            body = download.take()
            async with self._turns:
                with collector_paused(self._tune_gc):
                    page = self._load_page(body)
                    del body
                    metadata, items = _list_parts(path, page)
                    del page
                    freeze_alive(self._tune_gc)
            token = str(metadata.get("continue") or "")
            version = metadata.get("resourceVersion")
            if not token and (not isinstance(version, str) or not version):
                failure = Failure(None, f"GET {path}: list response without resourceVersion")
                return self.reflector.failed(failure, self._clock()), None
            if token and self._prefetch:
                following = self.reflector.page(token, str(version or ""), self._clock())
                assert isinstance(following, ListPage)
                ahead = _Download()
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(ahead.fetch, partial(self._fetch, path, following.params))
                    await self._publish_items(items)
                return following, ahead
            await self._publish_items(items)
            del items
        except _DeadlinePassed:
            return self.reflector.timed_out(self._clock()), None
        except ApiStatusError as error:
            return self.reflector.failed(Failure(error.status, str(error)), self._clock()), None
        except (*TRANSPORT_ERRORS, orjson.JSONDecodeError) as error:
            failure = Failure(None, f"GET {path}: {error}")
            return self.reflector.failed(failure, self._clock()), None
        return self.reflector.page(token, str(version or ""), self._clock()), None

    async def _publish_items(self, items: list[Any]) -> None:
        """Convert a page's items and publish their updates."""
        updates = await self._observe_items(items)
        self._freeze_if_listing()
        if updates:
            async with self._turns:
                await self._publish(updates, self)

    async def _fetch(self, path: str, params: Sequence[tuple[str, str]]) -> bytes:
        """A whole response body; raises ``ApiStatusError`` for a non-200 answer."""
        response = await self._bounded(self._api.open(path, params))
        try:
            self.reflector.headers(self._clock())
            chunks: list[bytes] = []
            while chunk := await self._bounded(response.content.readany()):
                self.reflector.progress(self._clock())
                chunks.append(chunk)
            body = b"".join(chunks)
            if response.status != 200:
                raise error_of(path, response.status, response.reason, body)
            return body
        finally:
            response.close()

    async def _observe_items(self, items: list[Any]) -> list[Update]:
        """Convert a page's items in slices, letting other tasks (health checks) run
        between slices; each item is released once converted."""
        updates: list[Update] = []
        for start in range(0, len(items), ITEMS_PER_SLICE):
            async with self._turns:
                with collector_paused(self._tune_gc):
                    for index in range(start, min(start + ITEMS_PER_SLICE, len(items))):
                        update = self._observe_item(items[index])
                        items[index] = None
                        if update is not None:
                            updates.append(update)
            await anyio.sleep(0)
        return updates

    def _freeze_if_listing(self) -> None:
        """During a listing, move what was just synced out of the collector's view, so
        that no collection during the sync traverses everything synced so far."""
        if self.reflector.state is State.LISTING:
            freeze_survivors(self._tune_gc)

    def _observe_item(self, item: Any) -> Update | None:
        if not isinstance(item, dict):
            error = ValueError(f"item is not an object: {item!r}"[:300])
            self._invalid(f"{self.resource.name} list", error)
            return None
        seen = self._observation(item)
        return None if seen is None else self._mirror.observe(seen)

    # -- watches --------------------------------------------------------------------------

    async def _watch(self, action: OpenWatch) -> Action:
        if action.initial_events:
            # Peeking pays only on a relist: on a first sync no object can be known.
            self._peek = len(self._mirror) > 0
            self._mirror.begin_listing(action.verify)
        path = self.resource.path
        try:
            response = await self._bounded(self._api.open(path, action.params))
        except _DeadlinePassed:
            return self.reflector.timed_out(self._clock())
        except TRANSPORT_ERRORS as error:
            return self.reflector.failed(Failure(None, f"GET {path}: {error}"), self._clock())
        try:
            if response.status != 200:
                body = await self._bounded(response.read())
                refusal = error_of(path, response.status, response.reason, body)
                return self.reflector.failed(Failure(refusal.status, str(refusal)), self._clock())
            self.reflector.headers(self._clock())
            return await self._read_stream(response.content)
        except _DeadlinePassed:
            return self.reflector.timed_out(self._clock())
        except TRANSPORT_ERRORS as error:
            return self.reflector.failed(Failure(None, f"GET {path}: {error}"), self._clock())
        finally:
            response.close()

    async def _read_stream(self, content: aiohttp.StreamReader) -> Action:
        splitter = LineSplitter()
        pending = _Pending()
        try:
            while chunk := await self._bounded(content.readany()):
                self.reflector.progress(self._clock())
                lines = splitter.feed(chunk)
                # A chunk can hold megabytes (hundreds of objects): handle it in slices,
                # letting other tasks (health checks) run between them.
                for start in range(0, len(lines), ITEMS_PER_SLICE):
                    async with self._turns:
                        following = await self._handle(
                            lines[start : start + ITEMS_PER_SLICE], pending
                        )
                    if following is not None:
                        await self._deliver(pending)
                        return following
                    await anyio.sleep(0)
                if pending.full() or not self.reflector.initial_events:
                    await self._deliver(pending)
        except Exception:
            await self._deliver(pending)  # the mirror has seen them: so must the dataplane
            raise
        await self._deliver(pending)
        if splitter.pending.strip():
            self._malformed(
                MalformedEventError(self.resource.name, "stream ended mid-event", splitter.pending)
            )
        return self.reflector.stream_ended(self._clock())

    async def _handle(self, lines: list[Line], pending: _Pending) -> Action | None:
        """Apply the events in ``lines``, adding their updates to ``pending`` (a listing
        operation among them publishes what precedes it); the action that ends the
        stream, if one of them does."""
        now = self._clock()
        with collector_paused(self._tune_gc):
            updates, listing, following = self._apply_all(lines, now)
        self._freeze_if_listing()
        if listing is not None:
            op, count = listing
            await self._settle(op, pending.take() + updates[:count])
            updates = updates[count:]
        self.reflector.stats.objects = len(self._mirror)
        pending.add(updates, now)
        return following

    async def _deliver(self, pending: _Pending) -> None:
        """Publish the pending updates, if any, and their lag since read."""
        since = pending.since
        updates = pending.take()
        if updates:
            async with self._turns:
                await self._publish(updates, self)
            if self._observe_lag is not None:
                self._observe_lag(self.resource.name, self._clock() - since)

    def _apply_all(
        self, lines: list[Line], now: float
    ) -> tuple[list[Update], tuple[ListingOp, int] | None, Action | None]:
        """The updates of ``lines``; where a listing operation falls among them (an
        initial-events-end bookmark); the action that ends the stream, if any."""
        updates: list[Update] = []
        listing: tuple[ListingOp, int] | None = None
        for line in lines:
            if self.reflector.initial_events and (version := self._known(line)) is not None:
                self.reflector.event("ADDED", version, now)
                continue
            event = self._parse(line)
            if event is None:
                continue
            if event.type == "ERROR":
                status = status_from_object(self.resource.path, event.obj)
                return (
                    updates,
                    listing,
                    self.reflector.failed(Failure(status.status, str(status)), now),
                )
            step = self.reflector.event(
                event.type, event.resource_version, now, _initial_events_end(event)
            )
            if not isinstance(step, KeepReading):
                return updates, listing, step
            if event.type != "BOOKMARK" and (update := self._apply(event)) is not None:
                updates.append(update)
            if step.listing is not ListingOp.NONE:
                listing = (step.listing, len(updates))
        return updates, listing, None

    def _known(self, line: Line) -> str | None:
        """The version of an initial event whose object the mirror has at that version
        (a relist through WatchList), read without parsing the line; else None."""
        if self._object_type is None or self._object_type.kind is None or not self._peek:
            return None
        kind = self._object_type.kind
        peeked = peek_added(bytes(line), self._object_type.namespaced)
        if peeked is None:
            return None
        namespace, name, version = peeked
        key = ResourceKey(kind, namespace, name)
        return version if self._mirror.touch(key, version) else None

    def _parse(self, line: Line) -> WatchEvent | None:
        try:
            return self._parse_event(self.resource.name, line)
        except MalformedEventError as error:
            self._malformed(error)
            return None

    def _apply(self, event: WatchEvent) -> Update | None:
        if event.type == "DELETED":
            identity = self._identity(event.obj)
            return None if identity is None else self._mirror.forget(identity.key)
        seen = self._observation(event.obj)
        return None if seen is None else self._mirror.observe(seen)

    # -- objects ------------------------------------------------------------------------------

    def _observation(self, obj: dict[str, Any]) -> Observation | None:
        identity = self._identity(obj)
        if identity is None:
            return None
        version = obj["metadata"].get("resourceVersion")
        if not isinstance(version, str) or not version:
            content = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
            version = hashlib.blake2b(content, digest_size=16).hexdigest()
        return Observation(
            identity, version, obj, f"{self.resource.group_version} {identity.label}"
        )

    def _identity(self, obj: dict[str, Any]) -> ObjectIdentity | None:
        # Items of a list carry no apiVersion/kind; watch events usually do.
        obj.setdefault("apiVersion", self.resource.group_version)
        obj.setdefault("kind", self.resource.kind)
        try:
            return identify(obj)
        except ValidationError as error:
            self._invalid(f"{self.resource.group_version} {describe(obj)}", error)
            return None

    def _invalid(self, origin: str, error: Exception) -> None:
        self.reflector.stats.invalid += 1
        log.warning("invalid %s: %s", origin, error)
        self._report(origin, error)

    def _malformed(self, error: MalformedEventError) -> None:
        self.reflector.malformed()
        log.warning("%s", error)
        self._report(f"{self.resource.name} watch", error)

    # -- deadlines ----------------------------------------------------------------------------

    async def _bounded(self, awaitable: Coroutine[Any, Any, T]) -> T:
        """Await I/O until the reflector's deadline; past it, raise ``_DeadlinePassed``."""
        with anyio.move_on_after(max(0.0, self.reflector.deadline - self._clock())):
            return await awaitable
        raise _DeadlinePassed


def _list_parts(path: str, page: Any) -> tuple[dict[str, Any], list[Any]]:
    metadata = page.get("metadata") if isinstance(page, dict) else None
    items = page.get("items") if isinstance(page, dict) else None
    if not isinstance(metadata, dict) or not isinstance(items, list):
        raise ApiResponseError(path, "list response without metadata or items")
    return metadata, items


def _initial_events_end(event: WatchEvent) -> bool:
    if event.type != "BOOKMARK":
        return False
    annotations = event.obj["metadata"].get("annotations")
    return isinstance(annotations, dict) and annotations.get(INITIAL_EVENTS_END) == "true"
