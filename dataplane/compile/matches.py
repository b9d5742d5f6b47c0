"""Conjunctive matches: a rule alternative before and after its local side is resolved."""

from __future__ import annotations

from dataclasses import dataclass

from dataplane.calc.delta import IpSetKey
from dataplane.calc.rule_selectors import AddressSelectors
from dataplane.compile import ports
from dataplane.compile.cidrs import AddressSet
from dataplane.compile.ports import PortRanges
from dataplane.compile.terms import ANY_ADDRESS, AddressTerm, address_term, intersect_terms
from dataplane.model import Labels, NamedPort


@dataclass(frozen=True, slots=True)
class PortCondition:
    """A local-side port condition; names resolve against the local endpoint."""

    ranges: PortRanges | None = None
    named: str | None = None
    not_named: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LocalCondition:
    """What a rule requires of the local endpoint (evaluated per endpoint)."""

    selectors: AddressSelectors
    nets: tuple[str, ...] | None = None
    ports: PortCondition | None = None


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """One alternative of a rendered rule (shared by every endpoint)."""

    protocol: int | None
    local: LocalCondition
    remote: AddressTerm = ANY_ADDRESS
    remote_ports: PortRanges | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """A conjunction one HNS ACL (or a few, for set groups) can say exactly.

    None fields match anything; ``local`` is a literal term over the endpoint's
    own addresses (which of them the rule applies to).
    """

    protocol: int | None = None
    local: AddressTerm = ANY_ADDRESS
    local_ports: PortRanges | None = None
    remote: AddressTerm = ANY_ADDRESS
    remote_ports: PortRanges | None = None


EVERYTHING = Match()


@dataclass(frozen=True, slots=True)
class LocalFacts:
    """The facts about one local endpoint that rules are resolved against."""

    labels: Labels
    addresses: tuple[str, ...]  # host CIDRs (/32, /128)
    named_ports: tuple[NamedPort, ...]


def _named(facts: LocalFacts, name: str, protocol: int | None) -> PortRanges:
    found = {p.port for p in facts.named_ports if p.name == name and p.protocol == protocol}
    return ports.normalize(ports.PortRange(p, p) for p in found)


def _local_ports(
    condition: PortCondition | None, protocol: int | None, facts: LocalFacts
) -> PortRanges | None:
    if condition is None:
        return None
    result = condition.ranges
    if condition.named is not None:
        result = ports.intersect(result, _named(facts, condition.named, protocol))
    for name in condition.not_named:
        excluded = _named(facts, name, protocol)
        if excluded:
            result = ports.intersect(result, ports.complement(excluded))
    return ports.ALL_PORTS if result is None else result


def _local_term(local: LocalCondition, facts: LocalFacts) -> AddressTerm | None:
    """Which of the endpoint's addresses the local side matches (None: none of them).

    The endpoint's own labels settle the common cases; otherwise (a network
    set may hold its address) sets cut to the endpoint's addresses decide.
    """
    selectors = local.selectors
    if selectors.excluded is not None and selectors.excluded.matches(facts.labels):
        return None
    own = AddressSet.of(facts.addresses)
    addresses = own if local.nets is None else own & AddressSet.of(local.nets)
    if not addresses:
        return None
    sets: tuple[IpSetKey, ...] = ()
    if selectors.positive is not None and not selectors.positive.matches(facts.labels):
        sets = (IpSetKey(selectors.positive),)
    excluded = () if selectors.excluded is None else (IpSetKey(selectors.excluded),)
    if not sets and not excluded and addresses == own:
        return ANY_ADDRESS
    return address_term(addresses, sets, excluded, literal=True)


def resolve(match: RuleMatch, facts: LocalFacts) -> Match | None:
    """The alternative for one endpoint, or None when its local side rules it out."""
    local = _local_term(match.local, facts)
    if local is None:
        return None
    local_ports = _local_ports(match.local.ports, match.protocol, facts)
    if local_ports == ():
        return None
    return Match(
        match.protocol,
        local,
        None if local_ports == ports.ALL_PORTS else local_ports,
        match.remote,
        match.remote_ports,
    )


def intersect_matches(a: Match, b: Match) -> Match | None:
    """Packets matching both (exact), or None when no packet can."""
    if a.protocol is not None and b.protocol is not None and a.protocol != b.protocol:
        return None
    local = intersect_terms(a.local, b.local)
    if local is None:
        return None
    local_ports = ports.intersect(a.local_ports, b.local_ports)
    remote_ports = ports.intersect(a.remote_ports, b.remote_ports)
    if local_ports == () or remote_ports == ():
        return None
    remote = intersect_terms(a.remote, b.remote)
    if remote is None:
        return None
    return Match(
        a.protocol if a.protocol is not None else b.protocol,
        local,
        local_ports,
        remote,
        remote_ports,
    )
