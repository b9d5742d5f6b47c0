"""Which model kind and key a Kubernetes or Calico object maps to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from dataplane.convert.fields import Field, type_name
from dataplane.errors import UnreadableResourceError, ValidationError
from dataplane.model import Kind, ResourceKey

DEFAULT_NAMESPACE = "default"

POLICY_API_GROUPS = frozenset(
    {"crd.projectcalico.org", "networking.k8s.io", "policy.networking.k8s.io", "projectcalico.org"}
)
"""Groups whose every kind may hold policy: a kind or version not known there is an error."""


class UnknownKindError(ValidationError):
    """An object of a kind this dataplane does not use (outside the policy API groups, or
    known there and not enforced on workloads): callers log it and skip it."""


@dataclass(frozen=True, slots=True)
class ObjectType:
    """The model kind an (apiVersion, kind) pair becomes (None: known, not used), and
    whether it is namespaced."""

    kind: Kind | None
    namespaced: bool


CORE = ("v1",)
K8S_NETWORKING = ("networking.k8s.io/v1",)
CALICO = ("projectcalico.org/v3", "crd.projectcalico.org/v1")
CALICO_CRD = ("crd.projectcalico.org/v1",)
ADMIN_V1ALPHA1 = ("policy.networking.k8s.io/v1alpha1",)
ADMIN_V1ALPHA2 = ("policy.networking.k8s.io/v1alpha2",)
NAMESPACED, CLUSTER = True, False

# Every kind the dataplane reads or knowingly skips: (kind, apiVersions, model kind or
# None for "known, not used", namespaced). Append new kinds; keep the list sorted by kind.
KNOWN_KINDS: tuple[tuple[str, tuple[str, ...], Kind | None, bool], ...] = (
    ("AdminNetworkPolicy", ADMIN_V1ALPHA1, Kind.ADMIN_NETWORK_POLICY, CLUSTER),
    ("BaselineAdminNetworkPolicy", ADMIN_V1ALPHA1, Kind.BASELINE_ADMIN_NETWORK_POLICY, CLUSTER),
    ("BGPConfiguration", CALICO, None, CLUSTER),
    ("BGPFilter", CALICO, None, CLUSTER),
    ("BGPPeer", CALICO, None, CLUSTER),
    ("BlockAffinity", CALICO, None, CLUSTER),
    ("CalicoNodeStatus", CALICO, None, CLUSTER),
    ("ClusterInformation", CALICO, None, CLUSTER),
    ("ClusterNetworkPolicy", ADMIN_V1ALPHA2, Kind.CLUSTER_NETWORK_POLICY, CLUSTER),
    ("FelixConfiguration", CALICO, None, CLUSTER),
    ("GlobalNetworkPolicy", CALICO, Kind.GLOBAL_NETWORK_POLICY, CLUSTER),
    ("GlobalNetworkSet", CALICO, Kind.GLOBAL_NETWORK_SET, CLUSTER),
    ("HostEndpoint", CALICO, None, CLUSTER),
    ("IPAMBlock", CALICO, Kind.IPAM_BLOCK, CLUSTER),
    ("IPAMConfig", CALICO_CRD, None, CLUSTER),
    ("IPAMConfiguration", CALICO, None, CLUSTER),
    ("IPAMHandle", CALICO_CRD, None, CLUSTER),
    ("IPPool", CALICO, Kind.IP_POOL, CLUSTER),
    ("IPReservation", CALICO, None, CLUSTER),
    ("Ingress", K8S_NETWORKING, None, NAMESPACED),
    ("IngressClass", K8S_NETWORKING, None, CLUSTER),
    ("KubeControllersConfiguration", CALICO, None, CLUSTER),
    ("Namespace", CORE, Kind.NAMESPACE, CLUSTER),
    ("NetworkPolicy", CALICO, Kind.NETWORK_POLICY, NAMESPACED),
    ("NetworkPolicy", K8S_NETWORKING, Kind.K8S_NETWORK_POLICY, NAMESPACED),
    ("NetworkSet", CALICO, Kind.NETWORK_SET, NAMESPACED),
    ("Node", CALICO, Kind.CALICO_NODE, CLUSTER),
    ("Node", CORE, Kind.NODE, CLUSTER),
    ("Pod", CORE, Kind.WORKLOAD_ENDPOINT, NAMESPACED),
    ("Profile", CALICO, None, CLUSTER),
    ("ServiceAccount", CORE, Kind.SERVICE_ACCOUNT, NAMESPACED),
    ("StagedGlobalNetworkPolicy", CALICO, None, CLUSTER),
    ("StagedKubernetesNetworkPolicy", CALICO, None, NAMESPACED),
    ("StagedNetworkPolicy", CALICO, None, NAMESPACED),
    ("Tier", CALICO, Kind.TIER, CLUSTER),
)

OBJECT_TYPES: Mapping[tuple[str, str], ObjectType] = MappingProxyType(
    {
        (api, kind): ObjectType(model, namespaced)
        for kind, versions, model, namespaced in KNOWN_KINDS
        for api in versions
    }
)


def api_group(api_version: str) -> str:
    """The group of an apiVersion ("" for the core group)."""
    return api_version.rpartition("/")[0]


@dataclass(frozen=True, slots=True)
class ObjectIdentity:
    """An object's model key and its name for messages (``NetworkPolicy default/web``)."""

    key: ResourceKey
    label: str


def identify(obj: Any) -> ObjectIdentity:
    """The identity of an object from its apiVersion, kind and metadata alone.

    Raises UnknownKindError for kinds not used (outside the policy API groups,
    or known there and not enforced) and UnreadableResourceError for a missing
    kind or apiVersion, a kind or version of a policy API group not known, or a
    missing or malformed name.
    """
    if not isinstance(obj, Mapping):
        raise UnreadableResourceError(
            "<object>", "", f"wrong type: expected an object, got {type_name(obj)}"
        )
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(kind, str) or not kind:
        raise UnreadableResourceError("<object>", "kind", "missing or not a string")
    if not isinstance(api_version, str) or not api_version:
        raise UnreadableResourceError(kind, "apiVersion", "missing or not a string")
    object_type = OBJECT_TYPES.get((api_version, kind))
    if object_type is None:
        message = f"unknown kind {kind!r} in apiVersion {api_version!r}"
        if api_group(api_version) in POLICY_API_GROUPS:
            raise UnreadableResourceError(kind, "kind", message)
        raise UnknownKindError(kind, "kind", message)
    if object_type.kind is None:
        raise UnknownKindError(kind, "kind", f"{api_version} {kind} is not used by this dataplane")
    plain = _plain_identity(object_type.kind, object_type.namespaced, kind, obj.get("metadata"))
    return _checked_identity(object_type, kind, obj) if plain is None else plain


def _plain_identity(
    model: Kind, namespaced: bool, kind: str, metadata: Any
) -> ObjectIdentity | None:
    """The identity of metadata with a non-empty string name (and namespace, when
    namespaced), read without ``Field`` wrappers; None for anything else."""
    if type(metadata) is not dict:
        return None
    name = metadata.get("name")
    if type(name) is not str or not name:
        return None
    if not namespaced:
        return _identity(model, kind, "", name)
    namespace = metadata.get("namespace")
    if type(namespace) is not str or not namespace:
        return None
    return _identity(model, kind, namespace, name)


def _checked_identity(object_type: ObjectType, kind: str, obj: Mapping[str, Any]) -> ObjectIdentity:
    """``identify``'s reading of metadata field by field, raising the error of a bad one."""
    assert object_type.kind is not None
    metadata = Field(kind, obj).get("metadata")
    try:
        name = metadata.get("name").text()
        if not name:
            raise metadata.get("name").error("must not be empty")
        namespace = (
            metadata.get("namespace").text(DEFAULT_NAMESPACE) or DEFAULT_NAMESPACE
            if object_type.namespaced
            else ""
        )
    except ValidationError as error:
        raise UnreadableResourceError(error.resource, error.field, error.message) from None
    return _identity(object_type.kind, kind, namespace, name)


def _identity(model: Kind, kind: str, namespace: str, name: str) -> ObjectIdentity:
    label = f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"
    return ObjectIdentity(ResourceKey(model, namespace, name), label)


def resource_key(obj: Mapping[str, Any]) -> ResourceKey:
    """The model key an object maps to, from its apiVersion, kind and metadata only."""
    return identify(obj).key
