"""Resource keys from apiVersion/kind/metadata, and unknown kinds."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from dataplane.convert import UnknownKindError, convert, resource_key
from dataplane.convert.identity import (
    OBJECT_TYPES,
    ObjectIdentity,
    _checked_identity,
    identify,
)
from dataplane.errors import UnreadableResourceError, ValidationError
from dataplane.model import Kind, Policy, ResourceKey, Upsert


def obj(api_version: Any, kind: Any, metadata: Any) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, "spec": "garbage"}


@pytest.mark.parametrize(
    ("api_version", "kind", "expected"),
    [
        ("v1", "Namespace", ResourceKey(Kind.NAMESPACE, "", "n")),
        ("v1", "Pod", ResourceKey(Kind.WORKLOAD_ENDPOINT, "ns", "n")),
        ("v1", "ServiceAccount", ResourceKey(Kind.SERVICE_ACCOUNT, "ns", "n")),
        ("networking.k8s.io/v1", "NetworkPolicy", ResourceKey(Kind.K8S_NETWORK_POLICY, "ns", "n")),
        ("projectcalico.org/v3", "NetworkPolicy", ResourceKey(Kind.NETWORK_POLICY, "ns", "n")),
        ("crd.projectcalico.org/v1", "NetworkPolicy", ResourceKey(Kind.NETWORK_POLICY, "ns", "n")),
        (
            "projectcalico.org/v3",
            "GlobalNetworkPolicy",
            ResourceKey(Kind.GLOBAL_NETWORK_POLICY, "", "n"),
        ),
        ("projectcalico.org/v3", "Tier", ResourceKey(Kind.TIER, "", "n")),
        ("projectcalico.org/v3", "NetworkSet", ResourceKey(Kind.NETWORK_SET, "ns", "n")),
        (
            "crd.projectcalico.org/v1",
            "GlobalNetworkSet",
            ResourceKey(Kind.GLOBAL_NETWORK_SET, "", "n"),
        ),
        # The two objects of one node have two keys: neither replaces the other.
        ("v1", "Node", ResourceKey(Kind.NODE, "", "n")),
        ("projectcalico.org/v3", "Node", ResourceKey(Kind.CALICO_NODE, "", "n")),
        ("crd.projectcalico.org/v1", "Node", ResourceKey(Kind.CALICO_NODE, "", "n")),
    ],
)
def test_key_ignores_an_invalid_spec(api_version: str, kind: str, expected: ResourceKey) -> None:
    assert resource_key(obj(api_version, kind, {"name": "n", "namespace": "ns"})) == expected


def test_namespaced_kind_without_namespace_is_in_default() -> None:
    key = resource_key(obj("v1", "Pod", {"name": "n"}))
    assert key == ResourceKey(Kind.WORKLOAD_ENDPOINT, "default", "n")


@pytest.mark.parametrize(
    ("api_version", "kind", "field"),
    [
        ("v1", "ConfigMap", "kind"),
        ("networking.k8s.io/v1", "Ingress", "kind"),
        ("v1", "NetworkPolicy", "kind"),
        ("projectcalico.org/v3", "Profile", "kind"),
        ("apps/v1", "Deployment", "kind"),
        ("v1", "List", "kind"),
    ],
)
def test_kinds_outside_the_policy_groups_or_known_unused_are_skipped(
    api_version: Any, kind: Any, field: str
) -> None:
    thing = obj(api_version, kind, {"name": "n"})
    for call in (resource_key, convert):
        with pytest.raises(UnknownKindError) as info:
            call(thing)
        assert info.value.field == field
        assert isinstance(info.value, ValidationError)


@pytest.mark.parametrize(
    ("api_version", "kind", "field"),
    [
        ("projectcalico.org/v3", "Pod", "kind"),
        ("projectcalico.org/v3", "GlobalNetworkpolicy", "kind"),
        ("projectcalico.org/v4", "GlobalNetworkPolicy", "kind"),
        ("networking.k8s.io/v1beta1", "NetworkPolicy", "kind"),
        ("crd.projectcalico.org/v2", "NetworkPolicy", "kind"),
        ("policy.networking.k8s.io/v9", "AdminNetworkPolicy", "kind"),
        (None, "Pod", "apiVersion"),
        ("v1", None, "kind"),
        ("v1", 5, "kind"),
    ],
)
def test_unknown_kinds_and_versions_of_policy_groups_are_unreadable(
    api_version: Any, kind: Any, field: str
) -> None:
    thing = obj(api_version, kind, {"name": "n"})
    for call in (resource_key, convert):
        with pytest.raises(UnreadableResourceError) as info:
            call(thing)
        assert not isinstance(info.value, UnknownKindError)
        assert info.value.field == field


@pytest.mark.parametrize(
    ("metadata", "field", "fragment"),
    [
        (None, "metadata.name", "missing required field"),
        ({}, "metadata.name", "missing required field"),
        ({"name": ""}, "metadata.name", "must not be empty"),
        ({"name": 3}, "metadata.name", "wrong type"),
        ({"name": "n", "namespace": 3}, "metadata.namespace", "wrong type"),
        ([], "metadata", "wrong type"),
    ],
)
def test_bad_metadata(metadata: Any, field: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        resource_key(obj("v1", "Pod", metadata))
    assert not isinstance(info.value, UnknownKindError)
    assert (info.value.resource, info.value.field) == ("Pod", field)
    assert fragment in info.value.message


def test_a_non_mapping_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        convert(["not", "an", "object"])  # type: ignore[arg-type]


def test_error_text_names_resource_and_field() -> None:
    thing = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 1, "endPort": 0}]}]},
    }
    update = convert(thing)
    assert isinstance(update, Upsert) and isinstance(update.value, Policy)
    assert update.value.problems[0].startswith(
        "NetworkPolicy default/web: spec.ingress[0].ports[0].endPort: "
    )


_ABSENT = object()
_METADATA_VALUES = (_ABSENT, None, "", "n", 1, True, {})


def _metadata_cases() -> list[Any]:
    cases: list[Any] = [None, "n", [], {}]
    for name, namespace in itertools.product(_METADATA_VALUES, repeat=2):
        fields = {"name": name, "namespace": namespace}
        cases.append({key: value for key, value in fields.items() if value is not _ABSENT})
    return cases


@pytest.mark.parametrize("kind", [("v1", "Pod"), ("v1", "Namespace")])
@pytest.mark.parametrize("metadata", _metadata_cases())
def test_the_plain_reading_agrees_with_the_checked_one(
    kind: tuple[str, str], metadata: Any
) -> None:
    api_version, kind_name = kind
    document = obj(api_version, kind_name, metadata)
    expected: ObjectIdentity | str
    try:
        expected = _checked_identity(OBJECT_TYPES[kind], kind_name, document)
    except ValidationError as error:
        expected = f"{type(error).__name__}: {error}"
    try:
        assert identify(document) == expected
    except ValidationError as error:
        assert f"{type(error).__name__}: {error}" == expected
