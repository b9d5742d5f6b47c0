"""The directory datastore never hangs, blinds itself or deletes by accident (input 6)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml

from dataplane.model import Delete, Kind, ResourceKey
from dataplane.sources import DirectorySource
from dataplane.sources.manifest_tree import ManifestTree, TreeChanges
from tests.sources.objects import namespace
from tests.sources.recording_sink import RecordingSink


def write(path: Path, *docs: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(docs))


def ns(name: str) -> ResourceKey:
    return ResourceKey(Kind.NAMESPACE, "", name)


class Clock:
    def __init__(self) -> None:
        self.now = 10**18

    def __call__(self) -> int:
        return self.now


def test_fifo_is_skipped_without_being_opened(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", namespace("shop"))
    os.mkfifo(tmp_path / "pipe.yaml")  # opening it for reading would block forever
    tree = ManifestTree(tmp_path)
    changes = tree.poll()
    assert {u.key for u in changes.updates} == {ns("shop")}
    assert changes.skipped == (f"{tmp_path / 'pipe.yaml'}: not a regular file, skipped",)
    write(tmp_path / "b.yaml", namespace("web"))
    tree.poll()
    assert {u.key for u in tree.poll().updates} == {ns("web")}, "later edits still apply"


def test_unlistable_folder_keeps_its_objects_and_the_rest_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "locked" / "a.yaml", namespace("kept"))
    write(tmp_path / "b.yaml", namespace("one"))
    tree = ManifestTree(tmp_path)
    tree.poll()
    real_scandir = os.scandir
    locked = str(tmp_path / "locked")

    def scandir(path: Any) -> Any:
        if str(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    write(tmp_path / "b.yaml", namespace("two"))
    first = tree.poll()
    assert [origin for origin, _ in first.problems] == [locked]
    changes = tree.poll()
    assert Delete(ns("one")) in changes.updates
    assert {u.key for u in changes.updates} == {ns("one"), ns("two")}
    assert not any(u.key == ns("kept") for u in changes.updates)
    monkeypatch.setattr(os, "scandir", real_scandir)
    assert tree.poll().cleared == (locked,)


def test_emptied_file_deletes_only_after_the_quiet_period(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "a.yaml"
    write(path, namespace("shop"))
    tree = ManifestTree(tmp_path, empty_grace_ns=30 * 10**9, clock=clock)
    tree.poll()
    path.write_text("")
    for _ in range(5):
        clock.now += 2 * 10**9
        assert tree.poll().updates == ()
    clock.now += 30 * 10**9
    assert tree.poll().updates == (Delete(ns("shop")),)


def test_emptied_then_rewritten_file_never_deletes(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "a.yaml"
    write(path, namespace("shop"))
    tree = ManifestTree(tmp_path, empty_grace_ns=30 * 10**9, clock=clock)
    tree.poll()
    path.write_text("")
    tree.poll()
    tree.poll()
    write(path, namespace("shop"))
    clock.now += 60 * 10**9
    tree.poll()
    assert tree.poll() == TreeChanges((), ())


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_invalid_resources_are_those_of_now_and_changes_are_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dataplane.sources.directory")
    path = tmp_path / "a.yaml"
    write(path, namespace("shop"))
    broken = tmp_path / "b.yaml"
    source, sink = DirectorySource(tmp_path, poll_interval=0.02), RecordingSink()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(source.run, sink)
        await sink.wait_until(lambda: sink.in_sync == 1)
        broken.write_text("kind: [\n")
        await sink.wait_until(lambda: bool(source.status()["invalid"]))
        assert list(source.status()["invalid"]) == [f"{broken}: document 1"]
        write(broken, namespace("web"))
        await sink.wait_until(lambda: not source.status()["invalid"])
        assert sink.cleared == [f"{broken}: document 1"]
        write(path, namespace("shop", team="a"))
        await sink.wait_until(lambda: len(sink.batches) == 3)
        broken.unlink()
        await sink.wait_until(lambda: len(sink.batches) == 4)
        tasks.cancel_scope.cancel()
    lines = [r.getMessage() for r in caplog.records if r.name == "dataplane.sources.directory"]
    assert lines.count("added Namespace(shop)") == 1
    assert lines.count("added Namespace(web)") == 1
    assert lines.count("changed Namespace(shop)") == 1
    assert lines.count("removed Namespace(web)") == 1
    assert source.status()["state"] == "watching"


def test_a_yaml_error_in_one_document_leaves_the_rest_of_the_file_applied(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: one}\n"
        "---\nkind: [\n"
        "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: three}\n"
    )
    changes = ManifestTree(tmp_path).poll()
    assert {u.key for u in changes.updates} == {ns("one"), ns("three")}
    ((origin, error),) = changes.problems
    assert origin == f"{path}: document 2" and "invalid YAML" in str(error)


def test_a_symlinked_folder_loop_is_not_followed(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", namespace("shop"))
    (tmp_path / "loop").symlink_to(tmp_path)
    changes = ManifestTree(tmp_path).poll()
    assert {u.key for u in changes.updates} == {ns("shop")}
    assert changes.problems == ()
