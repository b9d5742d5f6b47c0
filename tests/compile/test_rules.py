"""Rule constructs compiled to HNS and checked by classifying packets in the simulator."""

from __future__ import annotations

import dataclasses

import pytest

from dataplane.compile.priorities import FINAL_PRIORITY, HOST_PRIORITY
from dataplane.engine import EngineConfig
from dataplane.hns import HnsFeatures, HnsVersion
from dataplane.model import Action, IcmpMatch, InSync, NamedPort, NamedPortRef, PortRange, Rule
from tests.compile.harness import (
    ICMP,
    MODES,
    TCP,
    UDP,
    SimNode,
    allow,
    deny,
    namespace,
    netset,
    pod,
    policy,
    side,
)

WEB = pod("web", "10.0.0.1", app="web")
CLIENT = pod("client", "10.0.1.1", node="node-2", app="client")
OTHER = pod("other", "10.0.1.2", node="node-2", app="other")
P80 = (PortRange(80, 80),)


@pytest.fixture(params=MODES)
def node(request: pytest.FixtureRequest) -> SimNode:
    return SimNode(set_policy=request.param)


def test_endpoint_without_policy_gets_no_acls(node: SimNode) -> None:
    node.setup(namespace(), WEB, CLIENT)
    assert node.acls(WEB) == []
    assert node.allowed_in(WEB, "10.9.9.9", port=1)


def test_selector_and_port_allow_then_tier_default_denies(node: SimNode) -> None:
    rule = allow(protocol=TCP, source=side(selector="app == 'client'"), destination=side(ports=P80))
    node.setup(namespace(), WEB, CLIENT, OTHER, policy("p", "app == 'web'", ingress=[rule]))
    assert node.allowed_in(WEB, "10.0.1.1", port=80)
    assert not node.allowed_in(WEB, "10.0.1.1", port=81)
    assert not node.allowed_in(WEB, "10.0.1.1", protocol=UDP, port=80)
    assert not node.allowed_in(WEB, "10.0.1.2", port=80)
    assert node.allowed_out(WEB, "10.0.1.2", port=5000)  # egress is not isolated


def test_deny_before_allow_and_log_continues(node: SimNode) -> None:
    rules = [
        deny(source=side(nets=("10.0.1.2/32",))),
        Rule(Action.LOG),
        allow(source=side(nets=("10.0.1.0/24",))),
    ]
    node.setup(namespace(), WEB, CLIENT, OTHER, policy("p", "app == 'web'", ingress=rules))
    assert node.allowed_in(WEB, "10.0.1.1")
    assert not node.allowed_in(WEB, "10.0.1.2")
    assert not node.allowed_in(WEB, "10.0.2.1")


def test_every_endpoint_with_acls_gets_host_allow_and_allow_all_for_open_direction() -> None:
    node = SimNode(host_addresses=("10.0.0.254",))
    node.setup(namespace(), WEB, policy("p", ingress=[]))
    acls = node.acls(WEB)
    host = [a for a in acls if a.priority == HOST_PRIORITY]
    assert [(a.action, a.direction, a.remote_addresses) for a in host] == [
        ("Allow", "In", "10.0.0.254/32")
    ]
    assert node.allowed_in(WEB, "10.0.0.254", port=8080)
    assert not node.allowed_in(WEB, "10.0.0.253", port=8080)
    outs = [a for a in acls if a.direction == "Out"]
    assert [(a.action, a.remote_addresses, a.priority) for a in outs] == [
        ("Allow", "", FINAL_PRIORITY)
    ]
    assert all(1000 <= a.priority <= 65000 for a in acls), "inside Felix's range"


def test_every_endpoint_with_acls_gets_a_host_rule_per_direction() -> None:
    node = SimNode(host_rule_priority=0)
    other = pod("other", "10.0.0.2", app="other")
    node.setup(namespace(), WEB, other, policy("p", "app == 'web'", ingress=[]))
    rules = [a for a in node.all_acls(WEB) if a.rule_type == "Host"]
    assert [(a.action, a.direction, a.priority, a.protocols) for a in rules] == [
        ("Allow", "In", 0, ""),
        ("Allow", "Out", 0, ""),
    ]
    assert all(a.local_addresses == a.remote_addresses == "" for a in rules)
    assert node.all_acls(other) == [], "an endpoint without policy carries no ACL at all"
    legacy = SimNode(host_rule_priority=100)
    legacy.setup(namespace(), WEB, policy("p", "app == 'web'", ingress=[]))
    assert {a.priority for a in legacy.all_acls(WEB) if a.rule_type == "Host"} == {100}


def test_host_rules_follow_the_hns_version_gate() -> None:
    old = EngineConfig.for_features(HnsFeatures.for_version(HnsVersion(7, 1)))
    new = EngineConfig.for_features(HnsFeatures.for_version(HnsVersion(7, 2)))
    assert (old.host_rule_priority, new.host_rule_priority) == (100, 0)


def test_host_allow_can_be_disabled() -> None:
    node = SimNode(host_addresses=("10.0.0.254",), allow_host=False)
    node.setup(namespace(), WEB, policy("p", ingress=[]))
    assert not node.allowed_in(WEB, "10.0.0.254")


def test_rule_whose_selector_matches_nothing_emits_no_acl_until_a_member_appears(
    node: SimNode,
) -> None:
    rule = allow(source=side(selector="app == 'late'"))
    node.setup(namespace(), WEB, policy("p", "app == 'web'", ingress=[rule]))
    assert all(
        a.action == "Block" or a.priority in (HOST_PRIORITY, FINAL_PRIORITY) for a in node.acls(WEB)
    )
    assert not node.allowed_in(WEB, "10.0.1.9")
    node.apply(pod("late", "10.0.1.9", node="node-2", app="late"))
    node.sync()
    assert node.allowed_in(WEB, "10.0.1.9")
    assert not node.allowed_in(WEB, "10.0.1.8")


def test_named_port_on_ingress_resolves_on_the_local_endpoint(node: SimNode) -> None:
    web = pod("web", "10.0.0.1", ports=(NamedPort("http", TCP, 8080),), app="web")
    rules = [allow(protocol=TCP, destination=side(ports=(NamedPortRef("http"),)))]
    node.setup(namespace(), web, policy("p", "app == 'web'", ingress=rules))
    assert node.allowed_in(web, "10.0.1.1", port=8080)
    assert not node.allowed_in(web, "10.0.1.1", port=80)


def test_named_port_missing_on_the_endpoint_matches_nothing(node: SimNode) -> None:
    web = pod("web", "10.0.0.1", ports=(NamedPort("http", UDP, 8080),), app="web")
    rules = [allow(protocol=TCP, destination=side(ports=(NamedPortRef("http"),)))]
    node.setup(namespace(), web, policy("p", "app == 'web'", ingress=rules))
    assert not node.allowed_in(web, "10.0.1.1", port=8080)


def test_named_port_on_egress_groups_destinations_by_their_port_number(node: SimNode) -> None:
    a = pod("a", "10.0.1.1", node="node-2", ports=(NamedPort("http", TCP, 8080),), app="srv")
    b = pod("b", "10.0.1.2", node="node-2", ports=(NamedPort("http", TCP, 9090),), app="srv")
    c = pod("c", "10.0.1.3", node="node-2", app="srv")
    rules = [
        allow(
            protocol=TCP,
            destination=side(selector="app == 'srv'", ports=(NamedPortRef("http"),)),
        )
    ]
    node.setup(namespace(), WEB, a, b, c, policy("p", "app == 'web'", egress=rules))
    assert node.allowed_out(WEB, "10.0.1.1", port=8080)
    assert not node.allowed_out(WEB, "10.0.1.1", port=9090)
    assert node.allowed_out(WEB, "10.0.1.2", port=9090)
    assert not node.allowed_out(WEB, "10.0.1.2", port=8080)
    assert not node.allowed_out(WEB, "10.0.1.3", port=8080)
    allows = [a for a in node.acls(WEB) if a.direction == "Out" and a.priority != 65500]
    assert sorted(a.remote_ports for a in allows if a.action == "Allow") == ["8080", "9090"]
    if node.config.set_policy:
        assert len(node.sets()) == 2


def test_source_named_port_on_ingress_uses_remote_port_sets(node: SimNode) -> None:
    a = pod("a", "10.0.1.1", node="node-2", ports=(NamedPort("cli", TCP, 5555),), app="c")
    rules = [allow(protocol=TCP, source=side(ports=(NamedPortRef("cli"),)))]
    node.setup(namespace(), WEB, a, policy("p", "app == 'web'", ingress=rules))
    assert node.allowed_in(WEB, "10.0.1.1", port=80, sport=5555)
    assert not node.allowed_in(WEB, "10.0.1.1", port=80, sport=5556)


def test_ip_block_with_except(node: SimNode) -> None:
    rules = [allow(source=side(nets=("10.1.0.0/16",), not_nets=("10.1.2.0/24",)))]
    node.setup(namespace(), WEB, policy("p", "app == 'web'", ingress=rules))
    assert node.allowed_in(WEB, "10.1.1.1")
    assert not node.allowed_in(WEB, "10.1.2.1")
    assert not node.allowed_in(WEB, "10.2.0.1")


def test_not_nets_alone_is_the_complement(node: SimNode) -> None:
    rules = [allow(source=side(not_nets=("10.1.0.0/16",)))]
    node.setup(namespace(), WEB, policy("p", "app == 'web'", ingress=rules))
    assert node.allowed_in(WEB, "10.2.0.1")
    assert node.allowed_in(WEB, "192.168.0.1")
    assert not node.allowed_in(WEB, "10.1.0.1")


def test_not_ports_is_the_complement_within_ports(node: SimNode) -> None:
    rules = [
        allow(
            protocol=TCP,
            destination=side(ports=(PortRange(80, 90),), not_ports=(PortRange(85, 85),)),
        )
    ]
    node.setup(namespace(), WEB, policy("p", "app == 'web'", ingress=rules))
    assert node.allowed_in(WEB, "10.1.1.1", port=84)
    assert not node.allowed_in(WEB, "10.1.1.1", port=85)
    assert node.allowed_in(WEB, "10.1.1.1", port=90)
    assert not node.allowed_in(WEB, "10.1.1.1", port=91)


def test_global_not_selector_is_an_exact_complement(node: SimNode) -> None:
    gp = policy(
        "g",
        "app == 'web'",
        ingress=[allow(source=side(not_selector="app == 'other'"))],
        kind=policy("x").kind.GLOBAL_NETWORK_POLICY,
    )
    node.setup(namespace(), WEB, CLIENT, OTHER, gp)
    assert node.allowed_in(WEB, "10.0.1.1")
    assert node.allowed_in(WEB, "172.16.0.1")
    assert not node.allowed_in(WEB, "10.0.1.2")


def test_namespaced_not_selector_stays_in_the_namespace(node: SimNode) -> None:
    elsewhere = pod("e", "10.0.2.1", node="node-2", ns="other", app="client")
    rules = [allow(source=side(not_selector="app == 'other'"))]
    node.setup(
        namespace(),
        namespace("other"),
        WEB,
        CLIENT,
        OTHER,
        elsewhere,
        policy("p", "app == 'web'", ingress=rules),
    )
    assert node.allowed_in(WEB, "10.0.1.1")
    assert not node.allowed_in(WEB, "10.0.1.2")
    assert not node.allowed_in(WEB, "10.0.2.1")
    assert not node.allowed_in(WEB, "172.16.0.1")


def test_selectors_match_network_sets(node: SimNode) -> None:
    rules = [allow(source=side(selector="role == 'db'"))]
    node.setup(
        namespace(),
        WEB,
        netset("dbs", ("10.5.0.0/16",), ns="ns", role="db"),
        policy("p", "app == 'web'", ingress=rules),
    )
    assert node.allowed_in(WEB, "10.5.3.3")
    assert not node.allowed_in(WEB, "10.6.3.3")


def test_not_protocol_allow_is_narrowed_to_named_protocols_and_noted(node: SimNode) -> None:
    rules = [allow(not_protocol=UDP)]
    node.setup(namespace(), WEB, policy("p", "app == 'web'", ingress=rules))
    assert node.allowed_in(WEB, "10.1.1.1", protocol=TCP)
    assert node.allowed_in(WEB, "10.1.1.1", protocol=ICMP, port=0, sport=0)
    assert not node.allowed_in(WEB, "10.1.1.1", protocol=UDP)
    assert not node.allowed_in(WEB, "10.1.1.1", protocol=47, port=0, sport=0)  # GRE: narrowed
    status = node.engine.endpoint_status(WEB.key)
    assert status is not None and any("notProtocol" in n for n in status.notes)
    assert node.engine.counters()["fail_closed"] == 1


def test_not_protocol_deny_is_widened_to_every_protocol(node: SimNode) -> None:
    rules = [deny(not_protocol=UDP), allow()]
    node.setup(namespace(), WEB, policy("p", "app == 'web'", ingress=rules))
    assert not node.allowed_in(WEB, "10.1.1.1", protocol=TCP)
    assert not node.allowed_in(WEB, "10.1.1.1", protocol=UDP)  # widened: fail-closed


def test_not_protocol_with_ports_expands_to_the_port_protocols(node: SimNode) -> None:
    rules = [allow(not_protocol=TCP, destination=side(ports=P80))]
    node.setup(namespace(), WEB, policy("p", "app == 'web'", ingress=rules))
    assert node.allowed_in(WEB, "10.1.1.1", protocol=UDP, port=80)
    assert node.allowed_in(WEB, "10.1.1.1", protocol=132, port=80)
    assert not node.allowed_in(WEB, "10.1.1.1", protocol=TCP, port=80)
    assert not node.allowed_in(WEB, "10.1.1.1", protocol=UDP, port=81)
    (note,) = node.engine.endpoint_status(WEB.key).notes  # type: ignore[union-attr]
    assert "protocol 136" in note  # UDPLite ports: HNS matches ports for TCP/UDP/SCTP only


def test_icmp_type_allow_is_dropped_and_deny_is_widened(node: SimNode) -> None:
    rules = [
        deny(protocol=ICMP, icmp=IcmpMatch(8)),
        allow(protocol=ICMP, not_icmp=IcmpMatch(3)),
        allow(protocol=TCP),
    ]
    node.setup(namespace(), WEB, policy("p", "app == 'web'", ingress=rules))
    assert not node.allowed_in(WEB, "10.1.1.1", protocol=ICMP, port=0, sport=0)
    assert node.allowed_in(WEB, "10.1.1.1", protocol=TCP)
    notes = node.engine.endpoint_status(WEB.key).notes  # type: ignore[union-attr]
    assert len(notes) == 2 and all("ICMP" in n for n in notes)
    assert set(node.engine.take_notes()) == set(notes)
    assert node.engine.take_notes() == ()


def test_http_match_allow_dropped_deny_widened(node: SimNode) -> None:
    rules = [deny(protocol=TCP, has_http_match=True), allow()]
    node.setup(namespace(), WEB, policy("p", "app == 'web'", ingress=rules))
    assert not node.allowed_in(WEB, "10.1.1.1", protocol=TCP)
    assert node.allowed_in(WEB, "10.1.1.1", protocol=UDP)
    node2 = SimNode(set_policy=node.config.set_policy)
    node2.setup(namespace(), WEB, policy("p", "app == 'web'", ingress=[allow(has_http_match=True)]))
    assert not node2.allowed_in(WEB, "10.1.1.1", protocol=TCP)


def test_local_side_selector_and_nets_are_evaluated_per_endpoint(node: SimNode) -> None:
    dual = pod("dual", ("10.0.0.2", "fd00::2"), app="web")
    rules = [
        allow(destination=side(selector="app == 'nope'")),
        allow(destination=side(nets=("fd00::/64",))),
    ]
    node.setup(namespace(), dual, policy("p", "app == 'web'", ingress=rules))
    assert node.allowed_in(dual, "fd00::9")
    assert not node.allowed_in(dual, "10.1.1.1")
    egress = [allow(source=side(selector="app == 'nope'"))]
    node.apply(policy("q", "app == 'web'", egress=egress))
    node.sync()
    assert not node.allowed_out(dual, "10.1.1.1")


def test_ipv6_rules_and_addresses(node: SimNode) -> None:
    dual = pod("dual", ("10.0.0.2", "fd00::2"), app="web")
    peer = pod("peer", ("10.0.1.3", "fd00::3"), node="node-2", app="peer")
    rules = [allow(ip_version=6, source=side(selector="app == 'peer'"))]
    node.setup(namespace(), dual, peer, policy("p", "app == 'web'", ingress=rules))
    assert node.allowed_in(dual, "fd00::3")
    assert not node.allowed_in(dual, "10.0.1.3")


def test_ipv6_disabled_drops_ipv6_and_limits_allows_to_ipv4() -> None:
    node = SimNode(ipv6=False)
    dual = pod("dual", ("10.0.0.2",), app="web")
    rules = [allow(ip_version=6), allow(source=side(nets=("10.1.0.0/16", "fd00::/64")))]
    node.setup(namespace(), dual, policy("p", "app == 'web'", ingress=rules))
    assert node.allowed_in(dual, "10.1.0.1")
    assert not node.allowed_in(dual, "10.2.0.1")
    assert all(":" not in a.remote_addresses for a in node.acls(dual))
    notes = node.engine.endpoint_status(dual.key).notes  # type: ignore[union-attr]
    assert len(notes) == 2 and all("IPv6" in n for n in notes)


def test_inline_mode_splits_addresses_at_the_limit() -> None:
    node = SimNode(set_policy=False, max_addresses_per_acl=2)
    peers = [pod(f"c{i}", f"10.0.1.{i}", node="node-2", app="client") for i in range(1, 6)]
    rules = [allow(source=side(selector="app == 'client'"))]
    node.setup(namespace(), WEB, *peers, policy("p", "app == 'web'", ingress=rules))
    allows = [a for a in node.acls(WEB) if a.direction == "In" and a.action == "Allow"]
    assert sorted(len(a.remote_addresses.split(",")) for a in allows) == [1, 2, 2]
    assert len({a.priority for a in allows}) == 1
    assert all(node.allowed_in(WEB, f"10.0.1.{i}") for i in range(1, 6))
    assert not node.allowed_in(WEB, "10.0.1.6")


def test_setpolicy_mode_references_one_set_per_selector() -> None:
    node = SimNode(set_policy=True)
    peers = [pod(f"c{i}", f"10.0.1.{i}", node="node-2", app="client") for i in range(1, 4)]
    rules = [allow(source=side(selector="app == 'client'"))]
    node.setup(namespace(), WEB, *peers, policy("p", "app == 'web'", ingress=rules))
    (spec,) = node.sets().values()
    assert spec.values == ("10.0.1.1/32", "10.0.1.2/32", "10.0.1.3/32")
    allows = [
        a
        for a in node.acls(WEB)
        if a.action == "Allow" and a.priority not in (HOST_PRIORITY, FINAL_PRIORITY)
    ]
    assert [(a.local_addresses, a.remote_addresses) for a in allows] == [(spec.id, "")]


@pytest.mark.parametrize(
    ("set_side", "ingress", "egress"),
    [("npm", ("SET", ""), ("", "SET")), ("felix", ("", "SET"), ("", "SET"))],
)
def test_set_side_places_peer_sets_by_packet_source_or_endpoint_side(
    set_side: str, ingress: tuple[str, str], egress: tuple[str, str]
) -> None:
    """npm: a set names the packet's source in LocalAddresses, its destination in
    RemoteAddresses, whatever the direction; felix: the peer in Remote, as literals."""
    node = SimNode(set_policy=True, set_side=set_side)
    peers = side(selector="app == 'client'")
    p = policy("p", ingress=[allow(source=peers)], egress=[allow(destination=peers)])
    client = pod("c1", "10.0.1.1", node="node-2", app="client")
    node.apply(namespace(), WEB, client, p, InSync())
    node.engine.plan()
    placed = {
        a.direction: (a.local_addresses, a.remote_addresses)
        for a in node.engine.planner.desired(WEB.key).values()
        if a.rule_type == "Switch" and a.action == "Allow"
    }
    (sid,) = {f for pair in placed.values() for f in pair if f}
    swap = {"SET": sid, "": ""}
    assert placed == {
        "In": (swap[ingress[0]], swap[ingress[1]]),
        "Out": (swap[egress[0]], swap[egress[1]]),
    }


def test_npm_set_side_inlines_peers_next_to_the_endpoints_own_addresses() -> None:
    """An ingress rule limited to some of the endpoint's addresses keeps them in
    LocalAddresses (literal, endpoint-relative), so its peer set cannot go there too:
    that ACL carries the peers' addresses and follows their membership."""
    node = SimNode(set_policy=True, set_side="npm")
    dual = pod("dual", ("10.0.0.1", "fd00::1"), app="web")
    client = pod("c1", "10.0.1.1", node="node-2", app="client")
    rule = allow(source=side(selector="app == 'client'"), destination=side(nets=("10.0.0.0/8",)))
    node.setup(namespace(), dual, client, policy("p", "app == 'web'", ingress=[rule]))
    (allowed,) = [
        a
        for a in node.acls(dual)
        if a.action == "Allow" and a.direction == "In" and a.priority != FINAL_PRIORITY
    ]
    assert (allowed.local_addresses, allowed.remote_addresses) == ("10.0.0.1/32", "10.0.1.1/32")
    assert node.allowed_in(dual, "10.0.1.1")
    node.apply(pod("c2", "10.0.1.2", node="node-2", app="client"))
    node.sync()
    assert node.allowed_in(dual, "10.0.1.2")


def test_udplite_ports_cannot_be_matched_so_allow_drops_and_deny_widens(node: SimNode) -> None:
    rules = [deny(protocol=136, destination=side(ports=P80)), allow()]
    node.setup(namespace(), WEB, policy("p", "app == 'web'", ingress=rules))
    assert not node.allowed_in(WEB, "10.1.1.1", protocol=136, port=0, sport=0)
    assert node.allowed_in(WEB, "10.1.1.1", protocol=TCP, port=80)


def test_service_account_names_on_the_local_side(node: SimNode) -> None:
    web = dataclasses.replace(WEB, service_account="frontend")
    rules = [
        allow(source=side(service_account_names=("backend",))),
        allow(source=side(service_account_names=("frontend",)), protocol=UDP),
    ]
    node.setup(namespace(), web, policy("p", "app == 'web'", egress=rules))
    assert node.allowed_out(web, "10.1.1.1", protocol=UDP)
    assert not node.allowed_out(web, "10.1.1.1", protocol=TCP)


def test_local_side_selector_matches_through_a_network_set_holding_the_address(
    node: SimNode,
) -> None:
    rules = [allow(source=side(selector="zone == 'dmz'"))]
    node.setup(
        namespace(),
        WEB,
        netset("dmz", ("10.0.0.0/24",), ns="ns", zone="dmz"),
        policy("p", "app == 'web'", egress=rules),
    )
    assert node.allowed_out(WEB, "10.7.7.7")
    node.apply(netset("dmz", ("10.0.9.0/24",), ns="ns", zone="dmz"))
    node.sync()
    assert not node.allowed_out(WEB, "10.7.7.7")


def test_not_selector_excludes_addresses_held_by_any_matching_entity(node: SimNode) -> None:
    rules = [allow(source=side(selector="role == 'lan'", not_selector="app == 'other'"))]
    node.setup(
        namespace(),
        WEB,
        OTHER,
        netset("lan", ("10.0.1.0/24",), ns="ns", role="lan"),
        policy("p", "app == 'web'", ingress=rules),
    )
    assert node.allowed_in(WEB, "10.0.1.9")
    assert not node.allowed_in(WEB, "10.0.1.2")  # OTHER's address, inside the lan set
