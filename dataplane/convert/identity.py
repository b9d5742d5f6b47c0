"""Which model kind and key a Kubernetes or Calico object maps to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from dataplane.convert.fields import Field, type_name
from dataplane.errors import ValidationError
from dataplane.model import Kind, ResourceKey

CALICO_API_VERSIONS = ("projectcalico.org/v3", "crd.projectcalico.org/v1")
DEFAULT_NAMESPACE = "default"


class UnknownKindError(ValidationError):
    """An object of a kind this dataplane does not handle: callers log it and skip it."""


@dataclass(frozen=True, slots=True)
class ObjectType:
    """The model kind an (apiVersion, kind) pair becomes, and whether it is namespaced."""

    kind: Kind
    namespaced: bool


_CALICO_TYPES = (
    ("NetworkPolicy", ObjectType(Kind.NETWORK_POLICY, namespaced=True)),
    ("GlobalNetworkPolicy", ObjectType(Kind.GLOBAL_NETWORK_POLICY, namespaced=False)),
    ("Tier", ObjectType(Kind.TIER, namespaced=False)),
    ("NetworkSet", ObjectType(Kind.NETWORK_SET, namespaced=True)),
    ("GlobalNetworkSet", ObjectType(Kind.GLOBAL_NETWORK_SET, namespaced=False)),
    ("IPPool", ObjectType(Kind.IP_POOL, namespaced=False)),
    ("IPAMBlock", ObjectType(Kind.IPAM_BLOCK, namespaced=False)),
    ("Node", ObjectType(Kind.NODE, namespaced=False)),
)

OBJECT_TYPES: Mapping[tuple[str, str], ObjectType] = MappingProxyType(
    {
        ("v1", "Namespace"): ObjectType(Kind.NAMESPACE, namespaced=False),
        ("v1", "Node"): ObjectType(Kind.NODE, namespaced=False),
        ("v1", "Pod"): ObjectType(Kind.WORKLOAD_ENDPOINT, namespaced=True),
        ("v1", "ServiceAccount"): ObjectType(Kind.SERVICE_ACCOUNT, namespaced=True),
        ("networking.k8s.io/v1", "NetworkPolicy"): ObjectType(
            Kind.K8S_NETWORK_POLICY, namespaced=True
        ),
    }
    | {(api, kind): t for api in CALICO_API_VERSIONS for kind, t in _CALICO_TYPES}
)


@dataclass(frozen=True, slots=True)
class ObjectIdentity:
    """An object's model key and its name for messages (``NetworkPolicy default/web``)."""

    key: ResourceKey
    label: str


def identify(obj: Any) -> ObjectIdentity:
    """The identity of an object from its apiVersion, kind and metadata alone.

    Raises UnknownKindError for kinds not handled and ValidationError for a
    missing or malformed name.
    """
    if not isinstance(obj, Mapping):
        raise ValidationError(
            "<object>", "", f"wrong type: expected an object, got {type_name(obj)}"
        )
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(kind, str) or not kind:
        raise UnknownKindError("<object>", "kind", "missing or not a string")
    if not isinstance(api_version, str) or not api_version:
        raise UnknownKindError(kind, "apiVersion", "missing or not a string")
    object_type = OBJECT_TYPES.get((api_version, kind))
    if object_type is None:
        raise UnknownKindError(kind, "kind", f"unknown kind {kind!r} in apiVersion {api_version!r}")
    metadata = Field(kind, obj).get("metadata")
    name = metadata.get("name").text()
    if not name:
        raise metadata.get("name").error("must not be empty")
    if not object_type.namespaced:
        return ObjectIdentity(ResourceKey(object_type.kind, "", name), f"{kind} {name}")
    namespace = metadata.get("namespace").text(DEFAULT_NAMESPACE) or DEFAULT_NAMESPACE
    return ObjectIdentity(
        ResourceKey(object_type.kind, namespace, name), f"{kind} {namespace}/{name}"
    )


def resource_key(obj: Mapping[str, Any]) -> ResourceKey:
    """The model key an object maps to, from its apiVersion, kind and metadata only."""
    return identify(obj).key
