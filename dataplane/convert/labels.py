"""Reading an object's labels into validated, shared ``Labels``."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from dataplane.convert.fields import Field
from dataplane.convert.names import label_key_problem, label_value_problem
from dataplane.model import EMPTY_LABELS, Labels


@lru_cache(maxsize=65536)
def _shared(items: frozenset[tuple[str, str]]) -> Labels:
    return Labels((sys.intern(k), sys.intern(v)) for k, v in items)


def shared_labels(labels: Mapping[str, str]) -> Labels:
    """The one shared ``Labels`` object for this label map (pods of a deployment share it)."""
    if not labels:
        return EMPTY_LABELS
    return _shared(frozenset(labels.items()))


@lru_cache(maxsize=65536)
def _shared_if_valid(items: frozenset[tuple[Any, Any]]) -> Labels | None:
    for key, value in items:
        if type(key) is not str or type(value) is not str:
            return None
        if label_key_problem(key) or label_value_problem(value):
            return None
    return _shared(items)


def valid_labels(labels: Mapping[Any, Any]) -> Labels | None:
    """The shared ``Labels`` of a map of valid label keys to valid values, else None.

    The check is remembered with the map, so the pods of a deployment pay it once.
    """
    if not labels:
        return EMPTY_LABELS
    try:
        return _shared_if_valid(frozenset(labels.items()))
    except TypeError:  # an unhashable value: not a label map
        return None


def read_labels(field: Field) -> Labels:
    """Validated labels from a ``metadata.labels`` field (empty when missing)."""
    labels = field.string_map()
    shared = valid_labels(labels)
    if shared is not None:
        return shared
    for key, value in labels.items():
        problem = label_key_problem(key) or label_value_problem(value)
        if problem:
            raise field.get(key).error(problem)
    raise AssertionError("labels both valid and not")
