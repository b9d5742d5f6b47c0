"""A policy's explicit list of policy types (Ingress, Egress), read and checked."""

from __future__ import annotations

from dataplane.convert.fields import Field
from dataplane.model import Direction


def listed_policy_types(field: Field, *, reject_duplicates: bool) -> frozenset[Direction]:
    """The directions ``field`` lists (empty when it lists none, so the caller defaults);
    an unknown type is an error, and so is a repeated one when ``reject_duplicates``."""
    types: set[Direction] = set()
    for entry in field.items():
        text = entry.text()
        if text not in (Direction.INGRESS, Direction.EGRESS):
            raise entry.error(f"unknown policy type {text!r} (expected Ingress or Egress)")
        if reject_duplicates and text in types:
            raise entry.error(f"duplicate policy type {text!r}")
        types.add(Direction(text))
    return frozenset(types)
