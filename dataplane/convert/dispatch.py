"""Converting one Kubernetes or Calico object into one model update."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from dataplane.convert.admin_policy import (
    convert_admin_network_policy,
    convert_baseline_admin_network_policy,
    convert_cluster_network_policy,
)
from dataplane.convert.calico_policy import convert_calico_policy
from dataplane.convert.calico_resources import convert_network_set, convert_tier
from dataplane.convert.fields import Field
from dataplane.convert.identity import ObjectIdentity, identify
from dataplane.convert.k8s_policy import convert_k8s_network_policy
from dataplane.convert.kubernetes import (
    convert_namespace,
    convert_node,
    convert_pod,
    convert_service_account,
)
from dataplane.convert.routes import convert_calico_node, convert_ip_pool, convert_ipam_block
from dataplane.model import Delete, Kind, Resource, Upsert

Converter = Callable[[ObjectIdentity, Field], Resource | Delete]


CONVERTERS: Mapping[Kind, Converter] = MappingProxyType(
    {
        Kind.NAMESPACE: convert_namespace,
        Kind.SERVICE_ACCOUNT: convert_service_account,
        Kind.WORKLOAD_ENDPOINT: convert_pod,
        Kind.K8S_NETWORK_POLICY: convert_k8s_network_policy,
        Kind.NETWORK_POLICY: convert_calico_policy,
        Kind.GLOBAL_NETWORK_POLICY: convert_calico_policy,
        Kind.TIER: convert_tier,
        Kind.NETWORK_SET: convert_network_set,
        Kind.GLOBAL_NETWORK_SET: convert_network_set,
        Kind.ADMIN_NETWORK_POLICY: convert_admin_network_policy,
        Kind.BASELINE_ADMIN_NETWORK_POLICY: convert_baseline_admin_network_policy,
        Kind.CLUSTER_NETWORK_POLICY: convert_cluster_network_policy,
        Kind.IP_POOL: convert_ip_pool,
        Kind.IPAM_BLOCK: convert_ipam_block,
        Kind.NODE: convert_node,
        Kind.CALICO_NODE: convert_calico_node,
    }
)


def convert(obj: Mapping[str, Any]) -> Upsert | Delete:
    """One object as one model update.

    Raises UnknownKindError for kinds not handled and ValidationError (naming
    the resource and the field path) for anything invalid.
    """
    return convert_identified(identify(obj), obj)


def convert_identified(identity: ObjectIdentity, obj: Mapping[str, Any]) -> Upsert | Delete:
    """``convert`` of an object whose ``identify(obj)`` is already known (``identity``)."""
    result = CONVERTERS[identity.key.kind](identity, Field(identity.label, obj))
    return result if isinstance(result, Delete) else Upsert(result)
