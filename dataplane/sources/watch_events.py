"""Parsing a watch stream: newline-delimited JSON into typed events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import orjson

from dataplane.sources.kube_errors import MalformedEventError
from dataplane.sources.pod_projection import project_event

Line = bytes | memoryview
"""One line of a watch stream: usually a view into the chunk that holds it."""

EVENT_TYPES = frozenset({"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"})
OBJECT_EVENT_TYPES = EVENT_TYPES - {"ERROR"}


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """One watch event; ``obj`` is the object (a Status for ``ERROR``)."""

    type: str
    obj: dict[str, Any]

    @property
    def resource_version(self) -> str:
        """The object's resourceVersion ("" for ``ERROR``)."""
        metadata = self.obj.get("metadata")
        return metadata["resourceVersion"] if isinstance(metadata, Mapping) else ""


def parse_event(resource: str, line: Line) -> WatchEvent:
    """Decode one line; raises ``MalformedEventError`` if it is not a usable event."""
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise MalformedEventError(resource, f"not JSON ({error})", line) from None
    if not isinstance(data, dict):
        raise MalformedEventError(resource, "not a JSON object", line)
    kind, obj = data.get("type"), data.get("object")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        raise MalformedEventError(resource, f"unknown event type {kind!r}", line)
    if not isinstance(obj, dict):
        raise MalformedEventError(resource, "missing object", line)
    if kind != "ERROR":
        metadata = obj.get("metadata")
        version = metadata.get("resourceVersion") if isinstance(metadata, dict) else None
        if not isinstance(version, str) or not version:
            raise MalformedEventError(resource, "object without metadata.resourceVersion", line)
    return WatchEvent(kind, obj)


def parse_pod_event(resource: str, line: Line) -> WatchEvent:
    """``parse_event`` of a pods watch line, decoding only the pod's projection
    (``pod_projection``) when the line decodes into one that ``parse_event`` would
    accept; any other line (an ``ERROR``, a malformed one) is parsed whole by it."""
    event = project_event(line)
    if event is not None:
        kind, obj = event.get("type"), event.get("object")
        metadata = None if obj is None else obj.get("metadata")
        version = None if metadata is None else metadata.get("resourceVersion")
        if kind is not None and kind in OBJECT_EVENT_TYPES and isinstance(version, str) and version:
            return WatchEvent(kind, cast(dict[str, Any], obj))
    return parse_event(resource, line)


# What ``bytes.isspace`` counts as whitespace: a line of only these is blank.
_WHITESPACE = frozenset(b" \t\n\r\x0b\x0c")


class LineSplitter:
    """Reassembles lines from the arbitrary chunks a streamed HTTP body arrives in.

    A line that lies within one chunk is handed out as a view into it, not copied
    (a chunk can hold megabytes); only a line that began in an earlier chunk is
    joined into new bytes.
    """

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = b""

    @property
    def pending(self) -> bytes:
        """Bytes received after the last newline."""
        return self._buffer

    def feed(self, chunk: bytes) -> list[Line]:
        """The complete non-blank lines ``chunk`` finishes."""
        find = chunk.find
        end = find(b"\n")
        if end < 0:
            self._buffer += chunk
            return []
        lines: list[Line] = []
        start = 0
        if self._buffer:
            first = self._buffer + chunk[:end]
            if not first.isspace():
                lines.append(first)
            start, end = end + 1, find(b"\n", end + 1)
        view = memoryview(chunk)
        while end >= 0:
            # Blank: empty or whitespace only (looked at whole only when it starts so).
            if end > start and (chunk[start] not in _WHITESPACE or not chunk[start:end].isspace()):
                lines.append(view[start:end])
            start, end = end + 1, find(b"\n", end + 1)
        self._buffer = chunk[start:]
        return lines


_ADDED = b'{"type":"ADDED","object":{'
_NAME = b'"metadata":{"name":"'


def peek_added(line: bytes, namespaced: bool) -> tuple[str, str, str] | None:
    """``(namespace, name, resourceVersion)`` of an ``ADDED`` event, read without parsing.

    The API server writes a watch event's ``type`` first and ObjectMeta in the Go
    struct's order: ``name``, ``generateName``, ``namespace``, ``selfLink``, ``uid``,
    ``resourceVersion`` (empty ones omitted). Only a line with exactly that sequence,
    and no escapes in those strings, gets an answer; anything else gives None and is
    parsed as usual. A relist uses it to skip the objects whose version it has.
    """
    if not line.startswith(_ADDED):
        return None
    at = line.find(_NAME)
    if at < 0:
        return None
    reader = _MetaReader(line, at + len(_NAME))
    name = reader.value()
    reader.optional(b"generateName")
    namespace = reader.required(b"namespace") if namespaced else ""
    reader.optional(b"selfLink")
    reader.required(b"uid")
    version = reader.required(b"resourceVersion")
    if reader.failed or not name or not version or (namespaced and not namespace):
        return None
    return namespace, name, version


class _MetaReader:
    """Reads consecutive ``,"key":"value"`` pairs of ObjectMeta; ``failed`` on a mismatch."""

    __slots__ = ("_at", "_line", "failed")

    def __init__(self, line: bytes, at: int) -> None:
        self._line = line
        self._at = at
        self.failed = False

    def value(self) -> str:
        """The string value starting at the current position (just after its quote)."""
        end = self._line.find(b'"', self._at, self._at + 512)
        if end < 0 or b"\\" in self._line[self._at : end]:
            self.failed = True
            return ""
        text = self._line[self._at : end].decode()
        self._at = end + 1
        return text

    def optional(self, key: bytes) -> str:
        prefix = b',"' + key + b'":"'
        if self.failed or not self._line.startswith(prefix, self._at):
            return ""
        self._at += len(prefix)
        return self.value()

    def required(self, key: bytes) -> str:
        if not self.failed and not self._line.startswith(b',"' + key + b'":"', self._at):
            self.failed = True
        return self.optional(key)
