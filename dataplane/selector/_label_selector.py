"""Kubernetes LabelSelectors (matchLabels / matchExpressions) as selectors."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dataplane.selector._build import conjunction, has_label, label_equals, label_in, negation
from dataplane.selector._error import SelectorError
from dataplane.selector._selector import Selector

_FIELDS = frozenset({"matchLabels", "matchExpressions"})
_EXPRESSION_FIELDS = frozenset({"key", "operator", "values"})


def _in(key: str, values: Sequence[str]) -> Selector:
    return label_in(key, values)


def _not_in(key: str, values: Sequence[str]) -> Selector:
    return negation(label_in(key, values))


def _exists(key: str, _values: Sequence[str]) -> Selector:
    return has_label(key)


def _does_not_exist(key: str, _values: Sequence[str]) -> Selector:
    return negation(has_label(key))


# operator -> (whether it takes values, how it becomes a selector)
_OPERATORS: dict[str, tuple[bool, Callable[[str, Sequence[str]], Selector]]] = {
    "In": (True, _in),
    "NotIn": (True, _not_in),
    "Exists": (False, _exists),
    "DoesNotExist": (False, _does_not_exist),
}


def from_label_selector(obj: Mapping[str, Any] | None) -> Selector:
    """The selector for a Kubernetes LabelSelector: every matchLabels entry and expression.

    ``{}`` (or None, or None fields) selects everything. ``NotIn`` and
    ``DoesNotExist`` match objects without the key. Raises ``SelectorError``
    naming the offending part, e.g. ``matchExpressions[1].operator``.
    """
    if obj is None:
        obj = {}
    _check_mapping(obj, "label selector", _FIELDS)
    terms: list[Selector] = []
    match_labels = obj.get("matchLabels") or {}
    _check_mapping(match_labels, "matchLabels", None)
    for key, value in match_labels.items():
        where = f"matchLabels[{key!r}]"
        if not isinstance(value, str):
            raise SelectorError(f"{where}: expected a string value, got {_kind(value)}")
        terms.append(_guarded(where, label_equals, key, value))
    expressions = obj.get("matchExpressions") or []
    if not isinstance(expressions, Sequence) or isinstance(expressions, str):
        raise SelectorError(f"matchExpressions: expected a list, got {_kind(expressions)}")
    for index, expression in enumerate(expressions):
        terms.append(_expression(f"matchExpressions[{index}]", expression))
    return conjunction(*terms)


def _expression(where: str, expression: Any) -> Selector:
    _check_mapping(expression, where, _EXPRESSION_FIELDS)
    key = expression.get("key")
    if not isinstance(key, str):
        raise SelectorError(f"{where}.key: expected a label key, got {_kind(key)}")
    operator = expression.get("operator")
    if not isinstance(operator, str) or operator not in _OPERATORS:
        raise SelectorError(
            f"{where}.operator: unknown operator {_show(operator)} "
            "(expected In, NotIn, Exists or DoesNotExist)"
        )
    takes_values, build = _OPERATORS[operator]
    values = expression.get("values") or []
    if (
        not isinstance(values, Sequence)
        or isinstance(values, str)
        or not all(isinstance(value, str) for value in values)
    ):
        raise SelectorError(f"{where}.values: expected a list of strings, got {_describe(values)}")
    if takes_values and not values:
        raise SelectorError(f"{where}.values: operator {operator} needs at least one value")
    if not takes_values and values:
        raise SelectorError(f"{where}.values: operator {operator} takes no values")
    return _guarded(where, build, key, list(values))


def _guarded(where: str, build: Callable[..., Selector], *args: Any) -> Selector:
    """Call a constructor, prefixing any error with the part of the LabelSelector."""
    try:
        return build(*args)
    except SelectorError as exc:
        raise SelectorError(f"{where}: {exc.reason}", exc.text) from None


def _check_mapping(obj: Any, where: str, fields: frozenset[str] | None) -> None:
    if not isinstance(obj, Mapping):
        raise SelectorError(f"{where}: expected a mapping, got {_kind(obj)}")
    if fields is not None:
        unknown = sorted(str(name) for name in obj if name not in fields)
        if unknown:
            raise SelectorError(f"{where}: unknown field {unknown[0]!r}")


def _describe(values: Any) -> str:
    if isinstance(values, Sequence) and not isinstance(values, str):
        return f"a list holding {', '.join(sorted({_kind(value) for value in values}))}"
    return _kind(values)


def _show(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else _kind(value)


def _kind(value: Any) -> str:
    return type(value).__name__
