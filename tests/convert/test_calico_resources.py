"""Calico Tier, NetworkSet and GlobalNetworkSet conversion."""

from __future__ import annotations

from typing import Any

import pytest

from dataplane.convert import convert
from dataplane.model import Action, Labels, NetworkSet, Tier, Upsert
from tests.convert.objects import CALICO_V3, invalid


def tier(name: str, spec: dict[str, Any] | None) -> dict[str, Any]:
    obj: dict[str, Any] = {"apiVersion": CALICO_V3, "kind": "Tier", "metadata": {"name": name}}
    if spec is not None:
        obj["spec"] = spec
    return obj


def network_set(spec: Any, *, kind: str = "NetworkSet", labels: Any = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "ext", "namespace": "prod"}
    if labels is not None:
        metadata["labels"] = labels
    return {"apiVersion": CALICO_V3, "kind": kind, "metadata": metadata, "spec": spec}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, Tier("security", None, Action.DENY)),
        ({"order": 100}, Tier("security", 100.0, Action.DENY)),
        ({"order": 1.5, "defaultAction": "Pass"}, Tier("security", 1.5, Action.PASS)),
        ({"defaultAction": "Deny"}, Tier("security", None, Action.DENY)),
    ],
)
def test_tier(spec: dict[str, Any] | None, expected: Tier) -> None:
    assert convert(tier("security", spec)) == Upsert(expected)


def test_default_tier_order_is_fixed() -> None:
    assert convert(tier("default", {})) == Upsert(Tier("default", 1_000_000.0))
    assert convert(tier("default", {"order": 1000000})) == Upsert(Tier("default", 1_000_000.0))
    invalid(tier("default", {"order": 5}), "spec.order", "fixed at 1000000")


def test_cluster_admin_tiers_keep_their_order_and_pass_default() -> None:
    admin = Tier("adminnetworkpolicy", 1000.0, Action.PASS)
    baseline = Tier("baselineadminnetworkpolicy", 10_000_000.0, Action.PASS)
    assert convert(tier("adminnetworkpolicy", {})) == Upsert(admin)
    assert convert(tier("baselineadminnetworkpolicy", {"order": 10_000_000})) == Upsert(baseline)
    invalid(tier("adminnetworkpolicy", {"order": 5}), "spec.order", "fixed at 1000")
    invalid(
        tier("baselineadminnetworkpolicy", {"defaultAction": "Deny"}),
        "spec.defaultAction",
        "fixed at Pass",
    )


@pytest.mark.parametrize(
    ("spec", "field", "fragment"),
    [
        ({"defaultAction": "Allow"}, "spec.defaultAction", "unknown default action 'Allow'"),
        ({"order": "1"}, "spec.order", "wrong type"),
        ({"ordr": 1}, "spec.ordr", "unknown field"),
        ([], "spec", "wrong type"),
    ],
)
def test_tier_errors(spec: Any, field: str, fragment: str) -> None:
    error = invalid(tier("security", spec), field, fragment)
    assert error.resource == "Tier security"


def test_network_set_nets_are_canonical() -> None:
    obj = network_set(
        {"nets": ["10.0.0.1/8", "192.168.0.1", "10.0.0.0/8", "FD00::/8"]}, labels={"role": "ext"}
    )
    assert convert(obj) == Upsert(
        NetworkSet(
            "prod", "ext", ("10.0.0.0/8", "192.168.0.1/32", "fd00::/8"), Labels({"role": "ext"})
        )
    )


def test_global_network_set_has_no_namespace() -> None:
    update = convert(network_set({"nets": ["1.2.3.0/24"]}, kind="GlobalNetworkSet"))
    assert update == Upsert(NetworkSet("", "ext", ("1.2.3.0/24",)))
    assert isinstance(update, Upsert) and update.key.kind == "GlobalNetworkSet"


def test_network_set_without_nets_is_empty() -> None:
    assert convert(network_set(None)) == Upsert(NetworkSet("prod", "ext", ()))


@pytest.mark.parametrize(
    ("spec", "labels", "field", "fragment"),
    [
        ({"nets": ["300.0.0.0/8"]}, None, "spec.nets[0]", "bad CIDR"),
        ({"nets": [10]}, None, "spec.nets[0]", "wrong type"),
        ({"net": []}, None, "spec.net", "unknown field"),
        ({"allowedEgressDomains": ["x.com"]}, None, "spec.allowedEgressDomains", "unknown field"),
        (
            {},
            {"projectcalico.org/namespace": "x"},
            'metadata.labels["projectcalico.org/namespace"]',
            "reserved",
        ),
    ],
)
def test_network_set_errors(spec: Any, labels: Any, field: str, fragment: str) -> None:
    error = invalid(network_set(spec, labels=labels), field, fragment)
    assert error.resource == "NetworkSet prod/ext"
