"""Human-readable names of raw datastore objects for error reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def describe(obj: Any) -> str:
    """``Kind namespace/name`` (or ``Kind name``) of an object that could not be
    identified (an identified one is named by its ``ObjectIdentity.label``),
    tolerating malformed objects."""
    if not isinstance(obj, Mapping):
        return f"<{type(obj).__name__}>"
    kind = obj.get("kind") if isinstance(obj.get("kind"), str) else "<no kind>"
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    name = metadata.get("name") if isinstance(metadata.get("name"), str) else "<no name>"
    namespace = metadata.get("namespace")
    return f"{kind} {namespace}/{name}" if isinstance(namespace, str) else f"{kind} {name}"
