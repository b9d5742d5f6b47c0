"""The plain-dict pod reader gives exactly what the field-by-field converter gives."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest

from dataplane.convert.fields import Field
from dataplane.convert.identity import identify
from dataplane.convert.kubernetes import _checked_pod, _plain_pod, convert_pod
from dataplane.errors import ValidationError

ODD_VALUES: tuple[Any, ...] = (
    None, "", "x", "TCP", "UDP", "ICMP", "Succeeded", "Running", "10.0.0.7", "010.0.0.7",
    "fe80::1", "fe80::1%eth0", "::FFFF:10.0.0.1", "10.0.0.0/24", 0, 1, 80, 65536, -1, 1.5,
    True, False, [], {}, [None], [{}], [{"ip": "10.0.0.9"}], [{"ip": 5}], {"a": "b"},
    {"a": 1}, {"-bad": "v"}, {"app": "web"}, [{"ports": None}], [{"name": "p", "containerPort": 8}],
)  # fmt: skip

# Where the pod's fields are replaced, one at a time (and pairwise for the first few).
PATHS: tuple[tuple[str | int, ...], ...] = (
    ("spec",),
    ("status",),
    ("spec", "hostNetwork"),
    ("status", "phase"),
    ("status", "podIPs"),
    ("status", "podIPs", 0),
    ("status", "podIPs", 0, "ip"),
    ("status", "podIP"),
    ("spec", "nodeName"),
    ("spec", "serviceAccountName"),
    ("spec", "serviceAccount"),
    ("metadata", "labels"),
    ("metadata", "labels", "app"),
    ("spec", "containers"),
    ("spec", "containers", 0),
    ("spec", "containers", 0, "ports"),
    ("spec", "containers", 0, "ports", 0),
    ("spec", "containers", 0, "ports", 0, "name"),
    ("spec", "containers", 0, "ports", 0, "protocol"),
    ("spec", "containers", 0, "ports", 0, "containerPort"),
    ("spec", "containers", 1, "ports", 1, "name"),
)


def realistic_pod() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web", "tier": "a"}},
        "spec": {
            "nodeName": "node-1",
            "serviceAccountName": "web",
            "serviceAccount": "web",
            "containers": [
                {"ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"}]},
                {"ports": [{"containerPort": 9}, {"name": "dns", "containerPort": 53,
                                                  "protocol": "UDP"}]},
            ],
        },
        "status": {"phase": "Running", "podIP": "10.0.0.5",
                   "podIPs": [{"ip": "10.0.0.5"}, {"ip": "fd00::5"}]},
    }  # fmt: skip


def replaced(obj: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any] | None:
    result = copy.deepcopy(obj)
    parent: Any = result
    for step in path[:-1]:
        try:
            parent = parent[step]
        except (KeyError, IndexError, TypeError):
            return None
    last = path[-1]
    in_object = isinstance(parent, dict) and isinstance(last, str)
    in_list = isinstance(parent, list) and isinstance(last, int) and last < len(parent)
    if not (in_object or in_list):
        return None
    parent[last] = value
    return result


def outcome(convert: Any, obj: dict[str, Any]) -> Any:
    identity = identify(obj)
    try:
        return convert(identity, Field(identity.label, obj))
    except ValidationError as error:
        return ("error", type(error), str(error))


def variants() -> list[dict[str, Any]]:
    base = realistic_pod()
    found = [base]
    for path, value in itertools.product(PATHS, ODD_VALUES):
        if (one := replaced(base, path, value)) is not None:
            found.append(one)
    for (first, second), (a, b) in itertools.product(
        itertools.combinations(PATHS[2:8], 2), itertools.product(ODD_VALUES[::3], repeat=2)
    ):
        once = replaced(base, first, a)
        twice = None if once is None else replaced(once, second, b)
        if twice is not None:
            found.append(twice)
    return found


def test_plain_reader_agrees_with_the_checked_converter() -> None:
    cases = variants()
    plain = 0
    for obj in cases:
        identity = identify(obj)
        plain += _plain_pod(identity, obj) is not None
        assert outcome(convert_pod, obj) == outcome(_checked_pod, obj), obj
    # Both paths are exercised: the plain one on hundreds of cases, the checked one on the rest.
    assert 100 < plain < len(cases)


def test_a_realistic_pod_takes_the_plain_path() -> None:
    obj = realistic_pod()
    assert _plain_pod(identify(obj), obj) == outcome(_checked_pod, obj)


@pytest.mark.parametrize("ip", ["010.0.0.1", "10.0.0.1 ", "1.2.3.4.5", "::ffff:1.2.3.4", "FD00::1"])
def test_addresses_outside_the_canonical_ipv4_form_agree(ip: str) -> None:
    obj = realistic_pod()
    obj["status"]["podIPs"] = [{"ip": ip}]
    assert outcome(convert_pod, obj) == outcome(_checked_pod, obj)
