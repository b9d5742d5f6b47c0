"""A compact multimap from a label value to the things filed under it."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T", bound=Hashable)


class Buckets(Generic[K, T]):
    """value -> set of things; a lone thing is stored without a set of its own.

    Most label values of a large cluster are held by one thing (a pod name, a
    one-pod namespace), so skipping the set saves about 200 bytes per entry.
    Things must not themselves be ``set`` instances.
    """

    __slots__ = ("_by_value", "_size")

    def __init__(self) -> None:
        self._by_value: dict[K, T | set[T]] = {}
        self._size = 0

    def add(self, value: K, thing: T) -> None:
        """File ``thing`` under ``value`` (no-op when already there)."""
        held = self._by_value.get(value)
        if held is None:
            self._by_value[value] = thing
        elif isinstance(held, set):
            if thing in held:
                return
            held.add(thing)
        elif held == thing:
            return
        else:
            self._by_value[value] = {held, thing}
        self._size += 1

    def discard(self, value: K, thing: T) -> None:
        """Remove ``thing`` from under ``value`` (no-op when absent)."""
        held = self._by_value.get(value)
        if held is None:
            return
        if isinstance(held, set):
            if thing not in held:
                return
            held.discard(thing)
            if len(held) == 1:
                self._by_value[value] = next(iter(held))
        elif held == thing:
            del self._by_value[value]
        else:
            return
        self._size -= 1

    def discard_all(self, value: K) -> None:
        """Remove every thing filed under ``value``."""
        held = self._by_value.pop(value, None)
        if held is not None:
            self._size -= len(held) if isinstance(held, set) else 1

    def get(self, value: K) -> Collection[T]:
        """The things filed under ``value`` (read-only view; do not keep it)."""
        held = self._by_value.get(value)
        if held is None:
            return ()
        if isinstance(held, set):
            return held
        return (held,)

    def contains(self, value: K, thing: T) -> bool:
        """Whether ``thing`` is filed under ``value``."""
        held = self._by_value.get(value)
        if held is None:
            return False
        return thing in held if isinstance(held, set) else held == thing

    def count(self, value: K) -> int:
        """How many things are filed under ``value``."""
        held = self._by_value.get(value)
        if held is None:
            return 0
        return len(held) if isinstance(held, set) else 1

    def __iter__(self) -> Iterator[T]:
        """Every thing under every value."""
        for held in self._by_value.values():
            if isinstance(held, set):
                yield from held
            else:
                yield held

    def __len__(self) -> int:
        return self._size
