"""The node agent as a process: directory datastore + simulator, HTTP endpoints,
live manifest edits, graceful shutdown, and configuration errors."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cluster"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def wait_for(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    target = tmp_path / "cluster"
    shutil.copytree(EXAMPLES, target)
    return target


def start_agent(manifests: Path) -> tuple[int, subprocess.Popen[str]]:
    """The agent as node win-node-1 on ``manifests`` and the simulator; returns its port."""
    port = free_port()
    args = ["run", "--datastore", str(manifests), "--node-name", "win-node-1", "--hns", "sim"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "dataplane", *args, "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return port, proc


def test_agent_programs_examples_follows_edits_and_stops_cleanly(manifests: Path) -> None:
    port, proc = start_agent(manifests)
    try:
        wait_for(lambda: get(port, "/readyz")[0] == 200)
        assert get(port, "/healthz") == (200, b"ok\n")
        status = json.loads(get(port, "/status")[1])
        endpoints = status["endpoints"]
        assert set(endpoints) == {"shop/web-1", "shop/cart-1", "payments/ledger-1"}
        assert all(e["hns_endpoint"] and e["acls"] > 0 for e in endpoints.values())
        assert "KubernetesNetworkPolicy(shop/cart-from-web)" in endpoints["shop/cart-1"]["ingress"]
        metrics = get(port, "/metrics")[1].decode()
        assert 'dataplane_hns_calls_total{call="ModifyEndpoint",result="ok"}' in metrics

        # Remove a policy file while the agent runs: cart-1 loses that policy.
        (manifests / "20-shop-policies.yaml").unlink()

        def cart_policy_gone() -> bool:
            eps = json.loads(get(port, "/status")[1])["endpoints"]
            return not any("shop/" in p for p in eps["shop/cart-1"]["ingress"])

        wait_for(cart_policy_gone)
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "programmed generation" in output
    assert "stopping (programmed rules stay in place)" in output


def test_invalid_manifest_is_reported_and_the_rest_programmed(manifests: Path) -> None:
    (manifests / "90-broken.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: broken, namespace: shop}\n"
        "spec:\n  podSelector: {}\n  ingress:\n  - ports: [{port: 70000}]\n"
    )
    port, proc = start_agent(manifests)
    try:
        wait_for(lambda: get(port, "/readyz")[0] == 200)
        status = json.loads(get(port, "/status")[1])
        [(origin, message)] = status["invalid_resources"].items()
        assert "90-broken.yaml" in origin and "spec.ingress[0].ports[0].port" in message
        assert len(status["endpoints"]) == 3
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert proc.returncode == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ["run", "--datastore", "/nonexistent", "--node-name", "n", "--hns", "sim"],
            "datastore: no such file or directory",
        ),
        (["run", "--datastore", str(EXAMPLES), "--hns", "sim"], "node_name: required"),
        (
            ["run", "--datastore", str(EXAMPLES), "--node-name", "n", "--listen", "nope"],
            "listen: expected HOST:PORT",
        ),
    ],
)
def test_bad_configuration_exits_2_with_a_clear_message(args: list[str], needle: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "dataplane", *args], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert needle in proc.stderr


def test_version_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "dataplane", "version"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and proc.stdout.startswith("hns-dataplane ")


def test_agent_programs_vxlan_routes_and_follows_node_changes(tmp_path: Path) -> None:
    target = tmp_path / "cluster"
    shutil.copytree(EXAMPLES, target)
    overlay = EXAMPLES.parent / "overlay" / "40-overlay.yaml"
    (target / "40-overlay.yaml").write_text(overlay.read_text())
    config = tmp_path / "agent.yaml"
    config.write_text("simulator:\n  network_type: Overlay\n")
    port = free_port()
    args = ["run", "--config", str(config), "--datastore", str(target)]
    args += ["--node-name", "win-node-1", "--hns", "sim", "--listen", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "dataplane", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def routes() -> list[str]:
        status = json.loads(get(port, "/status")[1])
        return sorted(r["prefix"] for r in status["routes"]["programmed"])

    try:
        wait_for(lambda: routes() == ["10.244.2.0/26", "10.244.3.0/26"])
        # linux-node-1 loses its VTEP (its Calico Node resource goes): its route goes.
        text = (target / "40-overlay.yaml").read_text()
        (target / "40-overlay.yaml").write_text(text.split("# A Calico Node resource")[0])
        wait_for(lambda: routes() == ["10.244.2.0/26"])
        metrics = get(port, "/metrics")[1].decode()
        assert 'dataplane_route_requests_total{request="Add",result="ok"} 2.0' in metrics
        assert 'dataplane_route_requests_total{request="Remove",result="ok"} 1.0' in metrics
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
