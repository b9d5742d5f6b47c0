"""The compiler: Deltas in, each local endpoint's desired ACLs and the IP sets they use out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dataplane.calc.delta import Delta, EndpointPolicies, TierPolicies
from dataplane.calc.members import host_cidr
from dataplane.compile.acls import AclBuilder
from dataplane.compile.catalog import IpSetSource, TermCatalog
from dataplane.compile.cidrs import V4_UNIVERSE, AddressSet, family
from dataplane.compile.counters import CompileCounters
from dataplane.compile.flatten import ALLOW, BLOCK, ResolvedRule, direction_letter, flatten
from dataplane.compile.matches import EVERYTHING, LocalFacts, Match, resolve
from dataplane.compile.priorities import FINAL_PRIORITY, HOST_PRIORITY, LOWEST, allocate
from dataplane.compile.render import RenderedPolicy, render_policy
from dataplane.compile.status import CompileConfig, CompileResult, EndpointStatus
from dataplane.compile.terms import AddressTerm, address_term
from dataplane.model import Direction, ResourceKey, WorkloadEndpoint
from dataplane.plan.requests import AclSpec

HNS_DIRECTION = {Direction.INGRESS: "In", Direction.EGRESS: "Out"}


@dataclass(frozen=True, slots=True)
class _Placed:
    """An entry with its HNS direction and final priority."""

    action: str
    direction: str
    priority: int
    match: Match
    origin: str
    label: str


@dataclass(slots=True)
class _EndpointState:
    policies: EndpointPolicies
    bases: dict[Direction, dict[str, int]] = field(default_factory=dict)
    terms: frozenset[AddressTerm] = frozenset()
    set_ids: frozenset[str] = frozenset()
    acl_count: int = 0
    notes: tuple[str, ...] = ()
    origins: dict[str, str] = field(default_factory=dict)

    def policy_keys(self) -> set[ResourceKey]:
        return {
            key
            for tiers in (self.policies.ingress, self.policies.egress)
            for tier in tiers
            for key in tier.policies
        }


class AclCompiler:
    """Turns calc-graph Deltas into desired ACLs per local endpoint and IP sets.

    Each policy is rendered once per version and shared; per endpoint only the
    local side, named ports, flattening and priority blocks are worked out.
    Only endpoints a Delta touches (directly, through a policy they use or a
    set their ACLs depend on) are recompiled.
    """

    def __init__(self, config: CompileConfig, sets: IpSetSource) -> None:
        self.config = config
        self.counters = CompileCounters()
        self._catalog = TermCatalog(sets, config.ipv6, config.max_addresses_per_acl, self.counters)
        self._renders: dict[ResourceKey, RenderedPolicy] = {}
        self._endpoints: dict[ResourceKey, _EndpointState] = {}
        self._policy_users: dict[ResourceKey, set[ResourceKey]] = {}
        self._reported: set[str] = set()
        self._new_notes: list[str] = []
        self._everything_allowed = (
            EVERYTHING if config.ipv6 else Match(remote=_static(AddressSet.of((V4_UNIVERSE,))))
        )
        hosts = tuple(a for a in config.host_addresses if config.ipv6 or family(a) == 4)
        self._host: Match | None = None
        if config.allow_host and hosts:
            self._host = Match(remote=_static(AddressSet.of(hosts)))

    # -- input ------------------------------------------------------------------

    def apply(self, delta: Delta) -> CompileResult:
        """Apply one Delta; returns the desired state that changed."""
        dirty = self._catalog.membership_changed(
            (d.key for d in delta.ipsets), self.config.set_policy
        )
        for key, policy in delta.policies.items():
            self.counters.policy_renders += 1
            rendered = render_policy(policy, self.config.ipv6)
            self._renders[key] = rendered
            self._report(rendered.notes)
            dirty |= self._policy_users.get(key, set())
        for key in delta.policies_removed:
            self._renders.pop(key, None)
            dirty |= self._policy_users.get(key, set())
        for key, policies in delta.endpoints.items():
            state = self._endpoints.get(key)
            if state is None:
                state = self._endpoints[key] = _EndpointState(policies)
                self._use_policies(key, set(), state.policy_keys())
            else:
                before = state.policy_keys()
                state.policies = policies
                self._use_policies(key, before, state.policy_keys())
            dirty.add(key)
        endpoints: dict[ResourceKey, Mapping[str, AclSpec] | None] = {}
        for key in delta.endpoints_removed:
            state = self._endpoints.pop(key, None)
            if state is not None:
                self._use_policies(key, state.policy_keys(), set())
                self._catalog.track(key, state.terms, ())
                self._catalog.refer(state.set_ids, ())
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
            state.acl_count,
            state.notes,
        )

    def acl_origin(self, key: ResourceKey, acl_id: str) -> str | None:
        """What one of an endpoint's ACLs was compiled from (policy, direction and
        rule; "tier T" for a tier's default deny; "host"; "allow-all"), or None."""
        state = self._endpoints.get(key)
        return None if state is None else state.origins.get(acl_id)

    def take_notes(self) -> tuple[str, ...]:
        """Fail-closed notes reported for the first time since the last call."""
        notes, self._new_notes = tuple(self._new_notes), []
        return notes

    # -- compiling one endpoint ---------------------------------------------------

    def _use_policies(
        self, endpoint: ResourceKey, before: set[ResourceKey], after: set[ResourceKey]
    ) -> None:
        for key in after - before:
            self._policy_users.setdefault(key, set()).add(endpoint)
        for key in before - after:
            users = self._policy_users[key]
            users.discard(endpoint)
            if not users:
                del self._policy_users[key]

    def _compile(self, key: ResourceKey, state: _EndpointState) -> dict[str, AclSpec]:
        self.counters.endpoint_compiles += 1
        policies = state.policies
        notes: list[str] = []
        placed: list[_Placed] = []
        if policies.ingress or policies.egress:
            if self._host is not None:
                placed.append(_Placed(ALLOW, "In", HOST_PRIORITY, self._host, "h", "host"))
            facts = LocalFacts(
                policies.selector_labels,
                tuple(host_cidr(a) for a in policies.endpoint.addresses),
                policies.endpoint.ports,
            )
            for direction in (Direction.INGRESS, Direction.EGRESS):
                placed.extend(self._direction(state, direction, facts, notes))
        terms = {
            term for p in placed for term in (p.match.local, p.match.remote) if not term.is_static
        }
        self._catalog.track(key, state.terms, terms)
        builder = AclBuilder(
            self._catalog, self.config.set_policy, self.config.max_addresses_per_acl
        )
        for p in placed:
            builder.add(p.action, p.direction, p.priority, p.match, p.origin, p.label)
        self._catalog.refer(state.set_ids, builder.set_ids)
        notes.extend(builder.overflowed)
        self._report(notes)
        for policy_key in state.policy_keys():
            render = self._renders.get(policy_key)
            if render is not None:
                notes.extend(render.notes)
        state.terms = frozenset(terms)
        state.set_ids = frozenset(builder.set_ids)
        state.acl_count = len(builder.acls)
        state.origins = builder.origins
        state.notes = tuple(sorted(set(notes)))
        self.counters.acls_compiled += len(builder.acls)
        return builder.acls

    def _direction(
        self,
        state: _EndpointState,
        direction: Direction,
        facts: LocalFacts,
        notes: list[str],
    ) -> list[_Placed]:
        tiers = state.policies.ingress if direction is Direction.INGRESS else state.policies.egress
        hns_direction = HNS_DIRECTION[direction]
        d = direction_letter(direction)
        final = _Placed(
            ALLOW, hns_direction, FINAL_PRIORITY, self._everything_allowed, f"z{d}", "allow-all"
        )
        if not tiers:
            return [final]
        resolved: dict[ResourceKey, tuple[ResolvedRule, ...] | None] = {}

        def rules_of(policy: ResourceKey) -> tuple[ResolvedRule, ...] | None:
            if policy not in resolved:
                render = self._renders.get(policy)
                resolved[policy] = (
                    None if render is None else _resolve_rules(render, direction, facts)
                )
            return resolved[policy]

        limit = self.config.max_inlined_acls
        flat = flatten(tiers, rules_of, direction, self._everything_allowed, limit)
        notes.extend(flat.notes)
        allocation = allocate(
            state.bases.get(direction, {}), [(s.key, s.size) for s in flat.segments]
        )
        if allocation is None:
            notes.append(f"{direction}: more priorities needed than HNS has: all blocked")
            state.bases.pop(direction, None)
            return [_Placed(BLOCK, hns_direction, LOWEST, EVERYTHING, f"x{d}", "overflow")]
        if allocation.rebalanced:
            self.counters.priority_rebalances += 1
        state.bases[direction] = dict(allocation.bases)
        bases = allocation.bases
        placed = [
            _Placed(e.action, hns_direction, bases[s.key] + e.offset, e.match, e.origin, e.label)
            for s in flat.segments
            for e in s.entries
        ]
        if flat.reaches_final:
            placed.append(final)
        return placed

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


def _resolve_rules(
    render: RenderedPolicy, direction: Direction, facts: LocalFacts
) -> tuple[ResolvedRule, ...]:
    out = []
    for rule in render.rules(direction):
        under = tuple(m for m in (resolve(r, facts) for r in rule.under) if m is not None)
        over = (
            under
            if rule.over is rule.under
            else tuple(m for m in (resolve(r, facts) for r in rule.over) if m is not None)
        )
        out.append(ResolvedRule(rule.index, rule.action, under, over, rule.exact))
    return tuple(out)


def _in_order(tiers: tuple[TierPolicies, ...]) -> tuple[ResourceKey, ...]:
    return tuple(key for tier in tiers for key in tier.policies)
