"""Value types for the non-policy resources: namespaces, endpoints, sets, tiers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dataplane.model.keys import Kind, ResourceKey
from dataplane.model.labels import EMPTY_LABELS, Labels


class Action(StrEnum):
    """What a rule (or a tier's default) does with a matching packet."""

    ALLOW = "Allow"
    DENY = "Deny"
    PASS = "Pass"
    LOG = "Log"


@dataclass(frozen=True, slots=True)
class Namespace:
    """A Kubernetes namespace; its labels are inherited by its endpoints."""

    name: str
    labels: Labels = EMPTY_LABELS

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(Kind.NAMESPACE, "", self.name)


@dataclass(frozen=True, slots=True)
class ServiceAccount:
    """A Kubernetes service account; its labels are inherited by its endpoints."""

    namespace: str
    name: str
    labels: Labels = EMPTY_LABELS

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(Kind.SERVICE_ACCOUNT, self.namespace, self.name)


@dataclass(frozen=True, slots=True)
class NamedPort:
    """A container port with a name, as declared in a pod spec."""

    name: str
    protocol: int
    port: int


@dataclass(frozen=True, slots=True)
class WorkloadEndpoint:
    """A pod with an IP address: a policy target when local, a set member everywhere.

    ``addresses`` holds canonical IP strings (IPv4 and/or IPv6, no prefix length).
    ``created`` is the pod's creationTimestamp as given (RFC 3339, "" unknown) and
    ``deleting`` whether it has a deletionTimestamp: they decide which of two
    local pods claiming one address is programmed.
    """

    namespace: str
    name: str
    node: str
    addresses: tuple[str, ...]
    labels: Labels = EMPTY_LABELS
    ports: tuple[NamedPort, ...] = ()
    service_account: str = ""
    created: str = ""
    deleting: bool = False

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(Kind.WORKLOAD_ENDPOINT, self.namespace, self.name)


@dataclass(frozen=True, slots=True)
class NetworkSet:
    """A labelled list of CIDRs; ``namespace == ""`` means a GlobalNetworkSet."""

    namespace: str
    name: str
    nets: tuple[str, ...]
    labels: Labels = EMPTY_LABELS

    @property
    def key(self) -> ResourceKey:
        kind = Kind.NETWORK_SET if self.namespace else Kind.GLOBAL_NETWORK_SET
        return ResourceKey(kind, self.namespace, self.name)


@dataclass(frozen=True, slots=True)
class Tier:
    """An ordered bucket of policies; ``order`` None sorts last."""

    name: str
    order: float | None = None
    default_action: Action = Action.DENY

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(Kind.TIER, "", self.name)


DEFAULT_TIER = Tier(name="default", order=1_000_000.0)
ADMIN_TIER = Tier(name="adminnetworkpolicy", order=1000.0, default_action=Action.PASS)
"""AdminNetworkPolicies and Admin-tier ClusterNetworkPolicies (Calico's tier)."""
BASELINE_TIER = Tier(
    name="baselineadminnetworkpolicy", order=10_000_000.0, default_action=Action.PASS
)
"""The BaselineAdminNetworkPolicy and Baseline-tier ClusterNetworkPolicies (Calico's tier)."""
BUILTIN_TIERS = {tier.name: tier for tier in (ADMIN_TIER, DEFAULT_TIER, BASELINE_TIER)}
"""Tiers that exist without a Tier object, with their fixed order and default action."""


@dataclass(frozen=True, slots=True)
class Profile:
    """A Calico profile: labels it applies to the endpoints that carry it.

    Endpoints from Kubernetes carry the namespace and service-account profiles,
    which allow all traffic: the core treats "no tier applies" (or a ``Pass``
    out of the last tier) as allow.
    """

    name: str
    labels_to_apply: Labels = EMPTY_LABELS

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(Kind.PROFILE, "", self.name)
