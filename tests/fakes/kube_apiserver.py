"""A fake Kubernetes API server (aiohttp) with faithful list/watch semantics, for tests."""

from __future__ import annotations

import asyncio
import base64
import bisect
import contextlib
import copy
import itertools
import ssl
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web


@dataclass(frozen=True, slots=True)
class ResourceType:
    """A cluster-wide collection the fake serves."""

    plural: str
    group_version: str
    kind: str
    namespaced: bool
    crd: bool = False

    @property
    def path(self) -> str:
        if "/" in self.group_version:
            return f"/apis/{self.group_version}/{self.plural}"
        return f"/api/{self.group_version}/{self.plural}"


_CALICO = "crd.projectcalico.org/v1"
_ADMIN_V1ALPHA1 = "policy.networking.k8s.io/v1alpha1"
_ADMIN_V1ALPHA2 = "policy.networking.k8s.io/v1alpha2"
RESOURCE_TYPES = (
    ResourceType("namespaces", "v1", "Namespace", namespaced=False),
    ResourceType("serviceaccounts", "v1", "ServiceAccount", namespaced=True),
    ResourceType("pods", "v1", "Pod", namespaced=True),
    ResourceType("networkpolicies", "networking.k8s.io/v1", "NetworkPolicy", namespaced=True),
    ResourceType("nodes", "v1", "Node", namespaced=False),
    ResourceType("tiers", _CALICO, "Tier", namespaced=False, crd=True),
    ResourceType("networkpolicies", _CALICO, "NetworkPolicy", namespaced=True, crd=True),
    ResourceType("globalnetworkpolicies", _CALICO, "GlobalNetworkPolicy", False, crd=True),
    ResourceType("networksets", _CALICO, "NetworkSet", namespaced=True, crd=True),
    ResourceType("globalnetworksets", _CALICO, "GlobalNetworkSet", False, crd=True),
    ResourceType("ippools", _CALICO, "IPPool", namespaced=False, crd=True),
    ResourceType("ipamblocks", _CALICO, "IPAMBlock", namespaced=False, crd=True),
    ResourceType("adminnetworkpolicies", _ADMIN_V1ALPHA1, "AdminNetworkPolicy", False, crd=True),
    ResourceType(
        "baselineadminnetworkpolicies",
        _ADMIN_V1ALPHA1,
        "BaselineAdminNetworkPolicy",
        False,
        crd=True,
    ),
    ResourceType(
        "clusternetworkpolicies", _ADMIN_V1ALPHA2, "ClusterNetworkPolicy", False, crd=True
    ),
)


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One change in the event log: the object as it was after the change."""

    version: int
    path: str
    type: str
    obj: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """A request the fake served (for assertions): ``list`` or ``watch``; the client
    certificate's subject (``((("commonName", ...),), ...)``) over TLS, when one was asked for."""

    verb: str
    path: str
    params: Mapping[str, str]
    authorization: str | None
    headers: Mapping[str, str] = field(default_factory=dict)
    client_subject: tuple[Any, ...] | None = None


@dataclass(slots=True)
class _Stream:
    """One open watch stream and the test hooks acting on it."""

    path: str
    request: web.Request
    injected: list[bytes] = field(default_factory=list)
    stalled: bool = False
    expired: bool = False
    ended: bool = False


class FakeKubeApiServer:
    """List/watch of the collections in ``RESOURCE_TYPES`` on 127.0.0.1 (ephemeral port).

    One global, monotonically increasing resourceVersion orders every change.
    The event log keeps the last ``compaction_window`` events (all when None);
    a watch from a version older than the log answers 410 Gone: an HTTP 410
    Status, or (``gone_as_event``) an ``ERROR`` event carrying it, as the real
    watch cache does. Lists are consistent snapshots paginated by ``limit`` and
    ``continue``; items of built-in types carry no apiVersion/kind, like the
    real server's. CRD collections answer 404 while absent (``set_present``).

    Like the watch cache, ``resourceVersion=0`` lists serve the latest state
    (paginated, as servers do since snapshots of the cache); a list or watch
    asking for a version the server has not reached answers 504 "Too large
    resource version". ``watch_list``: watches with ``sendInitialEvents=true``
    start with the current objects and an ``k8s.io/initial-events-end``
    bookmark; without it the server refuses them (422), as servers without
    the WatchList feature do. ``tls``: served over https with that context.
    """

    def __init__(
        self,
        compaction_window: int | None = None,
        bookmark_interval: float = 1.0,
        gone_as_event: bool = False,
        crds_present: bool = True,
        watch_list: bool = True,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.compaction_window = compaction_window
        self.bookmark_interval = bookmark_interval
        self.gone_as_event = gone_as_event
        self.watch_list = watch_list
        self.tls = tls
        self.expire_every_watch = False
        self.close_every_watch = False
        self._cut_initial_events: dict[str, int] = {}
        self.requests: list[ApiRequest] = []
        self._forbidden: set[str] = set()
        self._hangs = 0
        self._types = {t.path: t for t in RESOURCE_TYPES}
        self._by_kind = {(t.group_version, t.kind): t for t in RESOURCE_TYPES}
        self._present = {t.path: crds_present or not t.crd for t in RESOURCE_TYPES}
        self._objects: dict[str, dict[tuple[str, str], dict[str, Any]]] = {
            t.path: {} for t in RESOURCE_TYPES
        }
        self._version = 1
        self._log: list[LoggedEvent] = []
        self._compacted = 1
        self._snapshots: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        self._snapshot_ids = itertools.count()
        self._streams: list[_Stream] = []
        self._failures: list[int] = []
        self._wakeup = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- lifecycle -----------------------------------------------------------------

    async def __aenter__(self) -> FakeKubeApiServer:
        app = web.Application()
        app.router.add_get("/api/{version}/{plural}", self._serve)
        app.router.add_get("/apis/{group}/{version}/{plural}", self._serve)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.tls)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"{'http' if self.tls is None else 'https'}://{host}:{port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.drop_watches()
        assert self._runner is not None
        await self._runner.cleanup()

    # -- the store -------------------------------------------------------------------

    @property
    def resource_version(self) -> int:
        """The latest resourceVersion handed out."""
        return self._version

    def create(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Store a new object; raises ``KeyError`` if it exists."""
        kind, key = self._locate(obj)
        if key in self._objects[kind.path]:
            raise KeyError(f"{kind.kind} {key} already exists")
        return self._store(kind, key, obj, "ADDED")

    def update(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Replace an existing object; raises ``KeyError`` if it does not exist."""
        kind, key = self._locate(obj)
        if key not in self._objects[kind.path]:
            raise KeyError(f"{kind.kind} {key} not found")
        return self._store(kind, key, obj, "MODIFIED")

    def apply(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Create or replace an object."""
        kind, key = self._locate(obj)
        return (self.update if key in self._objects[kind.path] else self.create)(obj)

    def delete(self, api_version: str, kind: str, name: str, namespace: str = "") -> None:
        """Remove an object; raises ``KeyError`` if it does not exist."""
        resource = self._by_kind[(api_version, kind)]
        key = (namespace if resource.namespaced else "", name)
        stored = self._objects[resource.path].pop(key)
        self._record(resource, "DELETED", stored)

    def objects(self, api_version: str, kind: str) -> list[dict[str, Any]]:
        """Current objects of one kind (copies)."""
        resource = self._by_kind[(api_version, kind)]
        return [copy.deepcopy(obj) for obj in self._objects[resource.path].values()]

    def all_objects(self) -> list[dict[str, Any]]:
        """Every current object of every collection (copies)."""
        return [copy.deepcopy(obj) for objs in self._objects.values() for obj in objs.values()]

    def compact(self) -> None:
        """Forget every event so far, like an etcd compaction at the current version."""
        self._compacted = self._version
        self._log.clear()
        self._snapshots.clear()
        self._notify()

    def set_present(self, plural: str, present: bool, group_version: str = _CALICO) -> None:
        """Install or remove a CRD; removing deletes its objects and ends its watches."""
        resource = self._types[str(self._path(plural, group_version))]
        if not resource.crd:
            raise ValueError(f"{resource.path} is not a CRD")
        if not present:
            for key in list(self._objects[resource.path]):
                self._record(resource, "DELETED", self._objects[resource.path].pop(key))
            for stream in self._streams_of(resource.path):
                stream.ended = True
        self._present[resource.path] = present
        self._notify()

    # -- test hooks on open watch streams ----------------------------------------------

    def restore_versions(self) -> None:
        """An etcd restore: every object is kept but resourceVersions start again from 1
        (the watch cache is rebuilt; open streams are dropped)."""
        self.drop_watches()
        self._version = 1
        self._log.clear()
        self._snapshots.clear()
        self._compacted = 1
        for objects in self._objects.values():
            for obj in objects.values():
                self._version += 1
                obj["metadata"]["resourceVersion"] = str(self._version)
        self._notify()

    def forbid(self, plural: str, group_version: str | None = None, forbidden: bool = True) -> None:
        """Answer requests of one collection with 403 Forbidden (RBAC), or stop doing so."""
        path = self._path(plural, group_version)
        assert path is not None
        (self._forbidden.add if forbidden else self._forbidden.discard)(path)

    def hang_next(self, count: int) -> None:
        """Accept the next ``count`` requests and never answer them (no headers)."""
        self._hangs += count

    def fail_next(self, count: int, code: int = 500) -> None:
        """Answer the next ``count`` requests with an error Status of ``code``."""
        self._failures.extend([code] * count)

    def end_watches(self, plural: str | None = None, group_version: str | None = None) -> int:
        """End open streams normally, as when their ``timeoutSeconds`` runs out."""
        streams = list(self._streams_of(self._path(plural, group_version)))
        for stream in streams:
            stream.ended = True
        self._notify()
        return len(streams)

    def watch_count(self, plural: str | None = None, group_version: str | None = None) -> int:
        """Open watch streams (of one collection, or of all)."""
        return len(list(self._streams_of(self._path(plural, group_version))))

    def drop_watches(self, plural: str | None = None, group_version: str | None = None) -> int:
        """Abort open watch connections mid-stream; returns how many."""
        streams = list(self._streams_of(self._path(plural, group_version)))
        for stream in streams:
            stream.ended = True
            if stream.request.transport is not None:
                stream.request.transport.abort()
        self._notify()
        return len(streams)

    def inject(self, line: bytes, plural: str, group_version: str | None = None) -> int:
        """Send raw bytes (a malformed event) on the open streams of one collection."""
        streams = list(self._streams_of(self._path(plural, group_version)))
        for stream in streams:
            stream.injected.append(line)
        self._notify()
        return len(streams)

    def cut_next_initial_events(
        self, plural: str, count: int, group_version: str | None = None
    ) -> None:
        """Close the connection of one collection's next WatchList mid-body, after its
        first ``count`` initial events (before the initial-events-end bookmark)."""
        path = self._path(plural, group_version)
        assert path is not None
        self._cut_initial_events[path] = count

    def stall_watches(self, plural: str, group_version: str | None = None) -> int:
        """Make open streams of one collection go silent (no events, no bookmarks)."""
        streams = list(self._streams_of(self._path(plural, group_version)))
        for stream in streams:
            stream.stalled = True
        return len(streams)

    def expire_watches(self, plural: str, group_version: str | None = None) -> int:
        """End open streams of one collection with an ``ERROR`` event carrying 410 Gone."""
        streams = list(self._streams_of(self._path(plural, group_version)))
        for stream in streams:
            stream.expired = True
        self._notify()
        return len(streams)

    async def wait_for_watches(
        self, count: int, plural: str | None = None, group_version: str | None = None
    ) -> None:
        """Wait until at least ``count`` streams are open (of one collection, or of all)."""
        while self.watch_count(plural, group_version) < count:
            await asyncio.sleep(0.01)

    # -- internals: the store ----------------------------------------------------------

    def _path(self, plural: str | None, group_version: str | None) -> str | None:
        if plural is None:
            return None
        matches = [
            t.path
            for t in RESOURCE_TYPES
            if t.plural == plural and (group_version is None or t.group_version == group_version)
        ]
        if len(matches) != 1:
            raise ValueError(f"{plural!r} names {len(matches)} collections; give group_version")
        return matches[0]

    def _streams_of(self, path: str | None) -> Iterator[_Stream]:
        return (s for s in self._streams if not s.ended and path in (None, s.path))

    def _locate(self, obj: Mapping[str, Any]) -> tuple[ResourceType, tuple[str, str]]:
        resource = self._by_kind[(obj["apiVersion"], obj["kind"])]
        if not self._present[resource.path]:
            raise KeyError(f"CRD for {resource.kind} is not installed")
        metadata = obj["metadata"]
        namespace = metadata.get("namespace", "default") if resource.namespaced else ""
        return resource, (namespace, metadata["name"])

    def _store(
        self, resource: ResourceType, key: tuple[str, str], obj: Mapping[str, Any], event: str
    ) -> dict[str, Any]:
        stored = copy.deepcopy(dict(obj))
        metadata = stored.setdefault("metadata", {})
        if resource.namespaced:
            metadata["namespace"] = key[0]
        previous = self._objects[resource.path].get(key)
        metadata["uid"] = previous["metadata"]["uid"] if previous else str(uuid.uuid4())
        self._objects[resource.path][key] = stored
        self._record(resource, event, stored)
        return copy.deepcopy(stored)

    def _record(self, resource: ResourceType, event: str, obj: dict[str, Any]) -> None:
        self._version += 1
        obj["metadata"]["resourceVersion"] = str(self._version)
        self._log.append(LoggedEvent(self._version, resource.path, event, copy.deepcopy(obj)))
        if self.compaction_window is not None and len(self._log) > self.compaction_window:
            dropped = self._log[: len(self._log) - self.compaction_window]
            del self._log[: len(dropped)]
            self._compacted = dropped[-1].version
            for snapshot_id, (version, _) in list(self._snapshots.items()):
                if version < self._compacted:
                    del self._snapshots[snapshot_id]
        self._notify()

    def _notify(self) -> None:
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    # -- internals: HTTP -------------------------------------------------------------

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        resource = self._types.get(request.path)
        params = dict(request.query)
        watching = params.get("watch") in ("true", "1")
        verb = "watch" if watching else "list"
        authorization = request.headers.get("Authorization")
        assert request.transport is not None
        peer = request.transport.get_extra_info("peercert")
        subject = peer.get("subject") if peer else None
        self.requests.append(
            ApiRequest(verb, request.path, params, authorization, dict(request.headers), subject)
        )
        if self._hangs:
            self._hangs -= 1
            await asyncio.Event().wait()
        if self._failures:
            return status_response(self._failures.pop(0), "InternalError", "injected failure")
        if resource is None or not self._present[resource.path]:
            return status_response(404, "NotFound", f"the server could not find {request.path}")
        if resource.path in self._forbidden:
            message = f'{resource.plural} is forbidden: cannot list resource "{resource.plural}"'
            return status_response(403, "Forbidden", message)
        too_large = self._too_large(params)
        if too_large is not None:
            return too_large
        if watching:
            return await self._watch(request, resource, params)
        return self._list(resource, params)

    def _too_large(self, params: Mapping[str, str]) -> web.Response | None:
        """504 for a version this server has not reached (the watch cache gives up waiting)."""
        wanted = params.get("resourceVersion", "")
        if "continue" in params or not wanted.isdigit() or int(wanted) <= self._version:
            return None
        message = f"Too large resource version: {wanted}, current: {self._version}"
        return status_response(504, "Timeout", message)

    def _list(self, resource: ResourceType, params: Mapping[str, str]) -> web.Response:
        limit = int(params.get("limit") or 0)
        token = params.get("continue")
        if token:
            snapshot_id, start = orjson.loads(base64.urlsafe_b64decode(token))
            if snapshot_id not in self._snapshots:
                return status_response(410, "Expired", "The provided continue parameter is too old")
            version, items = self._snapshots[snapshot_id]
        else:
            snapshot_id, start, version = str(next(self._snapshot_ids)), 0, self._version
            objects = sorted(self._objects[resource.path].items())
            items = [self._as_item(resource, obj) for _, obj in objects]
        end = len(items) if limit <= 0 else min(len(items), start + limit)
        metadata: dict[str, Any] = {"resourceVersion": str(version)}
        if end < len(items):
            self._snapshots[snapshot_id] = (version, items)
            next_token = base64.urlsafe_b64encode(orjson.dumps([snapshot_id, end])).decode()
            metadata |= {"continue": next_token, "remainingItemCount": len(items) - end}
        body = {
            "kind": f"{resource.kind}List",
            "apiVersion": resource.group_version,
            "metadata": metadata,
            "items": items[start:end],
        }
        return web.Response(body=orjson.dumps(body), content_type="application/json")

    def _as_item(self, resource: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        item = copy.deepcopy(obj)
        if not resource.crd:
            item.pop("apiVersion", None)
            item.pop("kind", None)
        return item

    async def _watch(
        self, request: web.Request, resource: ResourceType, params: Mapping[str, str]
    ) -> web.StreamResponse:
        since = params.get("resourceVersion", "")
        start = int(since) if since not in ("", "0") else None
        initial = params.get("sendInitialEvents") == "true"
        if "resourceVersionMatch" in params and not (initial and self.watch_list):
            message = "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch"
            return status_response(422, "Invalid", message)
        if initial:
            start = None  # the current state first, then changes from there
        too_old = start is not None and start < self._compacted
        if too_old and not self.gone_as_event:
            return status_response(
                410, "Gone", f"too old resource version: {start} ({self._compacted})"
            )
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        stream = _Stream(resource.path, request)
        self._streams.append(stream)
        try:
            if too_old or self.expire_every_watch:
                stream.expired = True
            if self.close_every_watch:
                stream.ended = True
            await self._stream_events(response, stream, resource, params, start)
        except ConnectionResetError:
            return response
        finally:
            stream.ended = True
            self._streams.remove(stream)
        with contextlib.suppress(ConnectionResetError):
            await response.write_eof()
        return response

    async def _stream_events(
        self,
        response: web.StreamResponse,
        stream: _Stream,
        resource: ResourceType,
        params: Mapping[str, str],
        start: int | None,
    ) -> None:
        loop = asyncio.get_running_loop()
        timeout = params.get("timeoutSeconds")
        deadline = loop.time() + float(timeout) if timeout else float("inf")
        bookmarks = params.get("allowWatchBookmarks") == "true"
        next_bookmark = loop.time() + self.bookmark_interval
        if start is None and not stream.ended:
            lines = [
                _event("ADDED", obj) for _, obj in sorted(self._objects[resource.path].items())
            ]
            if params.get("sendInitialEvents") == "true":
                cut = self._cut_initial_events.pop(resource.path, None)
                if cut is not None:
                    await response.write(b"".join(lines[:cut]))
                    if stream.request.transport is not None:
                        stream.request.transport.close()  # sends what was written first
                    return
                lines.append(
                    bookmark_line(resource.kind, resource.group_version, self._version, True)
                )
            await response.write(b"".join(lines))
            start = self._version
        position = self._version if start is None else start
        while not stream.ended and (stream.stalled or loop.time() < deadline):
            wakeup = self._wakeup
            if not stream.stalled:
                if stream.expired or position < self._compacted:
                    gone = status_object(410, "Expired", f"too old resource version: {position}")
                    await response.write(orjson.dumps({"type": "ERROR", "object": gone}) + b"\n")
                    return
                chunk, position = self._pending(stream, resource, position)
                if bookmarks and loop.time() >= next_bookmark:
                    chunk += bookmark_line(resource.kind, resource.group_version, self._version)
                    position = self._version
                    next_bookmark = loop.time() + self.bookmark_interval
                if chunk:
                    await response.write(chunk)
            wait = min(deadline, next_bookmark if bookmarks else deadline) - loop.time()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), timeout=max(0.0, min(wait, 1.0)))

    def _pending(self, stream: _Stream, resource: ResourceType, position: int) -> tuple[bytes, int]:
        """Injected lines and logged events of ``resource`` after ``position``."""
        chunk = b"".join(stream.injected)
        stream.injected.clear()
        first = bisect.bisect_right(self._log, position, key=lambda e: e.version)
        events = [e for e in self._log[first:] if e.path == resource.path]
        chunk += b"".join(_event(e.type, e.obj) for e in events)
        return chunk, max(position, self._log[-1].version if self._log else position)


def _event(kind: str, obj: dict[str, Any]) -> bytes:
    return orjson.dumps({"type": kind, "object": obj}) + b"\n"


def bookmark_line(
    kind: str, group_version: str, version: int, initial_events_end: bool = False
) -> bytes:
    """A BOOKMARK watch event at ``version`` (the WatchList end marker if asked)."""
    metadata: dict[str, Any] = {"resourceVersion": str(version)}
    if initial_events_end:
        metadata["annotations"] = {"k8s.io/initial-events-end": "true"}
    marker = {"kind": kind, "apiVersion": group_version, "metadata": metadata}
    return orjson.dumps({"type": "BOOKMARK", "object": marker}) + b"\n"


def status_object(code: int, reason: str, message: str) -> dict[str, Any]:
    """A Kubernetes ``Status`` object of a failure."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def status_response(code: int, reason: str, message: str) -> web.Response:
    """An error answer carrying a Kubernetes Status."""
    body = orjson.dumps(status_object(code, reason, message))
    return web.Response(status=code, body=body, content_type="application/json")
