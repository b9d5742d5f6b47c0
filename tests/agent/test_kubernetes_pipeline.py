"""The whole agent path from a (fake) Kubernetes API server to programmed HNS ACLs:
list, watch, live policy edits, and an API outage that must not remove rules."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import anyio
import pytest

from dataplane import Dataplane, DataplaneOptions
from dataplane.config import ApplierConfig
from dataplane.hns import HcnClient, simulator
from dataplane.metrics import Metrics
from dataplane.sources import BackoffPolicy, KubernetesSource, WatchSettings
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.sources.objects import node

pytestmark = pytest.mark.anyio

FAST = dataclasses.replace(
    ApplierConfig(), batch_window=0.001, retry_base=0.01, endpoint_poll_interval=0.02
)


def pod(name: str, ip: str, app: str, node: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "prod", "labels": {"app": app}},
        "spec": {"nodeName": node, "containers": [{"name": "c"}]},
        "status": {"phase": "Running", "podIP": ip},
    }


def db_policy(port: int) -> dict:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "db-from-api", "namespace": "prod"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "db"}},
            "ingress": [
                {
                    "from": [{"podSelector": {"matchLabels": {"app": "api"}}}],
                    "ports": [{"port": port}],
                }
            ],
        },
    }


def create_db_and_api(server: FakeKubeApiServer) -> None:
    """Namespace prod: pod db on win-1 (the node under test), pod api on win-2, and the
    policy that lets api reach db on 5432."""
    server.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}})
    server.create(pod("db", "10.3.0.2", "db", node="win-1"))
    server.create(pod("api", "10.3.1.2", "api", node="win-2"))
    server.create(db_policy(5432))


async def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    with anyio.fail_after(timeout):
        while not check():
            await anyio.sleep(0.02)


def allows(dp: Dataplane, pod: str, source: str, port: int) -> bool:
    """Whether HNS lets TCP from ``source`` reach ``pod`` on ``port``."""
    endpoint = dp.status()["endpoints"][pod]["hns_endpoint"]
    return bool(simulator.classify(endpoint, "In", 6, None, port, source, 40000).allowed)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # kubernetes-asyncio is asyncio-only


async def test_api_server_to_programmed_acls() -> None:
    simulator.reset()
    options = DataplaneOptions(create_network=True, manage_endpoints=True, applier=FAST)
    async with FakeKubeApiServer() as server:
        server.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}})
        server.create(pod("db", "10.3.0.2", "db", node="win-1"))
        server.create(pod("api", "10.3.1.2", "api", node="win-2"))
        server.create(pod("batch", "10.3.1.3", "batch", node="win-2"))
        server.create(db_policy(5432))
        async with (
            HcnClient(backend="sim") as client,
            Dataplane("win-1", client, options) as dp,
            anyio.create_task_group() as tg,
        ):
            tg.start_soon(dp.run_source, KubernetesSource(server=server.url))

            def db_allows(source: str, port: int) -> bool:
                return allows(dp, "prod/db", source, port)

            await eventually(lambda: dp.ready)
            await dp.programmed(timeout=10)
            assert db_allows("10.3.1.2", 5432) and not db_allows("10.3.1.3", 5432)

            # A live edit arrives through the watch and is programmed.
            server.update(db_policy(6432))
            await eventually(lambda: db_allows("10.3.1.2", 6432))
            await dp.programmed(timeout=10)  # merge mode adds the new ACLs, then removes the old
            assert not db_allows("10.3.1.2", 5432)

            # The API server goes away (every request fails, streams drop): rules stay.
            server.fail_next(10_000, code=503)
            server.drop_watches()
            await anyio.sleep(0.5)
            assert db_allows("10.3.1.2", 6432) and not db_allows("10.3.1.3", 6432)
            tg.cancel_scope.cancel()


async def test_api_server_nodes_pools_and_blocks_to_programmed_routes() -> None:
    from tests.agent.test_routes_dataplane import CLUSTER as OVERLAY
    from tests.agent.test_routes_dataplane import held_routes

    simulator.reset()
    options = DataplaneOptions(
        create_network=True, network_type="Overlay", manage_endpoints=True, applier=FAST
    )
    async with FakeKubeApiServer() as server:
        for obj in OVERLAY:
            server.create(obj)
        async with (
            HcnClient(backend="sim") as client,
            Dataplane("node-1", client, options) as dp,
            anyio.create_task_group() as tg,
        ):
            tg.start_soon(dp.run_source, KubernetesSource(server=server.url))
            await eventually(lambda: dp.ready and len(held_routes(dp.status()["network"])) == 3)
            # The IPAM block of node-2 is released: its route goes, nothing else moves.
            server.delete("crd.projectcalico.org/v1", "IPAMBlock", "10-244-2-0-26")
            await eventually(lambda: len(held_routes(dp.status()["network"])) == 2)
            assert ("10.244.2.0/26", "172.16.0.12") not in held_routes(dp.status()["network"])
            tg.cancel_scope.cancel()


async def test_unreadable_policy_crd_denies_and_a_long_outage_is_not_ready() -> None:
    simulator.reset()
    options = DataplaneOptions(create_network=True, manage_endpoints=True, applier=FAST)
    settings = WatchSettings(
        down_grace=0.3, crd_recheck_interval=0.05, backoff=BackoffPolicy(0.01, 0.05)
    )
    metrics = Metrics()
    async with FakeKubeApiServer() as server:
        create_db_and_api(server)
        server.forbid("networkpolicies", "crd.projectcalico.org/v1")
        source = KubernetesSource(server=server.url, settings=settings, metrics=metrics)
        async with (
            HcnClient(backend="sim") as client,
            Dataplane("win-1", client, options, metrics) as dp,
            anyio.create_task_group() as tg,
        ):
            tg.start_soon(dp.run_source, source)

            def db_allows(source: str, port: int) -> bool:
                return allows(dp, "prod/db", source, port)

            # InSync arrives although one policy CRD is forbidden, and the node is
            # programmed fail-closed: what the unreadable policies allow is unknown.
            await eventually(lambda: dp.ready)
            await dp.programmed(timeout=10)
            assert not db_allows("10.3.1.2", 5432)
            kube = dp.status()["sources"]["kubernetes"]
            assert kube["unreadable"] == ["networkpolicies.crd.projectcalico.org"]
            assert dp.not_ready() == []
            scrape = metrics.render().decode()
            forbidden = 'collection="networkpolicies.crd.projectcalico.org",state="forbidden"'
            assert f"dataplane_kube_state{{{forbidden}}} 1.0" in scrape

            server.forbid("networkpolicies", "crd.projectcalico.org/v1", forbidden=False)
            await eventually(lambda: db_allows("10.3.1.2", 5432))

            # A watch down longer than the grace makes the agent not ready, with the reason.
            server.fail_next(10_000, code=503)
            server.drop_watches()
            await eventually(lambda: "kubernetes: no working watch of pods" in dp.not_ready())
            assert db_allows("10.3.1.2", 5432)
            tg.cancel_scope.cancel()


def egress_allows(dp: Dataplane, pod: str, destination: str, port: int) -> bool:
    """Whether HNS lets TCP from ``pod`` reach ``destination`` on ``port``."""
    endpoint = dp.status()["endpoints"][pod]["hns_endpoint"]
    return bool(simulator.classify(endpoint, "Out", 6, None, 40000, destination, port).allowed)


async def test_forbidden_nodes_make_a_deny_to_nodes_deny_all_egress_until_readable() -> None:
    """An AdminNetworkPolicy denies egress to infra nodes. While the agent may not read
    Nodes, which addresses those are is unknown: the rule denies all egress (not nothing),
    reported; other policies are enforced as written; once readable, only the nodes."""
    simulator.reset()
    options = DataplaneOptions(create_network=True, manage_endpoints=True, applier=FAST)
    settings = WatchSettings(crd_recheck_interval=0.05, backoff=BackoffPolicy(0.01, 0.05))
    metrics = Metrics()
    async with FakeKubeApiServer() as server:
        create_db_and_api(server)
        server.create(node("infra-1", "10.0.9.4", role="infra"))
        server.create(
            {
                "apiVersion": "policy.networking.k8s.io/v1alpha1",
                "kind": "AdminNetworkPolicy",
                "metadata": {"name": "no-infra"},
                "spec": {
                    "priority": 10,
                    "subject": {"namespaces": {}},
                    "egress": [
                        {"action": "Deny", "to": [{"nodes": {"matchLabels": {"role": "infra"}}}]}
                    ],
                },
            }
        )
        server.forbid("nodes")
        source = KubernetesSource(server=server.url, settings=settings, metrics=metrics)
        async with (
            HcnClient(backend="sim") as client,
            Dataplane("win-1", client, options, metrics) as dp,
            anyio.create_task_group() as tg,
        ):
            tg.start_soon(dp.run_source, source)
            await eventually(lambda: dp.ready)
            await dp.programmed(timeout=10)
            assert not egress_allows(dp, "prod/db", "10.0.9.4", 80)
            assert not egress_allows(dp, "prod/db", "10.3.1.2", 80)  # the whole direction
            assert allows(dp, "prod/db", "10.3.1.2", 5432)  # the NetworkPolicy, as written
            status = dp.status()
            assert status["sources"]["kubernetes"]["unreadable"] == ["nodes"]
            assert status["admin_policies"]["unreadable_nodes"] == ["nodes"]
            (note,) = status["endpoints"]["prod/db"]["fail_closed"]
            assert "nodes peer cannot be evaluated" in note and "denies everything" in note
            scrape = metrics.render().decode()
            assert "dataplane_fail_closed_rules 1.0" in scrape
            assert 'dataplane_kube_state{collection="nodes",state="forbidden"} 1.0' in scrape

            server.forbid("nodes", forbidden=False)
            await eventually(lambda: egress_allows(dp, "prod/db", "10.3.1.2", 80))
            await dp.programmed(timeout=10)
            assert not egress_allows(dp, "prod/db", "10.0.9.4", 80)
            status = dp.status()
            assert status["endpoints"]["prod/db"]["fail_closed"] == []
            assert status["admin_policies"]["unreadable_nodes"] == []
            tg.cancel_scope.cancel()
