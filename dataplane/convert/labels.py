"""Reading an object's labels into validated, shared ``Labels``."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from functools import lru_cache

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


def read_labels(field: Field) -> Labels:
    """Validated labels from a ``metadata.labels`` field (empty when missing)."""
    labels = field.string_map()
    for key, value in labels.items():
        problem = label_key_problem(key) or label_value_problem(value)
        if problem:
            raise field.get(key).error(problem)
    return shared_labels(labels)
