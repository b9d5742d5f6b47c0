"""Human-readable names of raw datastore objects for error reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataplane.model import ResourceKey


def describe(obj: Any, key: ResourceKey | None = None) -> str:
    """``Kind namespace/name`` (or ``Kind name``), tolerating malformed objects."""
    if not isinstance(obj, Mapping):
        return f"<{type(obj).__name__}>"
    kind = obj.get("kind") if isinstance(obj.get("kind"), str) else "<no kind>"
    if key is not None:
        return f"{kind} {key.namespace}/{key.name}" if key.namespace else f"{kind} {key.name}"
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    name = metadata.get("name") if isinstance(metadata.get("name"), str) else "<no name>"
    namespace = metadata.get("namespace")
    return f"{kind} {namespace}/{name}" if isinstance(namespace, str) else f"{kind} {name}"
