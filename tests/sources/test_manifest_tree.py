"""ManifestTree: polling a folder of manifests into exactly the differences."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from dataplane.convert import ManifestError
from dataplane.errors import FailClosedError, UnreadableError
from dataplane.model import Delete, Kind, ResourceKey, Upsert
from dataplane.sources.manifest_tree import DuplicateResourceError, ManifestTree, TreeChanges
from tests.sources.objects import global_network_set, k8s_policy, namespace, pod
from tests.sources.recording_sink import model_state


def write(path: Path, *docs: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(docs))


def upserted(changes: TreeChanges) -> set[ResourceKey]:
    return {u.key for u in changes.updates if isinstance(u, Upsert)}


def deleted(changes: TreeChanges) -> set[ResourceKey]:
    return {u.key for u in changes.updates if isinstance(u, Delete)}


def poll_edited(tree: ManifestTree) -> TreeChanges:
    """Poll after an edit: the first poll defers new content, the next one applies it."""
    assert tree.poll() == TreeChanges((), ())
    return tree.poll()


def ns_key(name: str) -> ResourceKey:
    return ResourceKey(Kind.NAMESPACE, "", name)


def pod_key(ns: str, name: str) -> ResourceKey:
    return ResourceKey(Kind.WORKLOAD_ENDPOINT, ns, name)


def test_first_poll_loads_every_document_of_every_file(tmp_path: Path) -> None:
    docs_a = [namespace("shop", team="a"), pod("shop", "web-1", "10.0.0.1", app="web")]
    docs_b = [k8s_policy("shop", "allow-web"), global_network_set("dns", "10.96.0.10/32")]
    write(tmp_path / "a.yaml", *docs_a)
    write(tmp_path / "nested" / "b.yml", *docs_b)
    changes = ManifestTree(tmp_path).poll()
    state = {u.key: u.value for u in changes.updates if isinstance(u, Upsert)}
    assert state == model_state(docs_a + docs_b)
    assert len(changes.updates) == 4
    assert changes.problems == ()


def test_json_files_and_a_single_file_root(tmp_path: Path) -> None:
    path = tmp_path / "cluster.json"
    path.write_text(
        '[{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},'
        ' {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}}]'
    )
    assert upserted(ManifestTree(path).poll()) == {ns_key("a"), ns_key("b")}


def test_unchanged_tree_yields_nothing(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", namespace("shop"))
    tree = ManifestTree(tmp_path)
    assert tree.poll().updates
    assert tree.poll() == TreeChanges((), ())
    assert tree.poll() == TreeChanges((), ())


def test_add_edit_and_delete_files_yield_only_the_differences(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", namespace("shop"), pod("shop", "web-1", "10.0.0.1"))
    tree = ManifestTree(tmp_path)
    tree.poll()

    write(tmp_path / "b.yaml", pod("shop", "web-2", "10.0.0.2"))
    assert poll_edited(tree).updates == model_updates(pod("shop", "web-2", "10.0.0.2"))

    write(tmp_path / "a.yaml", namespace("shop"), pod("shop", "web-1", "10.0.0.9"))
    changes = poll_edited(tree)
    assert changes.updates == model_updates(pod("shop", "web-1", "10.0.0.9"))

    (tmp_path / "b.yaml").unlink()
    changes = tree.poll()
    assert changes.updates == (Delete(pod_key("shop", "web-2")),)


def test_removing_a_document_from_a_file_deletes_only_its_object(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", namespace("one"), namespace("two"), namespace("three"))
    tree = ManifestTree(tmp_path)
    tree.poll()
    write(tmp_path / "a.yaml", namespace("one"), namespace("three"))
    assert poll_edited(tree).updates == (Delete(ns_key("two")),)


def test_atomic_rename_save_is_seen_and_the_temporary_file_is_not(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", namespace("shop", version="1"))
    tree = ManifestTree(tmp_path)
    tree.poll()
    temporary = tmp_path / ".a.yaml.swp"
    write(temporary, namespace("ghost"))
    assert tree.poll().updates == ()
    os.replace(temporary, tmp_path / "a.yaml")
    changes = poll_edited(tree)
    assert deleted(changes) == {ns_key("shop")}
    assert upserted(changes) == {ns_key("ghost")}


def test_same_size_edit_within_timestamp_granularity_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    write(path, namespace("aaaa"))
    tree = ManifestTree(tmp_path)
    tree.poll()
    before = path.stat()
    write(path, namespace("bbbb"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    changes = poll_edited(tree)
    assert deleted(changes) == {ns_key("aaaa")}
    assert upserted(changes) == {ns_key("bbbb")}


def test_settled_unchanged_files_are_not_read_again(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    write(path, namespace("shop"))
    os.utime(path, ns=(0, 1_000_000_000))
    tree = ManifestTree(tmp_path)
    tree.poll()
    tree.poll()
    tree.poll()
    assert tree.reads == 1


def test_recently_written_file_is_read_again_until_it_settles(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", namespace("shop"))
    tree = ManifestTree(tmp_path, racy_window_ns=3600 * 10**9)
    tree.poll()
    assert tree.poll() == TreeChanges((), ())
    assert tree.reads == 2, "an edit in the same timestamp tick would keep mtime and size"


def test_touching_a_file_without_changing_it_yields_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    write(path, namespace("shop"))
    tree = ManifestTree(tmp_path)
    tree.poll()
    os.utime(path, ns=(0, 1_000_000_000))
    assert tree.poll() == TreeChanges((), ())


def test_parse_error_is_reported_and_keeps_the_files_previous_objects(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    write(path, namespace("shop"), namespace("web"))
    tree = ManifestTree(tmp_path)
    tree.poll()
    path.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: [unclosed\n")
    changes = poll_edited(tree)
    assert changes.updates == ()
    assert [origin for origin, _ in changes.problems] == [f"{path}: document 1"]
    assert isinstance(changes.problems[0][1], ManifestError)
    assert tree.poll() == TreeChanges((), ()), "a broken file is reported once, not every poll"

    write(path, namespace("shop"))
    assert poll_edited(tree).updates == (Delete(ns_key("web")),)


def test_file_broken_from_the_start_loads_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("{{{")
    write(tmp_path / "b.yaml", namespace("shop"))
    changes = ManifestTree(tmp_path).poll()
    assert upserted(changes) == {ns_key("shop")}
    assert [origin for origin, _ in changes.problems] == [f"{tmp_path / 'a.yaml'}: document 1"]


def test_invalid_document_is_reported_with_its_origin_and_the_others_load(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    write(path, namespace("shop"), k8s_policy("shop", "bad", port=70000), namespace("web"))
    changes = ManifestTree(tmp_path).poll()
    bad = ResourceKey(Kind.K8S_NETWORK_POLICY, "shop", "bad")
    assert upserted(changes) == {ns_key("shop"), ns_key("web"), bad}
    assert [origin for origin, _ in changes.problems] == [
        f"{path}: document 2: NetworkPolicy shop/bad"
    ]
    error = changes.problems[0][1]
    assert isinstance(error, FailClosedError)
    assert "spec.ingress[0].ports[0].port: out of range" in str(error)
    assert "enforced fail-closed" in str(error)


def test_invalid_edit_keeps_the_previous_version_and_deleting_it_emits_delete(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.yaml"
    write(path, k8s_policy("shop", "p", port=80))
    tree = ManifestTree(tmp_path)
    tree.poll()
    key = ResourceKey(Kind.K8S_NETWORK_POLICY, "shop", "p")

    write(path, k8s_policy("shop", "p", port=70000))
    changes = poll_edited(tree)
    assert changes.updates == ()
    assert [origin for origin, _ in changes.problems] == [
        f"{path}: document 1: NetworkPolicy shop/p"
    ]

    write(path, k8s_policy("shop", "p", port=443))
    assert poll_edited(tree).updates == model_updates(k8s_policy("shop", "p", port=443))

    write(path, k8s_policy("shop", "p", port=70000))
    poll_edited(tree)
    write(path, namespace("other"))
    assert deleted(poll_edited(tree)) == {key}


def test_kind_outside_the_policy_groups_is_skipped_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}
    write(path, deployment, namespace("shop"))
    tree = ManifestTree(tmp_path)
    changes = tree.poll()
    assert upserted(changes) == {ns_key("shop")}
    assert changes.problems == ()
    (line,) = changes.skipped
    assert line.startswith(f"{path}: document 1: Deployment d: skipped")
    assert tree.poll() == TreeChanges((), ()), "said once"


def test_unknown_kind_of_a_policy_group_is_an_error_naming_file_and_document(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.yaml"
    typo = {
        "apiVersion": "projectcalico.org/v3",
        "kind": "GlobalNetworkpolicy",
        "metadata": {"name": "d"},
    }
    write(path, namespace("shop"), typo)
    changes = ManifestTree(tmp_path).poll()
    assert [origin for origin, _ in changes.problems] == [
        f"{path}: document 2: GlobalNetworkpolicy d"
    ]
    assert isinstance(changes.problems[0][1], UnreadableError)


def test_document_losing_its_name_mid_edit_keeps_the_objects_of_its_file(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    write(path, namespace("shop"), namespace("web"))
    tree = ManifestTree(tmp_path)
    tree.poll()
    nameless = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ""}}
    write(path, namespace("shop"), nameless)
    changes = poll_edited(tree)
    assert changes.updates == ()
    assert len(changes.problems) == 1
    write(path, namespace("shop"), namespace("web2"))
    changes = poll_edited(tree)
    assert deleted(changes) == {ns_key("web")}
    assert upserted(changes) == {ns_key("web2")}


def test_duplicate_definition_is_reported_and_the_first_file_wins(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", namespace("shop", owner="a"))
    write(tmp_path / "b.yaml", namespace("shop", owner="b"))
    tree = ManifestTree(tmp_path)
    changes = tree.poll()
    assert changes.updates == model_updates(namespace("shop", owner="a"))
    assert [type(error) for _, error in changes.problems] == [DuplicateResourceError]
    assert changes.problems[0][0].startswith(str(tmp_path / "b.yaml"))
    (tmp_path / "a.yaml").unlink()
    assert tree.poll().updates == model_updates(namespace("shop", owner="b"))


def test_content_changing_between_polls_is_not_applied_until_it_holds_still(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.yaml"
    write(path, namespace("one"), namespace("two"))
    tree = ManifestTree(tmp_path)
    tree.poll()
    write(path, namespace("one"))  # a writer caught half-way
    assert tree.poll() == TreeChanges((), ())
    write(path, namespace("one"), namespace("two"), namespace("three"))
    assert tree.poll() == TreeChanges((), ())
    assert tree.poll().updates == model_updates(namespace("three"))


def test_deleting_a_file_takes_effect_at_once(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", namespace("one"))
    tree = ManifestTree(tmp_path)
    tree.poll()
    (tmp_path / "a.yaml").unlink()
    assert tree.poll().updates == (Delete(ns_key("one")),)


def test_unreadable_file_is_reported_once_and_keeps_its_objects(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    write(path, namespace("one"))
    tree = ManifestTree(tmp_path)
    tree.poll()
    path.unlink()
    path.symlink_to(path.name)  # a symlink loop: stat fails with ELOOP, even for root
    changes = tree.poll()
    assert changes.updates == ()
    assert [origin for origin, _ in changes.problems] == [str(path)]
    assert tree.poll() == TreeChanges((), ())
    path.unlink()
    write(path, namespace("one"))
    assert tree.poll() == TreeChanges((), (), cleared=(str(path),))
    assert tree.poll() == TreeChanges((), ())


def test_missing_root_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        ManifestTree(tmp_path / "nope").poll()


def model_updates(*objects: dict[str, Any]) -> tuple[Upsert, ...]:
    return tuple(Upsert(value) for value in model_state(objects).values())
