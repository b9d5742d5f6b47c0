"""Address sets: activated by the rules of active policies, member ref-counts, real deltas."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dataplane.calc import CalcGraph, IpSetDelta, IpSetKey, NotActiveError
from dataplane.model import (
    Action,
    Delete,
    Direction,
    EntityMatch,
    Kind,
    Labels,
    NamedPort,
    NamedPortRef,
    Namespace,
    NetworkSet,
    Policy,
    Protocol,
    Rule,
    Upsert,
    WorkloadEndpoint,
)
from dataplane.selector import ALL, parse

WEB = IpSetKey(parse("app == 'web'"))
ANCHOR = WorkloadEndpoint("ns", "anchor", "local", ("10.9.9.9",), Labels({"role": "anchor"}))


def _pod(name: str, *addresses: str, node: str = "remote", **labels: str) -> Upsert:
    return Upsert(WorkloadEndpoint("ns", name, node, addresses, Labels(labels)))


def _reader(name: str, *rules: Rule) -> Policy:
    """A global policy applying to the anchor pod whose ingress rules read sets."""
    return Policy(
        Kind.GLOBAL_NETWORK_POLICY,
        "",
        name,
        parse("role == 'anchor'"),
        frozenset({Direction.INGRESS}),
        ingress=rules,
    )


def _from(selector: str, **fields: object) -> Rule:
    return Rule(Action.ALLOW, source=EntityMatch(selector=parse(selector)), **fields)  # type: ignore[arg-type]


READS_WEB = _reader("reads-web", _from("app == 'web'"))


def _graph(*updates: Upsert, reader: Policy = READS_WEB) -> CalcGraph:
    graph = CalcGraph("local")
    graph.apply_all((*updates, Upsert(ANCHOR), Upsert(reader)))
    graph.flush()
    return graph


def test_a_set_is_activated_with_the_policy_reading_it_with_its_members() -> None:
    graph = CalcGraph("local")
    graph.apply_all(
        (
            _pod("a", "10.0.0.1", node="local", app="web"),
            _pod("b", "10.0.0.2", "fd00::2", app="web"),
            _pod("c", "10.0.0.3", app="db"),
            Upsert(NetworkSet("", "ext", ("192.168.0.0/16",), Labels({"app": "web"}))),
            Upsert(ANCHOR),
            Upsert(READS_WEB),
        )
    )
    delta = graph.flush()
    members = {"10.0.0.1/32", "10.0.0.2/32", "fd00::2/128", "192.168.0.0/16"}
    assert delta.ipsets_activated == {WEB: members}
    assert delta.ipsets == () and delta.ipsets_deactivated == frozenset()
    assert graph.ipsets.active() == {WEB} and graph.ipsets.members(WEB) == members


def test_a_set_read_by_two_policies_stays_until_the_last_stops_reading_it() -> None:
    other = _reader("also-web", _from("app == 'web'"), _from("app == 'db'"))
    graph = _graph(_pod("a", "10.0.0.1", app="web"))
    graph.apply(Upsert(other))
    assert graph.flush().ipsets_activated == {IpSetKey(parse("app == 'db'")): frozenset()}
    graph.apply(Delete(READS_WEB.key))
    delta = graph.flush()
    assert delta.policies_removed == {READS_WEB.key} and not delta.ipsets_deactivated
    graph.apply(Delete(other.key))
    delta = graph.flush()
    assert delta.ipsets_deactivated == {WEB, IpSetKey(parse("app == 'db'"))}
    assert graph.ipsets.active() == frozenset()


def test_a_policy_that_stops_applying_deactivates_its_sets() -> None:
    graph = _graph(_pod("a", "10.0.0.1", app="web"))
    graph.apply(Upsert(replace(ANCHOR, labels=Labels({"role": "other"}))))
    graph.apply(_pod("b", "10.0.0.2", app="web"))  # a pending change, dropped with the set
    delta = graph.flush()
    assert delta.policies_removed == {READS_WEB.key}
    assert delta.ipsets_deactivated == {WEB} and delta.ipsets == ()
    with pytest.raises(NotActiveError, match="is not active"):
        graph.ipsets.members(WEB)
    graph.apply(Upsert(ANCHOR))
    assert graph.flush().ipsets_activated == {WEB: {"10.0.0.1/32", "10.0.0.2/32"}}
    assert graph.counters.rules_scanned == 1, "a policy applying again is not scanned again"


def test_a_rule_edit_swaps_sets_and_keeps_the_shared_one() -> None:
    graph = _graph(_pod("a", "10.0.0.1", app="web"), _pod("b", "10.0.0.2", app="db"))
    edited = _reader("reads-web", _from("app == 'web'"), _from("app == 'db'"))
    graph.apply(Upsert(edited))
    delta = graph.flush()
    assert delta.ipsets_activated == {IpSetKey(parse("app == 'db'")): {"10.0.0.2/32"}}
    graph.apply(Upsert(_reader("reads-web", _from("app == 'db'"))))
    assert graph.flush().ipsets_deactivated == {WEB}
    assert graph.counters.rules_scanned == 3


def test_log_rules_and_directions_the_policy_lacks_read_nothing() -> None:
    egress = Rule(Action.ALLOW, destination=EntityMatch(selector=parse("app == 'db'")))
    policy = replace(
        _reader("p", Rule(Action.LOG, source=EntityMatch(selector=parse("app == 'x'")))),
        egress=(egress,),
    )
    graph = CalcGraph("local")
    graph.apply_all((Upsert(ANCHOR), Upsert(policy)))
    assert graph.flush().ipsets_activated == {}


def test_membership_changes_appear_once_in_the_next_flush() -> None:
    graph = _graph(_pod("a", "10.0.0.1", app="web"))
    graph.apply(_pod("b", "10.0.0.2", app="web"))
    graph.apply(_pod("a", "10.0.0.1", app="db"))
    assert graph.flush().ipsets == (
        IpSetDelta(WEB, frozenset({"10.0.0.2/32"}), frozenset({"10.0.0.1/32"})),
    )
    assert not graph.flush()


def test_leaving_and_rejoining_within_one_flush_produces_nothing() -> None:
    graph = _graph(_pod("a", "10.0.0.1", app="web"))
    graph.apply(_pod("a", "10.0.0.1", app="db"))
    graph.apply(_pod("a", "10.0.0.1", app="web"))
    graph.apply(Delete(WorkloadEndpoint("ns", "a", "", ()).key))
    graph.apply(_pod("a", "10.0.0.1", app="web"))
    assert not graph.flush()
    assert graph.counters.set_member_changes == 4


def test_a_shared_address_stays_while_any_contributor_matches() -> None:
    graph = _graph(_pod("a", "10.0.0.1", app="web"), _pod("b", "10.0.0.1", app="web"))
    graph.apply(_pod("a", "10.0.0.1", app="db"))
    assert not graph.flush()
    graph.apply(Delete(WorkloadEndpoint("ns", "b", "", ()).key))
    assert graph.flush().ipsets == (IpSetDelta(WEB, frozenset(), frozenset({"10.0.0.1/32"})),)


def test_address_changes_move_members() -> None:
    graph = _graph(_pod("a", "10.0.0.1", app="web"))
    graph.apply(_pod("a", "fd00::1", app="web"))
    assert graph.flush().ipsets == (
        IpSetDelta(WEB, frozenset({"fd00::1/128"}), frozenset({"10.0.0.1/32"})),
    )


def test_a_remote_named_port_reads_one_set_per_protocol_of_its_ports() -> None:
    http = EntityMatch(ports=(NamedPortRef("http"),))
    tcp = IpSetKey(ALL, named_port=("http", Protocol.TCP))
    reader = _reader("named", Rule(Action.ALLOW, protocol=Protocol.TCP, source=http))
    pod = WorkloadEndpoint("ns", "a", "remote", ("10.0.0.1",), Labels({"app": "web"}))
    graph = CalcGraph("local")
    graph.apply_all((Upsert(pod), Upsert(ANCHOR), Upsert(reader)))
    assert graph.flush().ipsets_activated == {tcp: frozenset()}
    graph.apply(Upsert(replace(pod, ports=(NamedPort("http", Protocol.TCP, 80),))))
    assert graph.flush().ipsets == (IpSetDelta(tcp, frozenset({("10.0.0.1/32", 80)}), frozenset()),)
    any_protocol = _reader("named", Rule(Action.ALLOW, source=http))
    graph.apply(Upsert(any_protocol))
    assert {k.named_port for k in graph.flush().ipsets_activated} == {
        ("http", p) for p in Protocol.WITH_PORTS - {Protocol.TCP}
    }


def test_namespace_label_change_moves_its_endpoints_in_and_out_of_sets() -> None:
    key = IpSetKey(parse("pcns.team == 'x'"))
    graph = _graph(
        Upsert(Namespace("ns", Labels({"team": "x"}))),
        _pod("a", "10.0.0.1"),
        Upsert(NetworkSet("ns", "s", ("10.0.0.0/8",))),
        reader=_reader("team", _from("pcns.team == 'x'")),
    )
    assert graph.ipsets.members(key) == {"10.0.0.1/32", "10.0.0.0/8", "10.9.9.9/32"}
    graph.apply(Upsert(Namespace("ns", Labels({"team": "y"}))))
    assert graph.flush().ipsets == (
        IpSetDelta(key, frozenset(), frozenset({"10.0.0.1/32", "10.0.0.0/8", "10.9.9.9/32"})),
    )


def test_activations_and_deltas_are_ordered_by_set_id() -> None:
    rules = [_from(f"app == 'web' && n == '{i}'") for i in range(8)]
    graph = _graph(reader=_reader("many", *rules))
    keys = list(graph.ipsets.active())
    graph.apply_all(_pod(f"p{i}", f"10.0.0.{i}", app="web", n=str(i)) for i in range(8))
    ids = [delta.key.id for delta in graph.flush().ipsets]
    assert ids == sorted(key.id for key in keys)
    fresh = CalcGraph("local")
    fresh.apply_all((Upsert(ANCHOR), Upsert(_reader("many", *rules))))
    assert [k.id for k in fresh.flush().ipsets_activated] == sorted(key.id for key in keys)
