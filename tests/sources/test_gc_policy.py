"""When to collect everything and freeze the survivors, and the pauses kept (fake clock)."""

from __future__ import annotations

import math

import pytest

from dataplane.sources.gc_policy import FULL, PAUSE_BUCKETS, CollectorPolicy, PauseStats


def collect(policy: CollectorPolicy, generation: int, start: float, stop: float) -> bool:
    policy.started(generation, start)
    return policy.stopped(generation, stop)


def test_the_survivors_of_full_collections_only_are_frozen() -> None:
    policy = CollectorPolicy(full_interval=1.0)
    assert not collect(policy, 0, 1.0, 1.001)
    assert not collect(policy, 1, 2.0, 2.01)
    assert collect(policy, FULL, 3.0, 3.09)
    assert collect(policy, FULL, 9.0, 9.004)
    assert policy.freezes == 2


def test_turned_off_nothing_is_frozen_and_pauses_are_still_kept() -> None:
    policy = CollectorPolicy(full_interval=None)
    assert not collect(policy, FULL, 3.0, 3.09)
    assert policy.freezes == 0
    assert policy.pauses[FULL].count == 1


def test_pauses_by_generation_with_count_total_longest_and_buckets() -> None:
    policy = CollectorPolicy(full_interval=1.0)
    collect(policy, 0, 0.0, 0.0005)
    collect(policy, 0, 1.0, 1.002)
    collect(policy, FULL, 2.0, 2.094)
    collect(policy, FULL, 3.0, 3.02)
    collect(policy, FULL, 4.0, 15.0)  # beyond the last bound
    young, full = policy.pauses[0], policy.pauses[FULL]
    assert (young.count, young.total, young.longest) == pytest.approx((2, 0.0025, 0.002))
    assert young.counts[:2] == [1, 1] and sum(young.counts) == 2
    assert full.count == 3 and full.longest == pytest.approx(11.0)
    assert full.counts[PAUSE_BUCKETS.index(0.1)] == 1
    assert full.counts[PAUSE_BUCKETS.index(0.025)] == 1
    assert full.counts[-1] == 1
    assert policy.pauses[1].count == 0


def test_a_pause_on_a_bucket_bound_counts_in_that_bucket() -> None:
    stats = PauseStats(bounds=(0.01, 0.1))
    stats.observe(0.01)
    stats.observe(0.1)
    stats.observe(0.2)
    assert stats.counts == [1, 1, 1]


def test_a_stop_without_its_start_decides_without_a_pause() -> None:
    """Reports begin mid-collection when the policy is installed during one."""
    policy = CollectorPolicy(full_interval=1.0)
    assert policy.stopped(FULL, 5.0)
    assert policy.pauses[FULL].count == 0
    assert not collect(policy, 0, 6.0, 5.0) and policy.pauses[0].longest == 0.0  # clock went back


def test_a_full_collection_is_due_an_interval_after_the_last_one() -> None:
    policy = CollectorPolicy(full_interval=2.0, now=10.0)
    assert not policy.due(11.0) and policy.wait(11.0) == 1.0
    assert policy.due(12.0) and policy.wait(12.5) == 0.0
    collect(policy, 1, 12.5, 12.6)  # a young collection does not count
    assert policy.due(12.6)
    collect(policy, FULL, 13.0, 13.1)  # the interpreter's own, or one asked for
    assert not policy.due(14.0) and policy.wait(14.0) == pytest.approx(1.1)
    assert policy.due(15.1)


def test_turned_off_no_full_collection_is_ever_due() -> None:
    policy = CollectorPolicy(full_interval=None)
    assert not policy.due(1e9) and policy.wait(0.0) == math.inf


def test_the_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        CollectorPolicy(full_interval=0.0)
