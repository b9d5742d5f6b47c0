"""Every configuration error is one line on stderr and exit status 2, before HNS is
touched (input 7)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from dataplane import __version__
from dataplane.cli import main
from dataplane.hns import simulator
from tests.agent.test_daemon import EXAMPLES


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    _, err = capsys.readouterr()
    return code, err


def agent(*extra: str, config: Path | None = None) -> list[str]:
    args = ["run", "--datastore", str(EXAMPLES), "--node-name", "n", "--hns", "sim", *extra]
    return [*args, "--config", str(config)] if config else args


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ("directory_poll_interval: 0", "directory_poll_interval"),
        ("directory_poll_interval: -2", "directory_poll_interval"),
        ("directory_empty_file_grace: -1", "directory_empty_file_grace"),
        ("applier: {batch_window: -1}", "applier.batch_window"),
        ("applier: {progress_interval: 0}", "applier.progress_interval"),
        ("applier: {endpoint_poll_interval: 0}", "applier.endpoint_poll_interval"),
        ("applier: {resync_interval: 0}", "applier.resync_interval"),
        ("applier: {retry_base: 0}", "applier.retry_base"),
        ("applier: {retry_base: 5, retry_max: 1}", "applier.retry_max"),
        ("applier: {progress_interval: .nan}", "applier.progress_interval"),
        ("simulator: {version: 'abc'}", "simulator.version"),
        ("simulator: {version: '15'}", "simulator.version"),
        ("simulator: {call_latency_us: -1}", "simulator.call_latency_us"),
    ],
)
def test_bad_values_are_rejected_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setting: str, key: str
) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(setting + "\n")
    code, err = run(capsys, *agent(config=config))
    assert code == 2
    assert err.count("\n") == 1 and f": {key}: " in err


def test_kubernetes_without_any_kubeconfig(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    code, err = run(capsys, "run", "--datastore", "kubernetes", "--node-name", "n")
    assert code == 2 and err.count("\n") == 1 and err.startswith("hns-dataplane: kubeconfig:")
    code, err = run(
        capsys, "run", "--datastore", "kubernetes", "--node-name", "n", "--kubeconfig", "/nope"
    )
    assert code == 2 and "kubeconfig: no such file: /nope" in err


def test_dll_where_there_is_none(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, *agent("--hns", "dll"))
    assert code == 2
    assert err == "hns-dataplane: hns: dll: computenetwork.dll is not available on this machine\n"


def test_busy_listen_port_fails_before_hns_is_touched(capsys: pytest.CaptureFixture[str]) -> None:
    simulator.reset()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, err = run(capsys, *agent("--listen", f"127.0.0.1:{port}"))
    assert code == 2
    assert err.startswith(f"hns-dataplane: listen: cannot listen on 127.0.0.1:{port}: ")
    assert err.count("\n") == 1
    assert sum(simulator.counters()["calls"].values()) == 0, "HNS untouched"


def test_version_flag() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "dataplane", "--version"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and proc.stdout == f"hns-dataplane {__version__}\n"
