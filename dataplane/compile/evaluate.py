"""The current value of an address term: CIDR lists grouped by named-port number."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dataplane.calc.delta import IpSetKey, Member
from dataplane.compile.cidrs import AddressSet, family

# Port None: a plain address group; an int: addresses whose named port is that number.
Group = tuple[int | None, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class TermValue:
    """Non-empty groups in port order (None first); ``overflow``: a complement too large."""

    groups: tuple[Group, ...]
    overflow: bool = False

    @property
    def shape(self) -> tuple[object, ...]:
        """What ACLs depend on in SetPolicy mode: which groups exist, not their members."""
        return (self.overflow, *(port for port, _ in self.groups))


EMPTY_VALUE = TermValue(())
MembersOf = Callable[[IpSetKey], frozenset[Member]]


def _grouped(members: frozenset[Member], ipv6: bool) -> dict[int | None, list[str]]:
    groups: dict[int | None, list[str]] = {}
    for member in members:
        cidr, port = (member, None) if isinstance(member, str) else member
        if ipv6 or family(cidr) == 4:
            groups.setdefault(port, []).append(cidr)
    return groups


def _sorted_groups(groups: dict[int | None, tuple[str, ...]]) -> tuple[Group, ...]:
    return tuple(
        (port, cidrs)
        for port, cidrs in sorted(groups.items(), key=lambda g: -1 if g[0] is None else g[0])
        if cidrs
    )


def _is_host(cidr: str) -> bool:
    return cidr.endswith("/128" if ":" in cidr else "/32")


class _Index:
    """Membership tests of single addresses against one set's members."""

    __slots__ = ("hosts", "nets")

    def __init__(self, cidrs: Iterable[str]) -> None:
        self.hosts: set[str] = set()
        others: list[str] = []
        for cidr in cidrs:
            if _is_host(cidr):
                self.hosts.add(cidr)
            else:
                others.append(cidr)
        self.nets = AddressSet.of(others)

    def contains(self, host: str) -> bool:
        return host in self.hosts or (bool(self.nets) and self.nets.contains(host))


def _all_cidrs(key: IpSetKey, members_of: MembersOf, ipv6: bool) -> list[str]:
    return [c for cs in _grouped(members_of(key), ipv6).values() for c in cs]


def _by_hosts(
    cidrs: tuple[str, ...] | None,
    sets: tuple[IpSetKey, ...],
    excluded: tuple[IpSetKey, ...],
    members_of: MembersOf,
    ipv6: bool,
) -> dict[int | None, tuple[str, ...]] | None:
    """The term by testing each member of one set of host addresses against the others.

    Cost is linear in the sets' sizes, without building interval sets; None when
    no set qualifies (every candidate holds a network CIDR, or two are named-port sets).
    """
    named = [k for k in sets if k.named_port is not None]
    if len(named) > 1:
        return None
    driver = named[0] if named else sets[0]
    groups = _grouped(members_of(driver), ipv6)
    if not all(_is_host(c) for cs in groups.values() for c in cs):
        return None
    required = [_Index(_all_cidrs(k, members_of, ipv6)) for k in sets if k != driver]
    refused = [_Index(_all_cidrs(k, members_of, ipv6)) for k in excluded]
    static = None if cidrs is None else AddressSet.of(cidrs)
    return {
        port: tuple(
            sorted(
                h
                for h in hosts
                if all(i.contains(h) for i in required)
                and not any(i.contains(h) for i in refused)
                and (static is None or static.contains(h))
            )
        )
        for port, hosts in groups.items()
    }


def evaluate(
    cidrs: tuple[str, ...] | None,
    sets: tuple[IpSetKey, ...],
    excluded: tuple[IpSetKey, ...],
    members_of: MembersOf,
    ipv6: bool,
    limit: int,
) -> TermValue:
    """Evaluate ``cidrs and sets minus excluded`` against the current set members.

    One set alone keeps its members as given (sorted); a derived term over a
    set of host addresses keeps the qualifying hosts; anything else is
    normalized to the fewest CIDRs. A complement (``excluded`` without
    ``sets``) longer than ``limit`` entries is reported as ``overflow``.
    """
    if len(sets) == 1 and cidrs is None and not excluded:
        raw = _grouped(members_of(sets[0]), ipv6)
        return TermValue(_sorted_groups({p: tuple(sorted(c)) for p, c in raw.items()}))
    if sets:
        hosts = _by_hosts(cidrs, sets, excluded, members_of, ipv6)
        if hosts is not None:
            return TermValue(_sorted_groups(hosts))
    current: dict[int | None, AddressSet] | None = None
    if cidrs is not None:
        current = {None: AddressSet.of(c for c in cidrs if ipv6 or family(c) == 4)}
    for key in sets:
        found = {p: AddressSet.of(c) for p, c in _grouped(members_of(key), ipv6).items()}
        current = found if current is None else _intersect_groups(current, found)
    assert current is not None, "a term with no sets has static cidrs"
    if excluded:
        removed = AddressSet.of(c for key in excluded for c in _all_cidrs(key, members_of, ipv6))
        current = {port: value - removed for port, value in current.items()}
    groups = _sorted_groups({port: value.cidrs() for port, value in current.items()})
    if excluded and not sets and any(len(values) > limit for _, values in groups):
        return TermValue((), overflow=True)
    return TermValue(groups)


def patched(
    value: TermValue, added: frozenset[Member], removed: frozenset[Member], ipv6: bool
) -> TermValue | None:
    """A one-set term's value after its set gained ``added`` and lost ``removed``: what
    ``evaluate`` returns on the new members, at a cost in the change's size (plus copying
    the lists). None when ``removed`` holds a member ``value`` does not (evaluate instead).
    """
    groups = {port: list(cidrs) for port, cidrs in value.groups}
    for port, cidrs in _grouped(removed, ipv6).items():
        listed = groups.get(port)
        for cidr in cidrs:
            at = -1 if listed is None else bisect_left(listed, cidr)
            if listed is None or at == len(listed) or listed[at] != cidr:
                return None
            del listed[at]
    for port, cidrs in _grouped(added, ipv6).items():
        listed = groups.setdefault(port, [])
        for cidr in cidrs:
            insort(listed, cidr)
    return TermValue(_sorted_groups({port: tuple(cidrs) for port, cidrs in groups.items()}))


def _intersect_groups(
    a: dict[int | None, AddressSet], b: dict[int | None, AddressSet]
) -> dict[int | None, AddressSet]:
    """Group-wise intersection; a plain group combines with every port group."""
    out: dict[int | None, AddressSet] = {}
    for pa, va in a.items():
        for pb, vb in b.items():
            if pa is not None and pb is not None and pa != pb:
                continue
            port = pa if pa is not None else pb
            value = va & vb
            if value:
                out[port] = out[port] | value if port in out else value
    return out
