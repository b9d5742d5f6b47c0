"""Fixtures of the HNS binding tests: a freshly reset simulator, an HcnApi on it, a network."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dataplane.hns import HcnApi, ModifyRequest, simulator
from dataplane.hns._backend import load_backend
from dataplane.hns._calls import HcnCalls
from tests.native.build import build_shared_library


@pytest.fixture(scope="session")
def hcnsim_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulator built as a shared library: what the ``dll`` backend loads off Windows
    (``$HCNSIM_LIBRARY``: one built already, e.g. with sanitizers by tests/native)."""
    given = os.environ.get("HCNSIM_LIBRARY")
    if given:
        return Path(given)
    return build_shared_library(tmp_path_factory.mktemp("hcnsim") / "libhcnsim.so")


@pytest.fixture(params=["sim", "dll"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test runs on the built-in simulator and through the ``dll`` backend's code (cffi
    ABI mode, dlopen) over the shared library; ``simulator.*`` controls the one in use."""
    if request.param == "dll":
        library = request.getfixturevalue("hcnsim_library")
        simulator.use_library(str(library))
    try:
        yield request.param
    finally:
        simulator.use_library(None)


@pytest.fixture
def new_api(backend: str, request: pytest.FixtureRequest) -> Callable[[], HcnApi]:
    """Makes more ``HcnApi`` instances (own handle caches) on the backend of the test."""
    library = str(request.getfixturevalue("hcnsim_library")) if backend == "dll" else None
    return lambda: HcnApi(backend, library=library)


@pytest.fixture
def calls(backend: str, request: pytest.FixtureRequest) -> HcnCalls:
    """The raw HCN calls on the backend of the test."""
    library = str(request.getfixturevalue("hcnsim_library")) if backend == "dll" else None
    return HcnCalls(load_backend(backend, library))


@pytest.fixture
def api(new_api: Callable[[], HcnApi], request: pytest.FixtureRequest) -> Iterator[HcnApi]:
    """A freshly reset simulator (with its quirks off for tests marked ``classic``)."""
    simulator.reset()
    if request.node.get_closest_marker("classic"):
        simulator.configure(settings=CLASSIC)
    with new_api() as hcn:
        yield hcn
    simulator.reset()


CLASSIC = {
    "update": "by_type",
    "acl_remove": "honoured",
    "set_side": "felix",
    "host_rules": "ignored",
}
"""The simulator without the field quirks (the schema stays strict): for tests of the binding
and of the classifier's ACL semantics, which the quirks (tested one by one in
test_settings.py) would obscure. Tests marked ``classic`` get it from the ``api`` fixture."""


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
