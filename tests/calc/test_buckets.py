"""Buckets: a value -> things multimap that stores lone things without a set."""

from __future__ import annotations

from dataplane.calc.buckets import Buckets


def test_add_get_count_and_len_track_every_thing() -> None:
    buckets: Buckets[str, str] = Buckets()
    buckets.add("web", "a")
    buckets.add("web", "b")
    buckets.add("db", "c")
    buckets.add("web", "a")  # already there
    assert sorted(buckets.get("web")) == ["a", "b"]
    assert list(buckets.get("db")) == ["c"]
    assert list(buckets.get("none")) == []
    assert (buckets.count("web"), buckets.count("db"), buckets.count("none")) == (2, 1, 0)
    assert len(buckets) == 3
    assert sorted(buckets) == ["a", "b", "c"]


def test_discard_shrinks_back_to_a_lone_thing_and_then_to_nothing() -> None:
    buckets: Buckets[str, str] = Buckets()
    for thing in "abc":
        buckets.add("v", thing)
    buckets.discard("v", "a")
    buckets.discard("v", "b")
    assert list(buckets.get("v")) == ["c"]
    assert buckets.contains("v", "c") and not buckets.contains("v", "a")
    buckets.discard("v", "zzz")  # absent thing: no-op
    buckets.discard("other", "c")  # absent value: no-op
    assert len(buckets) == 1
    buckets.discard("v", "c")
    assert len(buckets) == 0 and not buckets.contains("v", "c") and list(buckets) == []


def test_discard_all_empties_one_value_and_keeps_the_count_right() -> None:
    buckets: Buckets[str, str] = Buckets()
    for thing in "abc":
        buckets.add("many", thing)
    buckets.add("one", "d")
    buckets.discard_all("many")
    buckets.discard_all("absent")
    assert list(buckets.get("many")) == [] and len(buckets) == 1
    buckets.discard_all("one")
    assert len(buckets) == 0 and list(buckets) == []
