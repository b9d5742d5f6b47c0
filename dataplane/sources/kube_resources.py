"""The Kubernetes and Calico resource types the Kubernetes source lists and watches."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WatchedResource:
    """One cluster-wide collection: its API path and the type of its items.

    ``optional`` collections (CRDs) may be absent or not readable: a 404 is
    then an empty collection and a 403 a skipped one (reported), both
    rechecked periodically, and neither holds back ``InSync``.
    ``required_for_policy``: policy cannot be enforced faithfully without it,
    so while it cannot be read every local endpoint is denied (fail closed).
    ``node_peers``: it holds the Nodes that ``nodes`` peers of cluster-admin
    policies match, so while it cannot be read (403, or 404) the rules with
    ``nodes`` peers are enforced fail-closed (other policies are not affected).
    """

    plural: str
    group_version: str
    kind: str
    optional: bool = False
    required_for_policy: bool = False
    node_peers: bool = False

    @property
    def path(self) -> str:
        """The cluster-wide collection path (``/api/v1/pods``)."""
        if "/" in self.group_version:
            return f"/apis/{self.group_version}/{self.plural}"
        return f"/api/{self.group_version}/{self.plural}"

    @property
    def name(self) -> str:
        """``plural.group`` (``plural`` for the core group): unique and readable."""
        group = self.group_version.rpartition("/")[0]
        return f"{self.plural}.{group}" if group else self.plural


CALICO_CRD_GROUP_VERSION = "crd.projectcalico.org/v1"

# The collections the Kubernetes source watches: a plain table, one entry per
# collection; new kinds are appended (an entry per kind, in API-group order).
KUBERNETES_RESOURCES = (
    WatchedResource("namespaces", "v1", "Namespace"),
    WatchedResource("serviceaccounts", "v1", "ServiceAccount"),
    WatchedResource("pods", "v1", "Pod"),
    WatchedResource(
        "networkpolicies", "networking.k8s.io/v1", "NetworkPolicy", required_for_policy=True
    ),
    # Labels and addresses for admin policies' node peers; the VTEPs of the VXLAN overlay.
    WatchedResource("nodes", "v1", "Node", optional=True, node_peers=True),
)

_CALICO = CALICO_CRD_GROUP_VERSION
CALICO_RESOURCES = (
    WatchedResource("tiers", _CALICO, "Tier", optional=True, required_for_policy=True),
    WatchedResource(
        "networkpolicies", _CALICO, "NetworkPolicy", optional=True, required_for_policy=True
    ),
    WatchedResource(
        "globalnetworkpolicies",
        _CALICO,
        "GlobalNetworkPolicy",
        optional=True,
        required_for_policy=True,
    ),
    WatchedResource("networksets", _CALICO, "NetworkSet", optional=True, required_for_policy=True),
    WatchedResource(
        "globalnetworksets", _CALICO, "GlobalNetworkSet", optional=True, required_for_policy=True
    ),
    WatchedResource("ippools", _CALICO, "IPPool", optional=True),
    WatchedResource("ipamblocks", _CALICO, "IPAMBlock", optional=True),
)

_ADMIN_V1ALPHA1 = "policy.networking.k8s.io/v1alpha1"
ADMIN_POLICY_RESOURCES = tuple(
    WatchedResource(plural, group_version, kind, optional=True, required_for_policy=True)
    for plural, group_version, kind in (
        ("adminnetworkpolicies", _ADMIN_V1ALPHA1, "AdminNetworkPolicy"),
        ("baselineadminnetworkpolicies", _ADMIN_V1ALPHA1, "BaselineAdminNetworkPolicy"),
        ("clusternetworkpolicies", "policy.networking.k8s.io/v1alpha2", "ClusterNetworkPolicy"),
    )
)
"""The cluster-admin policy CRDs (network-policy-api): optional like Calico's, and
needed for policy like them (unreadable: local endpoints are denied)."""

DEFAULT_RESOURCES = KUBERNETES_RESOURCES + CALICO_RESOURCES + ADMIN_POLICY_RESOURCES
