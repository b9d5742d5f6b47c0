"""Stable priority blocks per segment: an edit to one segment leaves the others alone.

HNS priorities run 1..65500, a lower number winning. Our switch ACLs stay inside
the range Calico Felix uses, 1000..65000 (Azure NPM's highest is 65499): 1000 is
kept for the allow from the node's addresses and 65000 for the final allow-all;
segments live in between, each in its own block, with gaps so a new segment fits
between its neighbours and a growing one can expand. Only when a gap is exhausted
is everything re-spread. (``Host`` rules sit outside this range: see
``HOST_RULE_PRIORITY``.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

HOST_PRIORITY = 1000
FINAL_PRIORITY = 65000
HOST_RULE_PRIORITY = 0
"""Priority of the per-direction ``RuleType: Host`` allows where HNS has
``AclNoHostRulePriority`` (hcsshim: HNS 7.2+); older HNS needs one: 100 (as Felix)."""
LEGACY_HOST_RULE_PRIORITY = 100
LOWEST = HOST_PRIORITY + 1
HIGHEST = FINAL_PRIORITY - 1


@dataclass(frozen=True, slots=True)
class Allocation:
    """Segment key -> first priority; ``rebalanced``: a block placed earlier had to move."""

    bases: Mapping[str, int]
    rebalanced: bool


def _spread(segments: Sequence[tuple[str, int]], low: int, high: int, out: dict[str, int]) -> None:
    """Place segments in order within [low, high] with equal gaps around them."""
    if not segments:
        return
    space = high - low + 1
    needed = sum(size for _, size in segments)
    gap = (space - needed) // (len(segments) + 1)
    cursor = low + gap
    for key, size in segments:
        out[key] = cursor
        cursor += size + gap


def allocate(previous: Mapping[str, int], segments: Sequence[tuple[str, int]]) -> Allocation | None:
    """Bases for ``segments`` (ordered (key, size)), keeping ``previous`` bases where possible.

    Returns None when the segments need more priorities than exist.
    """
    total = sum(size for _, size in segments)
    if total > HIGHEST - LOWEST + 1:
        return None
    kept: dict[str, int] = {}
    last = LOWEST - 1
    for key, _ in segments:
        base = previous.get(key)
        if base is not None and base > last and LOWEST <= base <= HIGHEST:
            kept[key] = last = base
    # Walk backwards: a kept block must end, with the new blocks after it, before the next.
    limit = HIGHEST + 1
    pending = 0
    for key, size in reversed(segments):
        base = kept.get(key)
        if base is not None and base + size + pending <= limit:
            limit, pending = base, 0
        else:
            kept.pop(key, None)
            pending += size
    if LOWEST + pending > limit:
        kept = {}
    out: dict[str, int] = {}
    run: list[tuple[str, int]] = []
    low = LOWEST
    for key, size in segments:
        base = kept.get(key)
        if base is None:
            run.append((key, size))
            continue
        _spread(run, low, base - 1, out)
        out[key] = base
        low, run = base + size, []
    _spread(run, low, HIGHEST, out)
    moved = any(key in previous and previous[key] != out[key] for key, _ in segments)
    return Allocation(out, moved)
