"""HcnSimClassify reproduces HNS's ACL semantics, checked case by case and against a reference."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataplane.hns import HcnApi, simulator
from tests.hns.conftest import CLASSIC, acl, add, ipset, update

pytestmark = pytest.mark.classic


@pytest.fixture
def ep(api: HcnApi, network: str) -> str:
    return api.create_endpoint(network, "ep", ["10.0.0.5", "fd00::5"])


def verdict(
    endpoint: str,
    direction: str,
    protocol: int,
    remote: str,
    *,
    lport: int = 80,
    rport: int = 40000,
    local: str | None = None,
) -> tuple[bool, str]:
    v = simulator.classify(endpoint, direction, protocol, local, lport, remote, rport)
    return v.allowed, v.acl_id


def add_acls(api: HcnApi, endpoint: str, *acls: dict[str, Any]) -> None:
    """Programs the ACL policies on the endpoint in one Add request."""
    api.modify_endpoint(endpoint, add(*acls))


def add_sets(api: HcnApi, network: str, *sets: dict[str, Any]) -> None:
    """Programs the SetPolicies on the network in one Add request."""
    api.modify_network(network, add(*sets))


def test_endpoint_without_acls_allows_everything(ep: str) -> None:
    assert verdict(ep, "In", 6, "1.2.3.4") == (True, "")
    assert verdict(ep, "Out", 17, "fd00::9") == (True, "")


def test_any_acl_makes_unmatched_traffic_blocked_in_both_directions(api: HcnApi, ep: str) -> None:
    add_acls(api, ep, acl("only-out", "Allow", "Out", 100, RemoteAddresses="8.8.8.8"))
    assert verdict(ep, "Out", 6, "8.8.8.8") == (True, "only-out")
    assert verdict(ep, "Out", 6, "8.8.4.4") == (False, "")
    assert verdict(ep, "In", 6, "8.8.8.8") == (False, "")


def test_host_rules_are_not_vfp_rules(api: HcnApi, ep: str) -> None:
    add_acls(api, ep, acl("host-block", "Block", "In", 1, RuleType="Host"))
    assert verdict(ep, "In", 6, "1.2.3.4") == (True, "")


def test_lowest_priority_number_wins(api: HcnApi, ep: str) -> None:
    add_acls(
        api,
        ep,
        acl("allow-late", "Allow", "In", 200),
        acl("block-early", "Block", "In", 100, RemoteAddresses="10.9.0.0/16"),
    )
    assert verdict(ep, "In", 6, "10.9.1.1") == (False, "block-early")
    assert verdict(ep, "In", 6, "10.8.1.1") == (True, "allow-late")


def test_block_wins_a_tie_whatever_the_order(api: HcnApi, ep: str) -> None:
    add_acls(
        api,
        ep,
        acl("a1", "Allow", "In", 50),
        acl("b1", "Block", "In", 50),
        acl("a2", "Allow", "In", 50),
    )
    assert verdict(ep, "In", 6, "1.1.1.1") == (False, "b1")
    api.modify_endpoint(
        ep, update(acl("b2", "Block", "In", 50, Protocols="17"), acl("a3", "Allow", "In", 50))
    )
    assert verdict(ep, "In", 6, "1.1.1.1") == (True, "a3")
    assert verdict(ep, "In", 17, "1.1.1.1") == (False, "b2")


def test_direction_maps_remote_and_local_sides(api: HcnApi, ep: str) -> None:
    add_acls(
        api,
        ep,
        acl(
            "in",
            "Allow",
            "In",
            10,
            RemoteAddresses="192.168.0.1",
            LocalPorts="80",
            RemotePorts="1000-2000",
        ),
        acl(
            "out",
            "Allow",
            "Out",
            10,
            RemoteAddresses="192.168.0.2",
            RemotePorts="443",
            LocalPorts="",
        ),
    )
    assert verdict(ep, "In", 6, "192.168.0.1", lport=80, rport=1500) == (True, "in")
    assert verdict(ep, "In", 6, "192.168.0.1", lport=81, rport=1500) == (False, "")
    assert verdict(ep, "In", 6, "192.168.0.1", lport=80, rport=999) == (False, "")
    assert verdict(ep, "Out", 6, "192.168.0.2", lport=5555, rport=443) == (True, "out")
    assert verdict(ep, "Out", 6, "192.168.0.1", lport=5555, rport=443) == (False, "")


def test_local_addresses_and_explicit_local_ip(api: HcnApi, ep: str) -> None:
    add_acls(api, ep, acl("to-5", "Allow", "In", 10, LocalAddresses="10.0.0.5"))
    assert verdict(ep, "In", 6, "1.1.1.1") == (True, "to-5")
    assert verdict(ep, "In", 6, "1.1.1.1", local="10.0.0.6") == (False, "")


def test_port_lists_and_ranges(api: HcnApi, ep: str) -> None:
    add_acls(api, ep, acl("p", "Allow", "In", 10, Protocols="6", LocalPorts="22, 80,8000-8080"))
    for port, allowed in [
        (22, True),
        (80, True),
        (8000, True),
        (8080, True),
        (81, False),
        (8081, False),
    ]:
        assert verdict(ep, "In", 6, "1.1.1.1", lport=port)[0] is allowed


def test_port_conditions_only_match_packets_with_ports(api: HcnApi, ep: str) -> None:
    add_acls(
        api,
        ep,
        acl("any-proto-port-80", "Allow", "In", 10, LocalPorts="80"),
        acl("icmp", "Allow", "In", 20, Protocols="1"),
    )
    assert verdict(ep, "In", 17, "1.1.1.1", lport=80) == (True, "any-proto-port-80")
    assert verdict(ep, "In", 132, "1.1.1.1", lport=80) == (True, "any-proto-port-80")
    assert verdict(ep, "In", 1, "1.1.1.1", lport=80) == (True, "icmp")
    assert verdict(ep, "In", 47, "1.1.1.1", lport=80) == (False, "")


def test_protocol_fields(api: HcnApi, ep: str) -> None:
    add_acls(
        api,
        ep,
        acl("tcp-udp", "Allow", "In", 10, Protocols="6,17"),
        acl("any", "Block", "In", 20, Protocols="256"),
        acl("never", "Allow", "In", 30, Protocols=""),
    )
    assert verdict(ep, "In", 6, "1.1.1.1") == (True, "tcp-udp")
    assert verdict(ep, "In", 17, "1.1.1.1") == (True, "tcp-udp")
    assert verdict(ep, "In", 1, "1.1.1.1") == (False, "any")


def test_set_membership_with_hosts_and_cidrs(api: HcnApi, network: str, ep: str) -> None:
    add_sets(api, network, ipset("peers", "10.1.0.0/16,10.2.0.7,fd00:1::/64"))
    add_acls(api, ep, acl("peers", "Allow", "In", 10, RemoteAddresses="peers,172.16.0.1"))
    for remote, allowed in [
        ("10.1.200.3", True),
        ("10.2.0.7", True),
        ("10.2.0.8", False),
        ("172.16.0.1", True),
        ("fd00:1::42", True),
        ("fd00:2::1", False),
    ]:
        assert verdict(ep, "In", 6, remote)[0] is allowed, remote


def test_nested_sets_match_members_recursively(api: HcnApi, network: str, ep: str) -> None:
    add_sets(
        api,
        network,
        ipset("a", "10.1.0.1"),
        ipset("b", "10.1.0.0/30"),
        ipset("inner", "a", "NESTEDIPSET"),
        ipset("outer", "inner,b", "NESTEDIPSET"),
    )
    add_acls(api, ep, acl("outer", "Allow", "In", 10, RemoteAddresses="outer"))
    assert verdict(ep, "In", 6, "10.1.0.1") == (True, "outer")
    assert verdict(ep, "In", 6, "10.1.0.3") == (True, "outer")
    assert verdict(ep, "In", 6, "10.1.0.4") == (False, "")
    api.modify_network(network, update(ipset("a", "10.7.7.7")))  # member changes show up at once
    assert verdict(ep, "In", 6, "10.7.7.7") == (True, "outer")


def test_empty_set_matches_every_address_like_hns(api: HcnApi, network: str, ep: str) -> None:
    add_sets(
        api,
        network,
        ipset("empty", ""),
        ipset("e2", ""),
        ipset("nest", "empty", "NESTEDIPSET"),
        ipset("one", "10.5.5.5"),
    )
    add_acls(
        api,
        ep,
        acl("quirk", "Allow", "In", 10, RemoteAddresses="empty,e2"),
        acl("quirk-nested", "Allow", "Out", 10, RemoteAddresses="nest"),
        acl("mixed", "Block", "In", 5, RemoteAddresses="empty,one"),
    )
    assert verdict(ep, "In", 6, "99.99.99.99") == (True, "quirk")
    assert verdict(ep, "Out", 6, "99.99.99.99") == (True, "quirk-nested")
    assert verdict(ep, "In", 6, "10.5.5.5") == (False, "mixed")  # a non-empty member restricts
    api.modify_network(network, update(ipset("empty", "10.6.6.6")))
    assert verdict(ep, "In", 6, "99.99.99.99") == (False, "")
    assert verdict(ep, "In", 6, "10.6.6.6") == (False, "mixed")


def test_ipv6_rules_do_not_match_ipv4_packets(api: HcnApi, ep: str) -> None:
    add_acls(
        api,
        ep,
        acl("v6", "Allow", "In", 10, RemoteAddresses="::/0"),
        acl("v4", "Allow", "Out", 10, RemoteAddresses="0.0.0.0/0"),
    )
    assert verdict(ep, "In", 58, "fd00::1", lport=0, rport=0) == (True, "v6")
    assert verdict(ep, "In", 6, "10.0.0.1") == (False, "")
    assert verdict(ep, "Out", 6, "2001:db8::1") == (False, "")
    assert verdict(ep, "Out", 6, "10.0.0.1") == (True, "v4")


# ---- reference model ------------------------------------------------------------------------

ADDRESSES = ["10.0.0.1", "10.0.0.2", "10.0.0.9", "10.0.1.1", "192.168.5.5", "fd00::1", "fd00::2"]
TOKENS = [
    "10.0.0.1",
    "10.0.0.0/30",
    "10.0.0.0/16",
    "192.168.5.5",
    "fd00::/120",
    "fd00::2",
    "s-a",
    "s-b",
    "s-empty",
    "s-empty",
    "s-nest",
]
PORTS = ["", "", "", "80", "80,443", "1-1024", "443-443", "8080"]
PROTOCOLS = ["", "", "256", "6", "17", "6,17", "1", "132"]


@dataclass(frozen=True)
class Packet:
    direction: str
    protocol: int
    remote: str
    local_port: int
    remote_port: int


def _members(set_id: str, sets: dict[str, tuple[str, str]]) -> list[str]:
    kind, values = sets[set_id]
    tokens = [v for v in values.split(",") if v]
    if kind == "IPSET":
        return tokens
    return [m for t in tokens for m in _members(t, sets)]


def _address_matches(field: str, address: str, sets: dict[str, tuple[str, str]]) -> bool:
    if not field:
        return True
    members = [m for t in field.split(",") for m in (_members(t, sets) if t in sets else [t])]
    if not members:
        return True  # HNS: an address list made only of empty sets is treated as absent
    ip = ipaddress.ip_address(address)
    return any(ip.version == (n := ipaddress.ip_network(m)).version and ip in n for m in members)


def _ports_match(field: str, protocol: int, port: int) -> bool:
    if not field:
        return True
    if protocol not in (6, 17, 132):
        return False
    for part in field.split(","):
        lo, _, hi = part.partition("-")
        if int(lo) <= port <= int(hi or lo):
            return True
    return False


def reference_verdict(
    rules: list[dict[str, Any]], sets: dict[str, tuple[str, str]], local: str, pkt: Packet
) -> tuple[bool, str]:
    switch = [r["Settings"] for r in rules if r["Settings"]["RuleType"] == "Switch"]
    if not switch:
        return True, ""
    matching = [
        s
        for s in switch
        if s["Direction"] == pkt.direction
        and (s["Protocols"] in ("", "256") or str(pkt.protocol) in s["Protocols"].split(","))
        and _ports_match(s["LocalPorts"], pkt.protocol, pkt.local_port)
        and _ports_match(s["RemotePorts"], pkt.protocol, pkt.remote_port)
        and _address_matches(s["RemoteAddresses"], pkt.remote, sets)
        and _address_matches(s["LocalAddresses"], local, sets)
    ]
    if not matching:
        return False, ""
    best = min(s["Priority"] for s in matching)
    tied = [s for s in matching if s["Priority"] == best]
    blocks = [s for s in tied if s["Action"] == "Block"]
    winner = blocks[0] if blocks else tied[0]
    return winner["Action"] == "Allow", winner["Id"]


rule_fields = st.fixed_dictionaries(
    {
        "Action": st.sampled_from(["Allow", "Block"]),
        "Direction": st.sampled_from(["In", "Out"]),
        "Priority": st.sampled_from([100, 100, 200]),
        "Protocols": st.sampled_from(PROTOCOLS),
        "LocalPorts": st.sampled_from(PORTS),
        "RemotePorts": st.sampled_from(PORTS),
        "RemoteAddresses": st.one_of(
            st.just(""), st.lists(st.sampled_from(TOKENS), max_size=3, unique=True).map(",".join)
        ),
        "LocalAddresses": st.sampled_from(["", "", "10.0.0.1", "10.0.0.0/24", "s-a"]),
        "RuleType": st.sampled_from(["Switch", "Switch", "Switch", "Host"]),
    }
)
packets = st.builds(
    Packet,
    direction=st.sampled_from(["In", "Out"]),
    protocol=st.sampled_from([1, 6, 17, 58, 132]),
    remote=st.sampled_from(ADDRESSES),
    local_port=st.sampled_from([22, 80, 443, 8080]),
    remote_port=st.sampled_from([80, 443, 50000]),
)
set_values = st.lists(
    st.sampled_from(["10.0.0.2", "10.0.0.8/29", "192.168.0.0/16", "fd00::1"]),
    max_size=3,
    unique=True,
).map(",".join)


def _with_opposites(drawn: list[tuple[dict[str, Any], bool]]) -> list[dict[str, Any]]:
    """The rules, each optionally followed by a twin with the other action (a priority tie)."""
    out = []
    for fields, twin in drawn:
        out.append(fields)
        if twin:
            out.append({**fields, "Action": "Block" if fields["Action"] == "Allow" else "Allow"})
    return out


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rules=st.lists(st.tuples(rule_fields, st.booleans()), min_size=2, max_size=8).map(
        _with_opposites
    ),
    a=set_values,
    b=set_values,
    nest=st.sampled_from(["s-a", "s-a,s-empty", "s-empty", "s-empty", "s-a,s-b"]),
    traffic=st.lists(packets, min_size=10, max_size=24),
)
def test_classifier_agrees_with_the_reference_model(
    new_api: Callable[[], HcnApi],
    rules: list[dict[str, Any]],
    a: str,
    b: str,
    nest: str,
    traffic: list[Packet],
) -> None:
    simulator.reset()
    simulator.configure(settings=CLASSIC)
    sets = {
        "s-a": ("IPSET", a),
        "s-b": ("IPSET", b),
        "s-empty": ("IPSET", ""),
        "s-nest": ("NESTEDIPSET", nest),
    }
    with new_api() as api:  # the backend of the test: simulator.* controls that one
        network = api.create_network("n")
        add_sets(api, network, *(ipset(k, v, t) for k, (t, v) in sets.items()))
        endpoint = api.create_endpoint(network, "ep", ["10.0.0.1", "fd00::1"])
        policies = [
            {"Type": "ACL", "Settings": {"Id": f"r{i}", **fields}} for i, fields in enumerate(rules)
        ]
        add_acls(api, endpoint, *policies)
        for pkt in traffic:
            local = "10.0.0.1" if ipaddress.ip_address(pkt.remote).version == 4 else "fd00::1"
            got = simulator.classify(
                endpoint,
                pkt.direction,
                pkt.protocol,
                None,
                pkt.local_port,
                pkt.remote,
                pkt.remote_port,
            )
            assert (got.allowed, got.acl_id) == reference_verdict(policies, sets, local, pkt), pkt
