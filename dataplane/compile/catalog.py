"""Address terms in use: who uses them, their current values, and the HNS sets they need."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from dataplane.calc.delta import IpSetDelta, IpSetKey, Member
from dataplane.compile.counters import CompileCounters
from dataplane.compile.evaluate import TermValue, evaluate, patched
from dataplane.compile.terms import AddressTerm
from dataplane.model import Direction, ResourceKey
from dataplane.plan.requests import IpSetSpec

TermUser = tuple[ResourceKey, Direction]  # one direction of one endpoint


class IpSetSource(Protocol):
    """Where terms read address sets (the compiler's ``ActiveSets``, fed by the deltas)."""

    def acquire(self, key: IpSetKey) -> None: ...

    def release(self, key: IpSetKey) -> None: ...

    def members(self, key: IpSetKey) -> frozenset[Member]: ...


def set_id(term: AddressTerm, port: int | None) -> str:
    """HNS SetPolicy id for one group of a term."""
    return term.id if port is None else f"{term.id}-p{port}"


class TermCatalog:
    """Reference-counts terms by user (an endpoint's direction) and the sets they read.

    A term stays acquired while an endpoint's rules mention it, even when it is
    empty (no ACL is emitted then), so a new member makes the rule appear. The
    sets a term reads are active in the calc graph (its policies are); the
    views with ``nets`` exist while acquired here.
    """

    def __init__(
        self, source: IpSetSource, ipv6: bool, limit: int, counters: CompileCounters
    ) -> None:
        self._source = source
        self._ipv6 = ipv6
        self._limit = limit
        self._counters = counters
        self._users: dict[AddressTerm, set[TermUser]] = {}
        self._key_terms: dict[IpSetKey, set[AddressTerm]] = {}
        self._values: dict[AddressTerm, TermValue] = {}
        self._set_refs: dict[str, int] = {}
        self._set_groups: dict[str, tuple[AddressTerm, int | None]] = {}
        self._touched: set[str] = set()
        self._emitted: dict[str, IpSetSpec] = {}
        self._changed: dict[TermUser, set[AddressTerm]] = {}
        self._inlined: set[AddressTerm] = set()
        """Terms some ACL writes as addresses although SetPolicy mode is on (npm set side
        next to the endpoint's own literal addresses): their users follow the value."""

    def track(self, user: TermUser, old: Iterable[AddressTerm], new: Iterable[AddressTerm]) -> None:
        """Move ``user`` from the terms ``old`` to the terms ``new`` (acquire, then release)."""
        old_set, new_set = set(old), set(new)
        if not new_set:
            self._changed.pop(user, None)
        for term in new_set - old_set:
            users = self._users.get(term)
            if users is None:
                users = self._users[term] = set()
                for key in term.keys:
                    terms = self._key_terms.get(key)
                    if terms is None:
                        self._source.acquire(key)
                        terms = self._key_terms[key] = set()
                    terms.add(term)
            users.add(user)
        for term in old_set - new_set:
            users = self._users[term]
            users.discard(user)
            if users:
                continue
            del self._users[term]
            self._values.pop(term, None)
            self._inlined.discard(term)
            for key in term.keys:
                terms = self._key_terms[key]
                terms.discard(term)
                if not terms:
                    del self._key_terms[key]
                    self._source.release(key)

    def value(self, term: AddressTerm) -> TermValue:
        """The term's current value (evaluated once per membership change)."""
        found = self._values.get(term)
        if found is None:
            self._counters.term_evaluations += 1
            found = evaluate(
                term.cidrs, term.sets, term.excluded, self._source.members, self._ipv6, self._limit
            )
            self._values[term] = found
        return found

    def refer(self, old: Iterable[str], new: Iterable[str]) -> None:
        """One endpoint's ACLs now reference the sets ``new`` instead of ``old``."""
        old_set, new_set = set(old), set(new)
        for sid in new_set - old_set:
            self._set_refs[sid] = self._set_refs.get(sid, 0) + 1
            self._touched.add(sid)
        for sid in old_set - new_set:
            refs = self._set_refs[sid] - 1
            if refs:
                self._set_refs[sid] = refs
            else:
                del self._set_refs[sid]
            self._touched.add(sid)

    def inline(self, term: AddressTerm) -> None:
        """An ACL writes ``term``'s addresses even in SetPolicy mode: track its value."""
        self._inlined.add(term)

    def register(self, sid: str, term: AddressTerm, port: int | None) -> None:
        """Remember which term group a set id stands for."""
        self._set_groups[sid] = (term, port)

    def membership_changed(self, deltas: Iterable[IpSetDelta], sets_by_id: bool) -> set[TermUser]:
        """Bring terms over changed sets up to date; returns the users whose ACLs change.

        A term that is exactly one set is patched with the set's delta (its cost
        follows the change, not the set's size); others are evaluated again.
        With ``sets_by_id`` (SetPolicy mode) an endpoint is affected only when a
        group appears, disappears or overflows; otherwise only set values change.
        Literal terms (local sides) and inline mode affect it whenever the value changes.
        The terms that affected it are kept for ``take_changed``.
        """
        affected: set[TermUser] = set()
        changes = {delta.key: delta for delta in deltas}
        terms = {t for key in changes for t in self._key_terms.get(key, ())}
        for term in terms:
            before = self._values.pop(term, None)
            after = None
            if before is not None and (key := term.direct_key) is not None:
                change = changes[key]
                after = patched(before, change.added, change.removed, self._ipv6)
            if after is None:
                after = self.value(term)
            else:
                self._counters.term_patches += 1
                self._values[term] = after
            by_reference = sets_by_id and not term.literal and term not in self._inlined
            if before is None or (before.shape != after.shape if by_reference else before != after):
                users = self._users[term]
                affected |= users
                for user in users:
                    self._changed.setdefault(user, set()).add(term)
            for port, _ in after.groups:
                self._touched.add(set_id(term, port))
        return affected

    def take_changed(self, user: TermUser) -> set[AddressTerm]:
        """Terms of ``user`` whose value changed, as its ACLs read it, since the last call."""
        return self._changed.pop(user, set()) if self._changed else set()

    def take_set_changes(self) -> dict[str, IpSetSpec | None]:
        """Referenced sets whose value changed since the last call (None: no longer needed)."""
        changes: dict[str, IpSetSpec | None] = {}
        for sid in sorted(self._touched):
            spec = self._spec(sid) if sid in self._set_refs else None
            previous = self._emitted.get(sid)
            if spec == previous:
                continue
            if spec is None:
                del self._emitted[sid]
            else:
                self._emitted[sid] = spec
            changes[sid] = spec
        for sid in self._touched:
            if sid not in self._set_refs:
                self._set_groups.pop(sid, None)
        self._touched.clear()
        return changes

    def _spec(self, sid: str) -> IpSetSpec | None:
        term, port = self._set_groups[sid]
        if term not in self._users:
            return None
        values = dict(self.value(term).groups).get(port)
        if not values:
            return None
        return IpSetSpec(sid, term.canonical[:128], values)
