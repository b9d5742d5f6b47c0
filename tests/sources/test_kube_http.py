"""The source's own HTTP session against a real local server: TLS, credentials, proxy."""

from __future__ import annotations

import datetime
import random
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
import trustme
import yaml
from kubernetes_asyncio import client
from kubernetes_asyncio.config import incluster_config

from dataplane import __version__
from dataplane.sources import KubernetesSource
from dataplane.sources.kube_http import tls_context
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.sources.recording_sink import RecordingSink, model_state
from tests.sources.test_kubernetes import FAST, seed, watching

pytestmark = pytest.mark.anyio


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


def server_tls(ca: trustme.CA, *names: str, client_ca: trustme.CA | None = None) -> ssl.SSLContext:
    """The fake server's TLS: a certificate for ``names`` (127.0.0.1 by default) signed by
    ``ca``; with ``client_ca``, a client certificate it signed is required."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*(names or ("127.0.0.1",))).configure_cert(context)
    if client_ca is not None:
        client_ca.configure_trust(context)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def kubeconfig(path: Path, cluster: dict[str, Any], user: dict[str, Any] | None = None) -> str:
    """A kubeconfig file for ``cluster`` (with its ``server``) and ``user``."""
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": cluster}],
                "users": [{"name": "u", "user": user or {"token": "t0ken"}}],
                "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "ctx",
            }
        )
    )
    return str(path)


def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


async def refusal(config_file: str) -> tuple[dict[str, Any], RecordingSink]:
    """Run a source on ``config_file`` until a request failed: its status, and its sink."""
    source = KubernetesSource(config_file, settings=FAST, rng=random.Random(7))
    sink = RecordingSink()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(source.run, sink)
        await sink.wait_until(lambda: source.status()["errors"] > 0)
        tasks.cancel_scope.cancel()
    return source.status(), sink


def last_errors(status: dict[str, Any]) -> set[str]:
    return {str(c["last_error"]) for c in status["collections"].values() if c["last_error"]}


async def test_https_trusts_the_configured_ca(ca: trustme.CA, tmp_path: Path) -> None:
    async with FakeKubeApiServer(tls=server_tls(ca)) as server:
        seed(server, pods=2)
        cluster = {"server": server.url, "certificate-authority": ca_file(ca, tmp_path)}
        config_file = kubeconfig(tmp_path / "config", cluster)
        async with watching(server, server=None, kubeconfig=config_file) as (_, sink):
            assert sink.state == model_state(server.all_objects())
    assert server.url.startswith("https://")
    assert {r.authorization for r in server.requests} == {"Bearer t0ken"}
    assert {r.headers["Accept"] for r in server.requests} == {"application/json"}
    assert {r.headers["User-Agent"] for r in server.requests} == {f"hns-dataplane/{__version__}"}


@pytest.mark.parametrize("trusted", ["another CA", "the system's CAs"])
async def test_an_untrusted_server_is_refused(ca: trustme.CA, tmp_path: Path, trusted: str) -> None:
    async with FakeKubeApiServer(tls=server_tls(ca)) as server:
        seed(server, pods=1)
        cluster: dict[str, Any] = {"server": server.url}
        if trusted == "another CA":
            cluster["certificate-authority"] = ca_file(trustme.CA(), tmp_path)
        status, sink = await refusal(kubeconfig(tmp_path / "config", cluster))
    assert server.requests == [], "no request is sent over an unverified connection"
    assert sink.in_sync == 0 and not sink.state
    assert status["state"] == "syncing" and status["errors"] > 0
    errors = last_errors(status)
    assert errors and all("certificate verify failed" in error for error in errors), errors


async def test_insecure_skip_tls_verify_accepts_any_certificate(
    ca: trustme.CA, tmp_path: Path
) -> None:
    async with FakeKubeApiServer(tls=server_tls(ca)) as server:
        seed(server, pods=1)
        cluster = {"server": server.url, "insecure-skip-tls-verify": True}
        config_file = kubeconfig(tmp_path / "config", cluster)
        async with watching(server, server=None, kubeconfig=config_file) as (_, sink):
            assert sink.state == model_state(server.all_objects())


@pytest.mark.parametrize("server_name", [True, False])
async def test_tls_server_name_is_the_name_checked(
    ca: trustme.CA, tmp_path: Path, server_name: bool
) -> None:
    async with FakeKubeApiServer(tls=server_tls(ca, "kubernetes.internal")) as server:
        seed(server, pods=1)
        cluster: dict[str, Any] = {
            "server": server.url,
            "certificate-authority": ca_file(ca, tmp_path),
        }
        if server_name:
            cluster["tls-server-name"] = "kubernetes.internal"
        config_file = kubeconfig(tmp_path / "config", cluster)
        if server_name:
            async with watching(server, server=None, kubeconfig=config_file) as (_, sink):
                assert sink.state == model_state(server.all_objects())
            return
        status, _ = await refusal(config_file)
    assert server.requests == []
    assert all("match" in error for error in last_errors(status)), last_errors(status)


@pytest.mark.parametrize("presented", [True, False])
async def test_the_client_certificate_is_presented(
    ca: trustme.CA, tmp_path: Path, presented: bool
) -> None:
    clients = trustme.CA()
    async with FakeKubeApiServer(tls=server_tls(ca, client_ca=clients)) as server:
        seed(server, pods=1)
        cluster = {"server": server.url, "certificate-authority": ca_file(ca, tmp_path)}
        user: dict[str, Any] = {}
        if presented:
            leaf = clients.issue_cert("agent@example.org", common_name="system:node:win-1")
            leaf.cert_chain_pems[0].write_to_path(str(tmp_path / "client.pem"))
            leaf.private_key_pem.write_to_path(str(tmp_path / "client.key"))
            user = {
                "client-certificate": str(tmp_path / "client.pem"),
                "client-key": str(tmp_path / "client.key"),
            }
        config_file = kubeconfig(tmp_path / "config", cluster, user)
        if not presented:
            status, _ = await refusal(config_file)
            assert server.requests == [] and last_errors(status)
            return
        async with watching(server, server=None, kubeconfig=config_file) as (_, sink):
            assert sink.state == model_state(server.all_objects())
    names = {
        dict(pair for part in r.client_subject or () for pair in part).get("commonName")
        for r in server.requests
    }
    assert names == {"system:node:win-1"}
    assert {r.authorization for r in server.requests} == {None}


@pytest.fixture
def in_cluster(ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A pod's service account: its CA and token files (the token re-read at every
    request, as if it had always just expired); the token file's path."""
    token = tmp_path / "token"
    token.write_text("first")
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", ca_file(ca, tmp_path))
    monkeypatch.setattr(incluster_config, "TOKEN_REFRESH_PERIOD", datetime.timedelta(0))
    yield token


async def test_in_cluster_requests_carry_the_rotated_token(
    ca: trustme.CA, in_cluster: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeKubeApiServer(tls=server_tls(ca)) as server:
        seed(server, pods=1)
        host, port = server.url.removeprefix("https://").split(":")
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", host)
        monkeypatch.setenv("KUBERNETES_SERVICE_PORT", port)
        async with watching(server, server=None) as (_, sink):
            assert sink.state == model_state(server.all_objects())
            before = len(server.requests)
            in_cluster.write_text("second")
            watches = server.drop_watches()
            await sink.wait_until(lambda: len(server.requests) >= before + watches)
    assert {r.authorization for r in server.requests[:before]} == {"Bearer first"}
    assert {r.authorization for r in server.requests[before:]} == {"Bearer second"}


async def test_http_creates_no_tls_context(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[ssl.SSLContext] = []
    new = ssl.SSLContext.__new__

    def recorded(cls: type[ssl.SSLContext], *args: Any, **kwargs: Any) -> ssl.SSLContext:
        context = new(cls, *args, **kwargs)
        created.append(context)
        return context

    async with FakeKubeApiServer() as server:
        seed(server, pods=1)
        monkeypatch.setattr(ssl.SSLContext, "__new__", staticmethod(recorded))
        async with watching(server) as (_, sink):
            assert sink.state == model_state(server.all_objects())
        assert created == []
        https = client.Configuration(host="https://127.0.0.1:1")
        https.verify_ssl = False
        assert tls_context(https) is not None and len(created) == 1, "the spy sees contexts"
    assert server.url.startswith("http://")


def test_a_ca_file_is_the_only_trusted_ca(ca: trustme.CA, tmp_path: Path) -> None:
    configuration = client.Configuration(host="https://kubernetes.internal")
    configuration.ssl_ca_cert = ca_file(ca, tmp_path)
    context = tls_context(configuration)
    assert context is not None
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert len(context.get_ca_certs()) == 1


async def test_a_proxy_from_the_environment_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with FakeKubeApiServer() as server:
        seed(server, pods=1)
        async with watching(server) as (_, sink):
            assert sink.state == model_state(server.all_objects())


async def test_the_configured_proxy_carries_every_request(tmp_path: Path) -> None:
    async with FakeKubeApiServer() as proxy:
        seed(proxy, pods=1)
        # The proxy is the fake itself: it serves requests for a name that cannot resolve.
        cluster = {"server": "http://kubernetes.invalid:6443", "proxy-url": proxy.url}
        config_file = kubeconfig(tmp_path / "config", cluster)
        async with watching(proxy, server=None, kubeconfig=config_file) as (_, sink):
            assert sink.state == model_state(proxy.all_objects())
    assert {r.headers["Host"] for r in proxy.requests} == {"kubernetes.invalid:6443"}
