"""The compiler: Deltas in, each local endpoint's desired ACLs and the IP sets they use out."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

from dataplane.calc.delta import Delta, EndpointPolicies, TierPolicies
from dataplane.calc.members import host_cidr
from dataplane.compile.builds import EMPTY_BUILD, EndpointBuild, Placement, SegmentBuilder
from dataplane.compile.catalog import IpSetSource, TermCatalog
from dataplane.compile.cidrs import V4_UNIVERSE, AddressSet, family
from dataplane.compile.counters import CompileCounters
from dataplane.compile.endpoint_rules import EndpointRules
from dataplane.compile.flatten import (
    ALLOW,
    BLOCK,
    Entry,
    FlattenCache,
    Piece,
    Segment,
    direction_letter,
    flatten,
)
from dataplane.compile.matches import EVERYTHING, LocalFacts, Match
from dataplane.compile.priorities import FINAL_PRIORITY, HOST_PRIORITY, LOWEST, allocate
from dataplane.compile.render import RenderedPolicy, render_policy
from dataplane.compile.status import CompileConfig, CompileResult, EndpointStatus
from dataplane.compile.terms import AddressTerm, address_term
from dataplane.model import Direction, Policy, ResourceKey, WorkloadEndpoint
from dataplane.plan.requests import AclSpec

HNS_DIRECTION = {Direction.INGRESS: "In", Direction.EGRESS: "Out"}
INACTIVE_RENDERS = 1024
"""Renders of policies that stopped applying locally, kept for when they apply again."""


def _facts(policies: EndpointPolicies) -> LocalFacts:
    return LocalFacts(
        policies.selector_labels,
        tuple(host_cidr(a) for a in policies.endpoint.addresses),
        policies.endpoint.ports,
    )


def _policy_keys(policies: EndpointPolicies) -> frozenset[ResourceKey]:
    return frozenset(
        key
        for tiers in (policies.ingress, policies.egress)
        for tier in tiers
        for key in tier.policies
    )


@dataclass(slots=True)
class _EndpointState:
    policies: EndpointPolicies
    rules: EndpointRules
    policy_keys: frozenset[ResourceKey]
    flattening: dict[Direction, FlattenCache] = field(default_factory=dict)
    layouts: dict[Direction, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    bases: dict[Direction, Mapping[str, int]] = field(default_factory=dict)
    built: EndpointBuild = EMPTY_BUILD
    notes: tuple[str, ...] = ()


class AclCompiler:
    """Turns calc-graph Deltas into desired ACLs per local endpoint and IP sets.

    Each policy is rendered once per version and shared (unchanged rules of a
    new version, and a policy applying again, are not rendered again); per
    endpoint only the local side, named ports, flattening and priority blocks
    are worked out. Only endpoints a Delta touches (directly, through a policy
    they use or a set their ACLs depend on) are recompiled, and within one
    only the segments whose inputs changed are rebuilt.
    """

    def __init__(self, config: CompileConfig, sets: IpSetSource) -> None:
        self.config = config
        self.counters = CompileCounters()
        self._catalog = TermCatalog(sets, config.ipv6, config.max_addresses_per_acl, self.counters)
        self._renders: dict[ResourceKey, RenderedPolicy] = {}
        self._inactive: OrderedDict[ResourceKey, RenderedPolicy] = OrderedDict()
        self._builder = SegmentBuilder(
            self._catalog, config.set_policy, config.max_addresses_per_acl, self.counters
        )
        self._endpoints: dict[ResourceKey, _EndpointState] = {}
        self._policy_users: dict[ResourceKey, set[ResourceKey]] = {}
        self._reported: set[str] = set()
        self._new_notes: list[str] = []
        self._everything_allowed = (
            EVERYTHING if config.ipv6 else Match(remote=_static(AddressSet.of((V4_UNIVERSE,))))
        )
        hosts = tuple(a for a in config.host_addresses if config.ipv6 or family(a) == 4)
        self._host: Placement | None = None
        if config.allow_host and hosts:
            host = Match(remote=_static(AddressSet.of(hosts)))
            self._host = _single("In", "h", ALLOW, host, HOST_PRIORITY, "h", "host")
        self._final: dict[Direction, Placement] = {}
        self._overflow: dict[Direction, Placement] = {}
        for direction, hns_direction in HNS_DIRECTION.items():
            d = direction_letter(direction)
            self._final[direction] = _single(
                hns_direction,
                "z",
                ALLOW,
                self._everything_allowed,
                FINAL_PRIORITY,
                f"z{d}",
                "allow-all",
            )
            self._overflow[direction] = _single(
                hns_direction, "x", BLOCK, EVERYTHING, LOWEST, f"x{d}", "overflow"
            )

    # -- input ------------------------------------------------------------------

    def apply(self, delta: Delta) -> CompileResult:
        """Apply one Delta; returns the desired state that changed."""
        dirty = self._catalog.membership_changed(
            (d.key for d in delta.ipsets), self.config.set_policy
        )
        for key, policy in delta.policies.items():
            self._renders[key] = self._render(key, policy)
            dirty |= self._policy_users.get(key, set())
        for key in delta.policies_removed:
            rendered = self._renders.pop(key, None)
            if rendered is not None:
                self._inactive[key] = rendered
                if len(self._inactive) > INACTIVE_RENDERS:
                    self._inactive.popitem(last=False)
            dirty |= self._policy_users.get(key, set())
        for key, policies in delta.endpoints.items():
            state = self._endpoints.get(key)
            if state is None:
                rules = EndpointRules(_facts(policies), self.counters)
                state = _EndpointState(policies, rules, _policy_keys(policies))
                self._endpoints[key] = state
                self._use_policies(key, frozenset(), state.policy_keys)
            else:
                before = state.policy_keys
                state.policies = policies
                state.policy_keys = _policy_keys(policies)
                self._use_policies(key, before, state.policy_keys)
            dirty.add(key)
        endpoints: dict[ResourceKey, Mapping[str, AclSpec] | None] = {}
        for key in delta.endpoints_removed:
            state = self._endpoints.pop(key, None)
            if state is not None:
                self._use_policies(key, state.policy_keys, frozenset())
                self._catalog.track(key, state.built.terms, ())
                self._catalog.refer(state.built.set_ids, ())
            endpoints[key] = None
            dirty.discard(key)
        for key in sorted(dirty):
            if key in self._endpoints:
                endpoints[key] = self._compile(key, self._endpoints[key])
        return CompileResult(endpoints, self._catalog.take_set_changes())

    # -- reads ------------------------------------------------------------------

    def endpoints(self) -> dict[ResourceKey, WorkloadEndpoint]:
        """Every local endpoint the compiler knows."""
        return {key: state.policies.endpoint for key, state in self._endpoints.items()}

    def status(self, key: ResourceKey) -> EndpointStatus | None:
        """One endpoint's policies, ACL count and notes (None when not local)."""
        state = self._endpoints.get(key)
        if state is None:
            return None
        return EndpointStatus(
            _in_order(state.policies.ingress),
            _in_order(state.policies.egress),
            len(state.built.acls),
            state.notes,
        )

    def acl_origin(self, key: ResourceKey, acl_id: str) -> str | None:
        """What one of an endpoint's ACLs was compiled from (policy, direction and
        rule; "tier T" for a tier's default deny; "host"; "allow-all"), or None."""
        state = self._endpoints.get(key)
        return None if state is None else state.built.origins.get(acl_id)

    def take_notes(self) -> tuple[str, ...]:
        """Fail-closed notes reported for the first time since the last call."""
        notes, self._new_notes = tuple(self._new_notes), []
        return notes

    # -- compiling one endpoint ---------------------------------------------------

    def _use_policies(
        self,
        endpoint: ResourceKey,
        before: frozenset[ResourceKey],
        after: frozenset[ResourceKey],
    ) -> None:
        for key in after - before:
            self._policy_users.setdefault(key, set()).add(endpoint)
        for key in before - after:
            users = self._policy_users[key]
            users.discard(endpoint)
            if not users:
                del self._policy_users[key]

    def _render(self, key: ResourceKey, policy: Policy) -> RenderedPolicy:
        """The policy's render: the kept one when the version is the same, else a new one
        reusing the previous version's unchanged rules."""
        previous = self._renders.get(key) or self._inactive.pop(key, None)
        if previous is not None and (previous.policy is policy or previous.policy == policy):
            return previous
        rendered = render_policy(policy, self.config.ipv6, previous)
        self.counters.policy_renders += 1
        self.counters.rules_rendered += rendered.rendered_rules
        self._report(rendered.notes)
        return rendered

    def _compile(self, key: ResourceKey, state: _EndpointState) -> dict[str, AclSpec]:
        self.counters.endpoint_compiles += 1
        policies = state.policies
        notes: list[str] = []
        placements: list[Placement] = []
        if policies.ingress or policies.egress:
            if self._host is not None:
                placements.append(self._host)
            state.rules.begin(_facts(policies), state.policy_keys)
            for direction in (Direction.INGRESS, Direction.EGRESS):
                placements.extend(self._direction(state, direction, notes))
        else:
            state.flattening.clear()
        built = self._builder.build(key, placements, state.built)
        if built is not state.built:
            self._catalog.refer(state.built.set_ids, built.set_ids)
            state.built = built
        notes.extend(built.overflowed)
        self._report(notes)
        for policy_key in state.policy_keys:
            render = self._renders.get(policy_key)
            if render is not None:
                notes.extend(render.notes)
        state.notes = tuple(sorted(set(notes)))
        return built.acls

    def _direction(
        self, state: _EndpointState, direction: Direction, notes: list[str]
    ) -> list[Placement]:
        tiers = state.policies.ingress if direction is Direction.INGRESS else state.policies.egress
        if not tiers:
            state.flattening.pop(direction, None)
            return [self._final[direction]]

        def pieces_of(policy: ResourceKey) -> tuple[Piece, ...] | None:
            render = self._renders.get(policy)
            return None if render is None else state.rules.pieces(policy, render, direction)

        cache = state.flattening.setdefault(direction, FlattenCache())
        limit = self.config.max_inlined_acls
        flat = flatten(tiers, pieces_of, direction, self._everything_allowed, limit, cache)
        notes.extend(flat.notes)
        bases = self._bases(state, direction, tuple((s.key, s.size) for s in flat.segments))
        if bases is None:
            notes.append(f"{direction}: more priorities needed than HNS has: all blocked")
            return [self._overflow[direction]]
        hns_direction = HNS_DIRECTION[direction]
        placed = [Placement(hns_direction, s, bases[s.key]) for s in flat.segments]
        if flat.reaches_final:
            placed.append(self._final[direction])
        return placed

    def _bases(
        self, state: _EndpointState, direction: Direction, layout: tuple[tuple[str, int], ...]
    ) -> Mapping[str, int] | None:
        """Segment bases for ``layout`` (None: too many priorities); an unchanged layout
        keeps its bases (allocating it again would give the same)."""
        if state.layouts.get(direction) == layout:
            return state.bases[direction]
        allocation = allocate(state.bases.get(direction, {}), layout)
        if allocation is None:
            state.bases.pop(direction, None)
            state.layouts.pop(direction, None)
            return None
        if allocation.rebalanced:
            self.counters.priority_rebalances += 1
        state.bases[direction] = allocation.bases
        state.layouts[direction] = layout
        return allocation.bases

    def _report(self, notes: tuple[str, ...] | list[str]) -> None:
        for note in notes:
            if note not in self._reported:
                self._reported.add(note)
                self._new_notes.append(note)
                self.counters.fail_closed += 1


def _static(addresses: AddressSet) -> AddressTerm:
    term = address_term(addresses)
    assert term is not None
    return term


def _single(
    direction: str, key: str, action: str, match: Match, base: int, origin: str, label: str
) -> Placement:
    """A one-entry segment at a fixed priority (host allow, final allow-all, overflow block)."""
    return Placement(direction, Segment(key, 1, (Entry(action, match, 0, origin, label),)), base)


def _in_order(tiers: tuple[TierPolicies, ...]) -> tuple[ResourceKey, ...]:
    return tuple(key for tier in tiers for key in tier.policies)
