"""Fixtures of the HNS binding tests: a freshly reset simulator, an HcnApi on it, a network."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dataplane.hns import HcnApi, ModifyRequest, simulator


@pytest.fixture
def api() -> Iterator[HcnApi]:
    simulator.reset()
    with HcnApi("sim") as hcn:
        yield hcn
    simulator.reset()


CLASSIC = {
    "update": "by_type",
    "acl_remove": "honoured",
    "set_side": "felix",
    "host_rules": "ignored",
}
"""The simulator without the field quirks: for tests of the binding and of the classifier's
ACL semantics, which the quirks (tested one by one in test_settings.py) would obscure."""


@pytest.fixture
def classic(api: HcnApi) -> None:
    """Switch the quirks off (``CLASSIC``) for one test; the schema stays as configured."""
    simulator.configure(settings=CLASSIC)


@pytest.fixture
def network(api: HcnApi) -> str:
    return api.create_network("test-net")


def acl(
    acl_id: str, action: str, direction: str, priority: int, **fields: str | int
) -> dict[str, Any]:
    """An ACL policy document; extra fields by their HNS names (``RemoteAddresses=...``)."""
    settings: dict[str, Any] = {
        "Id": acl_id,
        "Action": action,
        "Direction": direction,
        "Priority": priority,
        "RuleType": "Switch",
    }
    settings.update(fields)
    return {"Type": "ACL", "Settings": settings}


def ipset(set_id: str, values: str, policy_type: str = "IPSET") -> dict[str, Any]:
    return {
        "Type": "SetPolicy",
        "Settings": {"Id": set_id, "Name": set_id, "PolicyType": policy_type, "Values": values},
    }


def add(*policies: dict[str, Any]) -> ModifyRequest:
    return ModifyRequest("Policy", "Add", policies)


def remove(*policies: dict[str, Any]) -> ModifyRequest:
    return ModifyRequest("Policy", "Remove", policies)


def update(*policies: dict[str, Any]) -> ModifyRequest:
    return ModifyRequest("Policy", "Update", policies)
