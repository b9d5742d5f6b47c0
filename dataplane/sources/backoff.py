"""Exponential retry delays with jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    """Delay bounds: the n-th consecutive failure waits about ``base * 2**n``, capped."""

    base: float = 0.5
    max: float = 30.0

    def __post_init__(self) -> None:
        if not 0 < self.base <= self.max:
            raise ValueError(f"backoff: need 0 < base <= max, got base={self.base} max={self.max}")


class Backoff:
    """Consecutive-failure counter that yields jittered delays ("equal jitter").

    Each delay lies in ``[d/2, d]`` with ``d = min(max, base * 2**failures)``, so
    clients that failed together do not retry together.
    """

    __slots__ = ("_failures", "_policy", "_random")

    def __init__(self, policy: BackoffPolicy, rng: random.Random | None = None) -> None:
        self._policy = policy
        self._random = rng or random.Random()
        self._failures = 0

    @property
    def failures(self) -> int:
        """Failures since the last success."""
        return self._failures

    def next_delay(self) -> float:
        """Record one more failure and return how long to wait before retrying."""
        ceiling = min(self._policy.max, self._policy.base * 2 ** min(self._failures, 62))
        self._failures += 1
        return ceiling / 2 + self._random.uniform(0, ceiling / 2)

    def reset(self) -> None:
        """Record a success: the next failure starts from ``base`` again."""
        self._failures = 0
