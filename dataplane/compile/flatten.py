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


RulesOf = Callable[[ResourceKey], Sequence[ResolvedRule] | None]


class _Flattener:
    def __init__(
        self,
        tiers: Sequence[TierPolicies],
        rules_of: RulesOf,
        direction: Direction,
        final: Match,
        inline_limit: int,
    ) -> None:
        self.tiers = tiers
        self.rules_of = rules_of
        self.direction = direction
        self.d = direction_letter(direction)
        self.final = final
        self.inline_limit = inline_limit
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
            rules = self.rules_of(key)
            prefix = f"{tag(str(key))}{self.d}"
            if rules is None:
                self.notes.append(f"{key}: definition missing: all {self.direction} blocked")
                block = Entry(BLOCK, EVERYTHING, 0, f"{prefix}x", f"{key} (missing)")
                segments.append(Segment(f"r|{key}|0", 1, (block,)))
                return segments, False
            start = 0
            entries: list[Entry] = []
            for rule in rules:
                if rule.action in (Action.ALLOW, Action.DENY):
                    allow = rule.action is Action.ALLOW
                    for n, match in enumerate(rule.under if allow else rule.over):
                        origin = f"{prefix}{rule.index}.{n}"
                        action = ALLOW if allow else BLOCK
                        label = f"{key} {self.direction} rule {rule.index}"
                        entries.append(Entry(action, match, rule.index - start, origin, label))
                elif rule.action is Action.PASS:
                    if rule.index > start:
                        size = rule.index - start
                        segments.append(Segment(f"r|{key}|{start}", size, tuple(entries)))
                    if rule.exact and rule.over == (EVERYTHING,):
                        rest, reaches = self.from_tier(t + 1)
                        return segments + rest, reaches
                    inlined = self._inline(key, prefix, rule, t)
                    if inlined is not None:
                        segments.append(inlined)
                    start, entries = rule.index + 1, []
            if len(rules) > start:
                segments.append(Segment(f"r|{key}|{start}", len(rules) - start, tuple(entries)))
        if tier.default_action is Action.PASS:
            rest, reaches = self.from_tier(t + 1)
            return segments + rest, reaches
        block = Entry(BLOCK, EVERYTHING, 0, f"t{tag(tier.tier)}{self.d}", f"tier {tier.tier}")
        segments.append(Segment(f"t|{tier.tier}", 1, (block,)))
        return segments, False

    def _inline(self, key: ResourceKey, prefix: str, rule: ResolvedRule, t: int) -> Segment | None:
        rest_segments, reaches = self.from_tier(t + 1)
        rest = [(e.action, e.match) for s in rest_segments for e in s.entries]
        if reaches:
            rest.append((ALLOW, self.final))
        found: list[tuple[str, Match]] = []
        for action, match in rest:
            for restriction in rule.under if action == ALLOW else rule.over:
                both = intersect_matches(match, restriction)
                if both is not None:
                    found.append((action, both))
        segment_key = f"p|{key}|{rule.index}"
        origin = f"{prefix}{rule.index}p"
        label = f"{key} {self.direction} rule {rule.index} (Pass)"
        if len(found) > self.inline_limit:
            self.notes.append(
                f"{key} {self.direction} rule {rule.index} (Pass): inlining the later tiers "
                f"needs {len(found)} ACLs (limit {self.inline_limit}): denied instead"
            )
            blocks = tuple(
                Entry(BLOCK, m, 0, f"{origin}{n}", label) for n, m in enumerate(rule.over)
            )
            return Segment(segment_key, 1, blocks) if blocks else None
        if not found:
            return None
        entries: list[Entry] = []
        offset = 0
        for n, (action, match) in enumerate(found):
            if entries and entries[-1].action != action:
                offset += 1
            entries.append(Entry(action, match, offset, f"{origin}{n}", label))
        return Segment(segment_key, offset + 1, tuple(entries))


def flatten(
    tiers: Sequence[TierPolicies],
    rules_of: RulesOf,
    direction: Direction,
    final: Match,
    inline_limit: int,
) -> Flattened:
    """The first-match list for one endpoint and direction.

    ``rules_of`` gives a policy's resolved rules (None: unknown policy, which
    is blocked fail-closed). ``final`` is the allow-everything match used for
    traffic that falls off the last tier.
    """
    flattener = _Flattener(tiers, rules_of, direction, final, inline_limit)
    segments, reaches = flattener.from_tier(0)
    return Flattened(tuple(segments), reaches, tuple(flattener.notes))
