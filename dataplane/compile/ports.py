"""Exact set algebra over port ranges (0-65535) and their HNS text form."""

from __future__ import annotations

from collections.abc import Iterable

from dataplane.model import PortRange

PortRanges = tuple[PortRange, ...]
MAX_PORT = 65535
ALL_PORTS: PortRanges = (PortRange(0, MAX_PORT),)


def normalize(ranges: Iterable[PortRange]) -> PortRanges:
    """Sorted, merged, disjoint ranges."""
    merged: list[list[int]] = []
    for r in sorted(ranges, key=lambda r: (r.first, r.last)):
        if merged and r.first <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], r.last)
        else:
            merged.append([r.first, r.last])
    return tuple(PortRange(a, b) for a, b in merged)


def intersect(a: PortRanges | None, b: PortRanges | None) -> PortRanges | None:
    """Ranges in both (None = every port); () = no port."""
    if a is None:
        return b
    if b is None:
        return a
    out: list[PortRange] = []
    for x in a:
        for y in b:
            first, last = max(x.first, y.first), min(x.last, y.last)
            if first <= last:
                out.append(PortRange(first, last))
    return normalize(out)


def complement(ranges: Iterable[PortRange]) -> PortRanges:
    """Every port in 0-65535 outside ``ranges``."""
    out: list[PortRange] = []
    cursor = 0
    for r in normalize(ranges):
        if r.first > cursor:
            out.append(PortRange(cursor, r.first - 1))
        cursor = r.last + 1
    if cursor <= MAX_PORT:
        out.append(PortRange(cursor, MAX_PORT))
    return tuple(out)


def contains(ranges: PortRanges | None, port: int) -> bool:
    """Whether a port is in the ranges (None = every port)."""
    return ranges is None or any(r.first <= port <= r.last for r in ranges)


def text(ranges: PortRanges | None) -> str:
    """HNS port field: ``"80,8000-8080"``; "" for every port."""
    if ranges is None or ranges == ALL_PORTS:
        return ""
    return ",".join(str(r) for r in ranges)
