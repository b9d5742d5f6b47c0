"""Per-target exponential backoff with jitter: when a failed target may be tried again."""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Iterable
from dataclasses import dataclass


@dataclass(slots=True)
class _Streak:
    failures: int
    due: float


class Backoff:
    """Failed targets wait ``base * 2**(n-1)`` seconds (at most ``cap``) after their n-th
    failure in a row, times a jitter factor drawn from ``rng`` in [0.5, 1.5).

    Nothing else shortens the wait: a target is ``ready`` only once it is due.
    """

    def __init__(self, base: float, cap: float, rng: random.Random) -> None:
        if base <= 0:
            raise ValueError("retry_base: must be positive")
        self._base = base
        self._cap = cap
        self._rng = rng
        self._streaks: dict[Hashable, _Streak] = {}

    def failed(self, target: Hashable, now: float) -> float:
        """Record a failure; return the time the target is due again."""
        streak = self._streaks.get(target)
        failures = 1 if streak is None else streak.failures + 1
        delay = min(self._cap, self._base * 2 ** (failures - 1))
        due = now + delay * (0.5 + self._rng.random())
        self._streaks[target] = _Streak(failures, due)
        return due

    def succeeded(self, target: Hashable) -> None:
        """The target worked: its next failure starts a new streak."""
        self._streaks.pop(target, None)

    def forget(self, keep: Iterable[Hashable]) -> None:
        """Drop the streaks of every target not in ``keep`` (nothing left to retry)."""
        wanted = set(keep)
        for target in [t for t in self._streaks if t not in wanted]:
            del self._streaks[target]

    def ready(self, target: Hashable, now: float) -> bool:
        streak = self._streaks.get(target)
        return streak is None or now >= streak.due

    def due_of(self, target: Hashable) -> float:
        """When a failed target is due again (-inf: it is not waiting)."""
        streak = self._streaks.get(target)
        return -math.inf if streak is None else streak.due

    def next_due(self) -> float:
        """The earliest time a waiting target is due (inf: none waits)."""
        return min((s.due for s in self._streaks.values()), default=math.inf)

    def __bool__(self) -> bool:
        return bool(self._streaks)
