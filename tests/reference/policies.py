"""Kubernetes and Calico policy manifests as the reference sees them: whom they select,
in which tier and order, and their rules per direction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tests.reference.cluster import Cluster, Manifest, Pod, identity
from tests.reference.matching import (
    EGRESS,
    INGRESS,
    Packet,
    PolicyScope,
    calico_rule_matches,
    k8s_rule_matches,
)
from tests.reference.selectors import ALL, calico, label_selector

K8S_ORDER = 1000.0

Matcher = Callable[[Cluster, Packet], bool]


@dataclass(frozen=True, slots=True)
class RuleView:
    """One rule: its action and whether it matches a packet; ``label`` names it."""

    action: str
    matches: Matcher
    label: str


@dataclass(frozen=True, slots=True)
class PolicyView:
    """One policy: its place (tier, order, name), directions, selection and rules."""

    label: str
    namespace: str
    name: str
    tier: str
    order: float | None
    types: frozenset[str]
    selects: Callable[[Cluster, Pod], bool]
    ingress: tuple[RuleView, ...]
    egress: tuple[RuleView, ...]

    def rules(self, direction: str) -> tuple[RuleView, ...]:
        return self.ingress if direction == INGRESS else self.egress

    @property
    def sort_key(self) -> tuple[bool, float, str, str]:
        """Ascending order, a missing order last, ties by name (then namespace)."""
        return (self.order is None, self.order or 0.0, self.name, self.namespace)


def _k8s(manifest: Manifest) -> PolicyView:
    """A NetworkPolicy: default tier, order 1000, Allow rules; Egress is a default type
    only when ``spec.egress`` is present."""
    _, _, namespace, name = identity(manifest)
    spec = manifest.get("spec") or {}
    types = frozenset(spec.get("policyTypes") or ())
    if not types:
        types = frozenset({INGRESS, EGRESS} if spec.get("egress") is not None else {INGRESS})
    pods = label_selector(spec.get("podSelector") or {})
    label = f"KubernetesNetworkPolicy {namespace}/{name}"

    def selects(_cluster: Cluster, pod: Pod) -> bool:
        return pod.namespace == namespace and pods.matches(pod.labels)

    def rules(direction: str) -> tuple[RuleView, ...]:
        entries = spec.get("ingress" if direction == INGRESS else "egress") or ()
        return tuple(
            RuleView(
                "Allow",
                lambda cluster, packet, r=rule: k8s_rule_matches(
                    cluster, namespace, r, direction, packet
                ),
                f"{label} {direction} rule {index}",
            )
            for index, rule in enumerate(entries)
        )

    return PolicyView(
        label, namespace, name, "default", K8S_ORDER, types, selects, rules(INGRESS), rules(EGRESS)
    )


def _calico(manifest: Manifest) -> PolicyView:
    """A Calico (Global)NetworkPolicy, with Calico's defaulting of ``types``."""
    _, kind, namespace, name = identity(manifest)
    spec: Mapping[str, Any] = manifest.get("spec") or {}
    ingress, egress = spec.get("ingress") or (), spec.get("egress") or ()
    types = frozenset(spec.get("types") or ())
    if not types:
        types = frozenset(
            {EGRESS} if egress and not ingress else {INGRESS, EGRESS} if egress else {INGRESS}
        )
    endpoints = calico(spec.get("selector")) or ALL
    namespaces = calico(spec.get("namespaceSelector")) if not namespace else None
    accounts = calico(spec.get("serviceAccountSelector"))
    label = f"{kind} {namespace + '/' if namespace else ''}{name}"
    scope = PolicyScope(namespace)

    def selects(cluster: Cluster, pod: Pod) -> bool:
        if namespace and pod.namespace != namespace:
            return False
        if namespaces is not None and (
            namespaces.is_global or not namespaces.matches(cluster.namespace_labels(pod.namespace))
        ):
            return False
        if accounts is not None and not accounts.matches(
            cluster.service_account_labels(pod.namespace, pod.service_account)
        ):
            return False
        return endpoints.matches(cluster.pod_labels(pod))

    def rules(direction: str, entries: Any) -> tuple[RuleView, ...]:
        return tuple(
            RuleView(
                rule["action"],
                lambda cluster, packet, r=rule: calico_rule_matches(cluster, scope, r, packet),
                f"{label} {direction} rule {index}",
            )
            for index, rule in enumerate(entries)
        )

    order = spec.get("order")
    return PolicyView(
        label,
        namespace,
        name,
        spec.get("tier") or "default",
        None if order is None else float(order),
        types,
        selects,
        rules(INGRESS, ingress),
        rules(EGRESS, egress),
    )


READERS: Mapping[tuple[str, str], Callable[[Manifest], PolicyView]] = {
    ("networking.k8s.io", "NetworkPolicy"): _k8s,
    ("projectcalico.org", "NetworkPolicy"): _calico,
    ("projectcalico.org", "GlobalNetworkPolicy"): _calico,
}
"""The tiered policy kinds by (group, kind)."""


@lru_cache(maxsize=4)
def tiered_policies(cluster: Cluster) -> list[PolicyView]:
    """Every Kubernetes and Calico policy of the cluster (read once per cluster value)."""
    return [
        READERS[(group, kind)](manifest)
        for (group, kind, _, _), manifest in cluster.manifests.items()
        if (group, kind) in READERS
    ]
