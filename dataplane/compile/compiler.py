"""The compiler: Deltas in, each local endpoint's desired ACLs and the IP sets they use out."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence

from dataplane.calc.delta import Delta, TierPolicies
from dataplane.compile.acls import make_acl
from dataplane.compile.builds import Placement, SegmentBuilder
from dataplane.compile.catalog import TermCatalog
from dataplane.compile.cidrs import V4_UNIVERSE, AddressSet, family
from dataplane.compile.counters import CompileCounters
from dataplane.compile.endpoint import HNS_DIRECTION, Context, LocalEndpoint
from dataplane.compile.flatten import ALLOW, BLOCK, Entry, Segment, direction_letter
from dataplane.compile.matches import EVERYTHING, Match
from dataplane.compile.priorities import FINAL_PRIORITY, HOST_PRIORITY, LOWEST
from dataplane.compile.render import RenderedPolicy, render_policy
from dataplane.compile.sets import ActiveSets
from dataplane.compile.status import CompileConfig, CompileResult, EndpointStatus
from dataplane.compile.terms import AddressTerm, address_term
from dataplane.model import Policy, ResourceKey, WorkloadEndpoint
from dataplane.plan.requests import AclSpec

INACTIVE_RENDERS = 1024
"""Renders of policies that stopped applying locally, kept for when they apply again."""


class AclCompiler:
    """Turns calc-graph Deltas into desired ACLs per local endpoint and IP sets.

    Each policy is rendered once per version and shared (unchanged rules of a
    new version, and a policy applying again, are not rendered again); per
    endpoint only the local side, named ports, flattening and priority blocks
    are worked out. Only endpoints a Delta touches (directly, through a policy
    they use or a set their ACLs depend on) are recompiled, and within one
    only the segments whose inputs changed are rebuilt. Deltas are the only
    input: set members come with them (``ActiveSets``), and which sets exist
    is the graph's decision.
    """

    def __init__(self, config: CompileConfig) -> None:
        self.config = config
        self.counters = CompileCounters()
        self._sets = ActiveSets()
        self._catalog = TermCatalog(
            self._sets, config.ipv6, config.max_addresses_per_acl, self.counters
        )
        self._renders: dict[ResourceKey, RenderedPolicy] = {}
        self._inactive: OrderedDict[ResourceKey, RenderedPolicy] = OrderedDict()
        self._endpoints: dict[ResourceKey, LocalEndpoint] = {}
        self._policy_users: dict[ResourceKey, set[ResourceKey]] = {}
        self._reported: set[str] = set()
        self._new_notes: list[str] = []
        self._everything_allowed = (
            EVERYTHING if config.ipv6 else Match(remote=_static(AddressSet.of((V4_UNIVERSE,))))
        )
        hosts = tuple(a for a in config.host_addresses if config.ipv6 or family(a) == 4)
        host = None
        if config.allow_host and hosts:
            allowed = Match(remote=_static(AddressSet.of(hosts)))
            host = _single("In", "h", ALLOW, allowed, HOST_PRIORITY, "h", "host")
        letters = {direction: direction_letter(direction) for direction in HNS_DIRECTION}
        final = {
            direction: _single(
                hns,
                "z",
                ALLOW,
                self._everything_allowed,
                FINAL_PRIORITY,
                f"z{letters[direction]}",
                "allow-all",
            )
            for direction, hns in HNS_DIRECTION.items()
        }
        overflow = {
            direction: _single(
                hns, "x", BLOCK, EVERYTHING, LOWEST, f"x{letters[direction]}", "overflow"
            )
            for direction, hns in HNS_DIRECTION.items()
        }
        fixed = [*final.values(), *overflow.values(), *((host,) if host else ())]
        builder = SegmentBuilder(
            self._catalog,
            config.set_policy,
            config.max_addresses_per_acl,
            self.counters,
            fixed,
            config.set_side,
        )
        self._context = Context(
            renders=self._renders,
            catalog=self._catalog,
            builder=builder,
            counters=self.counters,
            everything_allowed=self._everything_allowed,
            inline_limit=config.max_inlined_acls,
            host=host,
            final=final,
            overflow=overflow,
            report=self._report,
            host_rules=_host_rules(config) if config.host_rules else {},
        )

    # -- input ------------------------------------------------------------------

    def apply(self, delta: Delta) -> CompileResult:
        """Apply one Delta (the only input: set members included); returns the desired
        state that changed."""
        set_changes = self._sets.apply(delta)
        users = self._catalog.membership_changed(set_changes, self.config.set_policy)
        dirty = {key for key, _ in users}
        changed_renders: set[ResourceKey] = set()
        for key, policy in delta.policies.items():
            before = self._renders.get(key)
            rendered = self._renders[key] = self._render(key, policy)
            if rendered is not before:
                changed_renders.add(key)
            dirty |= self._policy_users.get(key, set())
        for key in delta.policies_removed:
            removed = self._renders.pop(key, None)
            if removed is not None:
                changed_renders.add(key)
                self._inactive[key] = removed
                if len(self._inactive) > INACTIVE_RENDERS:
                    self._inactive.popitem(last=False)
            dirty |= self._policy_users.get(key, set())
        for key, policies in delta.endpoints.items():
            endpoint = self._endpoints.get(key)
            if endpoint is None:
                endpoint = self._endpoints[key] = LocalEndpoint(key, policies, self._context)
                self._use_policies(key, frozenset(), endpoint.policy_keys)
            else:
                before_keys = endpoint.policy_keys
                endpoint.update(policies)
                self._use_policies(key, before_keys, endpoint.policy_keys)
            dirty.add(key)
        endpoints: dict[ResourceKey, Mapping[str, AclSpec] | None] = {}
        for key in delta.endpoints_removed:
            endpoint = self._endpoints.pop(key, None)
            if endpoint is not None:
                self._use_policies(key, endpoint.policy_keys, frozenset())
                endpoint.release()
            endpoints[key] = None
            dirty.discard(key)
        for key in sorted(dirty):
            found = self._endpoints.get(key)
            if found is not None:
                endpoints[key] = found.compile(changed_renders)
        self._sets.deactivate(delta.ipsets_deactivated)
        return CompileResult(endpoints, self._catalog.take_set_changes())

    # -- reads ------------------------------------------------------------------

    def endpoints(self) -> dict[ResourceKey, WorkloadEndpoint]:
        """Every local endpoint the compiler knows."""
        return {key: endpoint.policies.endpoint for key, endpoint in self._endpoints.items()}

    def status(self, key: ResourceKey) -> EndpointStatus | None:
        """One endpoint's policies, ACL count and notes (None when not local)."""
        endpoint = self._endpoints.get(key)
        if endpoint is None:
            return None
        return EndpointStatus(
            _in_order(endpoint.policies.ingress),
            _in_order(endpoint.policies.egress),
            len(endpoint.acls),
            endpoint.notes,
        )

    def acl_origin(self, key: ResourceKey, acl_id: str) -> str | None:
        """What one of an endpoint's ACLs was compiled from (policy, direction and
        rule; "tier T" for a tier's default deny; "host"; "host-rule"; "allow-all"), or None."""
        endpoint = self._endpoints.get(key)
        return None if endpoint is None else endpoint.origin(acl_id)

    def take_notes(self) -> tuple[str, ...]:
        """Fail-closed notes reported for the first time since the last call."""
        notes, self._new_notes = tuple(self._new_notes), []
        return notes

    # -- bookkeeping ----------------------------------------------------------------

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
        """The policy's render: the kept one when its rules are the same, else a new one
        reusing the previous version's unchanged rules."""
        previous = self._renders.get(key) or self._inactive.pop(key, None)
        if previous is not None and previous.policy is policy:
            return previous
        rendered = render_policy(policy, self.config.ipv6, previous)
        if rendered is not previous:
            self.counters.policy_renders += 1
            self.counters.rules_rendered += rendered.rendered_rules
            self._report(rendered.notes)
        return rendered

    def _report(self, notes: Sequence[str]) -> None:
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


def _host_rules(config: CompileConfig) -> dict[str, AclSpec]:
    """Per direction an ``Allow`` with ``RuleType: Host`` and any protocol: the host
    firewall layer passes pod traffic on L2Bridge/Overlay networks only with these
    (Calico Felix's NewHostRule, Azure NPM's baseallowinhost/baseallowouthost)."""
    rules = (
        make_acl(f"H{hns[0].lower()}", ALLOW, hns, config.host_rule_priority, rule_type="Host")
        for hns in HNS_DIRECTION.values()
    )
    return {rule.id: rule for rule in rules}


def _in_order(tiers: tuple[TierPolicies, ...]) -> tuple[ResourceKey, ...]:
    return tuple(key for tier in tiers for key in tier.policies)
