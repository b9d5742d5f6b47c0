"""Reading manifests from YAML/JSON text, files and directories."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from dataplane.convert import Manifest, ManifestError, iter_manifests, parse_manifests

NS_A = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}
NS_B = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}}

MULTI_DOC = """\
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
# only a comment: an empty document
---
apiVersion: v1
kind: Namespace
metadata:
  name: b
---
"""


def test_multi_document_yaml_skips_empty_documents_but_keeps_numbering() -> None:
    assert parse_manifests(MULTI_DOC, "x.yaml") == [
        Manifest("x.yaml", 1, NS_A),
        Manifest("x.yaml", 3, NS_B),
    ]


def test_empty_yaml() -> None:
    assert parse_manifests("", "x.yaml") == []
    assert parse_manifests("---\n---\n", "x.yml") == []


def test_yaml_list_kind_is_flattened() -> None:
    text = orjson.dumps({"apiVersion": "v1", "kind": "List", "items": [NS_A, NS_B]}).decode()
    assert parse_manifests("---\n" + text, "x.yaml") == [
        Manifest("x.yaml", 1, NS_A),
        Manifest("x.yaml", 1, NS_B),
    ]


def test_typed_list_kind_is_flattened() -> None:
    listing = {"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicyList", "items": []}
    assert parse_manifests(orjson.dumps(listing).decode(), "x.json") == []


def test_json_object_list_and_list_kind() -> None:
    assert parse_manifests(orjson.dumps(NS_A).decode(), "a.json") == [Manifest("a.json", 1, NS_A)]
    assert parse_manifests(orjson.dumps([NS_A, None, NS_B]).decode(), "l.json") == [
        Manifest("l.json", 1, NS_A),
        Manifest("l.json", 3, NS_B),
    ]
    listing = {"apiVersion": "v1", "kind": "List", "items": [NS_B]}
    assert parse_manifests(orjson.dumps(listing).decode(), "k.json") == [
        Manifest("k.json", 1, NS_B)
    ]


@pytest.mark.parametrize(
    ("text", "source", "message"),
    [
        ("a: 1\n---\n- x\n", "x.yaml", "x.yaml: document 2: expected an object, got list"),
        ("a: 1\n---\nb: [\n", "x.yaml", "x.yaml: document 2: invalid YAML"),
        ("---\n'just text'\n", "x.yaml", "x.yaml: document 1: expected an object, got string"),
        ('{"a": ', "x.json", "x.json: document 1: invalid JSON"),
        ("[1]", "x.json", "x.json: document 1: expected an object, got integer"),
        (
            '{"kind": "List", "items": [{}, 3]}',
            "x.json",
            "x.json: document 1: items[1]: expected an object, got integer",
        ),
        ('{"kind": "List", "items": {}}', "x.json", "x.json: document 1: items: expected a list"),
    ],
)
def test_errors_name_file_and_document(text: str, source: str, message: str) -> None:
    with pytest.raises(ManifestError) as info:
        parse_manifests(text, source)
    assert str(info.value).startswith(message)
    assert info.value.source == source


def test_yaml_error_gives_the_line() -> None:
    with pytest.raises(ManifestError) as info:
        parse_manifests("a: 1\nb: [\nc: d\n", "x.yaml")
    assert "line " in info.value.message


def test_directory_is_read_recursively_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n"
    )
    (tmp_path / "a.json").write_text(orjson.dumps([NS_A]).decode())
    (tmp_path / "c.yaml").write_text(MULTI_DOC)
    (tmp_path / "notes.txt").write_text("not: a manifest\n")
    found = [
        (Path(m.source).relative_to(tmp_path).as_posix(), m.document, m.obj)
        for m in iter_manifests(tmp_path)
    ]
    assert found == [
        ("a.json", 1, NS_A),
        ("c.yaml", 1, NS_A),
        ("c.yaml", 3, NS_B),
        ("sub/b.yml", 1, NS_B),
    ]


def test_single_file_path(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(MULTI_DOC)
    assert [m.document for m in iter_manifests(str(path))] == [1, 3]
    assert {m.source for m in iter_manifests(path)} == {str(path)}


def test_bad_file_in_a_directory_is_named(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")
    (tmp_path / "x.yaml").write_text("a: 1\n---\nb: 2\n---\n[1, 2]\n")
    with pytest.raises(ManifestError) as info:
        list(iter_manifests(tmp_path))
    assert str(info.value).startswith(f"{tmp_path / 'x.yaml'}: document 3: ")


def test_undecodable_file(tmp_path: Path) -> None:
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ManifestError, match="cannot read"):
        list(iter_manifests(tmp_path))


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no such file or directory"):
        list(iter_manifests(tmp_path / "nope"))
