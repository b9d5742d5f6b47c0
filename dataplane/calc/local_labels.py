"""Interned selector labels of the local endpoints, with an interner that cannot grow stale."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from dataplane.model import LabelInterner, Labels, ResourceKey

# The interner is rebuilt from the live maps once it holds this many times more.
_SLACK = 2
_FLOOR = 256


class LocalLabels(Mapping[ResourceKey, Labels]):
    """endpoint key -> its selector labels, equal maps shared through a LabelInterner.

    The interner only grows, so when it holds more than twice the live maps
    (plus a floor) it is rebuilt from them: memory stays bounded by the local
    endpoints however long pods churn, at amortised constant cost.
    """

    __slots__ = ("_interner", "_labels")

    def __init__(self) -> None:
        self._labels: dict[ResourceKey, Labels] = {}
        self._interner = LabelInterner()

    def set(self, key: ResourceKey, labels: Mapping[str, str]) -> Labels:
        """Store (and return) the shared map equal to ``labels`` for ``key``."""
        if len(self._interner) > _SLACK * len(self._labels) + _FLOOR:
            self._interner = LabelInterner()
            for live_key, live in self._labels.items():
                self._labels[live_key] = self._interner.intern(live)
        shared = self._labels[key] = self._interner.intern(labels)
        return shared

    def pop(self, key: ResourceKey) -> Labels:
        """Forget ``key``; returns its last labels."""
        return self._labels.pop(key)

    @property
    def shared_maps(self) -> int:
        """How many distinct maps the interner holds (live or not yet dropped)."""
        return len(self._interner)

    def __getitem__(self, key: ResourceKey) -> Labels:
        return self._labels[key]

    def __contains__(self, key: object) -> bool:
        return key in self._labels

    def __iter__(self) -> Iterator[ResourceKey]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)
