"""Conjunctive matches: a rule alternative before and after its local side is resolved."""

from __future__ import annotations

from dataclasses import dataclass

from dataplane.calc.rule_selectors import SideSelectors
from dataplane.compile import ports
from dataplane.compile.cidrs import AddressSet
from dataplane.compile.ports import PortRanges
from dataplane.compile.terms import ANY_ADDRESS, AddressTerm, intersect_terms
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

    selectors: SideSelectors
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

    None fields match anything; ``local_addresses`` are CIDRs of the endpoint.
    """

    protocol: int | None = None
    local_addresses: tuple[str, ...] | None = None
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


def _local_addresses(nets: tuple[str, ...] | None, facts: LocalFacts) -> tuple[str, ...] | None:
    """Endpoint addresses inside ``nets``: None = all of them, () = none."""
    if nets is None:
        return None
    allowed = AddressSet.of(nets)
    inside = tuple(a for a in facts.addresses if allowed.contains(a))
    return None if inside and len(inside) == len(facts.addresses) else inside


def local_side_applies(selectors: SideSelectors, labels: Labels) -> bool:
    """Whether the endpoint's selector labels satisfy a side's selectors."""
    if selectors.positive is not None and not selectors.positive.matches(labels):
        return False
    return not (selectors.negative is not None and selectors.negative.matches(labels))


def resolve(match: RuleMatch, facts: LocalFacts) -> Match | None:
    """The alternative for one endpoint, or None when its local side rules it out."""
    local = match.local
    if not local_side_applies(local.selectors, facts.labels):
        return None
    addresses = _local_addresses(local.nets, facts)
    if addresses == ():
        return None
    local_ports = _local_ports(local.ports, match.protocol, facts)
    if local_ports == ():
        return None
    return Match(
        match.protocol,
        addresses,
        None if local_ports == ports.ALL_PORTS else local_ports,
        match.remote,
        match.remote_ports,
    )


def intersect_matches(a: Match, b: Match) -> Match | None:
    """Packets matching both (exact), or None when no packet can."""
    if a.protocol is not None and b.protocol is not None and a.protocol != b.protocol:
        return None
    local_addresses = a.local_addresses
    if b.local_addresses is not None:
        if local_addresses is None:
            local_addresses = b.local_addresses
        else:
            local_addresses = (
                AddressSet.of(local_addresses) & AddressSet.of(b.local_addresses)
            ).cidrs()
            if not local_addresses:
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
        local_addresses,
        local_ports,
        remote,
        remote_ports,
    )
