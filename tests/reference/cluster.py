"""The cluster the reference reads: raw Kubernetes and Calico manifests, and their views.

The manifests are read here directly (SEMANTICS.md, the Kubernetes and Calico
API references), not through ``dataplane.convert``: a conversion bug in the
product shows up as a disagreement.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

Manifest = Mapping[str, Any]
Identity = tuple[str, str, str, str]  # (apiVersion group, kind, namespace, name)

NAMESPACE_LABEL = "projectcalico.org/namespace"
ORCHESTRATOR_LABEL = "projectcalico.org/orchestrator"
SERVICE_ACCOUNT_LABEL = "projectcalico.org/serviceaccount"
NAME_LABEL = "projectcalico.org/name"
K8S_NAME_LABEL = "kubernetes.io/metadata.name"
NAMESPACE_PREFIX = "pcns."
SERVICE_ACCOUNT_PREFIX = "pcsa."
PROTOCOLS = {"TCP": 6, "UDP": 17, "SCTP": 132, "ICMP": 1, "ICMPV6": 58, "UDPLITE": 136}
NAMESPACED = frozenset({"Pod", "ServiceAccount", "NetworkPolicy", "NetworkSet"})


def protocol_number(value: str | int) -> int:
    """A protocol name (any case) or number as its IANA number."""
    return value if isinstance(value, int) else PROTOCOLS[value.upper()]


def identity(manifest: Manifest) -> Identity:
    """Which object a manifest is: its group, kind, namespace and name."""
    metadata = manifest.get("metadata") or {}
    kind = manifest["kind"]
    namespace = (metadata.get("namespace") or "default") if kind in NAMESPACED else ""
    group = manifest["apiVersion"].rpartition("/")[0]
    if group == "crd.projectcalico.org":
        group = "projectcalico.org"
    return group, kind, namespace, metadata["name"]


@dataclass(frozen=True, slots=True)
class NamedPort:
    name: str
    protocol: int
    number: int


@dataclass(frozen=True, slots=True)
class Pod:
    """A running pod with addresses: the only thing policies select."""

    namespace: str
    name: str
    addresses: tuple[str, ...]
    labels: Mapping[str, str]
    ports: tuple[NamedPort, ...]
    service_account: str


@dataclass(frozen=True, slots=True)
class NetworkSet:
    """A (Global)NetworkSet: labelled nets; ``namespace`` "" when global."""

    namespace: str
    name: str
    nets: tuple[str, ...]
    labels: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    order: float | None
    default_action: str


DEFAULT_TIER = Tier("default", 1_000_000.0, "Deny")
ADMIN_TIER, BASELINE_TIER = "adminnetworkpolicy", "baselineadminnetworkpolicy"
ADMIN_TIERS = {
    ADMIN_TIER: Tier(ADMIN_TIER, 1000.0, "Pass"),
    BASELINE_TIER: Tier(BASELINE_TIER, 10_000_000.0, "Pass"),
}
"""The cluster-admin policies' tiers, where Calico places them, passing on what nothing
matched."""


def _labels(manifest: Manifest) -> dict[str, str]:
    return dict((manifest.get("metadata") or {}).get("labels") or {})


def _canonical(ip: str) -> str:
    return str(ipaddress.ip_address(ip))


def _pod(manifest: Manifest) -> Pod | None:
    """A pod as an endpoint; None while it has no address, once finished, or on the host
    network."""
    spec, status = manifest.get("spec") or {}, manifest.get("status") or {}
    if spec.get("hostNetwork") or status.get("phase") in ("Succeeded", "Failed"):
        return None
    ips = [entry["ip"] for entry in status.get("podIPs") or ()]
    if not ips and status.get("podIP"):
        ips = [status["podIP"]]
    if not ips:
        return None
    ports = tuple(
        NamedPort(port["name"], protocol_number(port.get("protocol", "TCP")), port["containerPort"])
        for container in spec.get("containers") or ()
        for port in container.get("ports") or ()
        if port.get("name")
    )
    _, _, namespace, name = identity(manifest)
    account = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    return Pod(
        namespace,
        name,
        tuple(dict.fromkeys(_canonical(ip) for ip in ips)),
        _labels(manifest),
        tuple(dict.fromkeys(ports)),
        account,
    )


@dataclass(frozen=True, eq=False)
class Cluster:
    """Manifests by identity, the node's host addresses (whose traffic to a pod the
    agent always allows), and whether the agent may not read the cluster's Nodes. ``of``
    builds one, ``apply`` evolves it: both return new clusters."""

    manifests: Mapping[Identity, Manifest] = field(default_factory=lambda: MappingProxyType({}))
    host_addresses: frozenset[str] = frozenset()
    nodes_unreadable: bool = False

    @classmethod
    def of(
        cls,
        manifests: Iterable[Manifest],
        host_addresses: Iterable[str] = (),
        nodes_unreadable: bool = False,
    ) -> Cluster:
        """A cluster holding ``manifests`` (a later one with the same identity wins);
        ``nodes_unreadable``: the agent may not read the cluster's Nodes."""
        table = {identity(m): m for m in manifests}
        return cls(MappingProxyType(table), frozenset(host_addresses), nodes_unreadable)

    def apply(self, operation: str, manifest: Manifest) -> Cluster:
        """The cluster after ``"upsert"`` or ``"delete"`` of one manifest."""
        table = dict(self.manifests)
        if operation == "delete":
            table.pop(identity(manifest), None)
        else:
            table[identity(manifest)] = manifest
        return Cluster(MappingProxyType(table), self.host_addresses, self.nodes_unreadable)

    def of_kind(self, group: str, kind: str) -> list[Manifest]:
        return [m for (g, k, _, _), m in self.manifests.items() if (g, k) == (group, kind)]

    # -- views ---------------------------------------------------------------------

    @cached_property
    def pods(self) -> Mapping[tuple[str, str], Pod]:
        found = (_pod(m) for m in self.of_kind("", "Pod"))
        return {(p.namespace, p.name): p for p in found if p is not None}

    @property
    def endpoints(self) -> tuple[Pod, ...]:
        return tuple(self.pods.values())

    def pod(self, namespace: str, name: str) -> Pod:
        return self.pods[(namespace, name)]

    @cached_property
    def network_sets(self) -> tuple[NetworkSet, ...]:
        found = []
        for kind in ("NetworkSet", "GlobalNetworkSet"):
            for m in self.of_kind("projectcalico.org", kind):
                _, _, namespace, name = identity(m)
                nets = tuple((m.get("spec") or {}).get("nets") or ())
                found.append(NetworkSet(namespace, name, nets, _labels(m)))
        return tuple(found)

    @cached_property
    def _namespace_labels(self) -> Mapping[str, Mapping[str, str]]:
        found: dict[str, Mapping[str, str]] = {}
        for m in self.of_kind("", "Namespace"):
            name = identity(m)[3]
            found[name] = {K8S_NAME_LABEL: name, **_labels(m), NAME_LABEL: name}
        return found

    @cached_property
    def _service_account_labels(self) -> Mapping[tuple[str, str], Mapping[str, str]]:
        found: dict[tuple[str, str], Mapping[str, str]] = {}
        for m in self.of_kind("", "ServiceAccount"):
            _, _, namespace, name = identity(m)
            found[(namespace, name)] = {**_labels(m), NAME_LABEL: name}
        return found

    def namespace_labels(self, namespace: str) -> Mapping[str, str]:
        """A namespace's labels (with its name labels); empty when unknown."""
        return self._namespace_labels.get(namespace, {})

    def service_account_labels(self, namespace: str, name: str) -> Mapping[str, str]:
        """A service account's labels (with its name label); empty when unknown."""
        return self._service_account_labels.get((namespace, name), {})

    def tier(self, name: str) -> Tier:
        """A declared tier, or a cluster-admin one; another undeclared one sorts last and
        denies by default."""
        for m in self.of_kind("projectcalico.org", "Tier"):
            if identity(m)[3] == name:
                spec = m.get("spec") or {}
                order = spec.get("order")
                return Tier(
                    name,
                    None if order is None else float(order),
                    spec.get("defaultAction") or "Deny",
                )
        if name in ADMIN_TIERS:
            return ADMIN_TIERS[name]
        return DEFAULT_TIER if name == DEFAULT_TIER.name else Tier(name, None, "Deny")

    def pod_labels(self, pod: Pod) -> dict[str, str]:
        """What a selector sees on a pod: inherited, own and well-known labels."""
        labels = {NAMESPACE_PREFIX + k: v for k, v in self.namespace_labels(pod.namespace).items()}
        account = self.service_account_labels(pod.namespace, pod.service_account)
        labels.update((SERVICE_ACCOUNT_PREFIX + k, v) for k, v in account.items())
        labels.update(pod.labels)
        labels[NAMESPACE_LABEL] = pod.namespace
        labels[ORCHESTRATOR_LABEL] = "k8s"
        labels[SERVICE_ACCOUNT_LABEL] = pod.service_account
        return labels

    def network_set_labels(self, network_set: NetworkSet) -> dict[str, str]:
        """What a selector sees on a network set (namespaced ones inherit)."""
        if not network_set.namespace:
            return dict(network_set.labels)
        labels = {
            NAMESPACE_PREFIX + k: v for k, v in self.namespace_labels(network_set.namespace).items()
        }
        labels.update(network_set.labels)
        labels[NAMESPACE_LABEL] = network_set.namespace
        return labels

    def pod_with_address(self, ip: str) -> Pod | None:
        """The pod that owns ``ip``, if any."""
        for pod in self.pods.values():
            if ip in pod.addresses:
                return pod
        return None
