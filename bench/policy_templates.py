"""Policy manifests of the kinds real clusters carry, as Kubernetes/Calico objects."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

from bench.workloads import Deployment
from dataplane.model import Namespace

Manifest = dict[str, Any]
K8sTemplate = Callable[[str, Namespace, tuple[Deployment, ...], random.Random], Manifest]

K8S_API = "networking.k8s.io/v1"
CALICO_API = "projectcalico.org/v3"
PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
SECURITY_TIER = "security"
PLATFORM_TIER = "platform"


def _meta(name: str, namespace: str = "") -> Mapping[str, str]:
    return {"name": name, "namespace": namespace} if namespace else {"name": name}


def _k8s_policy(
    name: str,
    namespace: str,
    pods: Mapping[str, Any],
    *,
    types: list[str] | None = None,
    ingress: list[Manifest] | None = None,
    egress: list[Manifest] | None = None,
) -> Manifest:
    """A NetworkPolicy selecting ``pods``; a field given as None is left out."""
    optional = {"policyTypes": types, "ingress": ingress, "egress": egress}
    return {
        "apiVersion": K8S_API,
        "kind": "NetworkPolicy",
        "metadata": _meta(name, namespace),
        "spec": {"podSelector": pods, **{k: v for k, v in optional.items() if v is not None}},
    }


def _calico(kind: str, metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> Manifest:
    return {"apiVersion": CALICO_API, "kind": kind, "metadata": metadata, "spec": spec}


def _labels(**labels: str) -> Manifest:
    return {"matchLabels": labels}


def _in_namespace(namespace: str, pods: Mapping[str, Any]) -> Manifest:
    """A peer: the pods ``pods`` selects in the namespace called ``namespace``."""
    return {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
        "podSelector": pods,
    }


def _pick(deployments: tuple[Deployment, ...], tier: str, rng: random.Random) -> Deployment:
    """A deployment of ``tier`` when the namespace has one, else any."""
    candidates = [d for d in deployments if d.tier == tier] or list(deployments)
    return rng.choice(candidates)


def default_deny_ingress(
    name: str, ns: Namespace, deployments: tuple[Deployment, ...], rng: random.Random
) -> Manifest:
    """Every pod of the namespace isolated for ingress."""
    return _k8s_policy(name, ns.name, {}, types=["Ingress"])


def frontend_to_backend(
    name: str, ns: Namespace, deployments: tuple[Deployment, ...], rng: random.Random
) -> Manifest:
    """A backend app reachable from the namespace's frontends on its named http port."""
    target = _pick(deployments, "backend", rng)
    return _k8s_policy(
        name,
        ns.name,
        _labels(app=target.app, tier=target.tier),
        ingress=[
            {
                "from": [{"podSelector": _labels(tier="frontend")}],
                "ports": [{"port": "http"}, {"port": "grpc"}],
            }
        ],
    )


def allow_monitoring(
    name: str, ns: Namespace, deployments: tuple[Deployment, ...], rng: random.Random
) -> Manifest:
    """Prometheus (another namespace) scrapes managed apps on the named metrics port."""
    managed = {
        "matchExpressions": [
            {"key": "app.kubernetes.io/managed-by", "operator": "In", "values": ["helm", "argocd"]},
            {"key": "tier", "operator": "NotIn", "values": ["db"]},
        ]
    }
    prometheus = _in_namespace("monitoring", _labels(app="prometheus"))
    return _k8s_policy(
        name, ns.name, managed, ingress=[{"from": [prometheus], "ports": [{"port": "metrics"}]}]
    )


def backend_egress(
    name: str, ns: Namespace, deployments: tuple[Deployment, ...], rng: random.Random
) -> Manifest:
    """Backends may reach the namespace's databases and cluster DNS, nothing else."""
    dns = _in_namespace("kube-system", {"matchLabels": {"k8s-app": "kube-dns"}})
    return _k8s_policy(
        name,
        ns.name,
        _labels(tier="backend"),
        types=["Egress"],
        egress=[
            {
                "to": [{"podSelector": _labels(tier="db")}],
                "ports": [{"protocol": "TCP", "port": 5432}],
            },
            {
                "to": [dns],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            },
        ],
    )


def partner_ip_block(
    name: str, ns: Namespace, deployments: tuple[Deployment, ...], rng: random.Random
) -> Manifest:
    """A frontend open to a partner range with holes, on 443 and a port range."""
    target = _pick(deployments, "frontend", rng)
    partners = {"cidr": "172.16.0.0/12", "except": ["172.16.5.0/24", "172.20.0.0/16"]}
    return _k8s_policy(
        name,
        ns.name,
        _labels(app=target.app),
        ingress=[
            {
                "from": [{"ipBlock": partners}],
                "ports": [
                    {"protocol": "TCP", "port": 443},
                    {"protocol": "TCP", "port": 8443, "endPort": 8500},
                ],
            }
        ],
    )


def same_team(
    name: str, ns: Namespace, deployments: tuple[Deployment, ...], rng: random.Random
) -> Manifest:
    """An app reachable from every namespace of its team (cross-namespace selector)."""
    target = _pick(deployments, "backend", rng)
    teammates = {
        "namespaceSelector": _labels(team=ns.labels["team"]),
        "podSelector": {
            "matchExpressions": [
                {"key": "role", "operator": "Exists"},
                {"key": "track", "operator": "NotIn", "values": ["canary"]},
            ]
        },
    }
    return _k8s_policy(
        name,
        ns.name,
        _labels(app=target.app),
        ingress=[{"from": [teammates], "ports": [{"port": "http"}]}],
    )


def internet_egress(
    name: str, ns: Namespace, deployments: tuple[Deployment, ...], rng: random.Random
) -> Manifest:
    """Frontends may reach the internet on 443 but no private range."""
    return _k8s_policy(
        name,
        ns.name,
        _labels(tier="frontend"),
        types=["Egress"],
        egress=[
            {
                "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": PRIVATE_RANGES}}],
                "ports": [{"protocol": "TCP", "port": 443}],
            }
        ],
    )


K8S_TEMPLATES: tuple[K8sTemplate, ...] = (
    default_deny_ingress,
    frontend_to_backend,
    allow_monitoring,
    backend_egress,
    partner_ip_block,
    same_team,
    internet_egress,
)


def calico_tiers() -> tuple[Manifest, ...]:
    """A security tier (Deny default) before a platform tier (Pass default)."""
    return (
        _calico("Tier", {"name": SECURITY_TIER}, {"order": 100}),
        _calico("Tier", {"name": PLATFORM_TIER}, {"order": 200, "defaultAction": "Pass"}),
    )


def global_network_sets() -> tuple[Manifest, ...]:
    """A blocklist and a partner list, selected by label from rules."""
    return (
        _calico(
            "GlobalNetworkSet",
            {"name": "blocklist", "labels": {"blocklist": "true"}},
            {"nets": ["198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24"]},
        ),
        _calico(
            "GlobalNetworkSet",
            {"name": "partners", "labels": {"partner": "true"}},
            {"nets": ["100.64.0.0/16", "100.65.0.0/16"]},
        ),
    )


def calico_global_policies() -> tuple[Manifest, ...]:
    """Cluster-wide policies: blocklist with Pass in the security tier, DNS in platform."""
    blocklist = _calico(
        "GlobalNetworkPolicy",
        {"name": f"{SECURITY_TIER}.blocklist"},
        {
            "tier": SECURITY_TIER,
            "order": 10,
            "selector": "all()",
            "types": ["Ingress", "Egress"],
            "ingress": [
                {"action": "Deny", "source": {"selector": "blocklist == 'true'"}},
                {"action": "Pass"},
            ],
            "egress": [
                {"action": "Deny", "destination": {"selector": "blocklist == 'true'"}},
                {"action": "Pass"},
            ],
        },
    )
    dns = _calico(
        "GlobalNetworkPolicy",
        {"name": f"{PLATFORM_TIER}.dns"},
        {
            "tier": PLATFORM_TIER,
            "order": 10,
            "selector": "has(app)",
            "types": ["Egress"],
            "egress": [
                {
                    "action": "Allow",
                    "protocol": "UDP",
                    "destination": {
                        "selector": "k8s-app == 'kube-dns'",
                        "namespaceSelector": "kubernetes.io/metadata.name == 'kube-system'",
                        "ports": [53],
                    },
                },
                {"action": "Pass"},
            ],
        },
    )
    return blocklist, dns


def calico_namespaced_policy(
    name: str, ns: Namespace, deployments: tuple[Deployment, ...], rng: random.Random
) -> Manifest:
    """A Calico policy with ordered Allow/Deny/Log rules, notNets and port ranges."""
    target = _pick(deployments, "backend", rng)
    return _calico(
        "NetworkPolicy",
        _meta(name, ns.name),
        {
            "order": rng.choice((100, 200, 500)),
            "selector": f"app == '{target.app}' && version in {{'v1', 'v2'}}",
            "types": ["Ingress", "Egress"],
            "ingress": [
                {"action": "Log", "source": {"selector": "track == 'canary'"}},
                {
                    "action": "Deny",
                    "source": {"nets": ["10.0.0.0/8"], "notNets": ["10.128.0.0/9"]},
                },
                {
                    "action": "Allow",
                    "protocol": "TCP",
                    "source": {"selector": "tier == 'frontend' && role != 'worker'"},
                    "destination": {"ports": ["http", "9000:9100"]},
                },
                {
                    "action": "Allow",
                    "protocol": "TCP",
                    "source": {
                        "namespaceSelector": f"team == '{ns.labels['team']}'",
                        "selector": "role == 'api'",
                    },
                    "destination": {"ports": [8443]},
                },
                {
                    "action": "Allow",
                    "source": {"selector": "partner == 'true'", "namespaceSelector": "global()"},
                },
            ],
            "egress": [
                {
                    "action": "Allow",
                    "protocol": "TCP",
                    "destination": {"selector": "tier in {'db', 'cache'}", "ports": [5432, 6379]},
                },
                {
                    "action": "Deny",
                    "destination": {"nets": PRIVATE_RANGES},
                },
                {"action": "Allow", "protocol": "TCP", "destination": {"ports": [443]}},
            ],
        },
    )


ADMIN_API = "policy.networking.k8s.io/v1alpha1"
CLUSTER_POLICY_API = "policy.networking.k8s.io/v1alpha2"


def _namespaces_where(key: str, *values: str) -> Manifest:
    if not values:
        return {"matchExpressions": [{"key": key, "operator": "Exists"}]}
    return {"matchExpressions": [{"key": key, "operator": "In", "values": list(values)}]}


def _admin(kind: str, name: str, spec: Manifest) -> Manifest:
    api = CLUSTER_POLICY_API if kind == "ClusterNetworkPolicy" else ADMIN_API
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name}, "spec": spec}


def admin_policies() -> tuple[Manifest, ...]:
    """What platform teams write: monitoring and DNS guaranteed, prod kept apart from
    dev, an egress blocklist, and a baseline for dev namespaces."""
    app_namespaces = {"namespaces": _namespaces_where("env")}
    prometheus = {
        "pods": {
            "namespaceSelector": _labels(**{"kubernetes.io/metadata.name": "monitoring"}),
            "podSelector": _labels(app="prometheus"),
        }
    }
    dns = {
        "pods": {
            "namespaceSelector": _labels(**{"kubernetes.io/metadata.name": "kube-system"}),
            "podSelector": _labels(**{"k8s-app": "kube-dns"}),
        }
    }
    monitoring = _admin(
        "AdminNetworkPolicy",
        "platform-monitoring-and-dns",
        {
            "priority": 10,
            "subject": app_namespaces,
            "ingress": [
                {
                    "name": "scrape",
                    "action": "Allow",
                    "from": [prometheus],
                    "ports": [{"namedPort": "metrics"}],
                }
            ],
            "egress": [
                {
                    "name": "dns",
                    "action": "Pass",
                    "to": [dns],
                    "ports": [{"portNumber": {"protocol": "UDP", "port": 53}}],
                }
            ],
        },
    )
    separation = _admin(
        "AdminNetworkPolicy",
        "prod-apart-from-dev",
        {
            "priority": 20,
            "subject": {"namespaces": _labels(env="prod")},
            "ingress": [
                {
                    "name": "no-dev",
                    "action": "Deny",
                    "from": [{"namespaces": _namespaces_where("env", "dev", "staging")}],
                }
            ],
            "egress": [
                {
                    "name": "no-dev",
                    "action": "Deny",
                    "to": [{"namespaces": _labels(env="dev")}],
                }
            ],
        },
    )
    blocklist = _admin(
        "ClusterNetworkPolicy",
        "egress-blocklist",
        {
            "tier": "Admin",
            "priority": 30,
            "subject": app_namespaces,
            "egress": [
                {
                    "name": "blocklist",
                    "action": "Deny",
                    "to": [{"networks": ["198.51.100.0/24", "203.0.113.0/24"]}],
                }
            ],
        },
    )
    baseline = _admin(
        "BaselineAdminNetworkPolicy",
        "default",
        {
            "subject": {"namespaces": _labels(env="dev")},
            "ingress": [
                {"name": "monitoring", "action": "Allow", "from": [prometheus]},
                {
                    "name": "no-prod",
                    "action": "Deny",
                    "from": [{"namespaces": _labels(env="prod")}],
                },
            ],
        },
    )
    return monitoring, separation, blocklist, baseline
