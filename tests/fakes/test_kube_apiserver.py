"""The fake API server keeps the list/watch contract the watcher relies on."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
import pytest

from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.sources.objects import namespace, pod

pytestmark = pytest.mark.anyio


async def get(server: FakeKubeApiServer, path: str, **params: str) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url + path, params=params) as r,
    ):
        return r.status, orjson.loads(await r.read())


async def watch_lines(server: FakeKubeApiServer, path: str, **params: str) -> list[Any]:
    """Every event of a watch that ends on its own (timeoutSeconds, an ERROR)."""
    query = {"watch": "true", **params}
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url + path, params=query) as r,
    ):
        return [orjson.loads(line) for line in (await r.read()).splitlines()]


async def test_pages_are_one_consistent_snapshot_and_items_lack_type_meta() -> None:
    async with FakeKubeApiServer() as server:
        for index in range(5):
            server.create(pod("shop", f"p{index}", f"10.0.0.{index + 1}"))
        version = server.resource_version
        _, first = await get(server, "/api/v1/pods", limit="2")
        server.delete("v1", "Pod", "p4", "shop")
        names = [item["metadata"]["name"] for item in first["items"]]
        token = first["metadata"]["continue"]
        while token:
            _, page = await get(server, "/api/v1/pods", limit="2", **{"continue": token})
            assert page["metadata"]["resourceVersion"] == str(version)
            names += [item["metadata"]["name"] for item in page["items"]]
            token = page["metadata"].get("continue")
    assert names == ["p0", "p1", "p2", "p3", "p4"]
    assert first["metadata"]["resourceVersion"] == str(version)
    assert "kind" not in first["items"][0] and "apiVersion" not in first["items"][0]


async def test_continue_token_expires_with_compaction() -> None:
    async with FakeKubeApiServer() as server:
        for index in range(3):
            server.create(namespace(f"n{index}"))
        _, first = await get(server, "/api/v1/namespaces", limit="1")
        server.compact()
        status, body = await get(
            server, "/api/v1/namespaces", limit="1", **{"continue": first["metadata"]["continue"]}
        )
    assert (status, body["code"], body["reason"]) == (410, 410, "Expired")


async def test_watch_replays_events_after_a_version_in_order() -> None:
    async with FakeKubeApiServer(bookmark_interval=3600) as server:
        server.create(namespace("a"))
        start = server.resource_version
        server.create(namespace("b"))
        server.update(namespace("a", team="x"))
        server.delete("v1", "Namespace", "b")
        server.create(pod("shop", "ignored", "10.0.0.1"))
        events = await watch_lines(
            server, "/api/v1/namespaces", resourceVersion=str(start), timeoutSeconds="1"
        )
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "b"),
        ("MODIFIED", "a"),
        ("DELETED", "b"),
    ]
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert versions == sorted(versions) and versions[0] > start
    assert events[0]["object"]["kind"] == "Namespace"


async def test_watch_from_a_compacted_version_is_gone() -> None:
    async with FakeKubeApiServer(compaction_window=2) as server:
        for index in range(4):
            server.create(namespace(f"n{index}"))
        status, body = await get(server, "/api/v1/namespaces", watch="true", resourceVersion="2")
    assert (status, body["kind"], body["code"]) == (410, "Status", 410)


async def test_gone_as_event_sends_an_error_event() -> None:
    async with FakeKubeApiServer(compaction_window=1, gone_as_event=True) as server:
        for index in range(3):
            server.create(namespace(f"n{index}"))
        events = await watch_lines(server, "/api/v1/namespaces", resourceVersion="1")
    assert [(e["type"], e["object"]["code"]) for e in events] == [("ERROR", 410)]


async def test_bookmarks_carry_only_the_resource_version() -> None:
    async with FakeKubeApiServer(bookmark_interval=0.05) as server:
        server.create(namespace("a"))
        events = await watch_lines(
            server,
            "/api/v1/namespaces",
            resourceVersion=str(server.resource_version),
            allowWatchBookmarks="true",
            timeoutSeconds="1",
        )
    bookmarks = [e["object"] for e in events if e["type"] == "BOOKMARK"]
    assert bookmarks
    assert all(
        b["metadata"] == {"resourceVersion": str(server.resource_version)} for b in bookmarks
    )


async def test_absent_crd_answers_404() -> None:
    async with FakeKubeApiServer(crds_present=False) as server:
        status, body = await get(server, "/apis/crd.projectcalico.org/v1/tiers")
        server.set_present("tiers", True)
        present, _ = await get(server, "/apis/crd.projectcalico.org/v1/tiers")
    assert (status, body["reason"], present) == (404, "NotFound", 200)
