"""A policy's rules as HNS-expressible alternatives, rendered once for every endpoint.

Each rule gets two alternative lists: ``under`` (never matches more than the
rule: used where the rule allows) and ``over`` (never matches less: used
where it denies). They are the same object when the rule is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product

from dataplane.calc.delta import IpSetKey
from dataplane.calc.rule_selectors import address_selectors
from dataplane.compile import ports
from dataplane.compile.cidrs import AddressSet, family_universe, universe
from dataplane.compile.matches import LocalCondition, PortCondition, RuleMatch
from dataplane.compile.terms import AddressTerm, address_term
from dataplane.model import (
    Action,
    Direction,
    EntityMatch,
    NamedPortRef,
    Policy,
    PortRange,
    Protocol,
    ResourceKey,
    Rule,
)
from dataplane.selector import ALL

PORT_PROTOCOLS = tuple(sorted(Protocol.WITH_PORTS))
HNS_PORT_PROTOCOLS = frozenset({Protocol.TCP, Protocol.UDP, Protocol.SCTP})
NAMED_PROTOCOLS = tuple(sorted(Protocol.BY_NAME.values()))
V4_ONLY = family_universe(4)

# (ranges, named port, excluded named ports) of one side; ranges None = any port.
PortOption = tuple[ports.PortRanges | None, str | None, tuple[str, ...]]
NO_PORTS: PortOption = (None, None, ())


@dataclass(frozen=True, slots=True)
class RenderedRule:
    """One rule: its action, its alternatives (OR) for one direction, its fail-closed note."""

    index: int
    action: Action
    under: tuple[RuleMatch, ...]
    over: tuple[RuleMatch, ...]
    exact: bool = True
    note: str | None = None
    reads_local_labels: bool = False
    """Resolving it for an endpoint evaluates selectors on the endpoint's labels."""


@dataclass(frozen=True, slots=True)
class RenderedPolicy:
    """A policy version rendered for both directions, with its fail-closed notes.

    ``rendered_rules``: how many rules were rendered for this version (the
    others were reused from the previous version).
    """

    policy: Policy
    ingress: tuple[RenderedRule, ...]
    egress: tuple[RenderedRule, ...]
    notes: tuple[str, ...]
    rendered_rules: int

    @property
    def key(self) -> ResourceKey:
        return self.policy.key

    def rules(self, direction: Direction) -> tuple[RenderedRule, ...]:
        return self.ingress if direction is Direction.INGRESS else self.egress


class _Renderer:
    """Renders one rule in one mode (under or over), collecting what it could not say."""

    def __init__(self, policy: Policy, rule: Rule, direction: Direction, ipv6: bool) -> None:
        self.policy = policy
        self.rule = rule
        self.ipv6 = ipv6
        ingress = direction is Direction.INGRESS
        self.local = rule.destination if ingress else rule.source
        self.remote = rule.source if ingress else rule.destination
        self.reasons: list[str] = []
        self.ipv6_dropped = False

    def alternatives(self, under: bool) -> tuple[RuleMatch, ...]:
        rule = self.rule
        if rule.icmp is not None or rule.not_icmp is not None:
            self.reasons.append("ICMP type/code cannot be matched")
            if under:
                return ()
        if rule.has_http_match:
            self.reasons.append("HTTP match cannot be enforced")
            if under:
                return ()
        if rule.ip_version == 6 and not self.ipv6:
            self.ipv6_dropped = True
            return ()
        local = self._local_condition_nets()
        remote_nets = self._remote_nets()
        if local == () or (remote_nets is not None and not remote_nets):
            return ()
        local_options = self._port_options(self.local, remote=False, under=under)
        remote_options = self._port_options(self.remote, remote=True, under=under)
        has_ports = bool(self.local.ports or self.local.not_ports) or bool(
            self.remote.ports or self.remote.not_ports
        )
        found: list[RuleMatch] = []
        selectors = address_selectors(self.policy, self.local)
        for protocol, (l_ranges, l_named, l_not), (r_ranges, r_named, _) in self._combinations(
            has_ports, under, local_options, remote_options
        ):
            term = self._remote_term(remote_nets, r_named, protocol, under)
            if term is None:
                continue
            port_condition = None
            if l_ranges is not None or l_named is not None or l_not:
                port_condition = PortCondition(l_ranges, l_named, l_not)
            found.append(
                RuleMatch(
                    protocol,
                    LocalCondition(selectors, local, port_condition),
                    term,
                    None if r_ranges == ports.ALL_PORTS else r_ranges,
                )
            )
        return tuple(dict.fromkeys(found))

    def _combinations(
        self,
        has_ports: bool,
        under: bool,
        local_options: list[PortOption],
        remote_options: list[PortOption],
    ) -> list[tuple[int | None, PortOption, PortOption]]:
        """Protocol x local port option x remote port option.

        HNS matches ports only for TCP, UDP and SCTP: a port condition on any
        other protocol is dropped (allows) or ignored (denies).
        """
        out: list[tuple[int | None, PortOption, PortOption]] = []
        for protocol in self._protocols(has_ports, under):
            if has_ports and protocol not in HNS_PORT_PROTOCOLS:
                self.reasons.append(f"ports of protocol {protocol} cannot be matched")
                if not under:
                    out.append((protocol, NO_PORTS, NO_PORTS))
                continue
            out.extend((protocol, lo, ro) for lo, ro in product(local_options, remote_options))
        return out

    def _local_condition_nets(self) -> tuple[str, ...] | None:
        """The local endpoint's allowed addresses as CIDRs (None: any; (): none)."""
        nets = _nets_filter(self.local, self.rule.ip_version, self.ipv6)
        return None if nets is None else nets.cidrs()

    def _remote_nets(self) -> AddressSet | None:
        """The remote address filter (None: any; empty: nothing can match)."""
        nets = _nets_filter(self.remote, self.rule.ip_version, self.ipv6)
        if nets is not None and not self.ipv6:
            if nets - V4_ONLY:
                self.ipv6_dropped = True
            nets = nets & V4_ONLY
        return nets

    def _protocols(self, has_ports: bool, under: bool) -> Sequence[int | None]:
        rule = self.rule
        excluded = rule.not_protocol
        if rule.protocol is not None:
            portless = has_ports and rule.protocol not in Protocol.WITH_PORTS
            if portless or excluded == rule.protocol:
                return ()
            return (rule.protocol,)
        if has_ports:
            return tuple(p for p in PORT_PROTOCOLS if p != excluded)
        if excluded is not None:
            self.reasons.append("notProtocol matches protocols beyond the named ones")
            return tuple(p for p in NAMED_PROTOCOLS if p != excluded) if under else (None,)
        return (None,)

    def _port_options(self, side: EntityMatch, remote: bool, under: bool) -> list[PortOption]:
        if not side.ports and not side.not_ports:
            return [NO_PORTS]
        numeric = ports.normalize(p for p in side.ports if isinstance(p, PortRange))
        named = [p.name for p in side.ports if isinstance(p, NamedPortRef)]
        not_numeric = [p for p in side.not_ports if isinstance(p, PortRange)]
        not_named = tuple(p.name for p in side.not_ports if isinstance(p, NamedPortRef))
        allowed = ports.complement(not_numeric) if not_numeric else None
        if not_named and remote:
            self.reasons.append("named port in a remote notPorts")
            if under:
                return []
            not_named = ()
        if not side.ports:
            return [(allowed if allowed is not None else ports.ALL_PORTS, None, not_named)]
        options: list[PortOption] = []
        if numeric:
            ranges = ports.intersect(numeric, allowed)
            if ranges:
                options.append((ranges, None, not_named))
        options.extend((allowed, name, not_named) for name in named)
        return options

    def _remote_term(
        self,
        nets: AddressSet | None,
        named: str | None,
        protocol: int | None,
        under: bool,
    ) -> AddressTerm | None:
        selectors = address_selectors(self.policy, self.remote)
        sets: list[IpSetKey] = []
        if selectors.positive is not None:
            sets.append(IpSetKey(selectors.positive))
        if self.remote.node_selector is not None:
            sets.append(IpSetKey(self.remote.node_selector, nodes=True))
        if named is not None and protocol is not None:
            # The named port belongs to whichever endpoint owns the address.
            sets.append(IpSetKey(ALL, None, (named, protocol)))
        excluded = () if selectors.excluded is None else (IpSetKey(selectors.excluded),)
        if sets:
            return address_term(nets, tuple(sets), excluded)
        if excluded:
            return address_term(nets if nets is not None else universe(self.ipv6), (), excluded)
        if nets is None and under and not self.ipv6:
            nets = V4_ONLY
        return address_term(nets)


def _nets_filter(side: EntityMatch, ip_version: int | None, ipv6: bool) -> AddressSet | None:
    """``nets`` minus ``notNets`` within ``ipVersion`` (None: no address condition)."""
    nets = AddressSet.of(side.nets) if side.nets else None
    if side.not_nets:
        nets = (nets if nets is not None else universe(True)) - AddressSet.of(side.not_nets)
    if ip_version is not None:
        nets = (nets if nets is not None else universe(True)) & family_universe(ip_version)
    return nets


_EFFECT = {
    Action.ALLOW: "narrowed",
    Action.DENY: "widened",
    Action.PASS: "approximated (allows narrowed, denies widened)",
}


def render_rule(
    policy: Policy, rule: Rule, index: int, direction: Direction, ipv6: bool
) -> RenderedRule:
    """One rule rendered, with its fail-closed note (None when nothing was lost).

    With IPv6 disabled the node carries no IPv6 traffic: IPv6 parts are dropped
    (noted for allows only) and allows are limited to IPv4 explicitly.
    """
    if rule.invalid is not None:
        return _render_invalid(policy, rule, index, direction, ipv6)
    if rule.action is Action.LOG:
        return RenderedRule(index, rule.action, (), ())
    renderer = _Renderer(policy, rule, direction, ipv6)
    under = renderer.alternatives(under=True)
    reasons = list(dict.fromkeys(renderer.reasons))
    over = under if ipv6 and not reasons else renderer.alternatives(under=False)
    exact = not reasons
    if renderer.ipv6_dropped and rule.action is Action.ALLOW:
        reasons.append("IPv6 part dropped (IPv6 disabled)")
    note = None
    if reasons:
        note = (
            f"{policy.key} {direction} rule {index} ({rule.action}): "
            f"{'; '.join(reasons)}: {_EFFECT[rule.action]}"
        )
    reads_labels = any(
        m.local.selectors.positive is not None or m.local.selectors.excluded is not None
        for m in under + over
    )
    return RenderedRule(index, rule.action, under, over, exact, note, reads_labels)


def _render_invalid(
    policy: Policy, rule: Rule, index: int, direction: Direction, ipv6: bool
) -> RenderedRule:
    """A rule that could not be read: an Allow matches nothing, a Deny everything."""
    effect = "denies everything" if rule.action is Action.DENY else "matches nothing"
    note = (
        f"{policy.key} {direction} rule {index} ({rule.action}): invalid: {rule.invalid}: {effect}"
    )
    if rule.action is not Action.DENY:
        return RenderedRule(index, rule.action, (), (), False, note)
    everything = _Renderer(policy, Rule(Action.DENY), direction, ipv6).alternatives(under=False)
    return RenderedRule(index, rule.action, everything, everything, False, note)


def render_policy(
    policy: Policy, ipv6: bool, previous: RenderedPolicy | None = None
) -> RenderedPolicy:
    """Both directions of a policy, with the notes of every inexact rule.

    ``previous``: an earlier version of the same policy; a rule equal to the
    one at the same index and direction there is reused, not rendered again
    (a rule's rendering depends only on itself, its index and direction, and
    the policy's namespace, which is part of the key). When every rule is
    the same, ``previous`` itself is returned.
    """
    if previous is not None and previous.key != policy.key:
        raise ValueError(f"render_policy: previous version is {previous.key}, not {policy.key}")
    rendered: dict[Direction, tuple[RenderedRule, ...]] = {}
    count = 0
    for direction in (Direction.INGRESS, Direction.EGRESS):
        old_rules = () if previous is None else previous.policy.rules(direction)
        rules = []
        for index, rule in enumerate(policy.rules(direction)):
            if index < len(old_rules) and (old_rules[index] is rule or old_rules[index] == rule):
                assert previous is not None
                rules.append(previous.rules(direction)[index])
            else:
                rules.append(render_rule(policy, rule, index, direction, ipv6))
                count += 1
        rendered[direction] = tuple(rules)
    ingress, egress = rendered[Direction.INGRESS], rendered[Direction.EGRESS]
    if (
        previous is not None
        and (ingress, egress) == (previous.ingress, previous.egress)
        and policy.notes == previous.policy.notes
    ):
        return previous
    notes = policy.notes + tuple(r.note for r in ingress + egress if r.note is not None)
    return RenderedPolicy(policy, ingress, egress, notes, count)
