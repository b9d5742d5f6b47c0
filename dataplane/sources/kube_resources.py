"""The Kubernetes and Calico resource types the Kubernetes source lists and watches."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WatchedResource:
    """One cluster-wide collection: its API path and the type of its items.

    ``optional`` collections (Calico CRDs) may be absent: a 404 is then an empty
    collection, rechecked periodically, rather than an error.
    """

    plural: str
    group_version: str
    kind: str
    optional: bool = False

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

KUBERNETES_RESOURCES = (
    WatchedResource("namespaces", "v1", "Namespace"),
    WatchedResource("serviceaccounts", "v1", "ServiceAccount"),
    WatchedResource("pods", "v1", "Pod"),
    WatchedResource("networkpolicies", "networking.k8s.io/v1", "NetworkPolicy"),
    WatchedResource("nodes", "v1", "Node"),  # the VTEPs of the VXLAN overlay (annotations)
)

CALICO_RESOURCES = tuple(
    WatchedResource(plural, CALICO_CRD_GROUP_VERSION, kind, optional=True)
    for plural, kind in (
        ("tiers", "Tier"),
        ("networkpolicies", "NetworkPolicy"),
        ("globalnetworkpolicies", "GlobalNetworkPolicy"),
        ("networksets", "NetworkSet"),
        ("globalnetworksets", "GlobalNetworkSet"),
        ("ippools", "IPPool"),
        ("ipamblocks", "IPAMBlock"),
    )
)

DEFAULT_RESOURCES = KUBERNETES_RESOURCES + CALICO_RESOURCES
