"""The selector syntax tree: one private node class per construct."""

from __future__ import annotations

from dataclasses import dataclass

from dataplane.model.wellknown import NAMESPACE_LABEL
from dataplane.selector._matcher import MatcherSource
from dataplane.selector._restrictions import RestrictionDict, all_of, any_of
from dataplane.selector._selector import Selector
from dataplane.selector._syntax import quote


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class AllNode(Selector):
    """``all()``: every label map."""

    def _render(self) -> str:
        return "all()"

    def _source(self, source: MatcherSource, depth: int) -> str:
        return "True"

    def _restrict(self) -> RestrictionDict:
        return {}

    def _keys(self) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class GlobalNode(Selector):
    """``global()``: label maps of non-namespaced things (no namespace label)."""

    def _render(self) -> str:
        return "global()"

    def _source(self, source: MatcherSource, depth: int) -> str:
        return f"{source.constant(NAMESPACE_LABEL)} not in labels"

    def _restrict(self) -> RestrictionDict:
        return {}

    def _keys(self) -> frozenset[str]:
        return frozenset((NAMESPACE_LABEL,))


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class HasNode(Selector):
    """``has(key)``."""

    key: str

    def _render(self) -> str:
        return f"has({self.key})"

    def _source(self, source: MatcherSource, depth: int) -> str:
        return f"{source.constant(self.key)} in labels"

    def _restrict(self) -> RestrictionDict:
        return {self.key: None}

    def _keys(self) -> frozenset[str]:
        return frozenset((self.key,))


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class EqualsNode(Selector):
    """``key == value`` or, negated, ``key != value`` (true when the key is absent)."""

    key: str
    value: str
    negated: bool

    def _render(self) -> str:
        return f"{self.key} {'!=' if self.negated else '=='} {quote(self.value)}"

    def _source(self, source: MatcherSource, depth: int) -> str:
        operator = "!=" if self.negated else "=="
        return f"{source.get(self.key)} {operator} {source.constant(self.value)}"

    def _restrict(self) -> RestrictionDict:
        return {} if self.negated else {self.key: frozenset((self.value,))}

    def _keys(self) -> frozenset[str]:
        return frozenset((self.key,))


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class InNode(Selector):
    """``key in {values}`` or ``key not in {values}``; ``values`` sorted, never one value."""

    key: str
    values: tuple[str, ...]
    negated: bool

    def _render(self) -> str:
        values = ", ".join(quote(value) for value in self.values)
        return f"{self.key} {'not in' if self.negated else 'in'} {{{values}}}"

    def _source(self, source: MatcherSource, depth: int) -> str:
        if not self.values:
            return "True" if self.negated else "False"
        values = source.constant(frozenset(self.values))
        return f"{source.get(self.key)} {'not in' if self.negated else 'in'} {values}"

    def _restrict(self) -> RestrictionDict:
        return {} if self.negated else {self.key: frozenset(self.values)}

    def _keys(self) -> frozenset[str]:
        return frozenset((self.key,))


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SubstringNode(Selector):
    """``key contains s``, ``key starts with s``, ``key ends with s`` (false when absent)."""

    key: str
    operator: str
    value: str

    def _render(self) -> str:
        return f"{self.key} {self.operator} {quote(self.value)}"

    def _source(self, source: MatcherSource, depth: int) -> str:
        if not self.value:
            return f"{source.constant(self.key)} in labels"
        present = f"({source.get(self.key)} or '')"
        value = source.constant(self.value)
        if self.operator == "contains":
            return f"{value} in {present}"
        method = "startswith" if self.operator == "starts with" else "endswith"
        return f"{present}.{method}({value})"

    def _restrict(self) -> RestrictionDict:
        return {self.key: None}

    def _keys(self) -> frozenset[str]:
        return frozenset((self.key,))


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class NotNode(Selector):
    """``!operand`` (never around another negation, ``==`` or ``in``: those flip instead)."""

    operand: Selector

    def _render(self) -> str:
        if isinstance(self.operand, HasNode | AllNode | GlobalNode):
            return f"!{self.operand}"
        return f"!({self.operand})"

    def _source(self, source: MatcherSource, depth: int) -> str:
        return f"not ({source.term(self.operand, depth + 1)})"

    def _restrict(self) -> RestrictionDict:
        return {}

    def _keys(self) -> frozenset[str]:
        return self.operand.label_keys


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class AndNode(Selector):
    """``a && b && ...``: two or more operands, none an ``AndNode``, sorted by text."""

    operands: tuple[Selector, ...]

    def _render(self) -> str:
        return " && ".join(
            f"({operand})" if isinstance(operand, OrNode) else str(operand)
            for operand in self.operands
        )

    def _source(self, source: MatcherSource, depth: int) -> str:
        return "(" + " and ".join(source.term(o, depth + 1) for o in self.operands) + ")"

    def _restrict(self) -> RestrictionDict:
        return all_of(operand.restrictions for operand in self.operands)

    def _keys(self) -> frozenset[str]:
        return frozenset().union(*(operand.label_keys for operand in self.operands))


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class OrNode(Selector):
    """``a || b || ...``: two or more operands, none an ``OrNode``, sorted by text."""

    operands: tuple[Selector, ...]

    def _render(self) -> str:
        return " || ".join(
            f"({operand})" if isinstance(operand, AndNode) else str(operand)
            for operand in self.operands
        )

    def _source(self, source: MatcherSource, depth: int) -> str:
        return "(" + " or ".join(source.term(o, depth + 1) for o in self.operands) + ")"

    def _restrict(self) -> RestrictionDict:
        return any_of([operand.restrictions for operand in self.operands])

    def _keys(self) -> frozenset[str]:
        return frozenset().union(*(operand.label_keys for operand in self.operands))
