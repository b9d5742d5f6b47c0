"""Which registered selectors match which labelled items, kept current through changes."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Set
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from dataplane.calc.buckets import Buckets
from dataplane.calc.counters import CalcCounters
from dataplane.model.wellknown import NAMESPACE_LABEL
from dataplane.selector import Selector

ItemT = TypeVar("ItemT", bound=Hashable)
ItemT_contra = TypeVar("ItemT_contra", bound=Hashable, contravariant=True)


class MatchListener(Protocol[ItemT_contra]):
    """Told each time an item starts or stops matching a registered selector."""

    def matched(self, selector: Selector, item: ItemT_contra) -> None: ...

    def unmatched(self, selector: Selector, item: ItemT_contra) -> None: ...


@dataclass(frozen=True, slots=True)
class Placement:
    """The one restriction a selector is filed under: ``key`` with one of ``values``.

    ``values`` None files it under "has ``key``"; an empty set means the
    selector can match nothing.
    """

    key: str
    values: frozenset[str] | None


class LabelIndex(Generic[ItemT]):
    """Items by label value and selectors by one restriction, with their matches.

    The index keeps no labels of its own: callers pass an item's labels on every
    change, and ``labels_of`` supplies them when a new selector or a newly
    indexed key needs them. Items are filed only under the label keys that
    selectors are placed on (plus ``indexed_keys``), so the index costs memory
    in proportion to what selectors ask about. Registering a selector does not
    notify the listener (the caller reads ``matches``); item changes do.
    """

    def __init__(
        self,
        labels_of: Callable[[ItemT], Mapping[str, str]],
        all_items: Callable[[], Collection[ItemT]],
        listener: MatchListener[ItemT],
        counters: CalcCounters,
        indexed_keys: Iterable[str] = (),
    ) -> None:
        self._labels_of = labels_of
        self._all_items = all_items
        self._listener = listener
        self._counters = counters
        self._items: dict[str, Buckets[str, ItemT]] = {key: Buckets() for key in indexed_keys}
        self._selectors_by_value: dict[str, Buckets[str, Selector]] = {}
        self._selectors_by_key: dict[str, set[Selector]] = {}
        self._unrestricted: set[Selector] = set()
        self._placements: dict[Selector, Placement | None] = {}
        self._refs: dict[Selector, int] = {}
        self._matches: Buckets[Selector, ItemT] = Buckets()

    # -- selectors ------------------------------------------------------------

    def add_selector(self, selector: Selector) -> bool:
        """Register (or add a reference to) ``selector``; True when it is new."""
        refs = self._refs.get(selector, 0)
        self._refs[selector] = refs + 1
        if refs:
            return False
        placement = self._choose_placement(selector)
        self._file(selector, placement)
        evaluations = 0
        for item in self._candidate_items(placement):
            evaluations += 1
            if selector.matches(self._labels_of(item)):
                self._matches.add(selector, item)
        self._counters.selector_evaluations += evaluations
        return True

    def remove_selector(self, selector: Selector) -> bool:
        """Drop one reference to ``selector``; True when it is gone (no notifications)."""
        refs = self._refs[selector] - 1
        if refs:
            self._refs[selector] = refs
            return False
        del self._refs[selector]
        self._unfile(selector, self._placements.pop(selector))
        self._matches.discard_all(selector)
        return True

    def matches(self, selector: Selector) -> Collection[ItemT]:
        """The items a registered selector matches now (a live view: copy to keep)."""
        return self._matches.get(selector)

    def is_match(self, selector: Selector, item: ItemT) -> bool:
        """Whether ``item`` matches the registered ``selector``."""
        return self._matches.contains(selector, item)

    def __contains__(self, selector: object) -> bool:
        return selector in self._refs

    def placement(self, selector: Selector) -> Placement | None:
        """Where a registered selector is filed (None: checked against every item)."""
        return self._placements[selector]

    # -- items ----------------------------------------------------------------

    def items_with(self, key: str, value: str) -> Collection[ItemT]:
        """Items whose ``key`` label is ``value`` (indexes ``key`` first if needed)."""
        return self._index_key(key).get(value)

    def add_item(self, item: ItemT, labels: Mapping[str, str]) -> None:
        """A new item: file it and notify every selector it matches."""
        for key, buckets in self._items.items():
            value = labels.get(key)
            if value is not None:
                buckets.add(value, item)
        candidates = self._candidate_selectors(labels)
        self._counters.selector_evaluations += len(candidates)
        for selector in candidates:
            if selector.matches(labels):
                self._matches.add(selector, item)
                self._listener.matched(selector, item)

    def remove_item(self, item: ItemT, labels: Mapping[str, str]) -> None:
        """An item is gone (``labels`` are its last ones): unfile it, notify its matches."""
        for key, buckets in self._items.items():
            value = labels.get(key)
            if value is not None:
                buckets.discard(value, item)
        for selector in self._candidate_selectors(labels):
            if self._matches.contains(selector, item):
                self._matches.discard(selector, item)
                self._listener.unmatched(selector, item)

    def update_item(
        self,
        item: ItemT,
        old: Mapping[str, str],
        new: Mapping[str, str],
        changed: Set[str] | None = None,
    ) -> None:
        """An item's labels changed: re-evaluate only selectors that read a changed key.

        ``changed``: the keys that may differ, when the caller knows (a superset is fine).
        """
        if old is new:
            return
        if changed is None:
            changed = {key for key, _ in old.items() ^ new.items()}
        if not changed:
            return
        for key in changed:
            buckets = self._items.get(key)
            if buckets is None:
                continue
            if (before := old.get(key)) is not None:
                buckets.discard(before, item)
            if (after := new.get(key)) is not None:
                buckets.add(after, item)
        candidates = self._candidate_selectors(new)
        self._add_changed_candidates(candidates, old, changed)
        evaluations = 0
        for selector in candidates:
            if selector.label_keys.isdisjoint(changed):
                continue
            evaluations += 1
            now = selector.matches(new)
            if now == self._matches.contains(selector, item):
                continue
            if now:
                self._matches.add(selector, item)
                self._listener.matched(selector, item)
            else:
                self._matches.discard(selector, item)
                self._listener.unmatched(selector, item)
        self._counters.selector_evaluations += evaluations

    # -- internals ------------------------------------------------------------

    def _choose_placement(self, selector: Selector) -> Placement | None:
        """The most selective restriction: explicit values first, then fewest candidates.

        A candidate count adds the items to evaluate when the selector arrives
        (or, for a key not yet indexed, the scan that indexes it) to the
        selectors already filed there (evaluated when such an item changes).
        Ties go to the namespace label, which partitions a cluster well.
        """
        best: tuple[tuple[bool, int, bool, str], Placement] | None = None
        for key, values in selector.restrictions.items():
            cost = self._placement_cost(key, values)
            rank = (values is None, cost, key != NAMESPACE_LABEL, key)
            if best is None or rank < best[0]:
                best = (rank, Placement(key, values))
        return None if best is None else best[1]

    def _placement_cost(self, key: str, values: frozenset[str] | None) -> int:
        items = self._items.get(key)
        if values is None:
            filed = len(self._selectors_by_key.get(key, ()))
            return filed + len(items if items is not None else self._all_items())
        by_value = self._selectors_by_value.get(key)
        filed = sum(by_value.count(value) for value in values) if by_value else 0
        if items is None:
            return filed + len(self._all_items())
        return filed + sum(items.count(value) for value in values)

    def _file(self, selector: Selector, placement: Placement | None) -> None:
        self._placements[selector] = placement
        if placement is None:
            self._unrestricted.add(selector)
        elif placement.values is None:
            self._selectors_by_key.setdefault(placement.key, set()).add(selector)
        elif placement.values:
            by_value = self._selectors_by_value.setdefault(placement.key, Buckets())
            for value in placement.values:
                by_value.add(value, selector)

    def _unfile(self, selector: Selector, placement: Placement | None) -> None:
        if placement is None:
            self._unrestricted.discard(selector)
        elif placement.values is None:
            filed = self._selectors_by_key[placement.key]
            filed.discard(selector)
            if not filed:
                del self._selectors_by_key[placement.key]
        elif placement.values:
            by_value = self._selectors_by_value[placement.key]
            for value in placement.values:
                by_value.discard(value, selector)
            if not by_value:
                del self._selectors_by_value[placement.key]

    def _candidate_items(self, placement: Placement | None) -> Iterable[ItemT]:
        if placement is None:
            return self._scan()
        buckets = self._index_key(placement.key)
        if placement.values is None:
            return list(buckets)
        return [item for value in placement.values for item in buckets.get(value)]

    def _scan(self) -> list[ItemT]:
        items = list(self._all_items())
        self._counters.items_scanned += len(items)
        return items

    def _index_key(self, key: str) -> Buckets[str, ItemT]:
        buckets = self._items.get(key)
        if buckets is None:
            buckets = Buckets()
            for item in self._scan():
                value = self._labels_of(item).get(key)
                if value is not None:
                    buckets.add(value, item)
            self._items[key] = buckets
        return buckets

    def _candidate_selectors(self, labels: Mapping[str, str]) -> set[Selector]:
        """Selectors that could match ``labels``: those filed under one of its labels."""
        found = set(self._unrestricted)
        by_value = self._selectors_by_value
        for key in labels.keys() & by_value.keys():
            found.update(by_value[key].get(labels[key]))
        by_key = self._selectors_by_key
        for key in labels.keys() & by_key.keys():
            found.update(by_key[key])
        return found

    def _add_changed_candidates(
        self, found: set[Selector], old: Mapping[str, str], changed: Iterable[str]
    ) -> None:
        """Add to the candidates of the new labels those of ``old`` (only its ``changed``
        keys can file a selector the new labels do not)."""
        by_value = self._selectors_by_value
        by_key = self._selectors_by_key
        for key in changed:
            if (before := old.get(key)) is None:
                continue
            if (filed := by_value.get(key)) is not None:
                found.update(filed.get(before))
            if (any_value := by_key.get(key)) is not None:
                found.update(any_value)
