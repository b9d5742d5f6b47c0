"""ActiveSets: the graph's sets mirrored from deltas, and the nets-cut views terms read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataplane.calc import Delta, IpSetDelta, IpSetKey, Member, NotActiveError
from dataplane.compile.sets import ActiveSets, SetReadError
from dataplane.selector import parse
from tests.calc.reference import clip

BASE = IpSetKey(parse("app == 'web'"))
POOL = (
    "10.0.0.1/32",
    "10.0.0.2/32",
    "10.2.0.4/32",
    "10.0.0.0/24",
    "10.0.0.0/8",
    "10.1.0.0/16",
    "fd00::1/128",
    "fd00::/64",
)
FILTERS = (("10.0.0.0/24",), ("10.0.0.0/16", "fd00::/64"), ("10.0.0.1/32", "10.2.0.0/16"))


def _clipped(members: set[str], nets: tuple[str, ...]) -> set[str]:
    return set(clip(members, nets))


def _change(before: set[str], after: set[str]) -> Delta:
    return Delta(ipsets=(IpSetDelta(BASE, frozenset(after - before), frozenset(before - after)),))


@given(
    nets=st.sampled_from(FILTERS),
    first=st.sets(st.sampled_from(POOL)),
    steps=st.lists(st.sets(st.sampled_from(POOL)), max_size=8),
)
def test_a_view_follows_its_set_exactly_and_reports_only_real_changes(
    nets: tuple[str, ...], first: set[str], steps: list[set[str]]
) -> None:
    sets = ActiveSets()
    sets.apply(Delta(ipsets_activated={BASE: frozenset(first)}))
    view = IpSetKey(BASE.selector, nets)
    sets.acquire(view)
    held: set[Member] = set(sets.members(view))
    assert held == _clipped(first, nets)
    current = first
    for members in steps:
        if members == current:
            continue
        changes = {c.key: c for c in sets.apply(_change(current, members))}
        cut = changes.get(view)
        if cut is not None:
            assert not cut.added & held and cut.removed <= held and (cut.added or cut.removed)
            held = (held | cut.added) - cut.removed
        assert held == _clipped(members, nets) == sets.members(view)
        assert sets.members(BASE) == members
        current = members


def test_named_port_members_keep_their_port_in_a_view() -> None:
    key = IpSetKey(parse("all()"), None, ("http", 6))
    sets = ActiveSets()
    sets.apply(Delta(ipsets_activated={key: frozenset({("10.0.0.1/32", 80), ("10.9.0.1/32", 80)})}))
    view = IpSetKey(key.selector, ("10.0.0.0/16",), key.named_port)
    sets.acquire(view)
    assert sets.members(view) == {("10.0.0.1/32", 80)}


def test_views_go_with_their_last_reader_and_sets_with_the_graph() -> None:
    sets = ActiveSets()
    sets.apply(Delta(ipsets_activated={BASE: frozenset({"10.0.0.1/32"})}))
    view = IpSetKey(BASE.selector, ("10.0.0.0/24",))
    sets.acquire(view)
    sets.acquire(view)
    sets.release(view)
    with pytest.raises(SetReadError):
        sets.deactivate({BASE})
    sets.release(view)
    with pytest.raises(NotActiveError):
        sets.members(view)
    sets.deactivate({BASE})
    with pytest.raises(NotActiveError):
        sets.acquire(view)
    with pytest.raises(NotActiveError):
        sets.apply(_change({"10.0.0.1/32"}, set()))
