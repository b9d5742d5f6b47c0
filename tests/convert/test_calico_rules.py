"""Calico rule conversion: every match field and each validation error."""

from __future__ import annotations

from typing import Any

import pytest

from dataplane.model import (
    Action,
    EntityMatch,
    IcmpMatch,
    NamedPortRef,
    PortRange,
    Protocol,
    Rule,
)
from dataplane.selector import GLOBAL, parse
from tests.convert.objects import calico_policy, converted_policy, invalid


def ingress_rule(rule: dict[str, Any]) -> Rule:
    return converted_policy(calico_policy({"ingress": [rule]})).ingress[0]


def egress_rule(rule: dict[str, Any]) -> Rule:
    return converted_policy(calico_policy({"egress": [rule]})).egress[0]


@pytest.mark.parametrize("action", ["Allow", "Deny", "Pass", "Log"])
def test_actions(action: str) -> None:
    assert ingress_rule({"action": action}).action == Action(action)


@pytest.mark.parametrize(
    ("given", "number"),
    [
        ("TCP", 6),
        ("UDP", 17),
        ("ICMP", 1),
        ("ICMPv6", 58),
        ("SCTP", 132),
        ("UDPLite", 136),
        ("udp", 17),
        (47, 47),
        (1, 1),
        (255, 255),
    ],
)
def test_protocols(given: Any, number: int) -> None:
    rule = ingress_rule({"action": "Allow", "protocol": given, "notProtocol": given})
    assert (rule.protocol, rule.not_protocol) == (number, number)


def test_icmp_type_and_code() -> None:
    rule = ingress_rule(
        {
            "action": "Allow",
            "protocol": "ICMP",
            "icmp": {"type": 8},
            "notICMP": {"type": 3, "code": 4},
        }
    )
    assert rule.icmp == IcmpMatch(8)
    assert rule.not_icmp == IcmpMatch(3, 4)


def test_ip_version() -> None:
    assert ingress_rule({"action": "Allow", "ipVersion": 6}).ip_version == 6
    assert ingress_rule({"action": "Allow"}).ip_version is None


def test_entity_match_fields() -> None:
    rule = ingress_rule(
        {
            "action": "Allow",
            "protocol": "TCP",
            "metadata": {"annotations": {"from": "frontend"}},
            "source": {
                "nets": ["10.0.0.5/8", "192.168.1.1"],
                "notNets": ["10.1.0.0/16"],
                "selector": "role == 'frontend'",
                "notSelector": "legacy == 'true'",
                "namespaceSelector": "team == 'a'",
                "serviceAccounts": {"names": ["api", "web"], "selector": "tier == 'x'"},
                "ports": [1024, "2000:3000"],
                "notPorts": ["1500"],
            },
            "destination": {"ports": [80, "http", "8080:8080"], "notPorts": ["metrics"]},
        }
    )
    assert rule.source == EntityMatch(
        nets=("10.0.0.0/8", "192.168.1.1/32"),
        not_nets=("10.1.0.0/16",),
        selector=parse("role == 'frontend'"),
        not_selector=parse("legacy == 'true'"),
        namespace_selector=parse("team == 'a'"),
        ports=(PortRange(1024, 1024), PortRange(2000, 3000)),
        not_ports=(PortRange(1500, 1500),),
        service_account_names=("api", "web"),
        service_account_selector=parse("tier == 'x'"),
    )
    assert rule.destination == EntityMatch(
        ports=(PortRange(80, 80), NamedPortRef("http"), PortRange(8080, 8080)),
        not_ports=(NamedPortRef("metrics"),),
    )


def test_global_namespace_selector_in_a_rule() -> None:
    rule = egress_rule({"action": "Allow", "destination": {"namespaceSelector": "global()"}})
    assert rule.destination.namespace_selector == GLOBAL


def test_blank_selectors_are_absent() -> None:
    rule = ingress_rule({"action": "Allow", "source": {"selector": "", "namespaceSelector": " "}})
    assert rule.source == EntityMatch()


@pytest.mark.parametrize("protocol", ["TCP", "UDP", "SCTP", "UDPLite", 6])
def test_ports_with_protocols_that_have_ports(protocol: Any) -> None:
    rule = ingress_rule({"action": "Allow", "protocol": protocol, "destination": {"ports": [1]}})
    assert rule.destination.ports == (PortRange(1, 1),)


def test_http_match_is_kept_as_a_flag() -> None:
    http = {"methods": ["GET"], "paths": [{"exact": "/a"}, {"prefix": "/b"}]}
    rule = ingress_rule({"action": "Allow", "protocol": "TCP", "http": http})
    assert rule.has_http_match
    assert not ingress_rule({"action": "Allow"}).has_http_match


RULE = "spec.ingress[0]"


def _bad_tcp_port(port: object, fragment: str) -> tuple[dict[str, Any], str, str]:
    """A TCP rule whose one destination port is ``port``, rejected with ``fragment``."""
    rule = {"action": "Allow", "protocol": "TCP", "destination": {"ports": [port]}}
    return rule, f"{RULE}.destination.ports[0]", fragment


@pytest.mark.parametrize(
    ("rule", "field", "fragment"),
    [
        ({}, f"{RULE}.action", "missing required field"),
        ({"action": "allow"}, f"{RULE}.action", "unknown action 'allow'"),
        ({"action": "Reject"}, f"{RULE}.action", "unknown action"),
        ({"action": "Allow", "protocl": "TCP"}, f"{RULE}.protocl", "unknown field"),
        ({"action": "Allow", "protocol": "GRE"}, f"{RULE}.protocol", "unknown protocol 'GRE'"),
        ({"action": "Allow", "protocol": "6"}, f"{RULE}.protocol", "unknown protocol"),
        ({"action": "Allow", "protocol": 0}, f"{RULE}.protocol", "out of range"),
        ({"action": "Allow", "protocol": 256}, f"{RULE}.protocol", "out of range"),
        ({"action": "Allow", "notProtocol": 1.5}, f"{RULE}.notProtocol", "wrong type"),
        ({"action": "Allow", "ipVersion": 5}, f"{RULE}.ipVersion", "unknown ipVersion 5"),
        ({"action": "Allow", "ipVersion": "4"}, f"{RULE}.ipVersion", "wrong type"),
        (
            {"action": "Allow", "protocol": "ICMP", "ipVersion": 6},
            f"{RULE}.protocol",
            "requires ipVersion 4",
        ),
        (
            {"action": "Allow", "notProtocol": "ICMPv6", "ipVersion": 4},
            f"{RULE}.notProtocol",
            "requires ipVersion 6",
        ),
        ({"action": "Allow", "icmp": {"type": 8}}, f"{RULE}.icmp", "require protocol ICMP"),
        (
            {"action": "Allow", "protocol": "TCP", "notICMP": {"type": 8}},
            f"{RULE}.notICMP",
            "require protocol ICMP",
        ),
        (
            {"action": "Allow", "protocol": "ICMP", "icmp": {"code": 1}},
            f"{RULE}.icmp.code",
            "requires an ICMP type",
        ),
        (
            {"action": "Allow", "protocol": "ICMP", "icmp": {"type": 255}},
            f"{RULE}.icmp.type",
            "out of range",
        ),
        (
            {"action": "Allow", "protocol": "ICMP", "icmp": {"type": 3, "code": 256}},
            f"{RULE}.icmp.code",
            "out of range",
        ),
        (
            {"action": "Allow", "protocol": "ICMP", "icmp": {"typ": 3}},
            f"{RULE}.icmp.typ",
            "unknown field",
        ),
        (
            {"action": "Allow", "source": {"ports": [80]}},
            f"{RULE}.source.ports",
            "ports require protocol TCP, UDP, SCTP or UDPLite",
        ),
        (
            {"action": "Allow", "protocol": "ICMP", "destination": {"notPorts": ["http"]}},
            f"{RULE}.destination.notPorts",
            "ports require protocol",
        ),
        _bad_tcp_port(65536, "out of range"),
        _bad_tcp_port("90:80", "90 is greater than 80"),
        _bad_tcp_port("1:99999", "out of range"),
        _bad_tcp_port("80-90", "first:last"),
        _bad_tcp_port("a b", "bad port"),
        _bad_tcp_port(True, "wrong type"),
        (
            {"action": "Allow", "source": {"nets": ["10.0.0.0/40"]}},
            f"{RULE}.source.nets[0]",
            "bad CIDR",
        ),
        (
            {"action": "Allow", "source": {"nets": "10.0.0.0/8"}},
            f"{RULE}.source.nets",
            "wrong type",
        ),
        (
            {"action": "Allow", "destination": {"notNets": ["0.0.0.0/0"]}},
            f"{RULE}.destination.notNets[0]",
            "matches every address",
        ),
        (
            {
                "action": "Allow",
                "source": {"nets": ["10.0.0.0/8"]},
                "destination": {"nets": ["fd00::/8"]},
            },
            f"{RULE}.destination.nets[0]",
            "mixes IPv4",
        ),
        (
            {"action": "Allow", "ipVersion": 6, "source": {"notNets": ["10.0.0.0/8"]}},
            f"{RULE}.source.notNets[0]",
            "not an IPv6 CIDR",
        ),
        (
            {"action": "Allow", "source": {"selector": "a =="}},
            f"{RULE}.source.selector",
            "invalid selector",
        ),
        (
            {"action": "Allow", "source": {"notSelector": "global()"}},
            f"{RULE}.source.notSelector",
            "global()",
        ),
        (
            {"action": "Allow", "source": {"namespaceSelector": "global() && a == 'b'"}},
            f"{RULE}.source.namespaceSelector",
            "whole namespaceSelector",
        ),
        (
            {"action": "Allow", "source": {"serviceAccounts": {"names": [""]}}},
            f"{RULE}.source.serviceAccounts.names[0]",
            "must not be empty",
        ),
        (
            {"action": "Allow", "source": {"serviceAccounts": {"name": ["a"]}}},
            f"{RULE}.source.serviceAccounts.name",
            "unknown field",
        ),
        (
            {"action": "Allow", "source": {"serviceAccounts": {"selector": "x in"}}},
            f"{RULE}.source.serviceAccounts.selector",
            "invalid selector",
        ),
        (
            {"action": "Allow", "source": {"services": {"name": "db", "namespace": "x"}}},
            f"{RULE}.source.services",
            "not supported",
        ),
        ({"action": "Allow", "source": {"net": []}}, f"{RULE}.source.net", "unknown field"),
        ({"action": "Allow", "source": []}, f"{RULE}.source", "wrong type"),
        ({"action": "Deny", "http": {"methods": ["GET"]}}, f"{RULE}.http", "only valid on Allow"),
        (
            {"action": "Allow", "protocol": "UDP", "http": {}},
            f"{RULE}.http",
            "require protocol TCP",
        ),
        ({"action": "Allow", "http": {"method": []}}, f"{RULE}.http.method", "unknown field"),
        (
            {"action": "Allow", "http": {"paths": [{"exact": "/a", "prefix": "/"}]}},
            f"{RULE}.http.paths[0]",
            "exactly one of exact or prefix",
        ),
    ],
)
def test_rule_errors(rule: dict[str, Any], field: str, fragment: str) -> None:
    invalid(calico_policy({"ingress": [rule]}), field, fragment)


def test_http_in_egress_is_an_error() -> None:
    spec = {"egress": [{"action": "Allow", "http": {"methods": ["GET"]}}]}
    invalid(calico_policy(spec), "spec.egress[0].http", "not allowed in egress")


def test_icmp_protocol_numbers_are_checked_like_names() -> None:
    rule = ingress_rule({"action": "Allow", "protocol": 58, "ipVersion": 6, "icmp": {"type": 128}})
    assert (rule.protocol, rule.icmp) == (Protocol.ICMPV6, IcmpMatch(128))
