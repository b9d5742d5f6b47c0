"""The Calico selector language: parse, canonical form, fast matching, restrictions.

Kubernetes LabelSelectors compile into the same ``Selector`` values.
"""

from dataplane.selector._build import (
    ALL,
    GLOBAL,
    conjunction,
    disjunction,
    has_label,
    label_equals,
    label_in,
    negation,
    prefixed,
)
from dataplane.selector._error import SelectorError
from dataplane.selector._label_selector import from_label_selector
from dataplane.selector._parser import parse
from dataplane.selector._selector import Selector

__all__ = [
    "ALL",
    "GLOBAL",
    "Selector",
    "SelectorError",
    "conjunction",
    "disjunction",
    "from_label_selector",
    "has_label",
    "label_equals",
    "label_in",
    "negation",
    "parse",
    "prefixed",
]
