"""Immutable, hashable, interned label maps."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn


class Labels(dict[str, str]):
    """A label map that cannot change after construction and can be hashed.

    It subclasses ``dict`` so that selector evaluation uses the C-level ``get``.
    """

    __slots__ = ("_hash",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(items)
        self._hash = hash(frozenset(self.items()))

    def __hash__(self) -> int:  # type: ignore[override]
        return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        return (Labels, (dict(self),))

    def _immutable(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        raise TypeError("Labels are immutable")

    __setitem__ = _immutable
    __delitem__ = _immutable
    clear = _immutable
    pop = _immutable
    popitem = _immutable
    setdefault = _immutable
    update = _immutable
    __ior__ = _immutable


EMPTY_LABELS = Labels()


class LabelInterner:
    """Shares one ``Labels`` object between all equal label maps it has seen.

    At 100k endpoints most label maps repeat (pods of one deployment), so
    interning saves most of their memory. Keys and values are ``sys.intern``-ed.
    """

    __slots__ = ("_table",)

    def __init__(self) -> None:
        self._table: dict[frozenset[tuple[str, str]], Labels] = {}

    def intern(self, labels: Mapping[str, str]) -> Labels:
        """Return the shared ``Labels`` equal to ``labels``."""
        key = frozenset(labels.items())
        found = self._table.get(key)
        if found is None:
            found = Labels((sys.intern(k), sys.intern(v)) for k, v in labels.items())
            self._table[key] = found
        return found

    def __len__(self) -> int:
        return len(self._table)
