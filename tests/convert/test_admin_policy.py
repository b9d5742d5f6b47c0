"""AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy conversion."""

from __future__ import annotations

from typing import Any

import pytest

from dataplane.convert import convert
from dataplane.convert.admin_peers import PODS_ONLY
from dataplane.model import (
    ANY_ENTITY,
    Action,
    Direction,
    EntityMatch,
    Kind,
    NamedPortRef,
    Node,
    PortRange,
    Protocol,
    ResourceKey,
    Rule,
    Upsert,
)
from dataplane.selector import ALL, conjunction, from_label_selector
from tests.convert.objects import converted_policy, invalid

V1ALPHA1 = "policy.networking.k8s.io/v1alpha1"
V1ALPHA2 = "policy.networking.k8s.io/v1alpha2"
PROD = {"matchLabels": {"env": "prod"}}
WEB = {"matchLabels": {"app": "web"}}
SUBJECT = {"namespaces": PROD}


def _manifest(api: str, kind: str, name: str, spec: Any) -> dict[str, Any]:
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name}, "spec": spec}


def anp(spec: Any, name: str = "guard") -> dict[str, Any]:
    return _manifest(V1ALPHA1, "AdminNetworkPolicy", name, spec)


def banp(spec: Any, name: str = "default") -> dict[str, Any]:
    return _manifest(V1ALPHA1, "BaselineAdminNetworkPolicy", name, spec)


def cnp(spec: Any, name: str = "guard") -> dict[str, Any]:
    return _manifest(V1ALPHA2, "ClusterNetworkPolicy", name, spec)


def deny_from(*peers: dict[str, Any], **rule: Any) -> dict[str, Any]:
    return {
        "priority": 10,
        "subject": SUBJECT,
        "ingress": [{"action": "Deny", "from": list(peers), **rule}],
    }


def test_admin_network_policy_goes_to_the_admin_tier_at_its_priority() -> None:
    policy = converted_policy(anp(deny_from({"namespaces": WEB})))
    assert policy.key == ResourceKey(Kind.ADMIN_NETWORK_POLICY, "", "guard")
    assert (policy.tier, policy.order) == ("adminnetworkpolicy", 10.0)
    assert policy.selector == ALL
    assert policy.namespace_selector == from_label_selector(PROD)
    assert policy.types == frozenset({Direction.INGRESS})
    assert policy.ingress == (
        Rule(
            Action.DENY,
            source=EntityMatch(selector=PODS_ONLY, namespace_selector=from_label_selector(WEB)),
            origin="ingress[0]",
        ),
    )


def test_pods_subject_and_peer_select_pods_in_namespaces() -> None:
    pods = {"namespaceSelector": PROD, "podSelector": WEB}
    policy = converted_policy(
        anp(
            {
                "priority": 0,
                "subject": {"pods": pods},
                "egress": [{"action": "Pass", "to": [{"pods": pods}]}],
            }
        )
    )
    assert (policy.selector, policy.namespace_selector) == (
        from_label_selector(WEB),
        from_label_selector(PROD),
    )
    assert policy.types == frozenset({Direction.EGRESS})
    (rule,) = policy.egress
    assert rule.action is Action.PASS
    assert rule.destination == EntityMatch(
        selector=conjunction(PODS_ONLY, from_label_selector(WEB)),
        namespace_selector=from_label_selector(PROD),
    )


def test_ports_group_by_protocol_and_named_ports_cover_every_protocol() -> None:
    ports = [
        {"portNumber": {"port": 80}},
        {"portRange": {"protocol": "UDP", "start": 1000, "end": 2000}},
        {"namedPort": "http"},
    ]
    policy = converted_policy(anp(deny_from({"namespaces": {}}, ports=ports)))
    found = {(r.protocol, r.destination.ports) for r in policy.ingress}
    assert found == {
        (Protocol.TCP, (PortRange(80, 80), NamedPortRef("http"))),
        (Protocol.UDP, (PortRange(1000, 2000), NamedPortRef("http"))),
        (Protocol.SCTP, (NamedPortRef("http"),)),
    }


def test_networks_split_by_family_into_rules() -> None:
    spec = {
        "priority": 1,
        "subject": SUBJECT,
        "egress": [
            {"action": "Deny", "to": [{"networks": ["10.0.0.0/8", "fd00::/64", "10.1.0.0/16"]}]}
        ],
    }
    policy = converted_policy(anp(spec))
    assert [r.destination.nets for r in policy.egress] == [
        ("10.0.0.0/8", "10.1.0.0/16"),
        ("fd00::/64",),
    ]


def test_baseline_goes_last_in_the_baseline_tier() -> None:
    policy = converted_policy(
        banp({"subject": SUBJECT, "ingress": [{"action": "Allow", "from": [{"namespaces": {}}]}]})
    )
    assert (policy.tier, policy.order) == ("baselineadminnetworkpolicy", None)
    assert policy.key.kind is Kind.BASELINE_ADMIN_NETWORK_POLICY


def test_cluster_network_policy_tiers_actions_and_protocols() -> None:
    spec = {
        "tier": "Baseline",
        "priority": 3,
        "subject": {"pods": {"podSelector": WEB}},
        "ingress": [
            {
                "action": "Accept",
                "from": [{"namespaces": {}}],
                "protocols": [
                    {"tcp": {"destinationPort": {"number": 443}}},
                    {"udp": {"destinationPort": {"range": {"start": 50, "end": 60}}}},
                    {"destinationNamedPort": "dns"},
                ],
            }
        ],
    }
    policy = converted_policy(cnp(spec))
    assert (policy.tier, policy.order) == ("baselineadminnetworkpolicy", 3.0)
    assert (
        policy.namespace_selector == ALL
    )  # v1alpha2: a missing namespaceSelector is every namespace
    assert {r.action for r in policy.ingress} == {Action.ALLOW}
    assert {(r.protocol, r.destination.ports) for r in policy.ingress} == {
        (Protocol.TCP, (PortRange(443, 443), NamedPortRef("dns"))),
        (Protocol.UDP, (PortRange(50, 60), NamedPortRef("dns"))),
        (Protocol.SCTP, (NamedPortRef("dns"),)),
    }


def test_a_peer_that_is_not_understood_fails_closed_with_a_note() -> None:
    allow = converted_policy(
        anp(
            {
                "priority": 1,
                "subject": SUBJECT,
                "ingress": [{"action": "Allow", "from": [{"future": {}}]}],
            }
        )
    )
    assert allow.ingress == ()
    assert allow.types == frozenset({Direction.INGRESS})
    assert "matches nothing" in allow.notes[0] and "spec.ingress[0].from[0]" in allow.notes[0]
    passing = converted_policy(
        anp(
            {
                "priority": 1,
                "subject": SUBJECT,
                "ingress": [
                    {
                        "action": "Pass",
                        "from": [{"namespaces": WEB}, {}],
                        "ports": [{"portNumber": {"port": 80}}],
                    }
                ],
            }
        )
    )
    assert passing.ingress == (
        Rule(
            Action.DENY,
            protocol=Protocol.TCP,
            source=ANY_ENTITY,
            destination=EntityMatch(ports=(PortRange(80, 80),)),
            origin="ingress[0] (fail-closed)",
        ),
    )
    assert "denies every peer" in passing.notes[0]


def test_a_port_entry_that_is_not_understood_widens_a_deny_to_every_port() -> None:
    policy = converted_policy(
        anp(deny_from({"namespaces": WEB}, ports=[{"portNumber": {"port": 80}}, {"future": 1}]))
    )
    (rule,) = policy.ingress
    assert (rule.action, rule.protocol, rule.destination.ports) == (Action.DENY, None, ())
    allow = converted_policy(
        anp(
            {
                "priority": 1,
                "subject": SUBJECT,
                "ingress": [
                    {
                        "action": "Allow",
                        "from": [{"namespaces": {}}],
                        "ports": [{"portNumber": {"port": 80}}, {"future": 1}],
                    }
                ],
            }
        )
    )
    assert [r.destination.ports for r in allow.ingress] == [(PortRange(80, 80),)]


def test_domain_names_match_nothing_with_a_note() -> None:
    spec = {
        "priority": 1,
        "subject": SUBJECT,
        "egress": [{"action": "Allow", "to": [{"domainNames": ["*.example.com"]}]}],
    }
    policy = converted_policy(anp(spec))
    assert policy.egress == ()
    assert "domainNames" in policy.notes[0]


@pytest.mark.parametrize(
    ("obj", "field", "fragment"),
    [
        (anp({"priority": 1001, "subject": SUBJECT}), "spec.priority", "out of range"),
        (anp({"subject": SUBJECT}), "spec.priority", "missing required field"),
        (anp({"priority": 1}), "spec.subject", "missing required field"),
        (anp({"priority": 1, "subject": {}}), "spec.subject", "one of namespaces, pods"),
        (
            anp(
                {
                    "priority": 1,
                    "subject": {
                        "namespaces": {},
                        "pods": {"podSelector": {}, "namespaceSelector": {}},
                    },
                }
            ),
            "spec.subject",
            "exactly one",
        ),
        (
            anp({"priority": 1, "subject": {"pods": {"podSelector": {}}}}),
            "spec.subject.pods.namespaceSelector",
            "missing required field",
        ),
        (anp({"priority": 1, "subject": SUBJECT, "tier": "Admin"}), "spec.tier", "unknown field"),
        (
            anp(
                {
                    "priority": 1,
                    "subject": SUBJECT,
                    "ingress": [{"action": "Accept", "from": [{"namespaces": {}}]}],
                }
            ),
            "spec.ingress[0].action",
            "expected Allow, Deny, Pass",
        ),
        (
            anp({"priority": 1, "subject": SUBJECT, "ingress": [{"action": "Deny", "from": []}]}),
            "spec.ingress[0].from",
            "at least one peer",
        ),
        (
            anp(
                {
                    "priority": 1,
                    "subject": SUBJECT,
                    "egress": [{"action": "Deny", "to": [{"networks": ["10.0.0.0"]}]}],
                }
            ),
            "spec.egress[0].to[0].networks[0]",
            "prefix length",
        ),
        (
            anp(
                {
                    "priority": 1,
                    "subject": SUBJECT,
                    "egress": [
                        {
                            "action": "Deny",
                            "to": [{"networks": [f"10.0.{i}.0/24" for i in range(26)]}],
                        }
                    ],
                }
            ),
            "spec.egress[0].to[0].networks",
            "at most 25",
        ),
        (
            anp(deny_from({"namespaces": {}}, ports=[{"portRange": {"start": 90, "end": 80}}])),
            "spec.ingress[0].ports[0].portRange.end",
            "less than start",
        ),
        (
            anp(deny_from({"namespaces": {}}, ports=[{"portNumber": {"port": 0}}])),
            "spec.ingress[0].ports[0].portNumber.port",
            "out of range",
        ),
        (
            anp(deny_from({"namespaces": {}}, ports=[{"namedPort": "HTTP"}])),
            "spec.ingress[0].ports[0].namedPort",
            "invalid port name",
        ),
        (
            anp(
                {
                    "priority": 1,
                    "subject": SUBJECT,
                    "egress": [
                        {
                            "action": "Deny",
                            "to": [{"networks": ["10.0.0.0/8"]}],
                            "ports": [{"namedPort": "http"}],
                        }
                    ],
                }
            ),
            "spec.egress[0].to",
            "named ports",
        ),
        (
            anp(
                {
                    "priority": 1,
                    "subject": SUBJECT,
                    "egress": [{"action": "Deny", "to": [{"domainNames": ["a.io"]}]}],
                }
            ),
            "spec.egress[0].to[0].domainNames",
            "only allowed in Allow",
        ),
        (
            anp(
                {
                    "priority": 1,
                    "subject": SUBJECT,
                    "ingress": [
                        {"action": "Deny", "from": [{"namespaces": {}}], "name": "x" * 101}
                    ],
                }
            ),
            "spec.ingress[0].name",
            "at most 100",
        ),
        (banp({"subject": SUBJECT}, name="other"), "metadata.name", "must be named 'default'"),
        (
            banp(
                {"subject": SUBJECT, "ingress": [{"action": "Pass", "from": [{"namespaces": {}}]}]}
            ),
            "spec.ingress[0].action",
            "expected Allow, Deny",
        ),
        (
            cnp({"tier": "Middle", "priority": 1, "subject": SUBJECT}),
            "spec.tier",
            "expected Admin or Baseline",
        ),
        (
            cnp(
                {
                    "tier": "Admin",
                    "priority": 1,
                    "subject": SUBJECT,
                    "ingress": [
                        {"action": "Deny", "from": [{"namespaces": {}}], "protocols": [{"tcp": {}}]}
                    ],
                }
            ),
            "spec.ingress[0].protocols[0].tcp",
            "destinationPort is required",
        ),
        (
            cnp(
                {
                    "tier": "Admin",
                    "priority": 1,
                    "subject": SUBJECT,
                    "ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}] * 26,
                }
            ),
            "spec.ingress",
            "at most 25",
        ),
    ],
)
def test_invalid_parts_fail_closed_with_a_note_naming_the_field(
    obj: dict[str, Any], field: str, fragment: str
) -> None:
    """An invalid rule: an Allow allows nothing, any other denies everything; an
    unreadable spec, subject or placement: the policy denies everything first."""
    if obj["metadata"]["name"] != "default" and obj["kind"] == "BaselineAdminNetworkPolicy":
        invalid(obj, field, fragment)  # no such object can exist: rejected whole
        return
    policy = converted_policy(obj)
    (note,) = [n for n in policy.notes if f": {field}: " in n]
    assert fragment in note and "fail-closed" in note
    rules = policy.ingress + policy.egress
    if "allows nothing" in note:
        assert all(r.action is not Action.ALLOW or r.origin == "" for r in rules)
    elif policy.types:  # a policy with no rules in a direction does not affect it
        denies = [r for r in rules if r == Rule(Action.DENY, origin=r.origin)]
        assert denies and all("fail-closed" in r.origin for r in denies)


def test_an_unreadable_placement_denies_first_in_its_tier() -> None:
    spec = {
        "priority": "high",
        "subject": SUBJECT,
        "ingress": [{"action": "Allow", "from": [{"namespaces": {}}]}],
    }
    policy = converted_policy(anp(spec))
    assert (policy.tier, policy.order, policy.types) == (
        "adminnetworkpolicy",
        0.0,
        frozenset({Direction.INGRESS}),
    )
    assert (policy.selector, policy.namespace_selector) == (ALL, from_label_selector(PROD))
    assert [r.action for r in policy.ingress] == [Action.DENY]
    assert "spec.priority" in policy.notes[0]
    unreadable = converted_policy(banp("everything"))
    assert (unreadable.tier, unreadable.order) == ("baselineadminnetworkpolicy", None)
    assert (unreadable.selector, unreadable.namespace_selector) == (ALL, ALL)
    assert unreadable.types == frozenset(Direction)


def test_nodes_peer_selects_node_addresses() -> None:
    spec = {
        "priority": 1,
        "subject": SUBJECT,
        "egress": [{"action": "Deny", "to": [{"nodes": {"matchLabels": {"role": "infra"}}}]}],
    }
    (rule,) = converted_policy(anp(spec)).egress
    assert rule.origin == "egress[0]"
    assert rule.destination == EntityMatch(
        node_selector=from_label_selector({"matchLabels": {"role": "infra"}})
    )


def test_node_keeps_labels_and_ip_addresses_only() -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n1", "labels": {"role": "infra"}},
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": "10.0.0.4"},
                {"type": "InternalIP", "address": "FD00::0004"},
                {"type": "Hostname", "address": "n1"},
                {"type": "InternalDNS", "address": "n1.cluster.local"},
                {"type": "ExternalIP", "address": "10.0.0.4"},
            ]
        },
    }
    assert convert(obj) == Upsert(Node("n1", {"role": "infra"}, ("10.0.0.4", "fd00::4")))
    obj["status"]["addresses"].append({"type": "InternalIP", "address": "10.0.0.400"})
    invalid(obj, "status.addresses[5].address", "bad IP address")
    # The entry is left out and reported; the node's other addresses still count.
    node = convert(obj).value
    assert isinstance(node, Node) and node.addresses == ("10.0.0.4", "fd00::4")


def test_protocol_matches_of_a_newer_version_fail_closed() -> None:
    spec = {
        "tier": "Admin",
        "priority": 1,
        "subject": SUBJECT,
        "ingress": [
            {
                "action": "Deny",
                "from": [{"namespaces": {}}],
                "protocols": [{"tcp": {"sourcePort": {"number": 5}}}],
            }
        ],
    }
    (rule,) = converted_policy(cnp(spec)).ingress
    assert (rule.action, rule.protocol, rule.destination.ports) == (Action.DENY, None, ())
    spec["ingress"][0]["protocols"] = [{"udp": {"destinationPort": {"list": [5]}}}]
    (rule,) = converted_policy(cnp(spec)).ingress
    assert (rule.action, rule.protocol) == (Action.DENY, None)
