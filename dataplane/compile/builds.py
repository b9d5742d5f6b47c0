"""Placed segments built into ACLs; a build is reused while its inputs are unchanged."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dataplane.compile.acls import AclBuilder, SetSide
from dataplane.compile.catalog import TermCatalog, TermUser
from dataplane.compile.counters import CompileCounters
from dataplane.compile.flatten import Segment
from dataplane.compile.terms import AddressTerm
from dataplane.plan.requests import AclSpec

BuildKey = tuple[str, str]  # (HNS direction, segment key)


@dataclass(frozen=True, slots=True)
class Placement:
    """A segment at its first priority in one HNS direction ("In" or "Out")."""

    direction: str
    segment: Segment
    base: int

    @property
    def key(self) -> BuildKey:
        return (self.direction, self.segment.key)


@dataclass(frozen=True, slots=True)
class SegmentBuild:
    """The ACLs of one placement, and the computed terms its entries use."""

    placement: Placement
    terms: frozenset[AddressTerm]
    acls: Mapping[str, AclSpec]
    origins: Mapping[str, str]
    set_ids: frozenset[str]
    overflowed: tuple[str, ...]

    def reusable_for(self, placement: Placement, changed: set[AddressTerm]) -> bool:
        """Same segment at the same base, and none of its terms changed since."""
        mine = self.placement
        return (
            mine.base == placement.base
            and (mine.segment is placement.segment or mine.segment == placement.segment)
            and (not changed or changed.isdisjoint(self.terms))
        )


@dataclass(frozen=True, slots=True)
class Build:
    """The ACLs of a sequence of placements, what they use, and each segment's build."""

    placements: tuple[Placement, ...]
    acls: dict[str, AclSpec]
    origins: dict[str, str]
    terms: frozenset[AddressTerm]
    set_ids: frozenset[str]
    overflowed: tuple[str, ...]
    builds: dict[BuildKey, SegmentBuild]


EMPTY_BUILD = Build((), {}, {}, frozenset(), frozenset(), (), {})


def segment_terms(segment: Segment) -> frozenset[AddressTerm]:
    """The computed (non-static) address terms a segment's entries use."""
    return frozenset(
        term
        for entry in segment.entries
        for term in (entry.match.local, entry.match.remote)
        if not term.is_static
    )


class SegmentBuilder:
    """Builds a user's placed segments, reusing its previous builds and shared fixed ones.

    A build depends on its segment (entries), its base, its HNS direction
    (part of the key) and the values of its terms as its ACLs read them
    (with SetPolicy references only which groups exist): the catalog names
    the terms whose value changed that way (``TermCatalog.take_changed``).
    """

    def __init__(
        self,
        catalog: TermCatalog,
        set_policy: bool,
        max_addresses: int,
        counters: CompileCounters,
        fixed: Sequence[Placement] = (),
        set_side: SetSide = "npm",
    ) -> None:
        self._catalog = catalog
        self._set_policy = set_policy
        self._set_side = set_side
        self._max_addresses = max_addresses
        self._counters = counters
        self._fixed = {p.key: self._build(p, segment_terms(p.segment)) for p in fixed}
        """Builds of static placements every endpoint may use (host and final allows)."""

    def build(self, user: TermUser, placements: tuple[Placement, ...], previous: Build) -> Build:
        """Every placement's ACLs; ``user``'s terms move from the previous build's to the new."""
        changed = self._catalog.take_changed(user)
        if placements is previous.placements and not changed:
            return previous
        kept: list[SegmentBuild | None] = []
        term_lists: list[frozenset[AddressTerm]] = []
        same = len(placements) == len(previous.builds)
        for placement in placements:
            old = previous.builds.get(placement.key)
            if old is None:
                same = False
                old = self._fixed.get(placement.key)
            if old is not None and old.reusable_for(placement, changed):
                kept.append(old)
            else:
                kept.append(None)
                term_lists.append(segment_terms(placement.segment))
        if same and not term_lists:
            return previous
        terms = frozenset().union(*(b.terms for b in kept if b is not None), *term_lists)
        self._catalog.track(user, previous.terms, terms)
        acls: dict[str, AclSpec] = {}
        origins: dict[str, str] = {}
        set_ids: set[str] = set()
        overflowed: list[str] = []
        builds: dict[BuildKey, SegmentBuild] = {}
        fresh = iter(term_lists)
        for placement, found in zip(placements, kept, strict=True):
            if found is None:
                found = self._build(placement, next(fresh))
            builds[placement.key] = found
            acls.update(found.acls)
            origins.update(found.origins)
            set_ids |= found.set_ids
            overflowed.extend(found.overflowed)
        return Build(
            placements, acls, origins, terms, frozenset(set_ids), tuple(overflowed), builds
        )

    def _build(self, placement: Placement, terms: frozenset[AddressTerm]) -> SegmentBuild:
        self._counters.segments_rebuilt += 1
        builder = AclBuilder(self._catalog, self._set_policy, self._max_addresses, self._set_side)
        for e in placement.segment.entries:
            priority = placement.base + e.offset
            builder.add(e.action, placement.direction, priority, e.match, e.origin, e.label)
        self._counters.acls_compiled += len(builder.acls)
        return SegmentBuild(
            placement,
            terms,
            builder.acls,
            builder.origins,
            frozenset(builder.set_ids),
            tuple(builder.overflowed),
        )
