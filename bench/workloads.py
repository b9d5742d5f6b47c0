"""Seeded namespaces, deployments and pods with the label shapes of real clusters."""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass

from dataplane.model import (
    LabelInterner,
    Labels,
    NamedPort,
    Namespace,
    Protocol,
    WorkloadEndpoint,
)
from dataplane.model.wellknown import K8S_NAMESPACE_NAME_LABEL

POD_NETWORK = ipaddress.IPv4Network("10.128.0.0/9")
TEAMS = (
    "payments",
    "search",
    "identity",
    "checkout",
    "catalog",
    "billing",
    "ads",
    "media",
    "risk",
    "growth",
    "infra",
    "data",
)
ENVS = ("prod", "staging", "dev")
TIERS = ("frontend", "backend", "backend", "db", "cache", "worker")
APP_WORDS = (
    "api",
    "web",
    "gateway",
    "auth",
    "orders",
    "cart",
    "profile",
    "inventory",
    "ledger",
    "notifier",
    "indexer",
    "render",
    "scheduler",
    "reports",
)
# Every deployment carries these; the rest come from OPTIONAL_LABELS.
REQUIRED_LABELS = ("app", "version", "tier", "team")
OPTIONAL_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "helm.sh/chart",
    "pod-template-hash",
    "env",
    "track",
    "release",
    "monitoring",
    "security.scan",
    "cost-center",
    "owner",
    "role",
    "language",
    "kubernetes.io/os",
    "sidecar.istio.io/inject",
    "topology.kubernetes.io/zone",
)
HTTP_PORT_CHOICES = (80, 8000, 8080)


@dataclass(frozen=True, slots=True)
class Deployment:
    """Pods of one deployment share labels and named ports."""

    namespace: str
    app: str
    tier: str
    labels: Labels
    ports: tuple[NamedPort, ...]


@dataclass(frozen=True, slots=True)
class Workloads:
    """Namespaces, their deployments and the pods of those deployments."""

    namespaces: tuple[Namespace, ...]
    deployments: tuple[Deployment, ...]
    endpoints: tuple[WorkloadEndpoint, ...]


def pod_address(index: int) -> str:
    """The IPv4 address of the ``index``-th pod of the cluster (unique per index)."""
    return str(POD_NETWORK.network_address + 1 + index)


def namespace_labels(name: str, team: str, env: str, interner: LabelInterner) -> Labels:
    """Labels of an application namespace, as admission controllers typically set them."""
    return interner.intern(
        {
            K8S_NAMESPACE_NAME_LABEL: name,
            "team": team,
            "env": env,
            "istio-injection": "enabled" if env == "prod" else "disabled",
        }
    )


def system_namespaces(interner: LabelInterner) -> tuple[Namespace, ...]:
    """``kube-system`` (DNS) and ``monitoring`` (Prometheus): targets of common rules."""
    return tuple(
        Namespace(name, interner.intern({K8S_NAMESPACE_NAME_LABEL: name, "team": "infra"}))
        for name in ("kube-system", "monitoring")
    )


def system_deployments(interner: LabelInterner) -> tuple[Deployment, ...]:
    """CoreDNS in kube-system and Prometheus in monitoring."""
    dns = Deployment(
        "kube-system",
        "coredns",
        "infra",
        interner.intern({"k8s-app": "kube-dns", "app": "coredns", "tier": "infra"}),
        (NamedPort("dns", Protocol.UDP, 53), NamedPort("dns-tcp", Protocol.TCP, 53)),
    )
    prometheus = Deployment(
        "monitoring",
        "prometheus",
        "infra",
        interner.intern({"app": "prometheus", "tier": "infra", "team": "infra"}),
        (NamedPort("web", Protocol.TCP, 9090),),
    )
    return dns, prometheus


def tier_ports(tier: str, rng: random.Random) -> tuple[NamedPort, ...]:
    """Named container ports typical of a tier (``http`` maps to varying numbers)."""
    http = NamedPort("http", Protocol.TCP, rng.choice(HTTP_PORT_CHOICES))
    metrics = NamedPort("metrics", Protocol.TCP, 9090)
    by_tier = {
        "frontend": (http, metrics),
        "backend": (http, NamedPort("grpc", Protocol.TCP, 50051), metrics),
        "db": (NamedPort("postgres", Protocol.TCP, 5432), NamedPort("metrics", Protocol.TCP, 9187)),
        "cache": (NamedPort("redis", Protocol.TCP, 6379),),
        "worker": (metrics,),
    }
    return by_tier[tier]


def deployment_labels(
    namespace: Namespace,
    app: str,
    tier: str,
    count: int,
    rng: random.Random,
    interner: LabelInterner,
) -> Labels:
    """``count`` labels: the four required ones plus a seeded pick of optional ones."""
    team = namespace.labels["team"]
    env = namespace.labels["env"]
    version = rng.choice(("v1", "v1", "v2", "v3"))
    values = {
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/instance": f"{app}-{namespace.name}",
        "app.kubernetes.io/version": version,
        "app.kubernetes.io/component": tier,
        "app.kubernetes.io/part-of": f"{team}-platform",
        "app.kubernetes.io/managed-by": rng.choice(("helm", "kustomize", "argocd")),
        "helm.sh/chart": f"{app}-1.{rng.randrange(20)}.0",
        "pod-template-hash": f"{rng.getrandbits(40):010x}",
        "env": env,
        "track": rng.choice(("stable", "stable", "stable", "canary")),
        "release": f"r{rng.randrange(100)}",
        "monitoring": rng.choice(("enabled", "enabled", "disabled")),
        "security.scan": "passed",
        "cost-center": f"cc-{rng.randrange(1000, 10000)}",
        "owner": team,
        "role": rng.choice(("api", "web", "worker")),
        "language": rng.choice(("go", "java", "python", "dotnet", "node")),
        "kubernetes.io/os": "windows",
        "sidecar.istio.io/inject": "true" if env == "prod" else "false",
        "topology.kubernetes.io/zone": rng.choice(("zone-a", "zone-b", "zone-c")),
    }
    labels = {"app": app, "version": version, "tier": tier, "team": team}
    extra = max(0, count - len(REQUIRED_LABELS))
    for key in rng.sample(OPTIONAL_LABELS, min(extra, len(OPTIONAL_LABELS))):
        labels[key] = values[key]
    return interner.intern(labels)


def app_namespaces(
    count: int, rng: random.Random, interner: LabelInterner
) -> tuple[Namespace, ...]:
    """``count`` application namespaces named after their team."""
    namespaces = []
    for i in range(count):
        team = TEAMS[i % len(TEAMS)]
        name = f"{team}-{i}"
        namespaces.append(Namespace(name, namespace_labels(name, team, rng.choice(ENVS), interner)))
    return tuple(namespaces)


def app_deployments(
    namespaces: tuple[Namespace, ...],
    per_namespace: int,
    label_range: tuple[int, int],
    rng: random.Random,
    interner: LabelInterner,
) -> tuple[Deployment, ...]:
    """``per_namespace`` deployments in each namespace, with distinct app names."""
    deployments = []
    for namespace in namespaces:
        for j in range(per_namespace):
            app = f"{APP_WORDS[j % len(APP_WORDS)]}-{j // len(APP_WORDS)}"
            tier = TIERS[j % len(TIERS)]
            count = rng.randint(*label_range)
            labels = deployment_labels(namespace, app, tier, count, rng, interner)
            deployments.append(Deployment(namespace.name, app, tier, labels, tier_ports(tier, rng)))
    return tuple(deployments)


def place_pods(
    deployments: tuple[Deployment, ...],
    pods: int,
    local: frozenset[int],
    node_name: str,
    rng: random.Random,
) -> tuple[WorkloadEndpoint, ...]:
    """``pods`` pods spread over the deployments (uneven replica counts, every one >= 1).

    Pod ``i`` gets ``pod_address(i)``; the indices in ``local`` run on ``node_name``,
    the others on one of ``pods // 100`` remote nodes.
    """
    weights = [rng.choice((1, 1, 2, 3, 5, 8)) for _ in deployments]
    owners = list(range(len(deployments)))
    owners += rng.choices(range(len(deployments)), weights, k=max(0, pods - len(deployments)))
    remote_nodes = max(1, pods // 100)
    replicas = [0] * len(deployments)
    endpoints = []
    for i, owner in enumerate(owners[:pods]):
        deployment = deployments[owner]
        replicas[owner] += 1
        node = node_name if i in local else f"node-{i % remote_nodes}"
        endpoints.append(
            WorkloadEndpoint(
                namespace=deployment.namespace,
                name=f"{deployment.app}-{replicas[owner]}",
                node=node,
                addresses=(pod_address(i),),
                labels=deployment.labels,
                ports=deployment.ports,
                service_account=deployment.app,
            )
        )
    return tuple(endpoints)
