"""DirectorySource: the manifest folder as an update stream, under asyncio and trio."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml

from dataplane.model import Delete, InSync, Kind, ResourceKey
from dataplane.sources import DirectorySource, Source, UpdateSink
from tests.sources.objects import k8s_policy, namespace, pod
from tests.sources.recording_sink import RecordingSink, model_state

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def write(path: Path, *docs: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(docs))


async def test_conforms_to_the_source_protocols() -> None:
    assert isinstance(DirectorySource("."), Source)
    assert isinstance(RecordingSink(), UpdateSink)


async def test_initial_load_is_one_batch_ending_in_sync(tmp_path: Path) -> None:
    docs = [namespace("shop"), pod("shop", "web-1", "10.0.0.1"), k8s_policy("shop", "p")]
    write(tmp_path / "a.yaml", *docs)
    source, sink = DirectorySource(tmp_path, poll_interval=0.02), RecordingSink()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(source.run, sink)
        await sink.wait_until(lambda: sink.in_sync == 1)
        polls = source.status()["polls"]
        await sink.wait_until(lambda: source.status()["polls"] >= polls + 3)
        tasks.cancel_scope.cancel()
    assert len(sink.batches) == 1, "unchanged polls emit nothing"
    assert sink.batches[0][-1] == InSync()
    assert sink.state == model_state(docs)
    status = source.status()
    assert status["state"] == "watching"
    assert (status["files"], status["objects"]) == (1, 3)


async def test_changes_arrive_as_exact_differences(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", namespace("shop"), pod("shop", "web-1", "10.0.0.1"))
    source, sink = DirectorySource(tmp_path, poll_interval=0.02), RecordingSink()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(source.run, sink)
        await sink.wait_until(lambda: sink.in_sync == 1)

        write(tmp_path / "sub" / "b.yaml", pod("shop", "web-2", "10.0.0.2"))
        await sink.wait_until(lambda: len(sink.batches) == 2)
        write(tmp_path / "a.yaml", namespace("shop"), pod("shop", "web-1", "10.0.0.7"))
        await sink.wait_until(lambda: len(sink.batches) == 3)
        shutil.rmtree(tmp_path / "sub")
        await sink.wait_until(lambda: len(sink.batches) == 4)
        tasks.cancel_scope.cancel()
    assert [len(batch) for batch in sink.batches[1:]] == [1, 1, 1]
    assert sink.batches[3] == [Delete(ResourceKey(Kind.WORKLOAD_ENDPOINT, "shop", "web-2"))]
    assert sink.state == model_state([namespace("shop"), pod("shop", "web-1", "10.0.0.7")])
    assert sink.redundant == 0


async def test_invalid_and_unparsable_files_are_reported_not_applied(tmp_path: Path) -> None:
    good, broken = tmp_path / "good.yaml", tmp_path / "broken.yaml"
    write(good, namespace("shop"), k8s_policy("shop", "p", port=80))
    source, sink = DirectorySource(tmp_path, poll_interval=0.02), RecordingSink()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(source.run, sink)
        await sink.wait_until(lambda: sink.in_sync == 1)
        write(good, namespace("shop"), k8s_policy("shop", "p", port=70000))
        broken.write_text("kind: [")
        await sink.wait_until(lambda: len(sink.problems) == 2)
        write(good, namespace("shop"))
        await sink.wait_until(lambda: len(sink.batches) == 2)
        tasks.cancel_scope.cancel()
    assert sorted(sink.origins()) == sorted(
        [f"{broken}: document 1", f"{good}: document 2: NetworkPolicy shop/p"]
    )
    assert sink.batches[1] == [Delete(ResourceKey(Kind.K8S_NETWORK_POLICY, "shop", "p"))]


async def test_missing_path_fails_at_start(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await DirectorySource(tmp_path / "absent").run(RecordingSink())


async def test_vanished_root_is_reported_once_and_keeps_the_objects(tmp_path: Path) -> None:
    root = tmp_path / "cluster"
    write(root / "a.yaml", namespace("shop"))
    source, sink = DirectorySource(root, poll_interval=0.02), RecordingSink()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(source.run, sink)
        await sink.wait_until(lambda: sink.in_sync == 1)
        root.rename(tmp_path / "elsewhere")
        await sink.wait_until(lambda: source.status()["errors"] >= 3)
        write(tmp_path / "elsewhere" / "a.yaml", namespace("shop"), namespace("web"))
        (tmp_path / "elsewhere").rename(root)
        await sink.wait_until(lambda: len(sink.batches) == 2)
        tasks.cancel_scope.cancel()
    assert sink.origins() == [str(root)]
    assert sink.state == model_state([namespace("shop"), namespace("web")])
    assert source.status()["last_error"] is None


async def test_reads_cluster_admin_policies_and_nodes(tmp_path: Path) -> None:
    subject = {"namespaces": {}}
    rule = {"action": "Deny", "from": [{"namespaces": {}}]}
    docs = [
        {
            "apiVersion": "policy.networking.k8s.io/v1alpha1",
            "kind": "AdminNetworkPolicy",
            "metadata": {"name": "guard"},
            "spec": {"priority": 1, "subject": subject, "ingress": [rule]},
        },
        {
            "apiVersion": "policy.networking.k8s.io/v1alpha1",
            "kind": "BaselineAdminNetworkPolicy",
            "metadata": {"name": "default"},
            "spec": {"subject": subject, "ingress": [rule]},
        },
        {
            "apiVersion": "policy.networking.k8s.io/v1alpha2",
            "kind": "ClusterNetworkPolicy",
            "metadata": {"name": "guard"},
            "spec": {"tier": "Admin", "priority": 2, "subject": subject, "ingress": [rule]},
        },
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}},
    ]
    write(tmp_path / "admin.yaml", *docs)
    source, sink = DirectorySource(tmp_path, poll_interval=0.02), RecordingSink()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(source.run, sink)
        await sink.wait_until(lambda: sink.in_sync == 1)
        tasks.cancel_scope.cancel()
    assert set(sink.state) == {
        ResourceKey(Kind.ADMIN_NETWORK_POLICY, "", "guard"),
        ResourceKey(Kind.BASELINE_ADMIN_NETWORK_POLICY, "", "default"),
        ResourceKey(Kind.CLUSTER_NETWORK_POLICY, "", "guard"),
        ResourceKey(Kind.NODE, "", "n1"),
    }
