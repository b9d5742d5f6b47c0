"""Reading Calico selector strings and Kubernetes LabelSelectors as validated selectors."""

from __future__ import annotations

from typing import Any

from dataplane.convert.fields import Field
from dataplane.convert.names import label_key_problem, label_value_problem
from dataplane.selector import ALL, GLOBAL, Selector, SelectorError, from_label_selector, parse

_GLOBAL_CALL = "global("
_OPERATORS_WITH_VALUES = frozenset({"In", "NotIn"})
_OPERATORS_WITHOUT_VALUES = frozenset({"Exists", "DoesNotExist"})


def read_calico_selector(field: Field) -> Selector | None:
    """A Calico selector expression; None when missing or blank.

    ``global()`` is rejected here: Calico allows it only in a rule's namespaceSelector.
    """
    text = field.optional_text()
    if text is None or not text.strip():
        return None
    if _GLOBAL_CALL in text:
        raise field.error(
            "invalid selector: global() can only be used in a rule's namespaceSelector"
        )
    return _parse(field, text)


def read_rule_namespace_selector(field: Field) -> Selector | None:
    """A rule's namespaceSelector: any selector, or exactly ``global()``; None when blank."""
    text = field.optional_text()
    if text is None or not text.strip():
        return None
    selector = _parse(field, text)
    if _GLOBAL_CALL in text and selector != GLOBAL:
        raise field.error("invalid selector: global() must be the whole namespaceSelector")
    return selector


def _parse(field: Field, text: str) -> Selector:
    try:
        return parse(text)
    except SelectorError as exc:
        raise field.error(f"invalid selector {text!r}: {exc}") from None


def read_label_selector(field: Field) -> Selector:
    """A required Kubernetes LabelSelector (``{}`` selects everything)."""
    if field.missing:
        raise field.error("missing required field")
    field.known(("matchLabels", "matchExpressions"))
    match_labels_field = field.get("matchLabels")
    match_labels = match_labels_field.string_map()
    for key, value in match_labels.items():
        problem = label_key_problem(key) or label_value_problem(value)
        if problem:
            raise match_labels_field.get(key).error(problem)
    expressions = [_read_expression(e) for e in field.get("matchExpressions").items()]
    if not match_labels and not expressions:
        return ALL
    try:
        return from_label_selector({"matchLabels": match_labels, "matchExpressions": expressions})
    except SelectorError as exc:
        raise field.error(f"invalid selector: {exc}") from None


def _read_expression(expression: Field) -> dict[str, Any]:
    """One validated matchExpressions entry, normalised (``values`` always a list)."""
    expression.known(("key", "operator", "values"))
    key_field = expression.get("key")
    key = key_field.text()
    problem = label_key_problem(key)
    if problem:
        raise key_field.error(problem)
    operator = expression.get("operator")
    op = operator.text()
    values_field = expression.get("values")
    values = [entry.text() for entry in values_field.items()]
    if op in _OPERATORS_WITH_VALUES:
        if not values:
            raise values_field.error(f"operator {op} requires at least one value")
        for entry, value in zip(values_field.items(), values, strict=True):
            problem = label_value_problem(value)
            if problem:
                raise entry.error(problem)
    elif op in _OPERATORS_WITHOUT_VALUES:
        if values:
            raise values_field.error(f"operator {op} takes no values")
    else:
        raise operator.error(
            f"unknown operator {op!r} (expected In, NotIn, Exists or DoesNotExist)"
        )
    return {"key": key, "operator": op, "values": values}
