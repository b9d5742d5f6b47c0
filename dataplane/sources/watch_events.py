"""Parsing a watch stream: newline-delimited JSON into typed events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from dataplane.sources.kube_errors import MalformedEventError
from dataplane.sources.managed_fields import loads

EVENT_TYPES = frozenset({"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"})


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


def parse_event(resource: str, line: bytes) -> WatchEvent:
    """Decode one line; raises ``MalformedEventError`` if it is not a usable event."""
    try:
        data = loads(line)
    except orjson.JSONDecodeError as error:
        raise MalformedEventError(resource, f"not JSON ({error})", line) from None
    if not isinstance(data, dict):
        raise MalformedEventError(resource, "not a JSON object", line)
    kind, obj = data.get("type"), data.get("object")
    if kind not in EVENT_TYPES:
        raise MalformedEventError(resource, f"unknown event type {kind!r}", line)
    if not isinstance(obj, dict):
        raise MalformedEventError(resource, "missing object", line)
    if kind != "ERROR":
        metadata = obj.get("metadata")
        version = metadata.get("resourceVersion") if isinstance(metadata, dict) else None
        if not isinstance(version, str) or not version:
            raise MalformedEventError(resource, "object without metadata.resourceVersion", line)
    return WatchEvent(kind, obj)


class LineSplitter:
    """Reassembles lines from the arbitrary chunks a streamed HTTP body arrives in."""

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = b""

    @property
    def pending(self) -> bytes:
        """Bytes received after the last newline."""
        return self._buffer

    def feed(self, chunk: bytes) -> list[bytes]:
        """The complete non-blank lines ``chunk`` finishes."""
        if b"\n" not in chunk:
            self._buffer += chunk
            return []
        *lines, self._buffer = (self._buffer + chunk).split(b"\n")
        return [line for line in lines if line and not line.isspace()]
