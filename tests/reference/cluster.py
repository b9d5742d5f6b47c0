"""The cluster state the reference evaluator reads: resources by key, plus their views."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

from dataplane.model import (
    DEFAULT_TIER,
    Action,
    Delete,
    InSync,
    Namespace,
    NetworkSet,
    Node,
    Policy,
    Resource,
    ResourceKey,
    ServiceAccount,
    Tier,
    Update,
    Upsert,
    WorkloadEndpoint,
)
from dataplane.model.wellknown import (
    K8S_ORCHESTRATOR,
    NAMESPACE_LABEL,
    NAMESPACE_LABEL_PREFIX,
    ORCHESTRATOR_LABEL,
    SERVICE_ACCOUNT_LABEL,
    SERVICE_ACCOUNT_LABEL_PREFIX,
)

T = TypeVar("T")
ADMIN_KINDS = ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy")
ADMIN_API_GROUP = "policy.networking.k8s.io/"
ADMIN_TIERS = {"adminnetworkpolicy": 1000.0, "baselineadminnetworkpolicy": 10_000_000.0}


def _frozen(mapping: dict[ResourceKey, Resource]) -> Mapping[ResourceKey, Resource]:
    return MappingProxyType(mapping)


@dataclass(frozen=True, slots=True, eq=False)
class Cluster:
    """Every resource the policy semantics depend on, and the node's host addresses.

    Build one with :meth:`of` and evolve it with :meth:`apply`; both return new
    clusters. Host addresses are the node's own IPs, whose traffic to a pod the
    agent always allows.
    """

    resources: Mapping[ResourceKey, Resource] = field(default_factory=lambda: _frozen({}))
    host_addresses: frozenset[str] = frozenset()
    admin_manifests: Mapping[tuple[str, str], Mapping[str, Any]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    """The cluster-admin policies as written, by (kind, name): the reference reads them
    itself (tests/reference/admin.py), not through the pipeline's conversion."""

    @classmethod
    def of(cls, resources: Iterable[Resource], host_addresses: Iterable[str] = ()) -> Cluster:
        """A cluster holding ``resources`` (a later resource with the same key wins)."""
        return cls(_frozen({r.key: r for r in resources}), frozenset(host_addresses))

    def apply(self, update: Update) -> Cluster:
        """The cluster after one update (deleting an unknown key changes nothing)."""
        if isinstance(update, InSync):
            return self
        table = dict(self.resources)
        admin = self.admin_manifests
        if isinstance(update, Upsert):
            table[update.key] = update.value
        elif isinstance(update, Delete):
            table.pop(update.key, None)
            gone = (str(update.key.kind), update.key.name)
            if gone in admin:
                admin = MappingProxyType({k: v for k, v in admin.items() if k != gone})
        return Cluster(_frozen(table), self.host_addresses, admin)

    def with_manifests(self, manifests: Iterable[Mapping[str, Any]]) -> Cluster:
        """The cluster holding the cluster-admin policies among ``manifests`` as written
        (other manifests reach the cluster as updates, through ``apply``)."""
        admin = dict(self.admin_manifests)
        for manifest in manifests:
            kind = manifest.get("kind")
            if kind in ADMIN_KINDS and str(manifest.get("apiVersion")).startswith(ADMIN_API_GROUP):
                admin[(kind, manifest["metadata"]["name"])] = manifest
        return Cluster(self.resources, self.host_addresses, MappingProxyType(admin))

    def _of_type(self, kind: type[T]) -> tuple[T, ...]:
        return tuple(r for r in self.resources.values() if isinstance(r, kind))

    @property
    def endpoints(self) -> tuple[WorkloadEndpoint, ...]:
        return self._of_type(WorkloadEndpoint)

    @property
    def network_sets(self) -> tuple[NetworkSet, ...]:
        return self._of_type(NetworkSet)

    @property
    def nodes(self) -> tuple[Node, ...]:
        return self._of_type(Node)

    @property
    def policies(self) -> tuple[Policy, ...]:
        return self._of_type(Policy)

    def tier(self, name: str) -> Tier:
        """The named tier; the cluster-admin tiers exist at Calico's orders with a Pass
        default; another undeclared tier sorts last and denies by default."""
        for tier in self._of_type(Tier):
            if tier.name == name:
                return tier
        if name in ADMIN_TIERS:
            return Tier(name, ADMIN_TIERS[name], Action.PASS)
        return DEFAULT_TIER if name == DEFAULT_TIER.name else Tier(name=name)

    def namespace_labels(self, namespace: str) -> Mapping[str, str]:
        """The labels of a namespace (empty when the namespace is unknown)."""
        for ns in self._of_type(Namespace):
            if ns.name == namespace:
                return ns.labels
        return {}

    def service_account_labels(self, namespace: str, name: str) -> Mapping[str, str]:
        """The labels of a service account (empty when unknown)."""
        for sa in self._of_type(ServiceAccount):
            if sa.namespace == namespace and sa.name == name:
                return sa.labels
        return {}

    def endpoint_labels(self, endpoint: WorkloadEndpoint) -> dict[str, str]:
        """What a selector sees on an endpoint: own, inherited and well-known labels."""
        labels: dict[str, str] = {}
        for key, value in self.namespace_labels(endpoint.namespace).items():
            labels[NAMESPACE_LABEL_PREFIX + key] = value
        if endpoint.service_account:
            sa_labels = self.service_account_labels(endpoint.namespace, endpoint.service_account)
            for key, value in sa_labels.items():
                labels[SERVICE_ACCOUNT_LABEL_PREFIX + key] = value
            labels[SERVICE_ACCOUNT_LABEL] = endpoint.service_account
        labels.update(endpoint.labels)
        labels[NAMESPACE_LABEL] = endpoint.namespace
        labels[ORCHESTRATOR_LABEL] = K8S_ORCHESTRATOR
        return labels

    def network_set_labels(self, network_set: NetworkSet) -> dict[str, str]:
        """What a selector sees on a network set (namespaced ones inherit namespace labels)."""
        labels: dict[str, str] = {}
        if network_set.namespace:
            for key, value in self.namespace_labels(network_set.namespace).items():
                labels[NAMESPACE_LABEL_PREFIX + key] = value
        labels.update(network_set.labels)
        if network_set.namespace:
            labels[NAMESPACE_LABEL] = network_set.namespace
        return labels

    def endpoint_with_address(self, ip: str) -> WorkloadEndpoint | None:
        """The endpoint that owns ``ip``, if any."""
        for endpoint in self.endpoints:
            if ip in endpoint.addresses:
                return endpoint
        return None
