"""Cluster shapes for the cost tests: isolated customers and shared selectors."""

from __future__ import annotations

from dataclasses import dataclass

from dataplane.calc import CalcGraph
from dataplane.model import (
    Action,
    Direction,
    EntityMatch,
    Kind,
    LabelInterner,
    Namespace,
    Policy,
    Resource,
    Rule,
    Upsert,
    WorkloadEndpoint,
)
from dataplane.selector import ALL, parse

NODE = "local"
LOCAL_PODS = 100
SHARED_LABELS = {
    "env": "prod",
    "tier": "frontend",
    "managed-by": "helm",
    "version": "v1",
    "region": "eu",
    "zone": "eu-1a",
    "team": "shop",
    "cost-center": "cc-1",
    "release": "stable",
}


@dataclass(frozen=True, slots=True)
class Shape:
    """The resources of one cluster and the node-local pods in it."""

    resources: tuple[Resource, ...]
    local: tuple[WorkloadEndpoint, ...]
    remote: tuple[WorkloadEndpoint, ...]


def _address(i: int) -> str:
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def isolated_customers(n: int) -> Shape:
    """N namespaces with one 15-label pod each and one policy per namespace
    selecting its pod and allowing ingress from its own namespace."""
    interner = LabelInterner()
    resources: list[Resource] = []
    local, remote = [], []
    for i in range(n):
        ns = f"customer-{i}"
        resources.append(Namespace(ns, interner.intern({"tenant": ns, "plan": "A"})))
        labels = {"app": f"shop-{i}", "tenant": ns, **SHARED_LABELS}
        labels |= {f"attr-{j}": f"{i:x}-{j}" for j in range(15 - len(labels))}
        pod = WorkloadEndpoint(
            ns,
            f"shop-{i}",
            NODE if i < LOCAL_PODS else "remote",
            (_address(i),),
            interner.intern(labels),
        )
        (local if pod.node == NODE else remote).append(pod)
        resources.append(pod)
        resources.append(
            Policy(
                Kind.K8S_NETWORK_POLICY,
                ns,
                "isolate",
                parse(f"app == 'shop-{i}'"),
                frozenset({Direction.INGRESS}),
                ingress=(Rule(Action.ALLOW, source=EntityMatch(selector=ALL)),),
                tier="default",
                order=1000.0,
            )
        )
    return Shape(tuple(resources), tuple(local), tuple(remote))


SHARED_POLICIES = (
    ("web", "app == 'web'", "app == 'api'"),
    ("api", "app == 'api'", "app in {'web', 'batch'}"),
    ("db", "app == 'db'", "app == 'api' && env == 'prod'"),
    ("monitored", "has(monitor)", "role == 'prometheus'"),
    ("not-batch", "app != 'batch'", "!has(app)"),
)


def shared_selectors(n: int) -> Shape:
    """N pods in 20 namespaces, a handful of global policies whose selectors match
    large fractions of the cluster (and whose rule sets are large)."""
    interner = LabelInterner()
    apps = ("web", "api", "db", "batch")
    resources: list[Resource] = [
        Namespace(f"ns-{j}", interner.intern({"tenant": f"t{j}"})) for j in range(20)
    ]
    local, remote = [], []
    for i in range(n):
        labels = {"app": apps[i % 4], "pod-template-hash": f"{i // 7:x}", **SHARED_LABELS}
        if i % 3 == 0:
            labels["monitor"] = "yes"
        pod = WorkloadEndpoint(
            f"ns-{i % 20}",
            f"pod-{i}",
            NODE if i < LOCAL_PODS else "remote",
            (_address(i),),
            interner.intern(labels),
        )
        (local if pod.node == NODE else remote).append(pod)
        resources.append(pod)
    for name, selects, peers in SHARED_POLICIES:
        resources.append(
            Policy(
                Kind.GLOBAL_NETWORK_POLICY,
                "",
                name,
                parse(selects),
                frozenset({Direction.INGRESS}),
                ingress=(Rule(Action.ALLOW, source=EntityMatch(selector=parse(peers))),),
                tier="default",
                order=100.0,
            )
        )
    return Shape(tuple(resources), tuple(local), tuple(remote))


def built(shape: Shape) -> CalcGraph:
    """A flushed graph of the shape (every active policy's rule sets active)."""
    graph = CalcGraph(NODE)
    graph.apply_all(Upsert(r) for r in shape.resources)
    graph.flush()
    return graph
