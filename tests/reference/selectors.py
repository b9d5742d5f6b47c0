"""The reference's own selectors: Calico's selector language and Kubernetes LabelSelectors.

Written from the Calico selector reference and the Kubernetes API reference,
sharing nothing with ``dataplane.selector``. A selector is a predicate over a
label map; ``GLOBAL`` stands for ``global()`` (non-namespaced things only).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

Labels = Mapping[str, str]
Predicate = Callable[[Labels], bool]


@dataclass(frozen=True, slots=True)
class Selector:
    """A parsed selector: ``matches(labels)``; ``is_global`` for exactly ``global()``."""

    text: str
    predicate: Predicate
    is_global: bool = False

    def matches(self, labels: Labels) -> bool:
        return self.predicate(labels)


def _everything(_labels: Labels) -> bool:
    return True


ALL = Selector("all()", _everything)

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'[^']*'|"[^"]*")
      | (?P<op>==|!=|&&|\|\||[!(){},])
      | (?P<word>[A-Za-z0-9_./-]+)
    )""",
    re.VERBOSE,
)


class SelectorSyntaxError(ValueError):
    """A selector the reference cannot read."""


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise SelectorSyntaxError(f"cannot read {text!r} at {position}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        found.append((kind, value[1:-1] if kind == "string" else value))
        position = match.end()
    return found


class _Parser:
    """Recursive descent: or := and ('||' and)*; and := not ('&&' not)*;
    not := '!' not | '(' or ')' | term."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "")

    def take(self, value: str | None = None) -> str:
        kind, text = self.peek()
        if kind == "end" or (value is not None and text != value):
            raise SelectorSyntaxError(f"expected {value or 'more'}, got {text or 'the end'}")
        self.at += 1
        return text

    def parse(self) -> Predicate:
        predicate = self.disjunction()
        if self.peek()[0] != "end":
            raise SelectorSyntaxError(f"unexpected {self.peek()[1]!r}")
        return predicate

    def disjunction(self) -> Predicate:
        terms = [self.conjunction()]
        while self.peek()[1] == "||":
            self.take()
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else lambda labels: any(t(labels) for t in terms)

    def conjunction(self) -> Predicate:
        terms = [self.negation()]
        while self.peek()[1] == "&&":
            self.take()
            terms.append(self.negation())
        return terms[0] if len(terms) == 1 else lambda labels: all(t(labels) for t in terms)

    def negation(self) -> Predicate:
        if self.peek()[1] == "!":
            self.take()
            inner = self.negation()
            return lambda labels: not inner(labels)
        if self.peek()[1] == "(":
            self.take()
            inner = self.disjunction()
            self.take(")")
            return inner
        return self.term()

    def term(self) -> Predicate:
        word = self.take()
        if word in ("all", "global") and self.peek()[1] == "(":
            self.take("(")
            self.take(")")
            return _everything
        if word == "has" and self.peek()[1] == "(":
            self.take("(")
            key = self.take()
            self.take(")")
            return lambda labels: key in labels
        key = word
        op_kind, op = self.peek()
        if op in ("==", "!="):
            self.take()
            value = self.string()
            if op == "==":
                return lambda labels: labels.get(key) == value
            return lambda labels: labels.get(key) != value
        if op == "in":
            self.take()
            values = self.string_set()
            return lambda labels: key in labels and labels[key] in values
        if op == "not" and self.peek(1)[1] == "in":
            self.take()
            self.take()
            values = self.string_set()
            return lambda labels: key not in labels or labels[key] not in values
        if op == "contains":
            self.take()
            part = self.string()
            return lambda labels: key in labels and part in labels[key]
        if op in ("starts", "ends") and self.peek(1)[1] == "with":
            self.take()
            self.take()
            affix = self.string()
            if op == "starts":
                return lambda labels: key in labels and labels[key].startswith(affix)
            return lambda labels: key in labels and labels[key].endswith(affix)
        raise SelectorSyntaxError(f"unexpected {op or 'end'} after {key!r} ({op_kind})")

    def string(self) -> str:
        kind, text = self.peek()
        if kind != "string":
            raise SelectorSyntaxError(f"expected a quoted string, got {text!r}")
        self.take()
        return text

    def string_set(self) -> frozenset[str]:
        self.take("{")
        values: set[str] = set()
        while self.peek()[1] != "}":
            values.add(self.string())
            if self.peek()[1] == ",":
                self.take()
        self.take("}")
        return frozenset(values)


@lru_cache(maxsize=4096)
def calico(text: str | None) -> Selector | None:
    """A Calico selector expression (None when missing or blank)."""
    if text is None or not text.strip():
        return None
    return Selector(text, _Parser(text).parse(), is_global=text.strip() == "global()")


def label_selector(spec: Mapping[str, Any]) -> Selector:
    """A Kubernetes LabelSelector: matchLabels AND matchExpressions (``{}``: everything)."""
    return _label_selector(json.dumps(spec, sort_keys=True))


@lru_cache(maxsize=4096)
def _label_selector(text: str) -> Selector:
    spec = json.loads(text)
    required = dict(spec.get("matchLabels") or {})
    tests: list[Predicate] = [
        (lambda labels, k=key, v=value: labels.get(k) == v) for key, value in required.items()
    ]
    for expression in spec.get("matchExpressions") or ():
        key, operator = expression["key"], expression["operator"]
        values = frozenset(expression.get("values") or ())
        if operator == "In":
            tests.append(lambda labels, k=key, vs=values: k in labels and labels[k] in vs)
        elif operator == "NotIn":
            tests.append(lambda labels, k=key, vs=values: k not in labels or labels[k] not in vs)
        elif operator == "Exists":
            tests.append(lambda labels, k=key: k in labels)
        elif operator == "DoesNotExist":
            tests.append(lambda labels, k=key: k not in labels)
        else:
            raise SelectorSyntaxError(f"unknown operator {operator!r}")
    return Selector(repr(spec), lambda labels: all(test(labels) for test in tests))
