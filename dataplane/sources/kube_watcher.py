"""List-then-watch of one Kubernetes collection, turned into model updates."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import anyio
import orjson

from dataplane.convert import convert, resource_key
from dataplane.errors import ValidationError
from dataplane.model import ResourceKey, Update
from dataplane.sources.backoff import Backoff, BackoffPolicy
from dataplane.sources.describe import describe
from dataplane.sources.kube_api import KubeApi, status_from_object
from dataplane.sources.kube_errors import (
    ApiResponseError,
    ApiStatusError,
    MalformedEventError,
    StreamStalledError,
)
from dataplane.sources.kube_resources import WatchedResource
from dataplane.sources.mirror import ObjectMirror, Observation, Reporter
from dataplane.sources.watch_events import LineSplitter, WatchEvent, parse_event

log = logging.getLogger(__name__)

Publisher = Callable[[Sequence[Update], bool], Awaitable[None]]
"""``publish(updates, listed)``: deliver a batch; ``listed`` marks a completed list."""

RECOVERABLE = (
    ApiStatusError,
    ApiResponseError,
    StreamStalledError,
    aiohttp.ClientError,
    OSError,
    TimeoutError,
)


@dataclass(frozen=True, slots=True)
class WatchSettings:
    """Tuning of list and watch; durations in seconds.

    ``watch_timeout`` is the shortest server-side watch duration (each watch asks
    for a random one between it and twice it, so clients spread out);
    ``watchdog_timeout`` restarts a stream that delivered nothing, not even a
    bookmark, for that long; absent CRDs are looked for again every
    ``crd_recheck_interval``.
    """

    page_size: int = 500
    watch_timeout: float = 300.0
    watchdog_timeout: float = 120.0
    request_timeout: float = 60.0
    crd_recheck_interval: float = 60.0
    backoff: BackoffPolicy = dataclasses.field(default_factory=BackoffPolicy)

    def __post_init__(self) -> None:
        for name in ("page_size", "watch_timeout", "watchdog_timeout", "request_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"WatchSettings.{name} must be positive")
        if self.crd_recheck_interval <= 0:
            raise ValueError("WatchSettings.crd_recheck_interval must be positive")


@dataclass(slots=True)
class WatchStats:
    """Live state and counters of one collection, for ``/status``."""

    listed: bool = False
    present: bool = True
    resource_version: str = ""
    objects: int = 0
    lists: int = 0
    relists: int = 0
    watches: int = 0
    reconnects: int = 0
    events: int = 0
    bookmarks: int = 0
    stalls: int = 0
    malformed: int = 0
    invalid: int = 0
    errors: int = 0
    last_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class ResourceWatcher:
    """Keeps one collection mirrored: list, watch, resume, relist on 410 Gone.

    Every list is diffed against what was emitted before, so a relist emits
    exactly the changes it missed. Errors back off with jitter; a stream that
    stalls is restarted at once; a malformed event is reported, skipped, and
    makes the watcher relist at the end of the stream (to repair what it hid).
    """

    def __init__(
        self,
        resource: WatchedResource,
        api: KubeApi,
        settings: WatchSettings,
        stats: WatchStats,
        publish: Publisher,
        report: Reporter,
        rng: random.Random,
    ) -> None:
        self.resource = resource
        self._api = api
        self._settings = settings
        self._stats = stats
        self._publish = publish
        self._report = report
        self._rng = rng
        self._backoff = Backoff(settings.backoff, rng)
        self._mirror = ObjectMirror(convert, self._invalid)
        self._version: str | None = None
        self._relist_after_stream = False

    async def run(self) -> None:
        """Mirror the collection until cancelled."""
        while True:
            try:
                if self._version is None and not await self._list():
                    await anyio.sleep(self._settings.crd_recheck_interval)
                    continue
                await self._watch()
            except RECOVERABLE as error:
                await self._recover(error)

    async def _recover(self, error: Exception) -> None:
        if isinstance(error, StreamStalledError):
            self._stats.stalls += 1
            log.info("%s", error)
            return
        self._stats.errors += 1
        self._stats.last_error = str(error)
        relist = isinstance(error, ApiStatusError) and (
            error.gone or (error.status == 404 and self.resource.optional)
        )
        if relist:
            self._version = None
        delay = self._backoff.next_delay()
        if relist and self._backoff.failures == 1:
            log.info("%s: relisting", error)
            return
        log.warning("%s (retrying in %.1f s)", error, delay)
        await anyio.sleep(delay)

    async def _list(self) -> bool:
        """List the collection and emit the differences; False if the CRD is absent."""
        listing = await self._fetch_all()
        if self._stats.lists:
            self._stats.relists += 1
        self._stats.lists += 1
        if listing is None:
            observations: list[Observation] = []
            version = None
        else:
            items, version = listing
            observations = [seen for item in items if (seen := self._observe(item)) is not None]
        updates = self._mirror.resync(observations)
        await self._publish(updates, True)
        self._stats.listed = True
        self._stats.present = listing is not None
        self._stats.objects = len(self._mirror)
        self._version = version
        self._relist_after_stream = False
        if version is not None:
            self._stats.resource_version = version
        return version is not None

    async def _fetch_all(self) -> tuple[list[dict[str, Any]], str] | None:
        """All items, page by page, and the list's resourceVersion (None: CRD absent)."""
        path = self.resource.path
        items: list[dict[str, Any]] = []
        token = ""
        while True:
            params = [("limit", str(self._settings.page_size))]
            if token:
                params.append(("continue", token))
            try:
                page = await self._api.get_json(path, params)
            except ApiStatusError as error:
                if error.status == 404 and self.resource.optional:
                    return None
                raise
            metadata = page.get("metadata") if isinstance(page, dict) else None
            page_items = page.get("items") if isinstance(page, dict) else None
            if not isinstance(metadata, dict) or not isinstance(page_items, list):
                raise ApiResponseError(path, "list response without metadata or items")
            items.extend(item for item in page_items if self._well_formed(item))
            token = metadata.get("continue") or ""
            if not token:
                version = metadata.get("resourceVersion")
                if not isinstance(version, str) or not version:
                    raise ApiResponseError(path, "list response without resourceVersion")
                return items, version

    def _well_formed(self, item: Any) -> bool:
        if isinstance(item, dict):
            return True
        self._invalid(f"{self.resource.name} list", ValueError(f"item is not an object: {item!r}"))
        return False

    async def _watch(self) -> None:
        """One watch stream from the current version, until its normal end."""
        assert self._version is not None
        seconds = max(1, int(self._settings.watch_timeout * (1 + self._rng.random())))
        params = [
            ("watch", "true"),
            ("resourceVersion", self._version),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", str(seconds)),
        ]
        if self._stats.watches:
            self._stats.reconnects += 1
        self._stats.watches += 1
        async with self._api.stream(self.resource.path, params) as body:
            splitter = LineSplitter()
            while True:
                with anyio.move_on_after(self._settings.watchdog_timeout) as watchdog:
                    chunk = await body.readany()
                if watchdog.cancelled_caught:
                    raise StreamStalledError(self.resource.name, self._settings.watchdog_timeout)
                if not chunk:
                    break
                self._backoff.reset()
                await self._handle(splitter.feed(chunk))
        if splitter.pending.strip():
            self._malformed(
                MalformedEventError(self.resource.name, "stream ended mid-event", splitter.pending)
            )
        if self._relist_after_stream:
            self._version = None

    async def _handle(self, lines: list[bytes]) -> None:
        """Apply the events in ``lines``, publish their updates, then raise an ERROR event."""
        updates: list[Update] = []
        failure: ApiStatusError | None = None
        for line in lines:
            try:
                event = parse_event(self.resource.name, line)
            except MalformedEventError as error:
                self._malformed(error)
                continue
            if event.type == "ERROR":
                failure = status_from_object(self.resource.path, event.obj)
                break
            self._version = self._stats.resource_version = event.resource_version
            if event.type == "BOOKMARK":
                self._stats.bookmarks += 1
                continue
            self._stats.events += 1
            update = self._apply(event)
            if update is not None:
                updates.append(update)
        self._stats.objects = len(self._mirror)
        if updates:
            await self._publish(updates, False)
        if failure is not None:
            raise failure

    def _apply(self, event: WatchEvent) -> Update | None:
        if event.type == "DELETED":
            key = self._key(event.obj)
            return None if key is None else self._mirror.forget(key)
        seen = self._observe(event.obj)
        return None if seen is None else self._mirror.observe(seen)

    def _observe(self, obj: dict[str, Any]) -> Observation | None:
        key = self._key(obj)
        if key is None:
            return None
        metadata = obj["metadata"]
        version = metadata.get("resourceVersion")
        if not isinstance(version, str) or not version:
            content = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
            version = hashlib.blake2b(content, digest_size=16).hexdigest()
        return Observation(key, version, obj, f"{self.resource.group_version} {describe(obj, key)}")

    def _key(self, obj: dict[str, Any]) -> ResourceKey | None:
        # Items of a list carry no apiVersion/kind; watch events usually do.
        obj.setdefault("apiVersion", self.resource.group_version)
        obj.setdefault("kind", self.resource.kind)
        try:
            return resource_key(obj)
        except ValidationError as error:
            self._invalid(f"{self.resource.group_version} {describe(obj)}", error)
            return None

    def _invalid(self, origin: str, error: Exception) -> None:
        self._stats.invalid += 1
        log.warning("invalid %s: %s", origin, error)
        self._report(origin, error)

    def _malformed(self, error: MalformedEventError) -> None:
        self._stats.malformed += 1
        self._relist_after_stream = True
        log.warning("%s", error)
        self._report(f"{self.resource.name} watch", error)
