"""Exact set algebra over IPv4/IPv6 addresses, read from and written as CIDR lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Address, IPv6Address, ip_network

Interval = tuple[int, int]
Intervals = tuple[Interval, ...]

_BITS = {4: 32, 6: 128}
V4_UNIVERSE = "0.0.0.0/0"
V6_UNIVERSE = "::/0"


@lru_cache(maxsize=65536)
def _parse(cidr: str) -> tuple[int, Interval]:
    net = ip_network(cidr, strict=False)
    start = int(net.network_address)
    return net.version, (start, start + net.num_addresses - 1)


@lru_cache(maxsize=65536)
def family(cidr: str) -> int:
    """4 or 6: the address family of a CIDR or address."""
    return 6 if ":" in cidr else 4


def _merge(intervals: Iterable[Interval]) -> Intervals:
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


def _intersect(a: Intervals, b: Intervals) -> Intervals:
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start <= end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def _complement(a: Intervals, bits: int) -> Intervals:
    out: list[Interval] = []
    cursor = 0
    for start, end in a:
        if start > cursor:
            out.append((cursor, start - 1))
        cursor = end + 1
    top = (1 << bits) - 1
    if cursor <= top:
        out.append((cursor, top))
    return tuple(out)


def _to_cidrs(intervals: Intervals, version: int) -> list[str]:
    bits = _BITS[version]
    make = IPv4Address if version == 4 else IPv6Address
    out: list[str] = []
    for start, end in intervals:
        while start <= end:
            size = start & -start if start else 1 << bits
            while start + size - 1 > end:
                size >>= 1
            out.append(f"{make(start)}/{bits - size.bit_length() + 1}")
            start += size
    return out


@dataclass(frozen=True, slots=True)
class AddressSet:
    """A set of addresses as sorted, disjoint, merged intervals per family."""

    v4: Intervals = ()
    v6: Intervals = ()

    @classmethod
    def of(cls, cidrs: Iterable[str]) -> AddressSet:
        """The union of CIDRs (or bare addresses)."""
        v4: list[Interval] = []
        v6: list[Interval] = []
        for cidr in cidrs:
            version, interval = _parse(cidr)
            (v4 if version == 4 else v6).append(interval)
        return cls(_merge(v4), _merge(v6))

    def __bool__(self) -> bool:
        return bool(self.v4 or self.v6)

    def __and__(self, other: AddressSet) -> AddressSet:
        return AddressSet(_intersect(self.v4, other.v4), _intersect(self.v6, other.v6))

    def __or__(self, other: AddressSet) -> AddressSet:
        return AddressSet(_merge(self.v4 + other.v4), _merge(self.v6 + other.v6))

    def __sub__(self, other: AddressSet) -> AddressSet:
        return AddressSet(
            _intersect(self.v4, _complement(other.v4, 32)),
            _intersect(self.v6, _complement(other.v6, 128)),
        )

    def contains(self, address: str) -> bool:
        """Whether one address (or every address of a CIDR) is in the set."""
        version, (start, end) = _parse(address)
        intervals = self.v4 if version == 4 else self.v6
        return any(s <= start and end <= e for s, e in intervals)

    def cidrs(self) -> tuple[str, ...]:
        """The fewest CIDRs covering exactly this set, IPv4 first, in address order."""
        return tuple(_to_cidrs(self.v4, 4) + _to_cidrs(self.v6, 6))


def universe(ipv6: bool) -> AddressSet:
    """Every address of the families in use."""
    return AddressSet.of((V4_UNIVERSE, V6_UNIVERSE) if ipv6 else (V4_UNIVERSE,))


def family_universe(version: int) -> AddressSet:
    """Every address of one family."""
    return AddressSet.of((V4_UNIVERSE,) if version == 4 else (V6_UNIVERSE,))
