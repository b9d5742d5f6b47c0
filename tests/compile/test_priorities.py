"""Priority blocks: stable under insertions, removals and growth; re-spread only when full."""

from __future__ import annotations

from dataplane.compile.priorities import FINAL_PRIORITY, HIGHEST, LOWEST, allocate

Segments = list[tuple[str, int]]


def blocks(segments: Segments, previous: dict[str, int] | None = None) -> dict[str, int]:
    allocation = allocate(previous or {}, segments)
    assert allocation is not None
    return dict(allocation.bases)


def assert_ordered_and_disjoint(segments: list[tuple[str, int]], bases: dict[str, int]) -> None:
    end = LOWEST - 1
    for key, size in segments:
        assert bases[key] > end
        end = bases[key] + size - 1
    assert end <= HIGHEST < FINAL_PRIORITY


def test_first_allocation_spreads_blocks_in_order() -> None:
    segments = [("a", 3), ("b", 1), ("c", 5)]
    bases = blocks(segments)
    assert_ordered_and_disjoint(segments, bases)
    assert bases["b"] - (bases["a"] + 3) > 10_000


def test_inserting_removing_and_growing_leave_other_blocks_alone() -> None:
    segments = [("a", 3), ("b", 1), ("c", 5)]
    first = blocks(segments)
    inserted = [("a", 3), ("new", 4), ("b", 1), ("c", 5)]
    second = blocks(inserted, first)
    assert_ordered_and_disjoint(inserted, second)
    assert {k: second[k] for k in first} == first
    removed = [("a", 3), ("c", 5)]
    assert blocks(removed, second) == {"a": first["a"], "c": first["c"]}
    grown = [("a", 30), ("b", 1), ("c", 5)]
    assert blocks(grown, first) == first


def test_a_segment_that_outgrows_its_gap_moves_alone() -> None:
    previous = {"a": LOWEST + 100, "b": LOWEST + 110, "c": 60000}
    segments = [("a", 20), ("b", 1), ("c", 1)]
    allocation = allocate(previous, segments)
    assert allocation is not None and allocation.rebalanced
    assert allocation.bases["b"] == LOWEST + 110 and allocation.bases["c"] == 60000
    assert_ordered_and_disjoint(segments, dict(allocation.bases))


def test_exhausted_gap_moves_the_fewest_blocks() -> None:
    previous = {"a": LOWEST + 100, "b": LOWEST + 101}
    segments = [("a", 1), ("x", 1), ("b", 1)]
    allocation = allocate(previous, segments)
    assert allocation is not None and allocation.rebalanced
    assert_ordered_and_disjoint(segments, dict(allocation.bases))
    assert allocation.bases["b"] == LOWEST + 101


def test_no_room_anywhere_re_spreads_everything() -> None:
    previous = {"a": LOWEST, "b": LOWEST + 1}
    segments = [("a", 1), ("x", 1), ("b", 1)]
    allocation = allocate(previous, segments)
    assert allocation is not None and allocation.rebalanced
    assert_ordered_and_disjoint(segments, dict(allocation.bases))
    assert allocation.bases["a"] != LOWEST


def test_reordered_segments_keep_what_stays_in_order() -> None:
    first = blocks([("a", 1), ("b", 1), ("c", 1)])
    swapped = [("a", 1), ("c", 1), ("b", 1)]
    second = blocks(swapped, first)
    assert_ordered_and_disjoint(swapped, second)
    assert second["a"] == first["a"] and second["c"] == first["c"]


def test_too_many_priorities_is_refused() -> None:
    assert allocate({}, [("a", HIGHEST - LOWEST + 2)]) is None
    assert allocate({}, [("a", HIGHEST - LOWEST + 1)]) is not None
