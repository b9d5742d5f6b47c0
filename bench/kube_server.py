"""A fake kube-apiserver for benchmarks: a generated cluster served from pre-encoded JSON.

Run as a process (``python -m bench.kube_server --pods N``; it prints its URL)
so that serving costs nothing to the measured agent. It keeps the semantics
the Kubernetes source relies on, as ``tests/fakes/kube_apiserver.py`` does
for tests, at the cost of storing each object as bytes. It serves namespaces,
service accounts, pods, NetworkPolicies (``bench/kube_objects.py``) and Nodes
(``bench/kube_nodes.py``); other collections answer 404.


- one global resourceVersion; lists are consistent snapshots sorted by
  namespace/name, paginated with ``limit``/``continue``; ``resourceVersion=0``
  and ``NotOlderThan`` are served from the latest state (a watch cache); a
  version not reached yet answers 504 "Too large resource version";
- items of lists carry no apiVersion/kind, watch events do;
- watches replay the event log from a version, then stream; a version older
  than the log answers an ``ERROR`` event with 410 (as the watch cache does);
  ``BOOKMARK`` every ``--bookmark-interval`` seconds; WatchList
  (``sendInitialEvents=true``) sends the current objects, then the
  ``k8s.io/initial-events-end`` bookmark;
- control (POST): ``/_bench/churn?rate=R&seconds=S`` relabels remote pods at R
  per second (label ``bench-sent`` carries the send time, for lag), and
  ``/_bench/expire`` compacts the log and ends every watch with 410 (a relist).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import bisect
import contextlib
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from bench.kube_nodes import node
from bench.kube_objects import ClusterLayout, namespace, network_policy, pod, service_account
from tests.fakes.kube_apiserver import bookmark_line, status_object, status_response

_CORE = {
    "namespaces": "Namespace",
    "serviceaccounts": "ServiceAccount",
    "pods": "Pod",
    "nodes": "Node",
}
_NETWORKING = {"networkpolicies": "NetworkPolicy"}


@dataclass(slots=True)
class Collection:
    """One collection: encoded items by key (sorted keys kept), and its type."""

    api_version: str
    kind: str
    keys: list[tuple[str, str]] = field(default_factory=list)
    items: dict[tuple[str, str], bytes] = field(default_factory=dict)


@dataclass(slots=True)
class Stream:
    """An open watch: ended by ``/_bench/expire`` with an ERROR 410 event."""

    expired: bool = False


class BenchApiServer:
    """Serves a generated cluster; see the module docstring."""

    def __init__(self, layout: ClusterLayout, bookmark_interval: float, window: int) -> None:
        self.layout = layout
        self.bookmark_interval = bookmark_interval
        self.window = window
        self.version = 1
        self.compacted = 1
        self.collections: dict[str, Collection] = {}
        self.log: list[tuple[int, str, bytes]] = []  # version, path, event line
        self.snapshots: dict[int, tuple[int, list[bytes]]] = {}
        self.streams: list[Stream] = []
        self.wakeup = asyncio.Event()
        self.churned = 0
        self._build()

    # -- the store ---------------------------------------------------------------

    def _build(self) -> None:
        for plural, kind in _CORE.items():
            self.collections[f"/api/v1/{plural}"] = Collection("v1", kind)
        for plural, kind in _NETWORKING.items():
            path = f"/apis/networking.k8s.io/v1/{plural}"
            self.collections[path] = Collection("networking.k8s.io/v1", kind)
        layout = self.layout
        for n in range(layout.namespaces):
            name = layout.namespace_of(n * 50)
            self._put("/api/v1/namespaces", ("", name), namespace(name))
            self._put("/api/v1/serviceaccounts", (name, "default"), service_account(name))
            self._put(
                "/apis/networking.k8s.io/v1/networkpolicies", (name, "np"), network_policy(name)
            )
        for spec in layout.nodes():
            self._put("/api/v1/nodes", ("", spec.name), node(layout, spec))
        for index in range(layout.pods):
            obj = pod(layout, index)
            self._put("/api/v1/pods", (obj["metadata"]["namespace"], obj["metadata"]["name"]), obj)
        for collection in self.collections.values():
            collection.keys.sort()

    def _put(self, path: str, key: tuple[str, str], obj: dict[str, Any]) -> bytes:
        self.version += 1
        obj["metadata"]["resourceVersion"] = str(self.version)
        encoded = orjson.dumps(obj)
        collection = self.collections[path]
        if key not in collection.items:
            collection.keys.append(key)
        collection.items[key] = encoded
        return encoded

    def modify_pod(self, index: int, labels: dict[str, str]) -> None:
        obj = pod(self.layout, index, labels)
        path = "/api/v1/pods"
        encoded = self._put(path, (obj["metadata"]["namespace"], obj["metadata"]["name"]), obj)
        self.log.append(
            (self.version, path, _event_line("MODIFIED", self.collections[path], encoded))
        )
        if len(self.log) > self.window:
            drop = len(self.log) - self.window
            self.compacted = self.log[drop - 1][0]
            del self.log[:drop]

    def notify(self) -> None:
        self.wakeup.set()
        self.wakeup = asyncio.Event()

    # -- HTTP ------------------------------------------------------------------------

    async def serve(self, request: web.Request) -> web.StreamResponse:
        collection = self.collections.get(request.path)
        if collection is None:
            return status_response(404, "NotFound", f"the server could not find {request.path}")
        params = request.query
        wanted = params.get("resourceVersion", "")
        if "continue" not in params and wanted.isdigit() and int(wanted) > self.version:
            return status_response(
                504, "Timeout", f"Too large resource version: {wanted}, current: {self.version}"
            )
        if params.get("watch") == "true":
            return await self._watch(request, collection, params)
        return self._list(request.path, collection, params)

    def _list(self, path: str, collection: Collection, params: Mapping[str, str]) -> web.Response:
        limit = int(params.get("limit") or 0)
        token = params.get("continue")
        if token:
            snapshot_id, start = orjson.loads(base64.urlsafe_b64decode(token))
            if snapshot_id not in self.snapshots:
                return status_response(410, "Expired", "The provided continue parameter is too old")
            version, items = self.snapshots[snapshot_id]
        else:
            snapshot_id, start, version = len(self.snapshots) + 1, 0, self.version
            items = [collection.items[key] for key in collection.keys]
        end = len(items) if limit <= 0 else min(len(items), start + limit)
        metadata: dict[str, Any] = {"resourceVersion": str(version)}
        if end < len(items):
            self.snapshots[snapshot_id] = (version, items)
            metadata["continue"] = base64.urlsafe_b64encode(
                orjson.dumps([snapshot_id, end])
            ).decode()
            metadata["remainingItemCount"] = len(items) - end
        else:
            self.snapshots.pop(snapshot_id, None)
        head = orjson.dumps(
            {
                "kind": f"{collection.kind}List",
                "apiVersion": collection.api_version,
                "metadata": metadata,
            }
        )
        body = head[:-1] + b',"items":[' + b",".join(items[start:end]) + b"]}"
        return web.Response(body=body, content_type="application/json")

    async def _watch(
        self, request: web.Request, collection: Collection, params: Mapping[str, str]
    ) -> web.StreamResponse:
        initial = params.get("sendInitialEvents") == "true"
        since = params.get("resourceVersion", "")
        position = self.version if initial or not since.isdigit() or since == "0" else int(since)
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        stream = Stream()
        self.streams.append(stream)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(params.get("timeoutSeconds") or 1800)
        next_bookmark = loop.time() + self.bookmark_interval
        try:
            if initial:
                await self._initial_events(response, collection)
            while loop.time() < deadline:
                if stream.expired or position < self.compacted:
                    await response.write(_gone())
                    break
                wakeup = self.wakeup
                first = bisect.bisect_right(self.log, position, key=lambda e: e[0])
                lines = [line for _, path, line in self.log[first:] if path == request.path]
                if self.log:
                    position = max(position, self.log[-1][0])
                if loop.time() >= next_bookmark:
                    lines.append(
                        bookmark_line(collection.kind, collection.api_version, self.version)
                    )
                    position = self.version
                    next_bookmark = loop.time() + self.bookmark_interval
                if lines:
                    await response.write(b"".join(lines))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        wakeup.wait(), timeout=max(0.0, min(next_bookmark, deadline) - loop.time())
                    )
            await response.write_eof()
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.streams.remove(stream)
        return response

    async def _initial_events(self, response: web.StreamResponse, collection: Collection) -> None:
        items = [collection.items[key] for key in collection.keys]
        for start in range(0, len(items), 200):
            await response.write(
                b"".join(
                    _event_line("ADDED", collection, item) for item in items[start : start + 200]
                )
            )
        await response.write(
            bookmark_line(collection.kind, collection.api_version, self.version, True)
        )

    # -- control ---------------------------------------------------------------------

    async def churn(self, request: web.Request) -> web.Response:
        rate = float(request.query["rate"])
        seconds = float(request.query["seconds"])
        remote = [i for i in range(self.layout.pods) if not self.layout.is_local(i)]
        rng = random.Random(3)
        loop = asyncio.get_running_loop()
        started = loop.time()
        sent = 0
        while (elapsed := loop.time() - started) < seconds:
            due = int(rate * elapsed) - sent
            for _ in range(due):
                self.modify_pod(rng.choice(remote), {"bench-sent": f"{time.time():.6f}"})
            sent += max(0, due)
            if due > 0:
                self.notify()
            await asyncio.sleep(0.005)
        self.churned += sent
        return web.json_response({"sent": sent, "seconds": loop.time() - started})

    async def expire(self, _request: web.Request) -> web.Response:
        self.compacted = self.version
        self.log.clear()
        self.snapshots.clear()
        for stream in self.streams:
            stream.expired = True
        self.notify()
        return web.json_response({"expired": len(self.streams)})


def _event_line(kind: str, collection: Collection, item: bytes) -> bytes:
    type_meta = f'"apiVersion":"{collection.api_version}","kind":"{collection.kind}",'
    return f'{{"type":"{kind}","object":{{{type_meta}'.encode() + item[1:] + b"}\n"


def _gone() -> bytes:
    return (
        orjson.dumps(
            {"type": "ERROR", "object": status_object(410, "Expired", "too old resource version")}
        )
        + b"\n"
    )


def application(server: BenchApiServer) -> web.Application:
    """The HTTP routes of ``server``: the API collections and the control calls."""
    app = web.Application()
    app.router.add_post("/_bench/churn", server.churn)
    app.router.add_post("/_bench/expire", server.expire)
    app.router.add_get("/api/{version}/{plural}", server.serve)
    app.router.add_get("/apis/{group}/{version}/{plural}", server.serve)
    return app


async def main(pods: int, bookmark_interval: float, window: int) -> None:
    server = BenchApiServer(ClusterLayout(pods), bookmark_interval, window)
    runner = web.AppRunner(application(server), shutdown_timeout=0.5, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    print(f"http://{host}:{port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, required=True)
    parser.add_argument("--bookmark-interval", type=float, default=5.0)
    parser.add_argument("--window", type=int, default=100_000, help="events kept in the log")
    options = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(options.pods, options.bookmark_interval, options.window))
