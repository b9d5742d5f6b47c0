"""Resource kinds and the keys that identify resources across the pipeline."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Kind(StrEnum):
    """Every kind of resource the core understands."""

    NAMESPACE = "Namespace"
    SERVICE_ACCOUNT = "ServiceAccount"
    WORKLOAD_ENDPOINT = "WorkloadEndpoint"
    NETWORK_SET = "NetworkSet"
    GLOBAL_NETWORK_SET = "GlobalNetworkSet"
    TIER = "Tier"
    PROFILE = "Profile"
    K8S_NETWORK_POLICY = "KubernetesNetworkPolicy"
    NETWORK_POLICY = "NetworkPolicy"
    GLOBAL_NETWORK_POLICY = "GlobalNetworkPolicy"
    IP_POOL = "IPPool"
    IPAM_BLOCK = "IPAMBlock"
    ADMIN_NETWORK_POLICY = "AdminNetworkPolicy"
    BASELINE_ADMIN_NETWORK_POLICY = "BaselineAdminNetworkPolicy"
    CLUSTER_NETWORK_POLICY = "ClusterNetworkPolicy"
    NODE = "Node"
    CALICO_NODE = "CalicoNode"
    UNREADABLE_NODES = "UnreadableNodes"


ADMIN_POLICY_KINDS = frozenset(
    {Kind.ADMIN_NETWORK_POLICY, Kind.BASELINE_ADMIN_NETWORK_POLICY, Kind.CLUSTER_NETWORK_POLICY}
)
"""The cluster-admin policy kinds (policy.networking.k8s.io), enforced through tiers."""

POLICY_KINDS = (
    frozenset({Kind.K8S_NETWORK_POLICY, Kind.NETWORK_POLICY, Kind.GLOBAL_NETWORK_POLICY})
    | ADMIN_POLICY_KINDS
)
ROUTE_KINDS = frozenset({Kind.IP_POOL, Kind.IPAM_BLOCK, Kind.NODE, Kind.CALICO_NODE})


class ResourceKey(NamedTuple):
    """Identity of one resource: kind, namespace ("" when cluster-scoped) and name.

    A named tuple rather than a dataclass: keys are hashed on every index and
    dict lookup of the pipeline, and a tuple hashes in C.
    """

    kind: Kind
    namespace: str
    name: str

    def __str__(self) -> str:
        if self.namespace:
            return f"{self.kind}({self.namespace}/{self.name})"
        return f"{self.kind}({self.name})"
