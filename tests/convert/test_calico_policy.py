"""Calico NetworkPolicy and GlobalNetworkPolicy conversion: policy-level fields."""

from __future__ import annotations

from typing import Any

import pytest

from dataplane.model import Action, Direction, Kind, ResourceKey, Rule
from dataplane.model.wellknown import SERVICE_ACCOUNT_LABEL_PREFIX
from dataplane.selector import ALL, conjunction, parse, prefixed
from tests.convert.objects import calico_policy, converted_policy, invalid

INGRESS = frozenset({Direction.INGRESS})
EGRESS = frozenset({Direction.EGRESS})
BOTH = INGRESS | EGRESS
ALLOW = {"action": "Allow"}


def test_namespaced_policy_defaults() -> None:
    policy = converted_policy(calico_policy({}))
    assert policy.key == ResourceKey(Kind.NETWORK_POLICY, "prod", "pol")
    assert policy.selector == ALL
    assert (policy.tier, policy.order, policy.namespace_selector) == ("default", None, None)
    assert policy.types == INGRESS
    assert policy.ingress == () and policy.egress == ()


def test_namespace_defaults_to_default() -> None:
    policy = converted_policy(calico_policy({}, namespace=None))
    assert policy.namespace == "default"


def test_global_policy_is_cluster_scoped() -> None:
    policy = converted_policy(calico_policy({}, kind="GlobalNetworkPolicy", namespace="ignored"))
    assert policy.key == ResourceKey(Kind.GLOBAL_NETWORK_POLICY, "", "pol")


def test_missing_spec_is_an_empty_spec() -> None:
    policy = converted_policy(calico_policy(None))
    assert (policy.selector, policy.types) == (ALL, INGRESS)


def test_name_tier_order_and_selector_as_given() -> None:
    spec = {"tier": "security", "order": 10, "selector": "role == 'db'"}
    policy = converted_policy(calico_policy(spec, name="security.allow-db"))
    assert policy.name == "security.allow-db"
    assert (policy.tier, policy.order) == ("security", 10.0)
    assert isinstance(policy.order, float)
    assert policy.selector == parse("role == 'db'")


@pytest.mark.parametrize("api_version", ["projectcalico.org/v3", "crd.projectcalico.org/v1"])
def test_both_api_groups(api_version: str) -> None:
    policy = converted_policy(calico_policy({"order": 2.5}, api_version=api_version))
    assert policy.order == 2.5


def test_global_namespace_selector() -> None:
    spec = {"namespaceSelector": "team == 'a'", "selector": "all()"}
    policy = converted_policy(calico_policy(spec, kind="GlobalNetworkPolicy"))
    assert policy.namespace_selector == parse("team == 'a'")
    assert policy.selector == ALL


def test_service_account_selector_is_folded_into_the_selector() -> None:
    spec = {"selector": "app == 'x'", "serviceAccountSelector": "role == 'admin'"}
    policy = converted_policy(calico_policy(spec))
    assert policy.selector == conjunction(
        parse("app == 'x'"), prefixed(parse("role == 'admin'"), SERVICE_ACCOUNT_LABEL_PREFIX)
    )


@pytest.mark.parametrize(
    ("spec", "types"),
    [
        ({}, INGRESS),
        ({"ingress": [ALLOW]}, INGRESS),
        ({"egress": [ALLOW]}, EGRESS),
        ({"ingress": [ALLOW], "egress": [ALLOW]}, BOTH),
        ({"ingress": [], "egress": [ALLOW]}, EGRESS),
        ({"egress": []}, INGRESS),
        ({"types": [], "egress": [ALLOW]}, EGRESS),
        ({"types": ["Egress"]}, EGRESS),
        ({"types": ["Ingress", "Egress"]}, BOTH),
        ({"types": ["Ingress"], "egress": [ALLOW]}, INGRESS),
    ],
)
def test_types_default_from_the_rules_present(
    spec: dict[str, Any], types: frozenset[Direction]
) -> None:
    assert converted_policy(calico_policy(spec)).types == types


def test_rules_keep_their_order_and_direction() -> None:
    spec = {
        "ingress": [{"action": "Deny"}, {"action": "Pass"}],
        "egress": [{"action": "Log"}, ALLOW],
    }
    policy = converted_policy(calico_policy(spec))
    assert policy.ingress == (Rule(action=Action.DENY), Rule(action=Action.PASS))
    assert policy.egress == (Rule(action=Action.LOG), Rule(action=Action.ALLOW))


def test_accepted_fields_without_effect_on_workloads() -> None:
    spec = {
        "applyOnForward": True,
        "doNotTrack": False,
        "preDNAT": False,
        "performanceHints": ["AssumeNeededOnEveryNode"],
    }
    assert converted_policy(calico_policy(spec, kind="GlobalNetworkPolicy")).types == INGRESS


@pytest.mark.parametrize(
    ("spec", "field", "fragment"),
    [
        ({"selectr": "all()"}, "spec.selectr", "unknown field"),
        ({"namespaceSelector": "all()"}, "spec.namespaceSelector", "unknown field"),
        ({"doNotTrack": True}, "spec.doNotTrack", "unknown field"),
        ({"selector": "app == "}, "spec.selector", "invalid selector"),
        ({"selector": 5}, "spec.selector", "wrong type"),
        ({"selector": "global()"}, "spec.selector", "global()"),
        ({"serviceAccountSelector": "a ==="}, "spec.serviceAccountSelector", "invalid selector"),
        ({"order": "first"}, "spec.order", "wrong type"),
        ({"order": True}, "spec.order", "wrong type"),
        ({"order": float("nan")}, "spec.order", "not a finite number"),
        ({"tier": 3}, "spec.tier", "wrong type"),
        ({"types": ["ingress"]}, "spec.types[0]", "unknown policy type"),
        ({"types": ["Ingress", "Ingress"]}, "spec.types[1]", "duplicate"),
        ({"performanceHints": ["Fast"]}, "spec.performanceHints[0]", "unknown performance hint"),
        ({"ingress": {"action": "Allow"}}, "spec.ingress", "wrong type"),
        ({"egress": [{}]}, "spec.egress[0].action", "missing required field"),
    ],
)
def test_policy_errors(spec: dict[str, Any], field: str, fragment: str) -> None:
    error = invalid(calico_policy(spec), field, fragment)
    assert error.resource == "NetworkPolicy prod/pol"


def test_selector_error_carries_the_selector_message() -> None:
    from dataplane.selector import SelectorError

    with pytest.raises(SelectorError) as parse_error:
        parse("app ==")
    error = invalid(calico_policy({"selector": "app =="}), "spec.selector")
    assert str(parse_error.value) in error.message


@pytest.mark.parametrize(
    ("spec", "field", "fragment"),
    [
        ({"doNotTrack": True}, "spec.doNotTrack", "not supported"),
        ({"preDNAT": True}, "spec.preDNAT", "not supported"),
        ({"applyOnForward": "yes"}, "spec.applyOnForward", "wrong type"),
        ({"namespaceSelector": "global()"}, "spec.namespaceSelector", "global()"),
        ({"namespaceSelector": "a in {"}, "spec.namespaceSelector", "invalid selector"),
    ],
)
def test_global_policy_errors(spec: dict[str, Any], field: str, fragment: str) -> None:
    error = invalid(calico_policy(spec, kind="GlobalNetworkPolicy"), field, fragment)
    assert error.resource == "GlobalNetworkPolicy pol"
