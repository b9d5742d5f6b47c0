"""The graph's active address sets as the deltas describe them, and the views terms cut."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from dataplane.calc.delta import Delta, IpSetDelta, IpSetKey, Member
from dataplane.calc.ipsets import NotActiveError
from dataplane.calc.members import member_parts


def unfiltered(key: IpSetKey) -> IpSetKey:
    """The active set a key reads: itself, or the same key without ``nets``."""
    return key if key.nets is None else IpSetKey(key.selector, None, key.named_port)


class SetReadError(RuntimeError):
    """The graph deactivated a set a term still reads (a broken delta contract)."""


class ActiveSets:
    """Members of the active sets, kept from the deltas alone, and views of them.

    The calc graph decides which sets are active; this only mirrors them
    (``apply`` takes activations and membership changes, ``deactivate`` the
    deactivations). A key with ``nets`` is a *view*: its set's members cut to
    ``nets`` (``member_parts``), each part counted by the members contributing
    it, so a view changes exactly when and as its set does. Terms ``acquire``
    and ``release`` the keys they read; a view exists while acquired.
    """

    def __init__(self) -> None:
        self._members: dict[IpSetKey, frozenset[Member] | set[Member]] = {}
        """An activation's frozenset as given, copied into a set on its first change."""
        self._views: dict[IpSetKey, dict[Member, int]] = {}
        self._views_of: dict[IpSetKey, list[IpSetKey]] = {}
        self._refs: dict[IpSetKey, int] = {}

    def apply(self, delta: Delta) -> list[IpSetDelta]:
        """Take a delta's set activations and membership changes; returns the changes of
        every set and view, for the terms over them."""
        self._members.update(delta.ipsets_activated)
        changes: list[IpSetDelta] = []
        for change in delta.ipsets:
            members = self._members.get(change.key)
            if members is None:
                raise NotActiveError(change.key)
            if isinstance(members, frozenset):
                members = self._members[change.key] = set(members)
            members -= change.removed
            members |= change.added
            changes.append(change)
            for view in self._views_of.get(change.key, ()):
                cut = self._cut(view, change)
                if cut is not None:
                    changes.append(cut)
        return changes

    def deactivate(self, keys: Iterable[IpSetKey]) -> None:
        """Forget sets the graph no longer computes (no term may read them any more)."""
        for key in keys:
            if key in self._refs or key in self._views_of:
                raise SetReadError(f"ip set {key.id} ({key.canonical}) deactivated while read")
            del self._members[key]

    # -- IpSetSource --------------------------------------------------------------

    def acquire(self, key: IpSetKey) -> None:
        """A term reads ``key`` (an active set or a view of one)."""
        refs = self._refs.get(key)
        if refs is not None:
            self._refs[key] = refs + 1
            return
        base = unfiltered(key)
        members = self._members.get(base)
        if members is None:
            raise NotActiveError(base)
        self._refs[key] = 1
        if key.nets is None:
            return
        counts: dict[Member, int] = {}
        for member in members:
            for part in member_parts(member, key.nets):
                counts[part] = counts.get(part, 0) + 1
        self._views[key] = counts
        self._views_of.setdefault(base, []).append(key)

    def release(self, key: IpSetKey) -> None:
        """A term no longer reads ``key``; a view is dropped with its last reader."""
        refs = self._refs[key] - 1
        if refs:
            self._refs[key] = refs
            return
        del self._refs[key]
        if key.nets is not None:
            del self._views[key]
            base = unfiltered(key)
            views = self._views_of[base]
            views.remove(key)
            if not views:
                del self._views_of[base]

    def members(self, key: IpSetKey) -> frozenset[Member]:
        """The current members of an active set or an acquired view (no copy of an
        activation's members not changed since)."""
        found: Collection[Member] | None = (
            self._members.get(key) if key.nets is None else self._views.get(key)
        )
        if found is None:
            raise NotActiveError(key)
        return frozenset(found)

    def _cut(self, view: IpSetKey, change: IpSetDelta) -> IpSetDelta | None:
        """A view's change from its set's change (None when no part changed)."""
        assert view.nets is not None
        counts = self._views[view]
        gone: set[Member] = set()
        new: set[Member] = set()
        for member in change.removed:
            for part in member_parts(member, view.nets):
                count = counts[part] - 1
                if count:
                    counts[part] = count
                else:
                    del counts[part]
                    gone.add(part)
        for member in change.added:
            for part in member_parts(member, view.nets):
                count = counts.get(part, 0)
                counts[part] = count + 1
                if not count:
                    if part in gone:
                        gone.discard(part)
                    else:
                        new.add(part)
        if not new and not gone:
            return None
        return IpSetDelta(view, frozenset(new), frozenset(gone))
