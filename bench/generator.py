"""Seeded, reproducible synthetic clusters as model resources ready to feed."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

from bench.policy_templates import (
    K8S_TEMPLATES,
    admin_policies,
    calico_global_policies,
    calico_namespaced_policy,
    calico_tiers,
    global_network_sets,
)
from bench.workloads import (
    Deployment,
    app_deployments,
    app_namespaces,
    place_pods,
    pod_address,
    system_deployments,
    system_namespaces,
)
from dataplane.convert import convert
from dataplane.model import (
    InSync,
    LabelInterner,
    Namespace,
    NetworkSet,
    Policy,
    Resource,
    Tier,
    Update,
    Upsert,
    WorkloadEndpoint,
)
from dataplane.model.wellknown import K8S_NAMESPACE_NAME_LABEL

NODE_NAME = "win-node-1"
R = TypeVar("R", Policy, Tier, NetworkSet)


@dataclass(frozen=True, slots=True)
class ClusterShape:
    """Everything that decides a generated cluster; equal shapes give equal clusters."""

    pods: int
    namespaces: int
    k8s_policies: int
    calico_policies: int
    local_fraction: float
    pods_per_deployment: int = 6
    labels_per_pod: tuple[int, int] = (10, 20)
    node_name: str = NODE_NAME
    seed: int = 0
    admin_policies: bool = False
    """The cluster-admin policies of ``policy_templates.admin_policies`` too."""

    @classmethod
    def realistic(cls, pods: int, local_pods: int = 100, seed: int = 0) -> ClusterShape:
        """One namespace per 100 pods and one policy per 10 pods (a fifth of them Calico),
        plus four cluster-admin policies.

        At 100k pods that is 1,000 namespaces and 10,000 policies; ``local_pods``
        of the pods run on this node.
        """
        policies = max(10, pods // 10)
        calico = policies // 5
        return cls(
            pods=pods,
            namespaces=max(3, pods // 100),
            k8s_policies=policies - calico,
            calico_policies=calico,
            local_fraction=min(1.0, local_pods / pods),
            seed=seed,
            admin_policies=True,
        )


@dataclass(frozen=True, slots=True)
class Cluster:
    """The resources of one generated cluster."""

    node_name: str
    namespaces: tuple[Namespace, ...]
    endpoints: tuple[WorkloadEndpoint, ...]
    network_sets: tuple[NetworkSet, ...]
    tiers: tuple[Tier, ...]
    policies: tuple[Policy, ...]
    _namespaces_by_name: Mapping[str, Namespace] = field(init=False, repr=False, compare=False)

    def resources(self) -> Iterator[Resource]:
        """Every resource, in the order a datastore listing would deliver them."""
        yield from self.namespaces
        yield from self.tiers
        yield from self.network_sets
        yield from self.policies
        yield from self.endpoints

    def updates(self) -> list[Update]:
        """The initial snapshot: one ``Upsert`` per resource, then ``InSync``."""
        snapshot: list[Update] = [Upsert(resource) for resource in self.resources()]
        snapshot.append(InSync())
        return snapshot

    def local_endpoints(self) -> tuple[WorkloadEndpoint, ...]:
        """The endpoints scheduled on this node."""
        return tuple(e for e in self.endpoints if e.node == self.node_name)

    def namespace(self, name: str) -> Namespace:
        """The namespace called ``name``."""
        return self._namespaces_by_name[name]

    def __post_init__(self) -> None:
        by_name = MappingProxyType({ns.name: ns for ns in self.namespaces})
        object.__setattr__(self, "_namespaces_by_name", by_name)


def _converted(manifest: Mapping[str, Any], kind: type[R]) -> R:
    """The model resource of one generated manifest (the real converter validates it)."""
    update = convert(manifest)
    value = update.value if isinstance(update, Upsert) else None
    if not isinstance(value, kind):
        raise TypeError(f"generated {manifest['kind']} converted to {update!r}")
    return value


def _policies(
    shape: ClusterShape,
    namespaces: tuple[Namespace, ...],
    deployments: tuple[Deployment, ...],
    rng: random.Random,
) -> tuple[Policy, ...]:
    """Kubernetes and Calico policies spread round-robin over the app namespaces."""
    by_namespace: dict[str, list[Deployment]] = {ns.name: [] for ns in namespaces}
    for deployment in deployments:
        by_namespace.setdefault(deployment.namespace, []).append(deployment)
    global_policies = calico_global_policies()[: shape.calico_policies]
    manifests = list(global_policies)
    if shape.admin_policies:
        manifests.extend(admin_policies())
    for i in range(shape.k8s_policies):
        ns = namespaces[i % len(namespaces)]
        template = K8S_TEMPLATES[(i // len(namespaces)) % len(K8S_TEMPLATES)]
        name = f"{template.__name__.replace('_', '-')}-{i}"
        manifests.append(template(name, ns, tuple(by_namespace[ns.name]), rng))
    for i in range(shape.calico_policies - len(global_policies)):
        ns = namespaces[i % len(namespaces)]
        name = f"calico-{i}"
        manifests.append(calico_namespaced_policy(name, ns, tuple(by_namespace[ns.name]), rng))
    return tuple(_converted(m, Policy) for m in manifests)


def generate_cluster(shape: ClusterShape) -> Cluster:
    """A cluster of ``shape``: namespaces with labels, deployments with 10-20 labels and
    named ports, pods with unique IPs, tiers, global network sets and policies."""
    rng = random.Random(shape.seed)
    interner = LabelInterner()
    apps = app_namespaces(max(1, shape.namespaces - 2), rng, interner)
    per_namespace = max(1, shape.pods // (len(apps) * shape.pods_per_deployment))
    deployments = system_deployments(interner) + app_deployments(
        apps, per_namespace, shape.labels_per_pod, rng, interner
    )
    local_count = round(shape.pods * shape.local_fraction)
    local = frozenset(rng.sample(range(len(deployments), shape.pods), local_count))
    endpoints = place_pods(deployments, shape.pods, local, shape.node_name, rng)
    tiers = tuple(_converted(m, Tier) for m in calico_tiers()) if shape.calico_policies else ()
    sets = tuple(_converted(m, NetworkSet) for m in global_network_sets())
    return Cluster(
        node_name=shape.node_name,
        namespaces=system_namespaces(interner) + apps,
        endpoints=endpoints,
        network_sets=sets,
        tiers=tiers,
        policies=_policies(shape, apps, deployments, rng),
    )


ISOLATED_SHARED_LABELS = MappingProxyType(
    {
        "kubernetes.io/os": "windows",
        "app.kubernetes.io/managed-by": "helm",
        "app.kubernetes.io/part-of": "customer-stack",
        "security.scan": "passed",
        "tier": "web",
        "env": "prod",
        "monitoring": "enabled",
    }
)


def isolated_customers(
    namespaces: int,
    local_pods: int = 100,
    labels_per_pod: int = 15,
    seed: int = 0,
    node_name: str = NODE_NAME,
) -> Cluster:
    """N namespaces with one pod each and one policy per namespace.

    Each pod carries ``labels_per_pod`` labels (its own ``app`` and ``tenant``,
    shared ones, and per-pod ones); each namespace's Kubernetes policy selects
    its pod by ``app`` and allows ingress from its own namespace only.
    ``local_pods`` pods (a seeded sample) run on this node.
    """
    rng = random.Random(seed)
    interner = LabelInterner()
    local = frozenset(rng.sample(range(namespaces), min(local_pods, namespaces)))
    all_namespaces, endpoints, manifests = [], [], []
    for i in range(namespaces):
        name = f"customer-{i}"
        all_namespaces.append(
            Namespace(
                name,
                interner.intern(
                    {K8S_NAMESPACE_NAME_LABEL: name, "tenant": name, "plan": rng.choice("ABC")}
                ),
            )
        )
        labels = {"app": f"shop-{i}", "tenant": name, **ISOLATED_SHARED_LABELS}
        for j in range(labels_per_pod - len(labels)):
            labels[f"customer.example.com/attr-{j}"] = f"{rng.getrandbits(24):06x}"
        endpoints.append(
            WorkloadEndpoint(
                namespace=name,
                name=f"shop-{i}-0",
                node=node_name if i in local else f"node-{i % max(1, namespaces // 100)}",
                addresses=(pod_address(i),),
                labels=interner.intern(labels),
            )
        )
        manifests.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": "isolate", "namespace": name},
                "spec": {
                    "podSelector": {"matchLabels": {"app": f"shop-{i}"}},
                    "ingress": [{"from": [{"podSelector": {}}]}],
                },
            }
        )
    return Cluster(
        node_name=node_name,
        namespaces=tuple(all_namespaces),
        endpoints=tuple(endpoints),
        network_sets=(),
        tiers=(),
        policies=tuple(_converted(m, Policy) for m in manifests),
    )
