"""One local endpoint compiled direction by direction, reusing what unchanged inputs built."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, field

from dataplane.calc.delta import EndpointPolicies, TierPolicies
from dataplane.calc.members import host_cidr
from dataplane.compile.builds import EMPTY_BUILD, Build, Placement, SegmentBuilder
from dataplane.compile.catalog import TermCatalog
from dataplane.compile.counters import CompileCounters
from dataplane.compile.endpoint_rules import EndpointRules
from dataplane.compile.flatten import FlattenCache, Piece, flatten
from dataplane.compile.matches import LocalFacts, Match
from dataplane.compile.priorities import allocate
from dataplane.compile.render import RenderedPolicy
from dataplane.model import Direction, ResourceKey
from dataplane.plan.requests import AclSpec

HNS_DIRECTION = {Direction.INGRESS: "In", Direction.EGRESS: "Out"}
Layout = tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Context:
    """What every endpoint's compile shares (renders by policy, the catalog, fixed ACLs)."""

    renders: Mapping[ResourceKey, RenderedPolicy]
    catalog: TermCatalog
    builder: SegmentBuilder
    counters: CompileCounters
    everything_allowed: Match
    inline_limit: int
    host: Placement | None
    final: Mapping[Direction, Placement]
    overflow: Mapping[Direction, Placement]
    report: Callable[[Sequence[str]], None]
    host_rules: Mapping[str, AclSpec]
    """``RuleType: Host`` allows every endpoint carrying ACLs gets (empty: none)."""


@dataclass(slots=True)
class _Direction:
    """One direction's inputs and results at its last compile."""

    active: bool = False  # the endpoint carried any policy
    tiers: tuple[TierPolicies, ...] = ()
    policies: frozenset[ResourceKey] = frozenset()
    flattening: FlattenCache = field(default_factory=FlattenCache)
    layout: Layout | None = None
    bases: Mapping[str, int] = field(default_factory=dict)
    placements: tuple[Placement, ...] = ()
    notes: tuple[str, ...] = ()
    built: Build = EMPTY_BUILD


def _facts(policies: EndpointPolicies) -> LocalFacts:
    return LocalFacts(
        policies.selector_labels,
        tuple(host_cidr(a) for a in policies.endpoint.addresses),
        policies.endpoint.ports,
    )


def _policy_keys(tiers: tuple[TierPolicies, ...]) -> frozenset[ResourceKey]:
    return frozenset(key for tier in tiers for key in tier.policies)


class LocalEndpoint:
    """A local endpoint's policies and, per direction, what its last compile built.

    A direction is flattened and allocated again only when its tiers, the
    render of one of its policies or a local fact its rules read changed;
    its segments are rebuilt only when their placement or a term they read
    changed. Terms are tracked per (endpoint, direction).
    """

    def __init__(self, key: ResourceKey, policies: EndpointPolicies, context: Context) -> None:
        self.key = key
        self.policies = policies
        self.policy_keys = _policy_keys(policies.ingress) | _policy_keys(policies.egress)
        self.acls: dict[str, AclSpec] = {}
        self.notes: tuple[str, ...] = ()
        self._context = context
        self._rules = EndpointRules(_facts(policies), context.counters)
        self._directions = {d: _Direction() for d in HNS_DIRECTION}
        self._render_notes: tuple[str, ...] = ()
        self._render_notes_of: frozenset[ResourceKey] | None = None

    def update(self, policies: EndpointPolicies) -> None:
        """New policies or facts (compiled on the next ``compile``)."""
        self.policies = policies
        self.policy_keys = _policy_keys(policies.ingress) | _policy_keys(policies.egress)

    def origin(self, acl_id: str) -> str | None:
        """What one of the endpoint's ACLs was compiled from."""
        if acl_id in self._context.host_rules:
            return "host-rule"
        for state in self._directions.values():
            found = state.built.origins.get(acl_id)
            if found is not None:
                return found
        return None

    def release(self) -> None:
        """The endpoint is gone: release its terms and sets."""
        catalog = self._context.catalog
        for direction, state in self._directions.items():
            catalog.track((self.key, direction), state.built.terms, ())
            catalog.refer(state.built.set_ids, ())

    def compile(self, changed_renders: Set[ResourceKey]) -> dict[str, AclSpec]:
        """The endpoint's ACLs. ``changed_renders``: policies whose render changed in this
        Delta (their users are all recompiled in it)."""
        context = self._context
        context.counters.endpoint_compiles += 1
        policies = self.policies
        active = bool(policies.ingress or policies.egress)
        changed_facts = self._rules.begin(_facts(policies), self.policy_keys) if active else set()
        notes: list[str] = []
        overflowed: list[str] = []
        acls: dict[str, AclSpec] = {}
        for direction, state in self._directions.items():
            tiers = policies.ingress if direction is Direction.INGRESS else policies.egress
            if (
                active != state.active
                or tiers != state.tiers
                or direction in changed_facts
                or not state.policies.isdisjoint(changed_renders)
            ):
                self._place(direction, state, active, tiers)
            self._build(direction, state)
            notes.extend(state.notes)
            overflowed.extend(state.built.overflowed)
            acls.update(state.built.acls)
        if acls:
            acls.update(context.host_rules)
        notes.extend(overflowed)
        context.report(notes)
        notes.extend(self._notes_of_renders(changed_renders))
        self.notes = tuple(sorted(set(notes)))
        self.acls = acls
        return acls

    def _place(
        self, direction: Direction, state: _Direction, active: bool, tiers: tuple[TierPolicies, ...]
    ) -> None:
        """Flatten and allocate one direction again."""
        context = self._context
        state.active, state.tiers, state.policies = active, tiers, _policy_keys(tiers)
        state.notes = ()
        if not active:
            state.placements = ()
            return
        head = (context.host,) if direction is Direction.INGRESS and context.host else ()
        if not tiers:
            state.flattening = FlattenCache()
            state.placements = (*head, context.final[direction])
            return

        def pieces_of(policy: ResourceKey) -> tuple[Piece, ...] | None:
            render = context.renders.get(policy)
            return None if render is None else self._rules.pieces(policy, render, direction)

        flat = flatten(
            tiers,
            pieces_of,
            direction,
            context.everything_allowed,
            context.inline_limit,
            state.flattening,
        )
        state.notes = flat.notes
        bases = self._bases(state, tuple((s.key, s.size) for s in flat.segments))
        if bases is None:
            note = f"{direction}: more priorities needed than HNS has: all blocked"
            state.notes = (*flat.notes, note)
            state.placements = (*head, context.overflow[direction])
            return
        hns_direction = HNS_DIRECTION[direction]
        placed = [*head, *(Placement(hns_direction, s, bases[s.key]) for s in flat.segments)]
        if flat.reaches_final:
            placed.append(context.final[direction])
        state.placements = tuple(placed)

    def _bases(self, state: _Direction, layout: Layout) -> Mapping[str, int] | None:
        """Segment bases for ``layout`` (None: too many priorities); an unchanged layout
        keeps its bases (allocating it again would give the same)."""
        if state.layout == layout:
            return state.bases
        allocation = allocate(state.bases, layout)
        if allocation is None:
            state.bases, state.layout = {}, None
            return None
        if allocation.rebalanced:
            self._context.counters.priority_rebalances += 1
        state.bases, state.layout = allocation.bases, layout
        return allocation.bases

    def _build(self, direction: Direction, state: _Direction) -> None:
        context = self._context
        user = (self.key, direction)
        built = context.builder.build(user, state.placements, state.built)
        if built is not state.built:
            context.catalog.refer(state.built.set_ids, built.set_ids)
            state.built = built

    def _notes_of_renders(self, changed_renders: Set[ResourceKey]) -> tuple[str, ...]:
        keys = self.policy_keys
        if keys != self._render_notes_of or not keys.isdisjoint(changed_renders):
            renders = self._context.renders
            self._render_notes = tuple(
                note for key in keys if (r := renders.get(key)) is not None for note in r.notes
            )
            self._render_notes_of = keys
        return self._render_notes
