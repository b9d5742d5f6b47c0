"""The abstract selector value: canonical text, equality, matching, restrictions."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from dataplane.selector._matcher import compiled_matcher

if TYPE_CHECKING:
    from dataplane.selector._matcher import MatcherSource

Restrictions = Mapping[str, frozenset[str] | None]
Matcher = Callable[[Mapping[str, str]], bool]


class Selector(ABC):
    """An immutable, hashable, canonical selector over a label map.

    Two selectors are equal exactly when their canonical strings are equal.
    Build them with ``parse`` or the constructors, never directly.
    """

    __slots__ = ("_hash", "_label_keys", "_matcher", "_restrictions", "_text")
    _hash: int
    _label_keys: frozenset[str] | None
    _matcher: Matcher | None
    _restrictions: Restrictions | None
    _text: str

    def __post_init__(self) -> None:
        text = self._render()
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_hash", hash(text))
        object.__setattr__(self, "_matcher", None)
        object.__setattr__(self, "_restrictions", None)
        object.__setattr__(self, "_label_keys", None)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether a label map is selected."""
        matcher = self._matcher
        if matcher is None:
            matcher = compiled_matcher(self)
            object.__setattr__(self, "_matcher", matcher)
        return matcher(labels)

    @property
    def restrictions(self) -> Restrictions:
        """Labels a matching map must have: key -> allowed values, or None for any value."""
        found = self._restrictions
        if found is None:
            found = MappingProxyType(self._restrict())
            object.__setattr__(self, "_restrictions", found)
        return found

    @property
    def label_keys(self) -> frozenset[str]:
        """Every label key the result depends on."""
        found = self._label_keys
        if found is None:
            found = self._keys()
            object.__setattr__(self, "_label_keys", found)
        return found

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"Selector({self._text!r})"

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if isinstance(other, Selector):
            return self._text == other._text
        return NotImplemented

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        # Imported here: the parser builds selectors, so it imports this module.
        from dataplane.selector._parser import parse

        return (parse, (self._text,))

    @abstractmethod
    def _render(self) -> str:
        """The canonical text (children are already rendered)."""

    @abstractmethod
    def _source(self, source: MatcherSource, depth: int) -> str:
        """A Python expression over ``labels`` (and ``get = labels.get``) for ``matches``."""

    @abstractmethod
    def _restrict(self) -> dict[str, frozenset[str] | None]:
        """A fresh restrictions dict (see ``restrictions``)."""

    @abstractmethod
    def _keys(self) -> frozenset[str]:
        """The label keys read (see ``label_keys``)."""
