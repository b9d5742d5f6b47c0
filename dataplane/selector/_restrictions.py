"""Combining the label restrictions of operands under && and ||."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dataplane.selector._selector import Restrictions

RestrictionDict = dict[str, frozenset[str] | None]


def all_of(parts: Iterable[Restrictions]) -> RestrictionDict:
    """Restrictions of a conjunction: every key of every operand; value sets intersect."""
    merged: RestrictionDict = {}
    for part in parts:
        for key, values in part.items():
            if key not in merged:
                merged[key] = values
                continue
            current = merged[key]
            if current is None:
                merged[key] = values
            elif values is not None:
                merged[key] = current & values
    return merged


def any_of(parts: Sequence[Restrictions]) -> RestrictionDict:
    """Restrictions of a disjunction: keys every operand needs; value sets unite."""
    first, *rest = parts
    merged: RestrictionDict = {}
    for key, values in first.items():
        if not all(key in part for part in rest):
            continue
        others = [part[key] for part in rest]
        if values is None or any(other is None for other in others):
            merged[key] = None
        else:
            merged[key] = values.union(*others)  # type: ignore[arg-type]
    return merged
