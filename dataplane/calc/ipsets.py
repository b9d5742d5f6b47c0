"""Members of the active address sets: ref-counted members, real per-flush deltas."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from dataplane.calc.counters import CalcCounters
from dataplane.calc.delta import IpSetDelta, IpSetKey, Member
from dataplane.calc.label_index import LabelIndex
from dataplane.calc.members import members_of
from dataplane.model import NetworkSet, ResourceKey, WorkloadEndpoint
from dataplane.model.wellknown import NAMESPACE_LABEL
from dataplane.selector import Selector

Item = WorkloadEndpoint | NetworkSet


class NotActiveError(KeyError):
    """An address set was read or deactivated while not active."""

    def __init__(self, key: IpSetKey) -> None:
        super().__init__(f"ip set {key.id} ({key.canonical}) is not active")
        self.key = key


class _Pending:
    """Members added and removed since the last flush; a round trip cancels out."""

    __slots__ = ("added", "removed")

    def __init__(self) -> None:
        self.added: set[Member] = set()
        self.removed: set[Member] = set()


class IpSetCalculator:
    """Members of every active ``IpSetKey`` over all endpoints and network sets.

    Which keys are active is the rule scanner's decision (``rule_scanner``).
    Each member carries a count of the items contributing it, so an address
    shared by two endpoints stays while either matches. ``index`` holds every
    endpoint and network set of the cluster; the graph feeds it and it tells
    this calculator when an item starts or stops matching a set's selector.
    """

    def __init__(
        self,
        items: Mapping[ResourceKey, Item],
        labels_of: Callable[[ResourceKey], Mapping[str, str]],
        counters: CalcCounters,
    ) -> None:
        self._items = items
        self._counters = counters
        self.index: LabelIndex[ResourceKey] = LabelIndex(
            labels_of, items.keys, self, counters, indexed_keys=(NAMESPACE_LABEL,)
        )
        self._keys_by_selector: dict[Selector, list[IpSetKey]] = {}
        self._members: dict[IpSetKey, dict[Member, int]] = {}
        self._pending: dict[IpSetKey, _Pending] = {}

    def activate(self, key: IpSetKey) -> frozenset[Member]:
        """Start computing ``key`` (not active); returns its current members, which
        the next ``take_deltas`` is relative to."""
        if key in self._members:
            raise ValueError(f"ip set {key.id} ({key.canonical}) is already active")
        selector = key.selector
        self.index.add_selector(selector)
        self._keys_by_selector.setdefault(selector, []).append(key)
        counts: dict[Member, int] = {}
        for item in self.index.matches(selector):
            for member in members_of(self._items[item], key):
                counts[member] = counts.get(member, 0) + 1
        self._members[key] = counts
        return frozenset(counts)

    def deactivate(self, key: IpSetKey) -> None:
        """Stop computing ``key``: its members and pending changes are dropped."""
        if key not in self._members:
            raise NotActiveError(key)
        del self._members[key]
        self._pending.pop(key, None)
        selector = key.selector
        keys = self._keys_by_selector[selector]
        keys.remove(key)
        if not keys:
            del self._keys_by_selector[selector]
        self.index.remove_selector(selector)

    def members(self, key: IpSetKey) -> frozenset[Member]:
        """The current members of an active set."""
        counts = self._members.get(key)
        if counts is None:
            raise NotActiveError(key)
        return frozenset(counts)

    def active(self) -> frozenset[IpSetKey]:
        """Every active key."""
        return frozenset(self._members)

    def take_deltas(self) -> tuple[IpSetDelta, ...]:
        """Membership changes since the last call, ordered by set id; then forget them."""
        deltas = [
            IpSetDelta(key, frozenset(pending.added), frozenset(pending.removed))
            for key, pending in self._pending.items()
            if pending.added or pending.removed
        ]
        self._pending.clear()
        deltas.sort(key=lambda delta: delta.key.id)
        return tuple(deltas)

    # -- MatchListener --------------------------------------------------------

    def matched(self, selector: Selector, item: ResourceKey) -> None:
        """``item`` now matches ``selector``: count its members into every such set."""
        value = self._items[item]
        for key in self._keys_by_selector[selector]:
            counts = self._members[key]
            for member in members_of(value, key):
                count = counts.get(member, 0)
                counts[member] = count + 1
                if not count:
                    self._changed(key, member, entered=True)

    def unmatched(self, selector: Selector, item: ResourceKey) -> None:
        """``item`` no longer matches ``selector``: count its members out."""
        value = self._items[item]
        for key in self._keys_by_selector[selector]:
            counts = self._members[key]
            for member in members_of(value, key):
                count = counts[member] - 1
                if count:
                    counts[member] = count
                else:
                    del counts[member]
                    self._changed(key, member, entered=False)

    def _changed(self, key: IpSetKey, member: Member, *, entered: bool) -> None:
        """Queue ``member`` entering (or leaving) ``key``'s set; a queued opposite change
        of the same member cancels out instead."""
        self._counters.set_member_changes += 1
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = _Pending()
        undone, done = (
            (pending.removed, pending.added) if entered else (pending.added, pending.removed)
        )
        if member in undone:
            undone.discard(member)
        else:
            done.add(member)
