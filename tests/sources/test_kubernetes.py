"""KubernetesSource against the fake API server: list, watch, resume, relist, recovery."""

from __future__ import annotations

import gc
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml

from dataplane.engine import Engine
from dataplane.errors import ValidationError
from dataplane.model import Delete, InSync, Kind, ResourceKey, Update, Upsert
from dataplane.sources import BackoffPolicy, KubernetesSource, Source, WatchSettings
from dataplane.sources.kube_errors import MalformedEventError
from dataplane.sources.kube_watcher import INITIAL_EVENTS_BATCH
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.sources.objects import (
    global_network_set,
    global_policy,
    k8s_policy,
    namespace,
    node,
    pod,
    tier,
)
from tests.sources.recording_sink import RecordingSink, model_state

pytestmark = pytest.mark.anyio

FAST = WatchSettings(
    page_size=2,
    watch_timeout=60,
    watchdog_timeout=30,
    header_timeout=10,
    idle_timeout=10,
    healthy_watch=0.5,
    watch_list=False,
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
        present = sum(1 for entry in source.status()["collections"].values() if entry["present"])
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


def collection(source: KubernetesSource, name: str) -> dict[str, Any]:
    collections: dict[str, dict[str, Any]] = source.status()["collections"]
    return collections[name]


def lists_of(server: FakeKubeApiServer, path: str) -> int:
    return sum(1 for r in server.requests if r.verb == "list" and r.path == path)


async def test_conforms_to_the_source_protocol() -> None:
    assert isinstance(KubernetesSource(server="http://127.0.0.1:1"), Source)


@pytest.mark.parametrize("freeze", [True, False])
async def test_full_collections_are_reported_while_running(freeze: bool) -> None:
    """Their survivors are frozen unless ``full_gc_interval`` is 0; once the source
    stops, collections are no longer reported to it."""
    settings = replace(FAST, full_gc_interval=600.0 if freeze else 0.0)
    async with FakeKubeApiServer() as server:
        seed(server)
        async with watching(server, settings) as (source, _):
            full = source.collector.pauses[2]
            count = full.count
            gc.collect()
            assert full.count == count + 1 and full.longest > 0
            assert source.collector.freezes == (full.count if freeze else 0)
    gc.collect()
    assert full.count == count + 1


async def test_initial_list_delivers_every_object_then_in_sync() -> None:
    async with FakeKubeApiServer() as server:
        seed(server)
        async with watching(server) as (source, sink):
            assert sink.state == model_state(server.all_objects())
            assert len(sink.state) == 11
            assert sink.updates_seen[-1] == InSync()
            assert sink.updates_seen.count(InSync()) == 1
            status = source.status()["collections"]
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
        "adminnetworkpolicies.policy.networking.k8s.io",
        "baselineadminnetworkpolicies.policy.networking.k8s.io",
        "clusternetworkpolicies.policy.networking.k8s.io",
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
            assert source.status()["collections"]["pods"]["events"] == 3


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
            assert source.status()["collections"]["pods"]["relists"] == 0
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
            stats = source.status()["collections"]["pods"]
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
            await sink.wait_until(lambda: source.status()["collections"]["pods"]["relists"] == 1)
            await server.wait_for_watches(1, "pods")
            assert len(sink.batches) == batches
            assert "410" in str(source.status()["collections"]["pods"]["last_error"])


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
            status = source.status()["collections"]
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
            await sink.wait_until(lambda: collection(source, "pods")["resource_version"] == target)
            server.compact()  # a resume from the last pod event would now be 410 Gone
            server.drop_watches("pods")
            await sink.wait_until(lambda: len(watch_versions(server, "/api/v1/pods")) >= 2)
            await server.wait_for_watches(1, "pods")
            stats = source.status()["collections"]["pods"]
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
            stats = source.status()["collections"]["pods"]
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
            assert source.status()["collections"]["pods"]["malformed"] == len(garbage)
            server.end_watches("pods")
            await sink.wait_until(lambda: source.status()["collections"]["pods"]["relists"] == 1)
            await server.wait_for_watches(1, "pods")
    assert sink.origins(MalformedEventError) == ["pods watch"] * len(garbage)
    assert sink.redundant == 0


async def test_absent_crds_are_not_an_error_and_are_watched_once_installed() -> None:
    async with FakeKubeApiServer(crds_present=False) as server:
        server.create(namespace("shop"))
        async with watching(server) as (source, sink):
            status = source.status()["collections"]["tiers.crd.projectcalico.org"]
            assert (status["listed"], status["present"], status["errors"]) == (True, False, 0)
            assert sink.state == model_state(server.all_objects())

            server.set_present("tiers", True)
            server.set_present("globalnetworksets", True)
            server.create(tier("security", 10))
            server.create(global_network_set("dns", "10.96.0.10/32"))
            await sink.wait_until(mirrors(server, sink))
            assert len(sink.state) == 3
            tiers = "tiers.crd.projectcalico.org"
            await sink.wait_until(lambda: collection(source, tiers)["present"])

            server.set_present("tiers", False)
            await sink.wait_until(mirrors(server, sink))
            assert ResourceKey(Kind.TIER, "", "security") not in sink.state
    assert sink.redundant == 0


async def test_admin_policy_crds_and_nodes_are_watched_once_installed() -> None:
    admin = {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": "guard"},
        "spec": {
            "priority": 3,
            "subject": {"namespaces": {}},
            "ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}],
        },
    }
    async with FakeKubeApiServer(crds_present=False) as server:
        server.create(node("n1", "10.0.0.4", role="infra"))
        async with watching(server) as (source, sink):
            name = "adminnetworkpolicies.policy.networking.k8s.io"
            assert collection(source, name)["present"] is False
            assert ResourceKey(Kind.NODE, "", "n1") in sink.state
            server.set_present("adminnetworkpolicies", True, "policy.networking.k8s.io/v1alpha1")
            server.create(admin)
            await sink.wait_until(mirrors(server, sink))
            assert ResourceKey(Kind.ADMIN_NETWORK_POLICY, "", "guard") in sink.state


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
            server.update(k8s_policy("shop", "p", port=443))
            await sink.wait_until(lambda: bool(sink.cleared))
            assert sink.cleared == ["networking.k8s.io/v1 NetworkPolicy shop/p"]

            server.delete("networking.k8s.io/v1", "NetworkPolicy", "p", "shop")
            server.delete("v1", "Pod", "bad-ip", "shop")
            await sink.wait_until(lambda: Delete(pod_key("bad-ip")) in sink.updates_seen)
            assert policy_key not in sink.state
            assert source.status()["collections"]["pods"]["invalid"] == 1


async def test_request_errors_back_off_and_recover() -> None:
    async with FakeKubeApiServer() as server:
        seed(server)
        server.fail_next(4, code=500)
        async with watching(server) as (source, sink):
            assert sink.state == model_state(server.all_objects())
            status = source.status()["collections"]
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


# -- the faults of a real cluster ------------------------------------------------------------------


async def test_resource_versions_restarting_relists_from_etcd_and_converges() -> None:
    async with FakeKubeApiServer() as server:
        seed(server)
        for index in range(30):  # history that the restored backup does not have
            server.apply(namespace("web", rev=str(index)))
        async with watching(server) as (source, sink):
            remembered = int(source.status()["collections"]["pods"]["resource_version"])
            server.restore_versions()  # etcd restored from a backup: versions from 1 again
            server.delete("v1", "Pod", "p0", "shop")
            server.update(pod("shop", "p1", "10.0.7.1", app="db"))
            await sink.wait_until(mirrors(server, sink))
            await sink.wait_until(
                lambda: int(source.status()["collections"]["pods"]["resource_version"]) < remembered
            )
            for index in range(remembered):  # versions pass the remembered one again
                server.apply(namespace("shop", team=f"t{index}"))
            server.create(pod("shop", "late", "10.0.8.1"))
            await sink.wait_until(mirrors(server, sink))
    assert sink.redundant == 0
    too_large = [r for r in server.requests if r.verb == "watch" and r.path == "/api/v1/pods"]
    assert any(int(r.params["resourceVersion"]) >= remembered for r in too_large)


async def test_a_watch_never_answered_is_abandoned_after_the_header_timeout() -> None:
    settings = replace(FAST, header_timeout=0.3)
    async with FakeKubeApiServer() as server:
        seed(server)
        async with watching(server, settings) as (source, sink):
            server.hang_next(1)
            server.end_watches("pods")
            server.create(pod("shop", "after-hang", "10.0.4.2"))
            await sink.wait_until(mirrors(server, sink))
            stats = source.status()["collections"]["pods"]
    assert "no response headers within 0.3 s" in str(stats["last_error"])


@pytest.mark.parametrize("storm", ["expire_every_watch", "close_every_watch"])
async def test_watch_storms_back_off_instead_of_looping(storm: str) -> None:
    settings = replace(FAST, backoff=BackoffPolicy(base=0.05, max=0.4), healthy_watch=5)
    async with FakeKubeApiServer() as server:
        seed(server)
        async with watching(server, settings) as (source, sink):
            before = len(server.requests)
            setattr(server, storm, True)
            server.end_watches("pods")
            await anyio.sleep(1.5)
            pod_requests = [
                r
                for r in server.requests[before:]
                if r.path == "/api/v1/pods" and "continue" not in r.params
            ]
            status = source.status()
            setattr(server, storm, False)
            server.create(pod("shop", "after-storm", "10.0.4.3"))
            await sink.wait_until(mirrors(server, sink), timeout=10)
    # Lists and watches started; without a growing backoff this is hundreds.
    assert len(pod_requests) <= 16
    assert status["collections"]["pods"]["errors"] >= 3
    assert sink.redundant == 0


async def test_a_forbidden_policy_crd_is_skipped_and_fails_closed_until_readable() -> None:
    async with FakeKubeApiServer() as server:
        seed(server)
        server.forbid("globalnetworkpolicies")
        async with watching(server) as (source, sink):
            stand_in = ResourceKey(
                Kind.GLOBAL_NETWORK_POLICY,
                "",
                "hns-dataplane:unreadable:globalnetworkpolicies.crd.projectcalico.org",
            )
            assert stand_in in sink.state
            assert ResourceKey(Kind.TIER, "", "hns-dataplane:unreadable") in sink.state
            name = "globalnetworkpolicies.crd.projectcalico.org"
            await sink.wait_until(lambda: collection(source, name)["state"] == "forbidden")
            status = source.status()
            assert status["unreadable"] == [name]
            assert status["state"] == "degraded"
            assert "403" in status["collections"][name]["last_error"]
            assert source.ready()
            engine = Engine("node-1")
            engine.apply([*(Upsert(value) for value in sink.state.values()), InSync()])
            engine.refresh()
            endpoint = engine.endpoint_status(pod_key("p0"))
            assert endpoint is not None and stand_in in endpoint.ingress
            assert stand_in in endpoint.egress

            server.forbid("globalnetworkpolicies", forbidden=False)
            await sink.wait_until(mirrors(server, sink))
            assert source.status()["unreadable"] == []

            server.forbid("globalnetworkpolicies")  # RBAC revoked while watching
            server.end_watches("globalnetworkpolicies")
            await sink.wait_until(lambda: stand_in in sink.state)
    assert sink.redundant == 0


NODES_DENY = {
    "apiVersion": "policy.networking.k8s.io/v1alpha1",
    "kind": "AdminNetworkPolicy",
    "metadata": {"name": "no-infra"},
    "spec": {
        "priority": 3,
        "subject": {"namespaces": {}},
        "egress": [
            {"action": "Deny", "to": [{"nodes": {"matchLabels": {"role": "infra"}}}]},
            {"action": "Deny", "to": [{"networks": ["10.9.0.0/16"]}]},
        ],
    },
}


async def test_forbidden_nodes_make_rules_with_nodes_peers_fail_closed_until_readable() -> None:
    marker = ResourceKey(Kind.UNREADABLE_NODES, "", "nodes")
    async with FakeKubeApiServer() as server:
        seed(server)
        server.create(NODES_DENY)
        server.create(node("n1", "10.0.0.4", role="infra"))
        server.forbid("nodes")
        async with watching(server) as (source, sink):
            assert marker in sink.state
            # Only the Nodes' own stand-in: no deny-all policy, no unreadable tier.
            assert ResourceKey(Kind.TIER, "", "hns-dataplane:unreadable") not in sink.state
            # Rechecked every crd_recheck_interval: a recheck may be listing right now.
            await sink.wait_until(lambda: collection(source, "nodes")["state"] == "forbidden")
            assert source.status()["unreadable"] == ["nodes"]
            engine = Engine("node-1")
            engine.apply([*(Upsert(value) for value in sink.state.values()), InSync()])
            engine.refresh()
            endpoint = engine.endpoint_status(pod_key("p0"))
            assert endpoint is not None
            (note,) = [n for n in endpoint.notes if "nodes peer" in n]
            assert "Egress rule 0 (Deny)" in note and note.endswith("denies everything")

            server.forbid("nodes", forbidden=False)
            await sink.wait_until(lambda: marker not in sink.state)
            await sink.wait_until(mirrors(server, sink))
            assert ResourceKey(Kind.NODE, "", "n1") in sink.state
            assert source.status()["unreadable"] == []

            server.forbid("nodes")  # RBAC revoked while watching
            server.end_watches("nodes")
            await sink.wait_until(lambda: marker in sink.state)
    assert sink.redundant == 0


async def test_readiness_fails_while_a_required_watch_is_down_past_the_grace() -> None:
    settings = replace(FAST, down_grace=0.3, backoff=BackoffPolicy(base=0.05, max=0.1))
    async with FakeKubeApiServer() as server:
        seed(server)
        async with watching(server, settings) as (source, sink):
            assert source.ready()
            server.forbid("pods")
            server.end_watches("pods")
            await sink.wait_until(lambda: not source.ready())
            assert source.status()["down"] == ["pods"]
            assert source.status()["state"] == "down"
            server.forbid("pods", forbidden=False)
            await sink.wait_until(source.ready)


@pytest.mark.parametrize("server_watch_list", [True, False], ids=["watch-list", "refused"])
async def test_watch_list_syncs_and_relists_or_falls_back_to_lists(server_watch_list: bool) -> None:
    settings = replace(FAST, watch_list=True)
    async with FakeKubeApiServer(watch_list=server_watch_list) as server:
        seed(server)
        async with watching(server, settings) as (source, sink):
            assert sink.state == model_state(server.all_objects())
            server.stall_watches("pods")
            server.delete("v1", "Pod", "p0", "shop")
            server.create(pod("shop", "new", "10.0.9.9"))
            server.compact()
            server.drop_watches("pods")
            await sink.wait_until(mirrors(server, sink))
            pods = source.status()["collections"]["pods"]
    initial = [r for r in server.requests if r.params.get("sendInitialEvents") == "true"]
    lists = [r for r in server.requests if r.verb == "list"]
    assert bool(initial)
    assert (lists == []) == server_watch_list
    assert pods["watch_list"] is server_watch_list
    assert pods["relists"] >= 1
    assert sink.redundant == 0


async def test_initial_events_are_delivered_in_large_batches() -> None:
    settings = replace(FAST, watch_list=True)
    async with FakeKubeApiServer() as server:
        for index in range(1200):
            server.create(pod("shop", f"p{index}", f"10.1.{index // 250}.{index % 250 + 1}"))
        async with watching(server, settings) as (_, sink):
            synced = next(i for i, batch in enumerate(sink.batches) if InSync() in batch)
            sizes = [
                sum(isinstance(u, Upsert) and u.key.kind is Kind.WORKLOAD_ENDPOINT for u in batch)
                for batch in sink.batches[: synced + 1]
            ]
    pod_batches = [size for size in sizes if size]
    assert sum(pod_batches) == 1200
    assert all(size >= INITIAL_EVENTS_BATCH for size in pod_batches[:-1])


async def test_initial_events_read_before_a_broken_watch_list_are_not_lost() -> None:
    settings = replace(FAST, watch_list=True)
    async with FakeKubeApiServer() as server:
        seed(server, pods=30)
        server.cut_next_initial_events("pods", 12)
        async with watching(server, settings) as (source, sink):
            assert sink.state == model_state(server.all_objects())
            assert collection(source, "pods")["errors"] >= 1
    assert sink.redundant == 0
