"""Reading manifests: YAML or JSON files (or directories of them) into objects."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml

from dataplane.convert.fields import type_name
from dataplane.errors import UnreadableError

MANIFEST_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ManifestError(UnreadableError):
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


@dataclass(frozen=True, slots=True)
class ParsedText:
    """A file's objects, and the documents of it that could not be read."""

    manifests: tuple[Manifest, ...]
    errors: tuple[ManifestError, ...]


def parse_manifests(text: str, source: str) -> list[Manifest]:
    """Every object in one file's text; raises the first ``ManifestError``."""
    parsed = parse_text(text, source)
    if parsed.errors:
        raise parsed.errors[0]
    return list(parsed.manifests)


def parse_text(text: str, source: str) -> ParsedText:
    """Every object in one file's text: JSON when ``source`` ends in ``.json``, else
    (multi-document) YAML. Empty documents are skipped; ``List`` objects are flattened.

    A YAML document that cannot be parsed is an error of its own: the file's other
    documents still count (a JSON file is one document).
    """
    manifests: list[Manifest] = []
    errors: list[ManifestError] = []
    documents = (
        _json_documents(text, source) if source.endswith(".json") else _yaml_documents(text, source)
    )
    for number, document in enumerate(documents, start=1):
        try:
            if isinstance(document, ManifestError):
                raise document
            if document is not None:
                manifests.extend(_objects(document, source, number))
        except ManifestError as error:
            errors.append(error)
    return ParsedText(tuple(manifests), tuple(errors))


_DOCUMENT_START = re.compile(r"^---(?=[ \t]|$)", re.MULTILINE)


def _yaml_documents(text: str, source: str) -> list[Any]:
    """Each document parsed alone (a document starts at a ``---`` line): a document
    that fails to parse is a ``ManifestError`` in its place."""
    starts = [m.start() for m in _DOCUMENT_START.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    chunks = [(a, text[a:b]) for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    if len(chunks) > 1 and _blank(chunks[0][1]):
        chunks.pop(0)  # comments or directives before the first "---"
    documents: list[Any] = []
    for offset, chunk in chunks:
        try:
            documents.extend(list(yaml.load_all(chunk, Loader=_SafeLoader)))
        except yaml.YAMLError as exc:
            line = text.count("\n", 0, offset)
            message = f"invalid YAML: {_describe(exc, line)}"
            documents.append(ManifestError(source, len(documents) + 1, message))
    return documents


def _blank(chunk: str) -> bool:
    return all(
        not line.strip() or line.lstrip().startswith(("#", "%")) for line in chunk.splitlines()
    )


def _describe(exc: yaml.YAMLError, first_line: int) -> str:
    """The problem and where it is in the file (its document starts at ``first_line``)."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem} (line {first_line + mark.line + 1}, column {mark.column + 1})"
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
