"""Kubernetes NetworkPolicy conversion: every field, the rule expansion and each error."""

from __future__ import annotations

from typing import Any

import pytest

from dataplane.convert.k8s_policy import PODS_ONLY
from dataplane.model import (
    ANY_ENTITY,
    Action,
    Direction,
    EntityMatch,
    Kind,
    NamedPortRef,
    PortRange,
    Protocol,
    ResourceKey,
    Rule,
)
from dataplane.selector import ALL, Selector, conjunction, from_label_selector, parse
from tests.convert.objects import converted_policy, invalid, k8s_policy

INGRESS = frozenset({Direction.INGRESS})
BOTH = frozenset({Direction.INGRESS, Direction.EGRESS})
WEB = {"matchLabels": {"app": "web"}}


def pods(spec: dict[str, Any]) -> Selector:
    """A peer's podSelector as converted: pods only (never network sets), then the labels."""
    return conjunction(PODS_ONLY, from_label_selector(spec))


def test_policy_identity_tier_and_order() -> None:
    policy = converted_policy(k8s_policy({"podSelector": WEB}, name="allow-web", namespace="shop"))
    assert policy.key == ResourceKey(Kind.K8S_NETWORK_POLICY, "shop", "allow-web")
    assert (policy.tier, policy.order) == ("default", 1000.0)
    assert policy.namespace_selector is None


def test_pod_selector_becomes_the_policy_selector() -> None:
    policy = converted_policy(k8s_policy({"podSelector": WEB}))
    assert policy.selector == from_label_selector(WEB)
    assert policy.selector == parse("app == 'web'")


def test_empty_pod_selector_selects_all() -> None:
    assert converted_policy(k8s_policy({"podSelector": {}})).selector == ALL


def test_match_expressions_are_validated_and_converted() -> None:
    selector = {
        "matchLabels": {"tier": "db"},
        "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "qa"]},
            {"key": "legacy", "operator": "DoesNotExist"},
        ],
    }
    policy = converted_policy(k8s_policy({"podSelector": selector}))
    assert policy.selector == from_label_selector(selector)
    assert policy.selector == parse("tier == 'db' && env in {'prod', 'qa'} && !has(legacy)")


@pytest.mark.parametrize(
    ("spec", "types"),
    [
        ({}, INGRESS),
        ({"ingress": [{}]}, INGRESS),
        ({"egress": []}, BOTH),
        ({"egress": [{}]}, BOTH),
        ({"egress": None}, INGRESS),
        ({"policyTypes": [], "egress": []}, BOTH),
        ({"policyTypes": ["Egress"]}, frozenset({Direction.EGRESS})),
        ({"policyTypes": ["Ingress", "Egress"], "ingress": []}, BOTH),
        ({"policyTypes": ["Ingress"], "egress": [{}]}, INGRESS),
    ],
)
def test_policy_types(spec: dict[str, Any], types: frozenset[Direction]) -> None:
    assert converted_policy(k8s_policy({"podSelector": {}, **spec})).types == types


def test_missing_and_empty_rule_lists_have_no_rules() -> None:
    policy = converted_policy(k8s_policy({"podSelector": {}, "ingress": [], "egress": None}))
    assert policy.ingress == () and policy.egress == ()


@pytest.mark.parametrize("rule", [{}, {"from": []}, {"ports": []}, {"from": None, "ports": None}])
def test_rule_without_peers_or_ports_allows_everything(rule: dict[str, Any]) -> None:
    policy = converted_policy(k8s_policy({"podSelector": {}, "ingress": [rule]}))
    assert policy.ingress == (Rule(action=Action.ALLOW),)


def test_ingress_peer_forms() -> None:
    frontend = {"matchLabels": {"role": "frontend"}}
    project = {"matchLabels": {"project": "x"}}
    peers = [
        {"podSelector": frontend},
        {"namespaceSelector": project},
        {"podSelector": frontend, "namespaceSelector": project},
        {"namespaceSelector": {}},
        {"ipBlock": {"cidr": "172.17.0.0/16", "except": ["172.17.1.0/24"]}},
    ]
    policy = converted_policy(k8s_policy({"podSelector": {}, "ingress": [{"from": peers}]}))
    sources = [rule.source for rule in policy.ingress]
    assert sources == [
        EntityMatch(selector=pods(frontend)),
        EntityMatch(selector=PODS_ONLY, namespace_selector=from_label_selector(project)),
        EntityMatch(selector=pods(frontend), namespace_selector=from_label_selector(project)),
        EntityMatch(selector=PODS_ONLY, namespace_selector=ALL),
        EntityMatch(nets=("172.17.0.0/16",), not_nets=("172.17.1.0/24",)),
    ]
    assert all(rule.action is Action.ALLOW for rule in policy.ingress)
    assert all(rule.destination == ANY_ENTITY and rule.protocol is None for rule in policy.ingress)


def test_ip_block_cidrs_are_canonical() -> None:
    peer = {"ipBlock": {"cidr": "10.0.0.1/8", "except": ["10.1.2.3/16", "10.9.9.9"]}}
    policy = converted_policy(k8s_policy({"podSelector": {}, "ingress": [{"from": [peer]}]}))
    assert policy.ingress[0].source == EntityMatch(
        nets=("10.0.0.0/8",), not_nets=("10.1.0.0/16", "10.9.9.9/32")
    )


def test_ipv6_ip_block() -> None:
    peer = {"ipBlock": {"cidr": "FD00::1/64", "except": ["fd00::5"]}}
    policy = converted_policy(k8s_policy({"podSelector": {}, "egress": [{"to": [peer]}]}))
    assert policy.egress[0].destination == EntityMatch(
        nets=("fd00::/64",), not_nets=("fd00::5/128",)
    )


def test_one_rule_per_peer_and_protocol() -> None:
    peers = [{"podSelector": WEB}, {"ipBlock": {"cidr": "10.0.0.0/8"}}]
    ports = [
        {"port": 80},
        {"protocol": "UDP", "port": 53},
        {"protocol": "TCP", "port": 443},
        {"protocol": "UDP", "port": 5353},
    ]
    policy = converted_policy(
        k8s_policy({"podSelector": {}, "ingress": [{"from": peers, "ports": ports}]})
    )
    tcp = EntityMatch(ports=(PortRange(80, 80), PortRange(443, 443)))
    udp = EntityMatch(ports=(PortRange(53, 53), PortRange(5353, 5353)))
    web = EntityMatch(selector=pods(WEB))
    block = EntityMatch(nets=("10.0.0.0/8",))
    assert policy.ingress == (
        Rule(action=Action.ALLOW, protocol=Protocol.TCP, source=web, destination=tcp),
        Rule(action=Action.ALLOW, protocol=Protocol.UDP, source=web, destination=udp),
        Rule(action=Action.ALLOW, protocol=Protocol.TCP, source=block, destination=tcp),
        Rule(action=Action.ALLOW, protocol=Protocol.UDP, source=block, destination=udp),
    )


def test_port_forms() -> None:
    ports = [
        {"protocol": "TCP", "port": 8000, "endPort": 8080},
        {"protocol": "TCP", "port": "http"},
        {"protocol": "SCTP", "port": 9},
        {"protocol": "UDP"},
        {"protocol": "TCP", "port": 8000, "endPort": 8080},
    ]
    policy = converted_policy(k8s_policy({"podSelector": {}, "ingress": [{"ports": ports}]}))
    assert [(rule.protocol, rule.destination.ports) for rule in policy.ingress] == [
        (Protocol.TCP, (PortRange(8000, 8080), NamedPortRef("http"))),
        (Protocol.SCTP, (PortRange(9, 9),)),
        (Protocol.UDP, ()),
    ]


def test_entry_without_port_means_all_ports_of_its_protocol() -> None:
    ports = [{"port": 80}, {}, {"port": 443}, {"protocol": "UDP", "port": 53}]
    policy = converted_policy(k8s_policy({"podSelector": {}, "ingress": [{"ports": ports}]}))
    assert [(rule.protocol, rule.destination.ports) for rule in policy.ingress] == [
        (Protocol.TCP, ()),
        (Protocol.UDP, (PortRange(53, 53),)),
    ]


def test_egress_peer_and_ports_go_to_the_destination() -> None:
    peer = {"namespaceSelector": {"matchLabels": {"team": "a"}}, "podSelector": WEB}
    rule = {"to": [peer], "ports": [{"port": 5978}]}
    policy = converted_policy(
        k8s_policy({"podSelector": {}, "policyTypes": ["Egress"], "egress": [rule]})
    )
    assert policy.egress == (
        Rule(
            action=Action.ALLOW,
            protocol=Protocol.TCP,
            destination=EntityMatch(
                selector=pods(WEB),
                namespace_selector=parse("team == 'a'"),
                ports=(PortRange(5978, 5978),),
            ),
        ),
    )


def test_egress_without_peers_restricts_only_ports() -> None:
    rule = {"ports": [{"protocol": "UDP", "port": 53}]}
    policy = converted_policy(k8s_policy({"podSelector": {}, "egress": [rule]}))
    assert policy.egress == (
        Rule(
            action=Action.ALLOW,
            protocol=Protocol.UDP,
            destination=EntityMatch(ports=(PortRange(53, 53),)),
        ),
    )


def _with_port(port: dict[str, Any]) -> dict[str, Any]:
    return k8s_policy({"podSelector": {}, "ingress": [{"ports": [port]}]})


def _with_peer(peer: Any) -> dict[str, Any]:
    return k8s_policy({"podSelector": {}, "ingress": [{"from": [peer]}]})


PORT = "spec.ingress[0].ports[0]"
PEER = "spec.ingress[0].from[0]"


@pytest.mark.parametrize(
    ("port", "field", "fragment"),
    [
        ({"port": 0}, f"{PORT}.port", "out of range"),
        ({"port": 65536}, f"{PORT}.port", "out of range"),
        ({"port": 80, "endPort": 70}, f"{PORT}.endPort", "endPort 70 is less than port 80"),
        ({"port": 80, "endPort": 70000}, f"{PORT}.endPort", "out of range"),
        ({"port": "http", "endPort": 90}, f"{PORT}.endPort", "named port"),
        ({"endPort": 90}, f"{PORT}.endPort", "endPort requires port"),
        ({"port": "HTTP"}, f"{PORT}.port", "invalid port name"),
        ({"port": "80"}, f"{PORT}.port", "invalid port name"),
        ({"port": "a--b"}, f"{PORT}.port", "invalid port name"),
        ({"port": 80.5}, f"{PORT}.port", "wrong type"),
        ({"port": True}, f"{PORT}.port", "wrong type"),
        ({"protocol": "ICMP"}, f"{PORT}.protocol", "unknown protocol 'ICMP'"),
        ({"protocol": "tcp"}, f"{PORT}.protocol", "unknown protocol"),
        ({"protocol": 6}, f"{PORT}.protocol", "wrong type"),
        ({"prot": "TCP"}, f"{PORT}.prot", "unknown field"),
    ],
)
def test_port_errors(port: dict[str, Any], field: str, fragment: str) -> None:
    error = invalid(_with_port(port), field, fragment)
    assert error.resource == "NetworkPolicy default/web"


@pytest.mark.parametrize(
    ("peer", "field", "fragment"),
    [
        ({}, PEER, "must set podSelector, namespaceSelector or ipBlock"),
        ({"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}, PEER, "cannot be combined"),
        ({"ipBlock": {"cidr": "10.0.0.0/33"}}, f"{PEER}.ipBlock.cidr", "bad CIDR"),
        ({"ipBlock": {"cidr": "nonsense"}}, f"{PEER}.ipBlock.cidr", "bad CIDR"),
        ({"ipBlock": {}}, f"{PEER}.ipBlock.cidr", "missing required field"),
        (
            {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["11.0.0.0/16"]}},
            f"{PEER}.ipBlock.except[0]",
            "not strictly inside",
        ),
        (
            {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.0.0.0/8"]}},
            f"{PEER}.ipBlock.except[0]",
            "not strictly inside",
        ),
        (
            {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.0.0.0/16", "fd00::/64"]}},
            f"{PEER}.ipBlock.except[1]",
            "not strictly inside",
        ),
        (
            {"ipBlock": {"cidr": "10.0.0.0/8", "exept": []}},
            f"{PEER}.ipBlock.exept",
            "unknown field",
        ),
        ({"podSelectr": {}}, f"{PEER}.podSelectr", "unknown field"),
        ({"podSelector": []}, f"{PEER}.podSelector", "wrong type"),
        (
            {"podSelector": {"matchLabels": {"app": "a b"}}},
            f"{PEER}.podSelector.matchLabels.app",
            "invalid label value",
        ),
        (
            {"namespaceSelector": {"matchLabels": {"-bad": "x"}}},
            f'{PEER}.namespaceSelector.matchLabels["-bad"]',
            "invalid label key",
        ),
        (
            {"podSelector": {"matchExpressions": [{"key": "a", "operator": "Equals"}]}},
            f"{PEER}.podSelector.matchExpressions[0].operator",
            "unknown operator 'Equals'",
        ),
        (
            {"podSelector": {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]}},
            f"{PEER}.podSelector.matchExpressions[0].values",
            "requires at least one value",
        ),
        (
            {
                "podSelector": {
                    "matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]
                }
            },
            f"{PEER}.podSelector.matchExpressions[0].values",
            "takes no values",
        ),
        (
            {"podSelector": {"matchExpressions": [{"operator": "Exists"}]}},
            f"{PEER}.podSelector.matchExpressions[0].key",
            "missing required field",
        ),
        (
            {"podSelector": {"matchLabel": {}}},
            f"{PEER}.podSelector.matchLabel",
            "unknown field",
        ),
        ("web", PEER, "wrong type"),
    ],
)
def test_peer_errors(peer: Any, field: str, fragment: str) -> None:
    invalid(_with_peer(peer), field, fragment)


@pytest.mark.parametrize(
    ("spec", "field", "fragment"),
    [
        ({}, "spec.podSelector", "missing required field"),
        ({"podSelector": {}, "ingres": []}, "spec.ingres", "unknown field"),
        ({"podSelector": {}, "ingress": {}}, "spec.ingress", "wrong type: expected a list"),
        ({"podSelector": {}, "ingress": [{"to": []}]}, "spec.ingress[0].to", "unknown field"),
        ({"podSelector": {}, "egress": [{"from": []}]}, "spec.egress[0].from", "unknown field"),
        ({"podSelector": {}, "ingress": ["x"]}, "spec.ingress[0]", "wrong type"),
        (
            {"podSelector": {}, "policyTypes": ["ingress"]},
            "spec.policyTypes[0]",
            "unknown policy type",
        ),
        ({"podSelector": {}, "policyTypes": "Ingress"}, "spec.policyTypes", "wrong type"),
    ],
)
def test_spec_errors(spec: dict[str, Any], field: str, fragment: str) -> None:
    invalid(k8s_policy(spec), field, fragment)


def test_missing_spec_is_an_error() -> None:
    obj = k8s_policy({})
    del obj["spec"]
    invalid(obj, "spec", "missing required field")


def test_unknown_metadata_and_status_fields_are_ignored() -> None:
    obj = k8s_policy({"podSelector": {}})
    obj["metadata"]["resourceVersion"] = "12"
    obj["metadata"]["annotations"] = {"a": "b"}
    obj["status"] = {"anything": [1, 2]}
    assert converted_policy(obj).name == "web"
