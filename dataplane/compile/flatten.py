"""Tiers, policies and rules of one endpoint and direction as one first-match list.

HNS has no jump: a ``Pass`` is compiled by inlining, at its position, the rest
of the list (the later tiers) restricted to the Pass rule's match. A Pass that
matches everything just ends its tier. The list is cut into segments (a run
of one policy's rules, one inlined Pass, one tier's default) so priorities can
be given per segment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from dataplane.calc.delta import TierPolicies
from dataplane.compile.matches import EVERYTHING, Match, intersect_matches
from dataplane.model import Action, Direction, ResourceKey

ALLOW = "Allow"
BLOCK = "Block"


@dataclass(frozen=True, slots=True)
class ResolvedRule:
    """A rendered rule resolved for one endpoint (alternatives per approximation)."""

    index: int
    action: Action
    under: tuple[Match, ...]
    over: tuple[Match, ...]
    exact: bool


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the flattened list; ``offset`` is its priority within its segment."""

    action: str
    match: Match
    offset: int
    origin: str  # ACL id prefix
    label: str  # the rule it comes from, for notes


@dataclass(frozen=True, slots=True)
class Segment:
    """A block of consecutive entries that owns ``size`` consecutive priorities."""

    key: str
    size: int
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Flattened:
    """The segments in order; ``reaches_final``: some traffic falls off the last tier."""

    segments: tuple[Segment, ...]
    reaches_final: bool
    notes: tuple[str, ...] = field(default=())


@lru_cache(maxsize=65536)
def tag(name: str) -> str:
    """A short stable tag for a policy or tier name (used in ACL ids)."""
    return hashlib.blake2b(name.encode(), digest_size=3).hexdigest()


def direction_letter(direction: Direction) -> str:
    return "i" if direction is Direction.INGRESS else "e"


@lru_cache(maxsize=4096)
def tier_default(tier: str, d: str) -> Segment:
    """A Deny tier's closing Block (one object per tier and direction letter)."""
    block = Entry(BLOCK, EVERYTHING, 0, f"t{tag(tier)}{d}", f"tier {tier}")
    return Segment(f"t|{tier}", 1, (block,))


@lru_cache(maxsize=4096)
def missing_block(key: ResourceKey, d: str) -> Segment:
    """The Block standing for a policy listed but never defined."""
    block = Entry(BLOCK, EVERYTHING, 0, f"{tag(str(key))}{d}x", f"{key} (missing)")
    return Segment(f"r|{key}|0", 1, (block,))


Piece = Segment | ResolvedRule  # a run of a policy's rules, or a Pass rule
PiecesOf = Callable[[ResourceKey], Sequence[Piece] | None]


def ends_tier(rule: ResolvedRule) -> bool:
    """A Pass rule that matches everything: the rest of its tier is skipped."""
    return rule.exact and rule.over == (EVERYTHING,)


def policy_pieces(
    key: ResourceKey, rules: Sequence[ResolvedRule], direction: Direction
) -> tuple[Piece, ...]:
    """A policy's rules cut at its Pass rules: runs of Allow/Deny entries and the
    Pass rules between them (the pieces stop at a Pass that ends the tier)."""
    name = str(key)
    prefix = f"{tag(name)}{direction_letter(direction)}"
    labelled = f"{name} {direction} rule "
    pieces: list[Piece] = []
    start = 0
    entries: list[Entry] = []
    for rule in rules:
        if rule.action in (Action.ALLOW, Action.DENY):
            allow = rule.action is Action.ALLOW
            action = ALLOW if allow else BLOCK
            label = f"{labelled}{rule.index}"
            for n, match in enumerate(rule.under if allow else rule.over):
                origin = f"{prefix}{rule.index}.{n}"
                entries.append(Entry(action, match, rule.index - start, origin, label))
        elif rule.action is Action.PASS:
            if rule.index > start:
                size = rule.index - start
                pieces.append(Segment(f"r|{name}|{start}", size, tuple(entries)))
            pieces.append(rule)
            if ends_tier(rule):
                return tuple(pieces)
            start, entries = rule.index + 1, []
    if len(rules) > start:
        pieces.append(Segment(f"r|{name}|{start}", len(rules) - start, tuple(entries)))
    return tuple(pieces)


@dataclass(frozen=True, slots=True)
class _Inlined:
    rule: ResolvedRule
    rest: tuple[Segment, ...]
    reaches: bool
    segment: Segment | None
    note: str | None


@dataclass(slots=True)
class FlattenCache:
    """The inlined Pass segments one endpoint and direction's last flattening built,
    reused while the Pass rule and the later segments are equal (unchanged ones
    are the same objects, so the comparison is mostly identity checks)."""

    inlined: dict[str, _Inlined] = field(default_factory=dict)


class _Flattener:
    def __init__(
        self,
        tiers: Sequence[TierPolicies],
        pieces_of: PiecesOf,
        direction: Direction,
        final: Match,
        inline_limit: int,
        cache: FlattenCache,
    ) -> None:
        self.tiers = tiers
        self.pieces_of = pieces_of
        self.direction = direction
        self.d = direction_letter(direction)
        self.final = final
        self.inline_limit = inline_limit
        self.cache = cache
        self.inlined: dict[str, _Inlined] = {}
        self.memo: dict[int, tuple[list[Segment], bool]] = {}
        self.notes: list[str] = []

    def from_tier(self, t: int) -> tuple[list[Segment], bool]:
        found = self.memo.get(t)
        if found is None:
            found = ([], True) if t == len(self.tiers) else self._tier(t)
            self.memo[t] = found
        return found

    def _tier(self, t: int) -> tuple[list[Segment], bool]:
        tier = self.tiers[t]
        segments: list[Segment] = []
        for key in tier.policies:
            pieces = self.pieces_of(key)
            if pieces is None:
                self.notes.append(f"{key}: definition missing: all {self.direction} blocked")
                segments.append(missing_block(key, self.d))
                return segments, False
            for piece in pieces:
                if isinstance(piece, Segment):
                    segments.append(piece)
                elif ends_tier(piece):
                    rest, reaches = self.from_tier(t + 1)
                    return segments + rest, reaches
                else:
                    inlined = self._inline(key, piece, t)
                    if inlined is not None:
                        segments.append(inlined)
        if tier.default_action is Action.PASS:
            rest, reaches = self.from_tier(t + 1)
            return segments + rest, reaches
        segments.append(tier_default(tier.tier, self.d))
        return segments, False

    def _inline(self, key: ResourceKey, rule: ResolvedRule, t: int) -> Segment | None:
        rest_segments, reaches = self.from_tier(t + 1)
        segment_key = f"p|{key}|{rule.index}"
        found = self.cache.inlined.get(segment_key)
        rest = tuple(rest_segments)
        if found is None or (found.rule, found.rest, found.reaches) != (rule, rest, reaches):
            segment, note = self._inlined(key, rule, rest, reaches, segment_key)
            found = _Inlined(rule, rest, reaches, segment, note)
        self.inlined[segment_key] = found
        if found.note is not None:
            self.notes.append(found.note)
        return found.segment

    def _inlined(
        self,
        key: ResourceKey,
        rule: ResolvedRule,
        rest_segments: Sequence[Segment],
        reaches: bool,
        segment_key: str,
    ) -> tuple[Segment | None, str | None]:
        """The later entries restricted to the Pass rule's match, and the limit note."""
        rest = [(e.action, e.match) for s in rest_segments for e in s.entries]
        if reaches:
            rest.append((ALLOW, self.final))
        found: list[tuple[str, Match]] = []
        for action, match in rest:
            for restriction in rule.under if action == ALLOW else rule.over:
                both = intersect_matches(match, restriction)
                if both is not None:
                    found.append((action, both))
        origin = f"{tag(str(key))}{self.d}{rule.index}p"
        label = f"{key} {self.direction} rule {rule.index} (Pass)"
        if len(found) > self.inline_limit:
            note = (
                f"{key} {self.direction} rule {rule.index} (Pass): inlining the later tiers "
                f"needs {len(found)} ACLs (limit {self.inline_limit}): denied instead"
            )
            blocks = tuple(
                Entry(BLOCK, m, 0, f"{origin}{n}", label) for n, m in enumerate(rule.over)
            )
            return (Segment(segment_key, 1, blocks) if blocks else None), note
        if not found:
            return None, None
        entries: list[Entry] = []
        offset = 0
        for n, (action, match) in enumerate(found):
            if entries and entries[-1].action != action:
                offset += 1
            entries.append(Entry(action, match, offset, f"{origin}{n}", label))
        return Segment(segment_key, offset + 1, tuple(entries)), None


def flatten(
    tiers: Sequence[TierPolicies],
    pieces_of: PiecesOf,
    direction: Direction,
    final: Match,
    inline_limit: int,
    cache: FlattenCache,
) -> Flattened:
    """The first-match list for one endpoint and direction.

    ``pieces_of`` gives a policy's pieces (``policy_pieces`` of its resolved
    rules; None: unknown policy, which is blocked fail-closed). ``final`` is
    the allow-everything match used for traffic that falls off the last tier.
    ``cache`` holds the inlined segments of the previous call for this
    endpoint and direction; it is updated to those of this call.
    """
    flattener = _Flattener(tiers, pieces_of, direction, final, inline_limit, cache)
    segments, reaches = flattener.from_tier(0)
    cache.inlined = flattener.inlined
    return Flattened(tuple(segments), reaches, tuple(flattener.notes))
