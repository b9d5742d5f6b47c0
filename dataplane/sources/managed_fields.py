"""Cutting ``metadata.managedFields`` out of API-server JSON before it is parsed.

managedFields is a third to a half of a typical object's JSON, made of many
small objects, and nothing in the dataplane reads it. The API server writes
ObjectMeta fields in the Go struct's order, where ``managedFields`` is the
last one, so for an object with a ``spec`` the array ends right before
``]},"spec":``. A quote inside a JSON string is always escaped, so neither
``,"managedFields":[`` nor ``]},"spec":`` can occur inside a string; and no
key inside managedFields is a bare ``spec``. A cut is made only when the
removed bytes name none of the metadata fields the dataplane reads, so JSON
written in another order is parsed whole, as it is.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

_START = b',"managedFields":['
_END = b']},"spec":'
# Metadata keys the converters read: a region holding one of them is not managedFields alone.
_READ_KEYS = (
    b"name",
    b"namespace",
    b"labels",
    b"annotations",
    b"resourceVersion",
    b"deletionTimestamp",
)
# Any of them as a JSON key, found in one pass over a region.
_READ_KEY = re.compile(b'"(?:' + b"|".join(map(re.escape, _READ_KEYS)) + b')":')


def strip_managed_fields(data: bytes) -> bytes:
    """``data`` without the managedFields arrays that can be cut safely."""
    start = data.find(_START)
    if start < 0:
        return data
    pieces: list[bytes] = []
    kept = 0
    while start >= 0:
        end = data.find(_END, start)
        if end < 0:
            break
        if _READ_KEY.search(data, start, end) is None:
            pieces.append(data[kept:start])
            kept = end + 1
        start = data.find(_START, end)
    if not pieces:
        return data
    pieces.append(data[kept:])
    return b"".join(pieces)


def loads(data: bytes) -> Any:
    """``orjson.loads`` of ``data`` without its managedFields (whole if the cut breaks it)."""
    stripped = strip_managed_fields(data)
    if stripped is not data:
        try:
            return orjson.loads(stripped)
        except orjson.JSONDecodeError:
            pass
    return orjson.loads(data)
