"""The list/watch protocol of one Kubernetes collection as a state machine, without I/O.

``Reflector`` decides what to request next and when to give up; its driver
(``kube_watcher.ResourceWatcher``) performs the actions it returns and reports
back what happened, always with the time. Tests drive it with a fake clock.

Inputs: ``start``, ``headers``, ``progress``, ``page``, ``event``,
``stream_ended``, ``failed``, ``timed_out``, ``woke``, ``malformed``.
Outputs: an ``Action`` (``ListPage``, ``OpenWatch``, ``KeepReading``, ``Wait``)
carrying a ``ListingOp`` for the driver's mirror, plus ``deadline`` (when the
driver must call ``timed_out`` if nothing arrived) and the counters in ``stats``.
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

from dataplane.sources.backoff import Backoff, BackoffPolicy
from dataplane.sources.kube_resources import WatchedResource

Params = tuple[tuple[str, str], ...]

# Server answers that mean "this server does not do WatchList": fall back to lists.
WATCH_LIST_UNSUPPORTED = frozenset({400, 405, 415, 422, 501})
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


@dataclass(frozen=True, slots=True)
class WatchSettings:
    """Tuning of list and watch; durations in seconds (see docs/sources.md)."""

    page_size: int = 500
    watch_timeout: float = 300.0
    watchdog_timeout: float = 120.0
    header_timeout: float = 30.0
    idle_timeout: float = 30.0
    healthy_watch: float = 10.0
    crd_recheck_interval: float = 60.0
    down_grace: float = 60.0
    list_from_cache: bool = True
    watch_list: bool = True
    list_prefetch: bool = True
    tune_gc: bool = True
    full_gc_interval: float = 0.25
    backoff: BackoffPolicy = dataclasses.field(default_factory=BackoffPolicy)

    def __post_init__(self) -> None:
        for name in (
            "page_size",
            "watch_timeout",
            "watchdog_timeout",
            "header_timeout",
            "idle_timeout",
            "crd_recheck_interval",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"WatchSettings.{name} must be positive")
        for name in ("healthy_watch", "down_grace", "full_gc_interval"):
            if getattr(self, name) < 0:
                raise ValueError(f"WatchSettings.{name} must not be negative")


class State(StrEnum):
    """Where one collection stands."""

    LISTING = "listing"  # a list, or a WatchList's initial events, in progress
    WATCHING = "watching"
    BACKOFF = "backoff"  # waiting to retry after a failure
    ABSENT = "absent"  # optional CRD not installed (404): empty, rechecked
    FORBIDDEN = "forbidden"  # optional CRD not readable (403): skipped, rechecked


class ListingOp(Enum):
    """What the driver does with its mirror before performing an action."""

    NONE = "none"
    COMMIT = "commit"  # the listing is complete: objects it did not name are deleted
    CLEAR = "clear"  # the collection is gone: every object is deleted


@dataclass(frozen=True, slots=True)
class ListPage:
    """GET one list page. ``first``: a new listing starts (drop any partial one);
    ``verify``: resourceVersions cannot be trusted across the gap, convert every object."""

    params: Params
    first: bool
    verify: bool = False
    listing: ListingOp = ListingOp.NONE


@dataclass(frozen=True, slots=True)
class OpenWatch:
    """Open a watch stream. ``initial_events`` (WatchList): the stream starts with the
    collection's current objects, a new listing, ended by an initial-events-end bookmark."""

    params: Params
    initial_events: bool = False
    verify: bool = False
    listing: ListingOp = ListingOp.NONE


@dataclass(frozen=True, slots=True)
class KeepReading:
    """Go on reading the open stream."""

    listing: ListingOp = ListingOp.NONE


@dataclass(frozen=True, slots=True)
class Wait:
    """Sleep, then call ``woke``."""

    seconds: float
    listing: ListingOp = ListingOp.NONE


Action = ListPage | OpenWatch | KeepReading | Wait
KEEP_READING = KeepReading()


@dataclass(frozen=True, slots=True)
class Failure:
    """A request that failed: the HTTP or Status ``code`` (None: no usable answer)."""

    code: int | None
    message: str

    @property
    def too_large(self) -> bool:
        """The server has not reached the requested resourceVersion (504 "Too large
        resource version"), as after an etcd restore: only a consistent relist helps."""
        return self.code == 504 and "too large resource version" in self.message.lower()


@dataclass(slots=True)
class WatchStats:
    """Counters of one collection, for ``/status``."""

    listed: bool = False
    present: bool = True
    resource_version: str = ""
    objects: int = 0
    pages: int = 0
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


class Reflector:
    """List, then watch from the list's version; resume, relist and back off like client-go.

    - Lists come from the watch cache (``resourceVersion=0``, later the last
      version with ``resourceVersionMatch=NotOlderThan``), or through WatchList
      (``sendInitialEvents``) while the server accepts it.
    - 410 Gone, 504 "Too large resource version" and a resourceVersion going
      backwards relist from etcd (no resourceVersion); the first relist after a
      healthy period is immediate, repeated ones back off.
    - Every request has a response-header deadline and an idle deadline.
    - The backoff grows with every failed attempt (a watch closed early
      counts) and resets only when a watch has stayed open ``healthy_watch``.
    - An optional collection answering 404 is empty; 403 is skipped and
      reported (``State.FORBIDDEN``); both are rechecked later.
    """

    def __init__(
        self, resource: WatchedResource, settings: WatchSettings, rng: random.Random
    ) -> None:
        self.resource = resource
        self.settings = settings
        self.stats = WatchStats()
        self.state = State.LISTING
        self.synced = False
        self.version: str | None = None
        self.deadline = math.inf
        self.down_since: float | None = None
        self.last_event: float | None = None
        self._rng = rng
        self._backoff = Backoff(settings.backoff, rng)
        self._watch_list = settings.watch_list
        self._consistent_next = False
        self._verify_next = False
        self._relist_next = True
        self._relist_after_stream = False
        self._list_floor: str | None = None
        self._watching = False
        self._initial = False
        self._opened_at: float | None = None
        self._awaiting_headers = False

    # -- inputs ----------------------------------------------------------------

    def start(self, now: float) -> Action:
        """The first action."""
        self.down_since = now
        return self._begin_listing(now)

    def headers(self, now: float) -> None:
        """The response headers of the current request arrived (status 200)."""
        self._awaiting_headers = False
        if self._watching:
            self._opened_at = now
            if not self._initial:
                self._up()
        self.deadline = now + self._idle_limit()

    def progress(self, now: float) -> None:
        """Body bytes of the current request arrived."""
        self.deadline = now + self._idle_limit()

    def page(self, continue_token: str, resource_version: str, now: float) -> Action:
        """A list page was received and its items handed to the mirror."""
        if continue_token:
            params = (("limit", str(self.settings.page_size)), ("continue", continue_token))
            return self._request(now, ListPage(params, first=False))
        floor = self._list_floor
        if floor is not None and _older(resource_version, floor):
            self._consistent_next = self._verify_next = True
            message = f"list answered resourceVersion {resource_version}, older than {floor}"
            return self._fail(now, Failure(None, message), relist=True)
        self._listed(resource_version)
        return self._open_watch(now, ListingOp.COMMIT)

    def event(
        self, kind: str, resource_version: str, now: float, initial_end: bool = False
    ) -> Action:
        """A watch event (not ``ERROR``: that is ``failed``); ``KeepReading`` or a new action."""
        self.deadline = now + self._idle_limit()
        self.last_event = now
        if kind == "BOOKMARK":
            self.stats.bookmarks += 1
        else:
            self.stats.events += 1
        if self._initial:
            if kind == "BOOKMARK" and initial_end:
                self._initial = False
                self._listed(resource_version)
                self._up()
                return KeepReading(ListingOp.COMMIT)
            return KEEP_READING
        if self.version is not None and _older(resource_version, self.version):
            self._consistent_next = self._verify_next = True
            message = f"watch event resourceVersion {resource_version} older than {self.version}"
            return self._fail(now, Failure(None, message), relist=True)
        self.version = self.stats.resource_version = resource_version
        return KEEP_READING

    def malformed(self) -> None:
        """A line of the stream was skipped: relist when the stream ends."""
        self.stats.malformed += 1
        self._relist_after_stream = True

    def stream_ended(self, now: float) -> Action:
        """The watch stream ended normally."""
        if self._initial:
            return self._fail(now, Failure(None, "watch ended before its initial events"), True)
        if not self._lasted(now):
            lasted = now - (self._opened_at or now)
            failure = Failure(None, f"watch closed after {lasted:.1f} s")
            return self._fail(now, failure, self._relist_after_stream)
        self._backoff.reset()
        if self._relist_after_stream:
            return self._begin_listing(now)
        return self._open_watch(now)

    def failed(self, failure: Failure, now: float) -> Action:
        """The current request failed (error status, ERROR event, connection, bad body)."""
        code = failure.code
        listing = self.state is State.LISTING
        if listing and self.resource.optional and code in (403, 404):
            return self._skip(now, failure)
        if self._initial and code in WATCH_LIST_UNSUPPORTED:
            self._watch_list = False
            self.stats.last_error = f"WatchList not supported, listing instead: {failure.message}"
            return self._begin_listing(now)
        # An optional CRD removed (404) or made unreadable (403) while watched: relist,
        # which finds it absent or forbidden.
        optional_gone = self.resource.optional and code in (403, 404)
        relist = code == 410 or failure.too_large or optional_gone
        if code == 410 or failure.too_large:
            self._consistent_next = True
        if failure.too_large:
            self._verify_next = True
        return self._fail(now, failure, relist)

    def timed_out(self, now: float) -> Action:
        """``deadline`` passed with nothing received."""
        if self._awaiting_headers:
            limit = self.settings.header_timeout
            return self._fail(now, Failure(None, f"no response headers within {limit:g} s"), False)
        if self._watching and not self._initial:
            self.stats.stalls += 1
            return self._open_watch(now)
        limit = self._idle_limit()
        return self._fail(now, Failure(None, f"response body idle for {limit:g} s"), False)

    def woke(self, now: float) -> Action:
        """A ``Wait`` is over."""
        if self._relist_next or self.version is None:
            return self._begin_listing(now)
        return self._open_watch(now)

    # -- reading -----------------------------------------------------------------

    @property
    def initial_events(self) -> bool:
        """Reading a WatchList's initial events (a listing in a watch stream)."""
        return self._initial

    def down_for(self, now: float) -> float:
        """Seconds without a working watch (0 while watching, absent or forbidden)."""
        if self.down_since is None or self.state in (State.ABSENT, State.FORBIDDEN):
            return 0.0
        return now - self.down_since

    def status(self, now: float) -> dict[str, Any]:
        """JSON-able state and counters."""
        last = None if self.last_event is None else round(now - self.last_event, 3)
        return {
            "state": str(self.state),
            "last_event": last,
            "down_for": round(self.down_for(now), 3),
            "watch_list": self._watch_list,
            **dataclasses.asdict(self.stats),
        }

    # -- transitions ---------------------------------------------------------------

    def _begin_listing(self, now: float, op: ListingOp = ListingOp.NONE) -> Action:
        if self.stats.listed:
            self.stats.relists += 1
        self.stats.lists += 1
        self.state = State.LISTING
        self._relist_next = True
        self._relist_after_stream = False
        version = None if self._consistent_next else self.version
        verify = self._verify_next
        if self._watch_list:
            params: list[tuple[str, str]] = [
                ("watch", "true"),
                ("sendInitialEvents", "true"),
                ("allowWatchBookmarks", "true"),
                ("resourceVersionMatch", "NotOlderThan"),
                ("resourceVersion", version or ""),
                ("timeoutSeconds", self._watch_seconds()),
            ]
            self._list_floor = None
            self._initial = True
            return self._request(now, OpenWatch(tuple(params), True, verify, op), watch=True)
        params = [("limit", str(self.settings.page_size))]
        self._list_floor = None
        if self.settings.list_from_cache and not self._consistent_next:
            params += [("resourceVersion", version or "0")]
            params += [("resourceVersionMatch", "NotOlderThan")]
            self._list_floor = version
        return self._request(now, ListPage(tuple(params), True, verify, op))

    def _open_watch(self, now: float, op: ListingOp = ListingOp.NONE) -> Action:
        assert self.version is not None
        params = (
            ("watch", "true"),
            ("resourceVersion", self.version),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", self._watch_seconds()),
        )
        self._initial = False
        return self._request(now, OpenWatch(params, listing=op), watch=True)

    def _request(self, now: float, action: Action, watch: bool = False) -> Action:
        if watch:
            if self.stats.watches:
                self.stats.reconnects += 1
            self.stats.watches += 1
        else:
            self.stats.pages += 1
        self._watching = watch
        self._awaiting_headers = True
        self._opened_at = None
        self.deadline = now + self.settings.header_timeout
        return action

    def _listed(self, resource_version: str) -> None:
        self.version = self.stats.resource_version = resource_version
        self.synced = self.stats.listed = self.stats.present = True
        self._consistent_next = self._verify_next = self._relist_next = False
        self._list_floor = None

    def _up(self) -> None:
        self.state = State.WATCHING
        self.down_since = None

    def _skip(self, now: float, failure: Failure) -> Action:
        """An optional collection that is not installed (404) or not readable (403)."""
        absent = failure.code == 404
        self.state = State.ABSENT if absent else State.FORBIDDEN
        self.synced = self.stats.listed = True
        self.stats.present = False
        self.version = None
        self._initial = self._watching = self._awaiting_headers = False
        self.deadline = math.inf
        if not absent:
            self.stats.errors += 1
            self.stats.last_error = failure.message
        op = ListingOp.CLEAR if absent else ListingOp.NONE
        return Wait(self.settings.crd_recheck_interval, op)

    def _fail(self, now: float, failure: Failure, relist: bool) -> Action:
        if self._lasted(now):
            self._backoff.reset()
        self.stats.errors += 1
        self.stats.last_error = failure.message
        if self.down_since is None:
            self.down_since = now
        self._relist_next = self._relist_next or relist
        self._initial = self._watching = self._awaiting_headers = False
        self.deadline = math.inf
        first = self._backoff.failures == 0
        delay = self._backoff.next_delay()
        if relist and first:
            return self._begin_listing(now)
        self.state = State.BACKOFF
        return Wait(delay)

    def _lasted(self, now: float) -> bool:
        """The current watch has been open long enough to count as healthy."""
        opened = self._opened_at
        return (
            self._watching
            and opened is not None
            and now - opened >= self.settings.healthy_watch
            and not self._initial
        )

    def _idle_limit(self) -> float:
        return self.settings.watchdog_timeout if self._watching else self.settings.idle_timeout

    def _watch_seconds(self) -> str:
        return str(max(1, int(self.settings.watch_timeout * (1 + self._rng.random()))))


def _older(version: str, than: str) -> bool:
    """``version`` precedes ``than`` (resourceVersions compare as integers when they are)."""
    try:
        return int(version) < int(than)
    except ValueError:
        return False
