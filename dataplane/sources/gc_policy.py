"""When to collect and freeze survivors of garbage collections, and what collections cost
(no I/O).

Python's collector reports each collection twice (``start`` and ``stop``, with
its generation); ``CollectorPolicy`` takes those reports with the time, answers
whether the survivors are to be frozen now, and keeps the pause of every
collection in ``pauses``. With ``full_interval`` set, it answers yes after every
full (generation 2) collection, and ``due`` asks for a full collection once that
long has passed since the last one. Churn replaces frozen objects by new ones
while allocating about as much as it frees, so the collector's own full
collections come rarely and traverse everything replaced since the sync; one
every ``full_interval`` traverses only what survived since the previous one.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

FULL = 2  # the oldest generation: its collection traverses every unfrozen object
GENERATIONS = (0, 1, FULL)
PAUSE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


@dataclass(slots=True)
class PauseStats:
    """The collections of one generation: count, seconds in total and at most, and a
    histogram (``counts[i]`` pauses of at most ``bounds[i]``; the last, the others)."""

    bounds: tuple[float, ...] = PAUSE_BUCKETS
    count: int = 0
    total: float = 0.0
    longest: float = 0.0
    counts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.bounds) + 1)

    def observe(self, seconds: float) -> None:
        self.count += 1
        self.total += seconds
        self.longest = max(self.longest, seconds)
        self.counts[bisect.bisect_left(self.bounds, seconds)] += 1


class CollectorPolicy:
    """Decides when to collect everything and when to freeze survivors; records pauses.

    ``full_interval`` (seconds) of ``None`` leaves the collector's schedule alone and
    freezes nothing."""

    __slots__ = ("_last_full", "_started", "freezes", "full_interval", "pauses")

    def __init__(self, full_interval: float | None, now: float = 0.0) -> None:
        if full_interval is not None and full_interval <= 0:
            raise ValueError("full_interval must be positive")
        self.full_interval = full_interval
        self.freezes = 0
        self.pauses = {generation: PauseStats() for generation in GENERATIONS}
        self._started: float | None = None
        self._last_full = now

    @property
    def freeze_after_full(self) -> bool:
        return self.full_interval is not None

    def started(self, generation: int, now: float) -> None:
        """A collection of ``generation`` starts at ``now`` (seconds)."""
        self._started = now

    def stopped(self, generation: int, now: float) -> bool:
        """A collection of ``generation`` ended at ``now``: whether to freeze its survivors
        (everything alive and not yet frozen, after a full collection)."""
        if self._started is not None:
            self.pauses[generation].observe(max(0.0, now - self._started))
            self._started = None
        if generation != FULL:
            return False
        self._last_full = now
        if self.freeze_after_full:
            self.freezes += 1
        return self.freeze_after_full

    def due(self, now: float) -> bool:
        """Whether to run a full collection now."""
        return self.full_interval is not None and now - self._last_full >= self.full_interval

    def wait(self, now: float) -> float:
        """Seconds until a full collection may be due (``full_interval`` when off)."""
        if self.full_interval is None:
            return math.inf
        return max(0.0, self._last_full + self.full_interval - now)
