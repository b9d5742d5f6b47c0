"""KubernetesSource against the fake API server: list, watch, resume, relist, recovery."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml

from dataplane.errors import ValidationError
from dataplane.model import Delete, InSync, Kind, ResourceKey, Update, Upsert
from dataplane.sources import BackoffPolicy, KubernetesSource, Source, WatchSettings
from dataplane.sources.kube_errors import MalformedEventError
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.sources.objects import (
    global_network_set,
    global_policy,
    k8s_policy,
    namespace,
    pod,
    tier,
)
from tests.sources.recording_sink import RecordingSink, model_state

pytestmark = pytest.mark.anyio

FAST = WatchSettings(
    page_size=2,
    watch_timeout=60,
    watchdog_timeout=30,
    request_timeout=10,
    crd_recheck_interval=0.05,
    backoff=BackoffPolicy(base=0.005, max=0.05),
)


@asynccontextmanager
async def watching(
    fake: FakeKubeApiServer, settings: WatchSettings = FAST, **options: Any
) -> AsyncIterator[tuple[KubernetesSource, RecordingSink]]:
    """A running source on the ``fake`` API server, in sync and watching."""
    options.setdefault("server", fake.url)
    source = KubernetesSource(settings=settings, rng=random.Random(7), **options)
    sink = RecordingSink()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(source.run, sink)
        await sink.wait_until(lambda: sink.in_sync == 1)
        present = sum(1 for entry in source.status().values() if entry["present"])
        await fake.wait_for_watches(present)
        yield source, sink
        tasks.cancel_scope.cancel()


def mirrors(server: FakeKubeApiServer, sink: RecordingSink) -> Callable[[], bool]:
    return lambda: sink.state == model_state(server.all_objects())


def seed(server: FakeKubeApiServer, pods: int = 5) -> None:
    server.create(namespace("shop", team="a"))
    server.create(namespace("web"))
    for index in range(pods):
        server.create(pod("shop", f"p{index}", f"10.0.0.{index + 1}", app="web"))
    server.create(k8s_policy("shop", "allow-web"))
    server.create(tier("security", 10))
    server.create(global_policy("deny-all"))
    server.create(global_network_set("dns", "10.96.0.10/32"))


def pod_key(name: str) -> ResourceKey:
    return ResourceKey(Kind.WORKLOAD_ENDPOINT, "shop", name)


def updates_after(sink: RecordingSink, count: int) -> list[Update]:
    return sink.updates_seen[count:]


def watch_versions(server: FakeKubeApiServer, path: str) -> list[int]:
    return [
        int(r.params["resourceVersion"])
        for r in server.requests
        if r.verb == "watch" and r.path == path
    ]


def lists_of(server: FakeKubeApiServer, path: str) -> int:
    return sum(1 for r in server.requests if r.verb == "list" and r.path == path)


async def test_conforms_to_the_source_protocol() -> None:
    assert isinstance(KubernetesSource(server="http://127.0.0.1:1"), Source)


async def test_initial_list_delivers_every_object_then_in_sync() -> None:
    async with FakeKubeApiServer() as server:
        seed(server)
        async with watching(server) as (source, sink):
            assert sink.state == model_state(server.all_objects())
            assert len(sink.state) == 11
            assert sink.updates_seen[-1] == InSync()
            assert sink.updates_seen.count(InSync()) == 1
            status = source.status()
    pod_lists = [r.params for r in server.requests if r.path == "/api/v1/pods"][:3]
    assert [p.get("limit") for p in pod_lists] == ["2", "2", "2"]
    assert ["continue" in p for p in pod_lists] == [False, True, True]
    assert set(status) == {
        "namespaces",
        "serviceaccounts",
        "pods",
        "networkpolicies.networking.k8s.io",
        "nodes",
        "tiers.crd.projectcalico.org",
        "networkpolicies.crd.projectcalico.org",
        "globalnetworkpolicies.crd.projectcalico.org",
        "networksets.crd.projectcalico.org",
        "globalnetworksets.crd.projectcalico.org",
        "ippools.crd.projectcalico.org",
        "ipamblocks.crd.projectcalico.org",
    }
    assert all(entry["listed"] and entry["present"] for entry in status.values())
    assert status["pods"]["objects"] == 5
    assert status["pods"]["resource_version"] == str(server.resource_version)


async def test_watch_events_become_updates() -> None:
    async with FakeKubeApiServer() as server:
        seed(server)
        async with watching(server) as (source, sink):
            synced_at = len(sink.updates_seen)
            server.create(pod("shop", "new", "10.0.1.1"))
            server.update(pod("shop", "p1", "10.0.1.2", app="web"))
            server.delete("v1", "Pod", "p2", "shop")
            server.update(namespace("shop", team="b"))
            server.create(k8s_policy("web", "deny"))
            await sink.wait_until(mirrors(server, sink))
            assert len(updates_after(sink, synced_at)) == 5
            assert Delete(pod_key("p2")) in updates_after(sink, synced_at)
            assert sink.redundant == 0
            assert source.status()["pods"]["events"] == 3


async def test_normal_stream_end_resumes_from_the_last_version_without_duplicates() -> None:
    async with FakeKubeApiServer() as server:
        seed(server)
        async with watching(server) as (source, sink):
            synced_at = len(sink.updates_seen)
            for round_ in range(3):
                await server.wait_for_watches(1, "pods")
                server.create(pod("shop", f"r{round_}", f"10.0.2.{round_ + 1}"))
                await sink.wait_until(mirrors(server, sink))
                server.end_watches("pods")
            await server.wait_for_watches(1, "pods")
            assert len(updates_after(sink, synced_at)) == 3
            assert sink.redundant == 0
            assert source.status()["pods"]["relists"] == 0
    assert lists_of(server, "/api/v1/pods") == 3, "three pages, one list"
    versions = watch_versions(server, "/api/v1/pods")
    created = [int(o["metadata"]["resourceVersion"]) for o in server.objects("v1", "Pod")][-3:]
    assert versions[1:4] == created


async def test_server_timeout_ends_the_stream_and_the_watch_resumes() -> None:
    settings = replace(FAST, watch_timeout=1)
    async with FakeKubeApiServer(bookmark_interval=3600) as server:
        seed(server)
        async with watching(server, settings) as (_, sink):
            with anyio.fail_after(10):
                while len(watch_versions(server, "/api/v1/pods")) < 2:
                    await anyio.sleep(0.05)
            server.create(pod("shop", "late", "10.0.3.1"))
            await sink.wait_until(mirrors(server, sink))
    timeouts = {r.params["timeoutSeconds"] for r in server.requests if r.verb == "watch"}
    assert timeouts <= {"1", "2"}


@pytest.mark.parametrize("gone_as_event", [False, True], ids=["http-410", "error-event"])
async def test_gone_relists_and_emits_exactly_the_missed_differences(gone_as_event: bool) -> None:
    async with FakeKubeApiServer(gone_as_event=gone_as_event) as server:
        seed(server, pods=4)
        async with watching(server) as (source, sink):
            synced_at = len(sink.updates_seen)
            server.stall_watches("pods")  # the outage: nothing reaches the client
            server.delete("v1", "Pod", "p0", "shop")
            server.update(pod("shop", "p1", "10.0.9.1", app="web"))
            annotated = pod("shop", "p2", "10.0.0.3", app="web")
            annotated["metadata"]["annotations"] = {"note": "no model change"}
            server.update(annotated)
            server.create(pod("shop", "p4", "10.0.9.4"))
            server.compact()
            server.drop_watches("pods")
            await sink.wait_until(mirrors(server, sink))
            missed = updates_after(sink, synced_at)
            stats = source.status()["pods"]
    expected = model_state(
        [pod("shop", "p1", "10.0.9.1", app="web"), pod("shop", "p4", "10.0.9.4")]
    )
    assert sorted(missed, key=repr) == sorted(
        [Delete(pod_key("p0")), *(Upsert(v) for v in expected.values())], key=repr
    )
    assert sink.redundant == 0
    assert stats["relists"] == 1


async def test_gone_error_event_on_an_open_stream_relists_without_changes() -> None:
    async with FakeKubeApiServer() as server:
        seed(server)
        async with watching(server) as (source, sink):
            batches = len(sink.batches)
            assert server.expire_watches("pods") == 1
            await sink.wait_until(lambda: source.status()["pods"]["relists"] == 1)
            await server.wait_for_watches(1, "pods")
            assert len(sink.batches) == batches
            assert "410" in str(source.status()["pods"]["last_error"])


@pytest.mark.parametrize("seed_value", [1, 2])
async def test_reconnect_storm_converges_without_lost_or_duplicated_updates(
    seed_value: int,
) -> None:
    rng = random.Random(seed_value)
    async with FakeKubeApiServer(compaction_window=6, bookmark_interval=0.05) as server:
        seed(server)
        async with watching(server) as (source, sink):
            for step in range(40):
                mutate_randomly(server, rng, step)
                if rng.random() < 0.5:
                    server.drop_watches()
                await anyio.sleep(rng.uniform(0, 0.01))
            await sink.wait_until(mirrors(server, sink), timeout=20)
            status = source.status()
    assert sink.redundant == 0
    assert sum(entry["reconnects"] for entry in status.values()) > 0


def mutate_randomly(server: FakeKubeApiServer, rng: random.Random, step: int) -> None:
    pods = [o["metadata"]["name"] for o in server.objects("v1", "Pod")]
    choice = rng.randrange(5)
    if choice == 0 or not pods:
        server.create(pod("shop", f"s{step}", f"10.1.{step}.1", app=rng.choice(["web", "db"])))
    elif choice == 1:
        server.update(pod("shop", rng.choice(pods), f"10.2.{step}.1"))
    elif choice == 2:
        server.delete("v1", "Pod", rng.choice(pods), "shop")
    elif choice == 3:
        server.apply(namespace("shop", team=f"t{step}"))
    else:
        server.apply(global_policy("deny-all", order=step))


async def test_bookmarks_advance_the_resume_version() -> None:
    async with FakeKubeApiServer(bookmark_interval=0.02) as server:
        seed(server)
        async with watching(server) as (source, sink):
            last_pod_version = max(
                int(o["metadata"]["resourceVersion"]) for o in server.objects("v1", "Pod")
            )
            for name in ("a", "b", "c"):
                server.create(namespace(name))
            target = str(server.resource_version)
            await sink.wait_until(lambda: source.status()["pods"]["resource_version"] == target)
            server.compact()  # a resume from the last pod event would now be 410 Gone
            server.drop_watches("pods")
            await sink.wait_until(lambda: len(watch_versions(server, "/api/v1/pods")) >= 2)
            await server.wait_for_watches(1, "pods")
            stats = source.status()["pods"]
    assert watch_versions(server, "/api/v1/pods")[1] == int(target) > last_pod_version
    assert stats["bookmarks"] > 0
    assert stats["relists"] == 0


async def test_watchdog_restarts_a_stalled_stream() -> None:
    settings = replace(FAST, watchdog_timeout=0.5)
    async with FakeKubeApiServer(bookmark_interval=0.05) as server:
        seed(server)
        async with watching(server, settings) as (source, sink):
            assert server.stall_watches("pods") == 1
            server.create(pod("shop", "behind-stall", "10.0.4.1"))
            await sink.wait_until(mirrors(server, sink))
            stats = source.status()["pods"]
    assert stats["stalls"] >= 1
    assert stats["errors"] == 0
    assert stats["relists"] == 0


async def test_malformed_events_are_reported_skipped_and_repaired_by_a_relist() -> None:
    garbage = [
        b"this is not json\n",
        b'["an", "array"]\n',
        b'{"type": "ADDED"}\n',
        b'{"type": "EXPLODED", "object": {}}\n',
        b'{"type": "MODIFIED", "object": {"metadata": {}}}\n',
    ]
    async with FakeKubeApiServer() as server:
        seed(server)
        async with watching(server) as (source, sink):
            for line in garbage:
                server.inject(line, "pods")
            server.create(pod("shop", "after-garbage", "10.0.5.1"))
            await sink.wait_until(mirrors(server, sink))
            assert source.status()["pods"]["malformed"] == len(garbage)
            server.end_watches("pods")
            await sink.wait_until(lambda: source.status()["pods"]["relists"] == 1)
            await server.wait_for_watches(1, "pods")
    assert sink.origins(MalformedEventError) == ["pods watch"] * len(garbage)
    assert sink.redundant == 0


async def test_absent_crds_are_not_an_error_and_are_watched_once_installed() -> None:
    async with FakeKubeApiServer(crds_present=False) as server:
        server.create(namespace("shop"))
        async with watching(server) as (source, sink):
            status = source.status()["tiers.crd.projectcalico.org"]
            assert (status["listed"], status["present"], status["errors"]) == (True, False, 0)
            assert sink.state == model_state(server.all_objects())

            server.set_present("tiers", True)
            server.set_present("globalnetworksets", True)
            server.create(tier("security", 10))
            server.create(global_network_set("dns", "10.96.0.10/32"))
            await sink.wait_until(mirrors(server, sink))
            assert len(sink.state) == 3
            await sink.wait_until(lambda: source.status()["tiers.crd.projectcalico.org"]["present"])

            server.set_present("tiers", False)
            await sink.wait_until(mirrors(server, sink))
            assert ResourceKey(Kind.TIER, "", "security") not in sink.state
    assert sink.redundant == 0


async def test_invalid_objects_are_reported_and_the_previous_version_kept() -> None:
    async with FakeKubeApiServer() as server:
        server.create(namespace("shop"))
        server.create(pod("shop", "bad-ip", "999.0.0.1"))
        server.create(k8s_policy("shop", "p", port=80))
        async with watching(server) as (source, sink):
            assert sink.origins(ValidationError) == ["v1 Pod shop/bad-ip"]
            policy_key = ResourceKey(Kind.K8S_NETWORK_POLICY, "shop", "p")
            valid = sink.state[policy_key]

            server.update(k8s_policy("shop", "p", port=70000))
            await sink.wait_until(lambda: len(sink.problems) == 2)
            assert sink.problems[1][0] == "networking.k8s.io/v1 NetworkPolicy shop/p"
            assert sink.state[policy_key] == valid

            server.delete("networking.k8s.io/v1", "NetworkPolicy", "p", "shop")
            server.delete("v1", "Pod", "bad-ip", "shop")
            await sink.wait_until(lambda: Delete(pod_key("bad-ip")) in sink.updates_seen)
            assert policy_key not in sink.state
            assert source.status()["pods"]["invalid"] == 1


async def test_request_errors_back_off_and_recover() -> None:
    async with FakeKubeApiServer() as server:
        seed(server)
        server.fail_next(4, code=500)
        async with watching(server) as (source, sink):
            assert sink.state == model_state(server.all_objects())
            status = source.status()
    assert sum(entry["errors"] for entry in status.values()) == 4
    assert any("500" in str(entry["last_error"]) for entry in status.values())


async def test_kubeconfig_gives_the_server_and_the_token(tmp_path: Path) -> None:
    async with FakeKubeApiServer() as server:
        seed(server, pods=1)
        kubeconfig = tmp_path / "config"
        kubeconfig.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "fake", "cluster": {"server": server.url}}],
                    "users": [{"name": "agent", "user": {"token": "s3cret"}}],
                    "contexts": [{"name": "ctx", "context": {"cluster": "fake", "user": "agent"}}],
                    "current-context": "ctx",
                }
            )
        )
        async with watching(server, server=None, kubeconfig=str(kubeconfig)) as (_, sink):
            assert sink.state == model_state(server.all_objects())
    assert {r.authorization for r in server.requests} == {"Bearer s3cret"}


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_refuses_to_run_outside_asyncio() -> None:
    with pytest.raises(RuntimeError, match="asyncio"):
        await KubernetesSource(server="http://127.0.0.1:1").run(RecordingSink())
