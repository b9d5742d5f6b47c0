"""Backoff: jittered exponential delays, capped, reset by success."""

from __future__ import annotations

import random

import pytest

from dataplane.sources.backoff import Backoff, BackoffPolicy


def test_delays_double_within_jitter_bounds_up_to_the_cap() -> None:
    backoff = Backoff(BackoffPolicy(base=1.0, max=8.0), random.Random(3))
    for ceiling in (1.0, 2.0, 4.0, 8.0, 8.0, 8.0):
        delay = backoff.next_delay()
        assert ceiling / 2 <= delay <= ceiling
    assert backoff.failures == 6


def test_reset_starts_again_from_base() -> None:
    backoff = Backoff(BackoffPolicy(base=1.0, max=60.0), random.Random(3))
    for _ in range(5):
        backoff.next_delay()
    backoff.reset()
    assert backoff.failures == 0
    assert backoff.next_delay() <= 1.0


def test_jitter_spreads_clients_that_failed_together() -> None:
    delays = {Backoff(BackoffPolicy(1.0, 1.0), random.Random(i)).next_delay() for i in range(20)}
    assert len(delays) == 20


def test_many_failures_stay_capped() -> None:
    backoff = Backoff(BackoffPolicy(base=0.5, max=30.0), random.Random(1))
    assert all(backoff.next_delay() <= 30.0 for _ in range(2000))


@pytest.mark.parametrize(("base", "cap"), [(0.0, 1.0), (2.0, 1.0), (-1.0, 5.0)])
def test_policy_rejects_impossible_bounds(base: float, cap: float) -> None:
    with pytest.raises(ValueError, match="backoff"):
        BackoffPolicy(base=base, max=cap)
