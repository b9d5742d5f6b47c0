"""The benchmark API server serves the cluster layout's Nodes like its other collections,
and the Nodes are what the dataplane reads: addresses, VTEPs, the measured node."""

from __future__ import annotations

import collections
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import anyio
import orjson
import pytest
from aiohttp import web

from bench.kube_nodes import MAX_IMAGES, node, tunnel_address
from bench.kube_objects import LOCAL_NODE, PODS_PER_NODE, ClusterLayout
from bench.kube_server import BenchApiServer, application
from dataplane.convert import convert
from dataplane.convert.routes import NODE_TUNNEL_MAC_ANNOTATION, generated_mac
from dataplane.model import Node
from dataplane.sources.reflector import INITIAL_EVENTS_END

pytestmark = pytest.mark.anyio
LAYOUT = ClusterLayout(pods=1000)
NODES = "/api/v1/nodes"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the server is aiohttp's


@pytest.fixture
async def server() -> AsyncIterator[tuple[BenchApiServer, str]]:
    bench_server = BenchApiServer(LAYOUT, bookmark_interval=3600, window=1000)
    runner = web.AppRunner(application(bench_server), shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield bench_server, f"http://{host}:{port}"
    await runner.cleanup()


async def get(url: str, **params: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(url, params=params) as reply:
        assert reply.status == 200
        return orjson.loads(await reply.read())


async def list_all(url: str, limit: int) -> tuple[list[dict[str, Any]], set[str]]:
    """Every item of a paginated list, and the resourceVersions its pages carried."""
    items: list[dict[str, Any]] = []
    versions: set[str] = set()
    page = await get(url, limit=str(limit))
    while True:
        items += page["items"]
        versions.add(page["metadata"]["resourceVersion"])
        token = page["metadata"].get("continue")
        if not token:
            return items, versions
        page = await get(url, limit=str(limit), **{"continue": token})


def as_event_object(item: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", **item}


async def test_nodes_are_listed_in_pages_with_the_measured_node(
    server: tuple[BenchApiServer, str],
) -> None:
    _, url = server
    items, versions = await list_all(url + NODES, limit=4)
    names = [item["metadata"]["name"] for item in items]
    assert len(versions) == 1
    assert names == sorted(names) == sorted(spec.name for spec in LAYOUT.nodes())
    assert len(names) == len(set(names)) == 3 + 1000 // PODS_PER_NODE
    assert LOCAL_NODE in names
    assert "kind" not in items[0] and "apiVersion" not in items[0]
    pods, _ = await list_all(url + "/api/v1/pods", limit=500)
    hosts = collections.Counter(pod["spec"]["nodeName"] for pod in pods)
    assert hosts[LOCAL_NODE] == LAYOUT.local_pods
    assert set(hosts) <= set(names)
    addresses = {item["metadata"]["name"]: item["status"]["addresses"][0] for item in items}
    for pod in pods:
        internal = addresses[pod["spec"]["nodeName"]]
        assert internal["type"] == "InternalIP"
        assert pod["status"]["hostIP"] == internal["address"]


async def test_node_watch_list_sends_every_node_then_the_end_bookmark(
    server: tuple[BenchApiServer, str],
) -> None:
    bench_server, url = server
    params = {"watch": "true", "sendInitialEvents": "true", "timeoutSeconds": "1"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(url + NODES, params=params) as reply,
    ):
        events = [orjson.loads(line) for line in (await reply.read()).splitlines()]
    *added, end = events
    assert [event["type"] for event in added] == ["ADDED"] * len(LAYOUT.nodes())
    assert {event["object"]["kind"] for event in added} == {"Node"}
    assert sorted(e["object"]["metadata"]["name"] for e in added) == sorted(
        spec.name for spec in LAYOUT.nodes()
    )
    assert end["type"] == "BOOKMARK"
    assert end["object"]["kind"] == "Node"
    assert end["object"]["metadata"]["annotations"] == {INITIAL_EVENTS_END: "true"}
    assert end["object"]["metadata"]["resourceVersion"] == str(bench_server.version)


async def test_node_watch_ends_with_410_on_expiry(server: tuple[BenchApiServer, str]) -> None:
    bench_server, url = server
    params = {"watch": "true", "resourceVersion": str(bench_server.version)}
    async with (
        aiohttp.ClientSession() as session,
        session.get(url + NODES, params=params) as reply,
    ):
        while not bench_server.streams:  # registered just after the headers are sent
            await anyio.sleep(0.01)
        async with session.post(url + "/_bench/expire") as expired:
            assert (await expired.json())["expired"] == 1
        events = [orjson.loads(line) for line in (await reply.read()).splitlines()]
    assert [(e["type"], e["object"]["code"]) for e in events] == [("ERROR", 410)]


def test_nodes_convert_with_addresses_and_vteps() -> None:
    for spec in LAYOUT.nodes():
        obj = node(LAYOUT, spec)
        converted = convert(as_event_object(obj)).value
        assert isinstance(converted, Node)
        assert converted.problems == ()
        assert converted.addresses == (spec.internal_ip,)
        assert converted.labels["kubernetes.io/hostname"] == spec.name
        assert converted.labels["kubernetes.io/os"] == ("windows" if spec.windows else "linux")
        assert converted.vtep is not None
        assert converted.vtep.provider_address == spec.internal_ip
        assert converted.vtep.tunnel_address == tunnel_address(spec)
        recorded = obj["metadata"]["annotations"].get(NODE_TUNNEL_MAC_ANNOTATION)
        assert (recorded is None) == spec.windows  # Windows nodes: the MAC Calico derives
        mac = generated_mac(spec.name) if recorded is None else recorded.replace(":", "-")
        assert converted.vtep.mac == mac.upper()


def test_nodes_are_a_realistic_mix_and_size() -> None:
    specs = LAYOUT.nodes()
    local = [spec for spec in specs if spec.name == LOCAL_NODE]
    assert len(local) == 1 and local[0].windows and not local[0].control_plane
    assert 1 < sum(spec.windows for spec in specs) < len(specs) // 2
    assert len({spec.internal_ip for spec in specs}) == len(specs)
    for spec in specs:
        obj = node(LAYOUT, spec)
        assert 5_000 < len(orjson.dumps(obj)) < 20_000
        assert len(obj["status"]["images"]) <= MAX_IMAGES
        role = "control-plane" if spec.control_plane else "worker"
        assert f"node-role.kubernetes.io/{role}" in obj["metadata"]["labels"]


@pytest.mark.parametrize("pods", [1_000, 10_000])
def test_workers_hold_100_pods_each(pods: int) -> None:
    layout = ClusterLayout(pods=pods)
    hosts = collections.Counter(layout.node_of(index) for index in range(pods))
    workers = [spec for spec in layout.nodes() if not spec.control_plane]
    assert len(workers) == pods // PODS_PER_NODE
    assert set(hosts.values()) == {PODS_PER_NODE}
    assert sorted(hosts) == sorted(spec.name for spec in workers)
    for spec in workers[:5]:
        on_node = [index for index in range(pods) if layout.node_of(index) == spec.name]
        assert list(layout.pods_on(spec)) == on_node
