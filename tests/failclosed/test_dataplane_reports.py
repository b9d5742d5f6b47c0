"""What the embeddable Dataplane reports and refuses (inputs 1, 3, 4 and 7)."""

from __future__ import annotations

import logging

import pytest

from dataplane.convert import convert
from dataplane.convert.manifests import ManifestError
from dataplane.model import InSync
from tests.agent.test_dataplane import CLUSTER, allowed_in, fresh_simulator, pod, started

__all__ = ["fresh_simulator"]

LEFTOVER = pod("leftover", "10.1.0.5", {"app": "other"})  # claims api's address
LEFTOVER["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"


@pytest.mark.anyio
async def test_duplicate_address_programs_the_protected_pod_and_says_so(
    fresh_simulator: None, caplog: pytest.LogCaptureFixture
) -> None:
    async with started() as dp:
        batch = [convert(o) for o in [*CLUSTER, LEFTOVER]] + [InSync()]
        await dp.programmed(dp.feed(batch), timeout=10)
        assert "demo/leftover" not in dp.status()["endpoints"]
        assert not allowed_in(dp, "api", "10.2.0.8", 443), "api's policy holds"
        (warning,) = dp.status()["warnings"]
        assert "10.1.0.5" in warning and "demo/leftover" in warning
        logged = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert logged.count(warning) == 1


@pytest.mark.anyio
async def test_unreadable_document_makes_the_dataplane_not_ready_until_cleared(
    fresh_simulator: None,
) -> None:
    async with started() as dp:
        await dp.programmed(dp.feed([convert(o) for o in CLUSTER] + [InSync()]), timeout=10)
        assert dp.ready
        dp.invalid("a.yaml: document 2", ManifestError("a.yaml", 2, "invalid YAML: x"))
        assert not dp.ready
        (reason,) = dp.not_ready()
        assert reason.startswith("unreadable document: a.yaml: document 2: invalid YAML")
        assert dp.status()["unreadable_documents"] == {
            "a.yaml: document 2": "a.yaml: document 2: invalid YAML: x"
        }
        dp.valid("a.yaml: document 2")
        assert dp.ready and dp.status()["invalid_resources"] == {}


@pytest.mark.anyio
async def test_feed_rejects_what_is_not_updates_and_feeding_after_close(
    fresh_simulator: None,
) -> None:
    async with started() as dp:
        with pytest.raises(TypeError, match="got dict"):
            dp.feed(CLUSTER[0])  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="got dict"):
            dp.feed(CLUSTER)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="got int"):
            dp.feed(5)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="closed"):
        dp.feed([InSync()])


BAD_PORT = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "api-bad", "namespace": "demo"},
    "spec": {
        "podSelector": {"matchLabels": {"app": "web"}},
        "ingress": [{"ports": [{"port": 70000}]}],
    },
}


@pytest.mark.anyio
async def test_partly_invalid_policy_isolates_and_is_noted_counted_and_logged(
    fresh_simulator: None, caplog: pytest.LogCaptureFixture
) -> None:
    async with started() as dp:
        await dp.programmed(
            dp.feed([convert(o) for o in [*CLUSTER, BAD_PORT]] + [InSync()]), timeout=10
        )
        assert not allowed_in(dp, "web", "10.2.0.8", 80), (
            "web is isolated, the bad rule allows nothing"
        )
        notes = dp.status()["endpoints"]["demo/web"]["fail_closed"]
        assert any("api-bad" in n and "invalid" in n for n in notes)
        assert dp.metrics.registry.get_sample_value("dataplane_fail_closed_rules") == len(notes)
        assert any("api-bad" in r.getMessage() for r in caplog.records)
