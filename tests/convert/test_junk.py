"""Property: any input dict converts or raises ValidationError, never anything else."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataplane.convert import convert, resource_key
from dataplane.convert.identity import OBJECT_TYPES
from dataplane.errors import ValidationError
from dataplane.model import Delete, Upsert

# Field names the converters look for, so random objects reach deep into them.
FIELD_NAMES = (
    "metadata",
    "name",
    "namespace",
    "labels",
    "spec",
    "status",
    "podIPs",
    "podIP",
    "ip",
    "phase",
    "hostNetwork",
    "nodeName",
    "containers",
    "ports",
    "containerPort",
    "protocol",
    "serviceAccountName",
    "podSelector",
    "namespaceSelector",
    "ipBlock",
    "cidr",
    "except",
    "policyTypes",
    "ingress",
    "egress",
    "from",
    "to",
    "port",
    "endPort",
    "matchLabels",
    "matchExpressions",
    "key",
    "operator",
    "values",
    "tier",
    "order",
    "selector",
    "types",
    "action",
    "notProtocol",
    "icmp",
    "notICMP",
    "type",
    "code",
    "ipVersion",
    "source",
    "destination",
    "nets",
    "notNets",
    "notSelector",
    "notPorts",
    "serviceAccounts",
    "names",
    "services",
    "http",
    "methods",
    "paths",
    "exact",
    "prefix",
    "defaultAction",
    "doNotTrack",
    "preDNAT",
    "applyOnForward",
    "serviceAccountSelector",
    "performanceHints",
    "items",
)
STRINGS = st.one_of(
    st.sampled_from(
        [
            "",
            "TCP",
            "UDP",
            "ICMP",
            "ICMPv6",
            "Allow",
            "Deny",
            "Pass",
            "Ingress",
            "Egress",
            "In",
            "Exists",
            "NotIn",
            "DoesNotExist",
            "10.0.0.0/8",
            "10.0.0.1",
            "fd00::/64",
            "all()",
            "global()",
            "a == 'b'",
            "has(x)",
            "http",
            "80:90",
            "x",
            "Running",
            "Failed",
            "app",
            "1:2",
            "0.0.0.0/0",
            "::/0",
            "a in {",
            "%",
            "fe80::1%eth0",
        ]
    ),
    st.text(max_size=8),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=70000),
    st.integers(),
    st.floats(),
    STRINGS,
)
JUNK = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), STRINGS), inner, max_size=4),
    ),
    max_leaves=25,
)
TYPES = st.sampled_from(sorted(OBJECT_TYPES))


@st.composite
def objects(draw: st.DrawFn) -> dict[str, Any]:
    api_version, kind = draw(TYPES)
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind}
    if draw(st.booleans()):
        obj["metadata"] = {"name": draw(STRINGS), "namespace": draw(STRINGS), "labels": draw(JUNK)}
    else:
        obj["metadata"] = draw(JUNK)
    obj["spec"] = draw(JUNK)
    obj["status"] = draw(JUNK)
    obj.update(draw(st.dictionaries(st.sampled_from(FIELD_NAMES), JUNK, max_size=2)))
    return obj


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects())
def test_known_kinds_with_junk_raise_only_validation_errors(obj: dict[str, Any]) -> None:
    try:
        result = convert(obj)
    except ValidationError:
        return
    assert isinstance(result, Upsert | Delete)
    assert result.key == resource_key(obj)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(STRINGS, JUNK, max_size=5))
def test_arbitrary_dicts_raise_only_validation_errors(obj: dict[str, Any]) -> None:
    with contextlib.suppress(ValidationError):
        convert(obj)


VALID_OBJECTS: tuple[dict[str, Any], ...] = (
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "n", "labels": {"app": "web"}},
        "spec": {
            "nodeName": "node",
            "serviceAccountName": "sa",
            "containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 80}]}],
        },
        "status": {"phase": "Running", "podIP": "10.0.0.1", "podIPs": [{"ip": "10.0.0.1"}]},
    },
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "k", "namespace": "n"},
        "spec": {
            "podSelector": {
                "matchLabels": {"app": "web"},
                "matchExpressions": [{"key": "env", "operator": "In", "values": ["a"]}],
            },
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {
                    "from": [
                        {"podSelector": {}, "namespaceSelector": {"matchLabels": {"t": "a"}}},
                        {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}},
                    ],
                    "ports": [{"protocol": "TCP", "port": 80, "endPort": 90}, {"port": "http"}],
                }
            ],
            "egress": [{"to": [{"namespaceSelector": {}}], "ports": [{"protocol": "UDP"}]}],
        },
    },
    {
        "apiVersion": "projectcalico.org/v3",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "g"},
        "spec": {
            "tier": "t",
            "order": 1,
            "selector": "app == 'x'",
            "namespaceSelector": "has(t)",
            "serviceAccountSelector": "all()",
            "types": ["Ingress", "Egress"],
            "ingress": [
                {
                    "action": "Allow",
                    "protocol": "TCP",
                    "ipVersion": 4,
                    "source": {
                        "nets": ["10.0.0.0/8"],
                        "notNets": ["10.1.0.0/16"],
                        "selector": "a == 'b'",
                        "notSelector": "c == 'd'",
                        "namespaceSelector": "global()",
                        "serviceAccounts": {"names": ["x"], "selector": "has(y)"},
                        "ports": [80, "90:100", "http"],
                        "notPorts": ["metrics"],
                    },
                    "http": {"methods": ["GET"], "paths": [{"exact": "/"}]},
                }
            ],
            "egress": [
                {
                    "action": "Deny",
                    "protocol": "ICMP",
                    "icmp": {"type": 8, "code": 0},
                    "notICMP": {"type": 3},
                },
                {"action": "Pass", "notProtocol": 17, "destination": {"nets": ["fd00::/8"]}},
            ],
        },
    },
    {
        "apiVersion": "projectcalico.org/v3",
        "kind": "Tier",
        "metadata": {"name": "t"},
        "spec": {"order": 5, "defaultAction": "Pass"},
    },
    {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "NetworkSet",
        "metadata": {"name": "s", "namespace": "n", "labels": {"a": "b"}},
        "spec": {"nets": ["10.0.0.0/8", "fd00::1"]},
    },
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a JSON-like object."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    return [_replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]


@st.composite
def mutated_objects(draw: st.DrawFn) -> dict[str, Any]:
    """A valid object with one value (at any depth, kind and name excepted) made junk."""
    obj = draw(st.sampled_from(VALID_OBJECTS))
    for _ in range(draw(st.integers(1, 2))):
        paths = [p for p in _paths(obj) if len(p) > 1 or p[:1] == ("spec",)]
        obj = _replaced(obj, draw(st.sampled_from(paths)), draw(JUNK))
    return obj


def test_the_valid_objects_convert() -> None:
    for obj in VALID_OBJECTS:
        assert convert(obj).key == resource_key(obj)


@settings(max_examples=500, deadline=None)
@given(mutated_objects())
def test_valid_objects_with_junk_inside_raise_only_validation_errors(obj: dict[str, Any]) -> None:
    try:
        result = convert(obj)
    except ValidationError:
        return
    assert result.key == resource_key(obj)
