"""The agent process on a directory: not ready while a document is unreadable, and
SIGTERM always works (inputs 1 and 6)."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest

from tests.agent.test_daemon import EXAMPLES, get, start_agent, wait_for


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    target = tmp_path / "cluster"
    shutil.copytree(EXAMPLES, target)
    return target


def test_unparsable_document_keeps_the_agent_not_ready_with_the_reason(manifests: Path) -> None:
    broken = manifests / "90-broken.yaml"
    broken.write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n---\nkind: [\n"
        "---\napiVersion: projectcalico.org/v4\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\n"
    )
    os.mkfifo(manifests / "91-pipe.yaml")
    port, proc = start_agent(manifests)
    try:
        wait_for(lambda: b"90-broken.yaml" in get(port, "/status")[1])
        code, body = get(port, "/readyz")
        assert code == 503
        assert b"unreadable document" in body and b"90-broken.yaml" in body
        status = json.loads(get(port, "/status")[1])
        assert set(status["unreadable_documents"]) == {
            f"{broken}: document 2",
            f"{broken}: document 3: GlobalNetworkPolicy g",
        }
        (source,) = status["sources"].values()
        assert source["state"] == "watching"
        assert len(status["endpoints"]) == 3
        broken.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n")
        wait_for(lambda: get(port, "/readyz")[0] == 200)
        assert json.loads(get(port, "/status")[1])["invalid_resources"] == {}
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "91-pipe.yaml: not a regular file, skipped" in output
