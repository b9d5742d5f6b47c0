"""Reading manifests: YAML or JSON files (or directories of them) into objects."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml

from dataplane.convert.fields import type_name

MANIFEST_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ManifestError(ValueError):
    """A manifest file could not be read or holds a document that is not an object."""

    def __init__(self, source: str, document: int | None, message: str) -> None:
        where = f"{source}: document {document}" if document is not None else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.document = document
        self.message = message


@dataclass(frozen=True, slots=True)
class Manifest:
    """One object from a manifest file.

    ``document`` is the 1-based position of the YAML document (or of the
    element of a top-level JSON list) it came from; the items of a ``List``
    share their list's number.
    """

    source: str
    document: int
    obj: dict[str, Any]


def iter_manifests(path: str | Path) -> Iterator[Manifest]:
    """Every object in a file, or in the ``*.yaml``/``*.yml``/``*.json`` files under a
    directory (recursively, in sorted path order)."""
    root = Path(path)
    if root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.suffix in MANIFEST_SUFFIXES and p.is_file())
    elif root.is_file():
        files = [root]
    else:
        raise ManifestError(str(root), None, "no such file or directory")
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ManifestError(str(file), None, f"cannot read: {exc}") from None
        yield from parse_manifests(text, str(file))


def parse_manifests(text: str, source: str) -> list[Manifest]:
    """Every object in one file's text: JSON when ``source`` ends in ``.json``, else
    (multi-document) YAML. Empty documents are skipped; ``List`` objects are flattened."""
    documents = (
        _json_documents(text, source) if source.endswith(".json") else _yaml_documents(text, source)
    )
    return [
        manifest
        for number, document in enumerate(documents, start=1)
        if document is not None
        for manifest in _objects(document, source, number)
    ]


def _yaml_documents(text: str, source: str) -> list[Any]:
    documents: list[Any] = []
    try:
        for document in yaml.load_all(text, Loader=_SafeLoader):
            documents.append(document)
    except yaml.YAMLError as exc:
        raise ManifestError(source, len(documents) + 1, f"invalid YAML: {_describe(exc)}") from None
    return documents


def _describe(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem} (line {mark.line + 1}, column {mark.column + 1})"
    return str(exc)


def _json_documents(text: str, source: str) -> list[Any]:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ManifestError(source, 1, f"invalid JSON: {exc}") from None
    return value if isinstance(value, list) else [value]


def _objects(document: Any, source: str, number: int) -> Iterable[Manifest]:
    if not isinstance(document, dict):
        raise ManifestError(source, number, f"expected an object, got {type_name(document)}")
    kind = document.get("kind")
    if not (isinstance(kind, str) and kind.endswith("List") and "items" in document):
        return [Manifest(source, number, document)]
    items = document["items"]
    if items is None:
        return []
    if not isinstance(items, list):
        raise ManifestError(source, number, f"items: expected a list, got {type_name(items)}")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ManifestError(
                source, number, f"items[{index}]: expected an object, got {type_name(item)}"
            )
    return [Manifest(source, number, item) for item in items]
