"""Constructors that build canonical selectors (the only way nodes are made)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from dataplane.selector._nodes import (
    AllNode,
    AndNode,
    EqualsNode,
    GlobalNode,
    HasNode,
    InNode,
    NotNode,
    OrNode,
    SubstringNode,
)
from dataplane.selector._selector import Selector
from dataplane.selector._syntax import check_key, check_value

_CACHE_SIZE = 65536

ALL: Selector = AllNode()
GLOBAL: Selector = GlobalNode()
NOTHING: Selector = NotNode(ALL)


@lru_cache(maxsize=_CACHE_SIZE)
def has_label(key: str) -> Selector:
    """``has(key)``."""
    return HasNode(check_key(key))


@lru_cache(maxsize=_CACHE_SIZE)
def label_equals(key: str, value: str) -> Selector:
    """``key == value``."""
    return EqualsNode(check_key(key), check_value(value), negated=False)


def label_in(key: str, values: Iterable[str]) -> Selector:
    """``key in {values}`` (``key == value`` for a single value; matches nothing when empty)."""
    if isinstance(values, str):
        raise TypeError(f"label_in() needs a collection of values, not the string {values!r}")
    return _label_in(key, frozenset(values))


@lru_cache(maxsize=_CACHE_SIZE)
def _label_in(key: str, values: frozenset[str]) -> Selector:
    if len(values) == 1:
        return label_equals(key, next(iter(values)))
    checked = sorted(check_value(value) for value in values)
    return InNode(check_key(key), tuple(checked), negated=False)


@lru_cache(maxsize=_CACHE_SIZE)
def substring_match(key: str, operator: str, value: str) -> Selector:
    """``key contains value``, ``key starts with value`` or ``key ends with value``."""
    return SubstringNode(check_key(key), operator, check_value(value))


@lru_cache(maxsize=_CACHE_SIZE)
def negation(selector: Selector) -> Selector:
    """``!selector``; flips ``==``/``!=`` and ``in``/``not in``; ``!!x`` is ``x``."""
    match selector:
        case NotNode(operand):
            return operand
        case EqualsNode(key, value, negated):
            return EqualsNode(key, value, not negated)
        case InNode(key, values, negated):
            return InNode(key, values, not negated)
    return NotNode(selector)


@lru_cache(maxsize=_CACHE_SIZE)
def conjunction(*selectors: Selector) -> Selector:
    """``a && b && ...``: flattened, ``all()`` dropped, deduplicated, sorted; none -> ``all()``."""
    operands: dict[str, Selector] = {}
    for selector in selectors:
        parts = selector.operands if isinstance(selector, AndNode) else (selector,)
        for part in parts:
            if not isinstance(part, AllNode):
                operands[str(part)] = part
    if not operands:
        return ALL
    if len(operands) == 1:
        return next(iter(operands.values()))
    return AndNode(tuple(operands[text] for text in sorted(operands)))


@lru_cache(maxsize=_CACHE_SIZE)
def disjunction(*selectors: Selector) -> Selector:
    """``a || b || ...``: flattened, deduplicated, sorted; ``all()`` wins; none -> ``!all()``."""
    operands: dict[str, Selector] = {}
    for selector in selectors:
        parts = selector.operands if isinstance(selector, OrNode) else (selector,)
        for part in parts:
            if isinstance(part, AllNode):
                return ALL
            operands[str(part)] = part
    if not operands:
        return NOTHING
    if len(operands) == 1:
        return next(iter(operands.values()))
    return OrNode(tuple(operands[text] for text in sorted(operands)))


@lru_cache(maxsize=_CACHE_SIZE)
def prefixed(selector: Selector, prefix: str) -> Selector:
    """``selector`` with ``prefix`` prepended to every label key it reads.

    ``all()`` and ``global()`` are unchanged. Used to turn a namespace selector
    into one over the ``pcns.``-prefixed labels endpoints inherit.
    """
    match selector:
        case HasNode(key):
            return has_label(prefix + key)
        case EqualsNode(key, value, negated):
            equals = label_equals(prefix + key, value)
            return negation(equals) if negated else equals
        case InNode(key, values, negated):
            member = label_in(prefix + key, values)
            return negation(member) if negated else member
        case SubstringNode(key, operator, value):
            return substring_match(prefix + key, operator, value)
        case NotNode(operand):
            return negation(prefixed(operand, prefix))
        case AndNode(operands):
            return conjunction(*(prefixed(operand, prefix) for operand in operands))
        case OrNode(operands):
            return disjunction(*(prefixed(operand, prefix) for operand in operands))
    return selector
