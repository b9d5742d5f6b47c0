"""Address sets: acquire/release, member ref-counts and real per-flush deltas."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dataplane.calc import CalcGraph, IpSetDelta, IpSetKey, NotAcquiredError
from dataplane.model import (
    Delete,
    Labels,
    NamedPort,
    Namespace,
    NetworkSet,
    Protocol,
    Upsert,
    WorkloadEndpoint,
)
from dataplane.selector import parse

WEB = IpSetKey(parse("app == 'web'"))


def _pod(name: str, *addresses: str, node: str = "remote", **labels: str) -> Upsert:
    return Upsert(WorkloadEndpoint("ns", name, node, addresses, Labels(labels)))


def _graph(*updates: Upsert) -> CalcGraph:
    graph = CalcGraph("local")
    graph.apply_all(updates)
    graph.flush()
    return graph


def test_acquire_returns_members_over_local_and_remote_endpoints_and_network_sets() -> None:
    graph = _graph(
        _pod("a", "10.0.0.1", node="local", app="web"),
        _pod("b", "10.0.0.2", "fd00::2", app="web"),
        _pod("c", "10.0.0.3", app="db"),
        Upsert(NetworkSet("", "ext", ("192.168.0.0/16",), Labels({"app": "web"}))),
    )
    assert graph.ipsets.acquire(WEB) == {
        "10.0.0.1/32",
        "10.0.0.2/32",
        "fd00::2/128",
        "192.168.0.0/16",
    }
    assert graph.ipsets.members(WEB) == graph.ipsets.acquire(WEB)
    assert graph.ipsets.acquired() == {WEB: 2}


def test_membership_changes_appear_once_in_the_next_flush() -> None:
    graph = _graph(_pod("a", "10.0.0.1", app="web"))
    graph.ipsets.acquire(WEB)
    graph.apply(_pod("b", "10.0.0.2", app="web"))
    graph.apply(_pod("a", "10.0.0.1", app="db"))
    assert graph.flush().ipsets == (
        IpSetDelta(WEB, frozenset({"10.0.0.2/32"}), frozenset({"10.0.0.1/32"})),
    )
    assert not graph.flush()


def test_leaving_and_rejoining_within_one_flush_produces_nothing() -> None:
    graph = _graph(_pod("a", "10.0.0.1", app="web"))
    graph.ipsets.acquire(WEB)
    graph.apply(_pod("a", "10.0.0.1", app="db"))
    graph.apply(_pod("a", "10.0.0.1", app="web"))
    graph.apply(Delete(WorkloadEndpoint("ns", "a", "", ()).key))
    graph.apply(_pod("a", "10.0.0.1", app="web"))
    assert not graph.flush()
    assert graph.counters.set_member_changes == 4


def test_a_shared_address_stays_while_any_contributor_matches() -> None:
    graph = _graph(_pod("a", "10.0.0.1", app="web"), _pod("b", "10.0.0.1", app="web"))
    graph.ipsets.acquire(WEB)
    graph.apply(_pod("a", "10.0.0.1", app="db"))
    assert not graph.flush()
    graph.apply(Delete(WorkloadEndpoint("ns", "b", "", ()).key))
    assert graph.flush().ipsets == (IpSetDelta(WEB, frozenset(), frozenset({"10.0.0.1/32"})),)


def test_address_changes_move_members() -> None:
    graph = _graph(_pod("a", "10.0.0.1", app="web"))
    graph.ipsets.acquire(WEB)
    graph.apply(_pod("a", "fd00::1", app="web"))
    assert graph.flush().ipsets == (
        IpSetDelta(WEB, frozenset({"fd00::1/128"}), frozenset({"10.0.0.1/32"})),
    )


def test_named_port_set_follows_port_declarations() -> None:
    key = IpSetKey(parse("app == 'web'"), named_port=("http", Protocol.TCP))
    pod = WorkloadEndpoint("ns", "a", "remote", ("10.0.0.1",), Labels({"app": "web"}))
    graph = _graph(Upsert(pod))
    assert graph.ipsets.acquire(key) == frozenset()
    graph.apply(Upsert(replace(pod, ports=(NamedPort("http", Protocol.TCP, 80),))))
    assert graph.flush().ipsets == (IpSetDelta(key, frozenset({("10.0.0.1/32", 80)}), frozenset()),)


def test_namespace_label_change_moves_its_endpoints_in_and_out_of_sets() -> None:
    key = IpSetKey(parse("pcns.team == 'x'"), nets=("10.0.0.0/24",))
    graph = _graph(
        Upsert(Namespace("ns", Labels({"team": "x"}))),
        _pod("a", "10.0.0.1"),
        _pod("b", "10.9.0.1"),
        Upsert(NetworkSet("ns", "s", ("10.0.0.0/8",))),
    )
    assert graph.ipsets.acquire(key) == {"10.0.0.1/32", "10.0.0.0/24"}
    graph.apply(Upsert(Namespace("ns", Labels({"team": "y"}))))
    assert graph.flush().ipsets == (
        IpSetDelta(key, frozenset(), frozenset({"10.0.0.1/32", "10.0.0.0/24"})),
    )


def test_release_to_zero_drops_the_set_and_its_pending_changes() -> None:
    graph = _graph(_pod("a", "10.0.0.1", app="web"))
    graph.ipsets.acquire(WEB)
    graph.ipsets.acquire(WEB)
    graph.apply(_pod("b", "10.0.0.2", app="web"))
    graph.ipsets.release(WEB)
    assert graph.ipsets.members(WEB) == {"10.0.0.1/32", "10.0.0.2/32"}
    graph.ipsets.release(WEB)
    assert not graph.flush()
    with pytest.raises(NotAcquiredError, match="is not acquired"):
        graph.ipsets.members(WEB)
    with pytest.raises(NotAcquiredError):
        graph.ipsets.release(WEB)


def test_reacquire_restarts_the_delta_from_the_returned_members() -> None:
    graph = _graph(_pod("a", "10.0.0.1", app="web"))
    graph.ipsets.acquire(WEB)
    graph.apply(_pod("b", "10.0.0.2", app="web"))
    assert graph.ipsets.acquire(WEB) == {"10.0.0.1/32", "10.0.0.2/32"}
    graph.apply(_pod("b", "10.0.0.2", app="db"))
    assert graph.flush().ipsets == (IpSetDelta(WEB, frozenset(), frozenset({"10.0.0.2/32"})),)


def test_deltas_are_ordered_by_set_id() -> None:
    keys = [IpSetKey(parse(f"app == 'web' && n == '{i}'")) for i in range(8)]
    graph = _graph()
    for key in keys:
        graph.ipsets.acquire(key)
    graph.apply_all(_pod(f"p{i}", f"10.0.0.{i}", app="web", n=str(i)) for i in range(8))
    ids = [delta.key.id for delta in graph.flush().ipsets]
    assert ids == sorted(key.id for key in keys)
