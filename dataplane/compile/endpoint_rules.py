"""One endpoint's policies as flatten pieces, kept until the render or a fact they read changes."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from dataplane.compile.counters import CompileCounters
from dataplane.compile.flatten import Piece, ResolvedRule, policy_pieces
from dataplane.compile.matches import LocalFacts, resolve
from dataplane.compile.render import RenderedPolicy, RenderedRule
from dataplane.model import Direction, ResourceKey

RECENT_POLICIES = 8
"""Entries kept per direction for policies the endpoint stopped using (a label
flipping back, a policy briefly deselected) so their rules need not be resolved again."""


def resolve_rule(rule: RenderedRule, facts: LocalFacts) -> ResolvedRule:
    """A rendered rule for one endpoint: alternatives whose local side cannot match dropped."""
    under = tuple(m for m in (resolve(r, facts) for r in rule.under) if m is not None)
    over = (
        under
        if rule.over is rule.under
        else tuple(m for m in (resolve(r, facts) for r in rule.over) if m is not None)
    )
    return ResolvedRule(rule.index, rule.action, under, over, rule.exact)


@dataclass(frozen=True, slots=True)
class _Entry:
    render: RenderedPolicy
    resolved: tuple[ResolvedRule, ...]
    pieces: tuple[Piece, ...]
    reads_labels: bool  # some rule's local side has a selector


class EndpointRules:
    """Per policy and direction: the rules resolved for this endpoint, and its pieces.

    An entry is reused while its render is the same object; a new render (a
    new version of the policy) reuses the resolution of every rule it took
    over from the previous one, and the pieces when the resolved rules are
    equal. New facts invalidate what read them: addresses and named ports
    every rule, labels only rules whose local side has a selector. The entries
    of the last ``RECENT_POLICIES`` policies dropped are kept aside, under the
    same invalidation, for when the endpoint uses them again.
    """

    __slots__ = ("_counters", "_entries", "_facts", "_policies", "_recent")

    def __init__(self, facts: LocalFacts, counters: CompileCounters) -> None:
        self._facts = facts
        self._counters = counters
        self._policies: frozenset[ResourceKey] = frozenset()
        self._entries: dict[Direction, dict[ResourceKey, _Entry]] = {
            Direction.INGRESS: {},
            Direction.EGRESS: {},
        }
        self._recent: dict[Direction, OrderedDict[ResourceKey, _Entry]] = {
            Direction.INGRESS: OrderedDict(),
            Direction.EGRESS: OrderedDict(),
        }

    def begin(self, facts: LocalFacts, policies: frozenset[ResourceKey]) -> set[Direction]:
        """Start a compile of an endpoint with ``facts`` using ``policies``: set aside the
        entries of other policies and forget the resolutions that read a changed fact.

        Returns the directions where a kept policy's pieces changed.
        """
        old, self._facts = self._facts, facts
        if policies is not self._policies:
            gone = self._policies - policies
            self._policies = policies
            for direction, entries in self._entries.items():
                recent = self._recent[direction]
                for key in gone:
                    entry = entries.pop(key, None)
                    if entry is not None:
                        recent[key] = entry
                while len(recent) > RECENT_POLICIES:
                    recent.popitem(last=False)
        changed: set[Direction] = set()
        if old.addresses != facts.addresses or old.named_ports != facts.named_ports:
            for direction, entries in self._entries.items():
                if entries:
                    changed.add(direction)
                entries.clear()
                self._recent[direction].clear()
        elif old.labels is not facts.labels and old.labels != facts.labels:
            for recent in self._recent.values():
                for key in [key for key, entry in recent.items() if entry.reads_labels]:
                    del recent[key]
            for direction, entries in self._entries.items():
                for key, entry in list(entries.items()):
                    if entry.reads_labels:
                        relabelled = self._relabelled(key, entry, direction)
                        if relabelled.pieces is not entry.pieces:
                            changed.add(direction)
                        entries[key] = relabelled
        return changed

    def pieces(
        self, key: ResourceKey, render: RenderedPolicy, direction: Direction
    ) -> tuple[Piece, ...]:
        """The pieces of policy ``key`` (rendered as ``render``) in ``direction``."""
        entries = self._entries[direction]
        found = entries.get(key)
        if found is None and (found := self._recent[direction].pop(key, None)) is not None:
            entries[key] = found
        if found is None or found.render is not render:
            rules = render.rules(direction)
            old = () if found is None else found.render.rules(direction)
            resolved = tuple(
                found.resolved[i]
                if found is not None and i < len(old) and old[i] is rule
                else self._resolve(rule)
                for i, rule in enumerate(rules)
            )
            found = self._entry(key, render, resolved, found, direction)
            entries[key] = found
        return found.pieces

    def _relabelled(self, key: ResourceKey, entry: _Entry, direction: Direction) -> _Entry:
        rules = entry.render.rules(direction)
        resolved = tuple(
            self._resolve(rule) if rule.reads_local_labels else done
            for rule, done in zip(rules, entry.resolved, strict=True)
        )
        return self._entry(key, entry.render, resolved, entry, direction)

    def _entry(
        self,
        key: ResourceKey,
        render: RenderedPolicy,
        resolved: tuple[ResolvedRule, ...],
        previous: _Entry | None,
        direction: Direction,
    ) -> _Entry:
        reads = any(rule.reads_local_labels for rule in render.rules(direction))
        if previous is not None and previous.resolved == resolved:
            return _Entry(render, previous.resolved, previous.pieces, reads)
        return _Entry(render, resolved, policy_pieces(key, resolved, direction), reads)

    def _resolve(self, rule: RenderedRule) -> ResolvedRule:
        self._counters.rules_resolved += 1
        return resolve_rule(rule, self._facts)
