"""Builders of the Kubernetes and Calico objects the source tests feed in."""

from __future__ import annotations

from typing import Any

CALICO_CRD = "crd.projectcalico.org/v1"


def namespace(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def node(name: str, address: str, **labels: str) -> dict[str, Any]:
    """A Kubernetes Node with one InternalIP."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels},
        "status": {"addresses": [{"type": "InternalIP", "address": address}]},
    }


def pod(namespace: str, name: str, ip: str, node: str = "node-1", **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"nodeName": node, "containers": []},
        "status": {"phase": "Running", "podIP": ip},
    }


def k8s_policy(namespace: str, name: str, port: int = 80, app: str = "web") -> dict[str, Any]:
    """An ingress policy; ``port`` outside 1..65535 makes it invalid."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "podSelector": {"matchLabels": {"app": app}},
            "ingress": [{"ports": [{"protocol": "TCP", "port": port}]}],
        },
    }


def global_policy(name: str, selector: str = "all()", order: float = 100) -> dict[str, Any]:
    return {
        "apiVersion": CALICO_CRD,
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"selector": selector, "order": order, "types": ["Ingress"]},
    }


def tier(name: str, order: float) -> dict[str, Any]:
    return {
        "apiVersion": CALICO_CRD,
        "kind": "Tier",
        "metadata": {"name": name},
        "spec": {"order": order},
    }


def global_network_set(name: str, *nets: str) -> dict[str, Any]:
    return {
        "apiVersion": CALICO_CRD,
        "kind": "GlobalNetworkSet",
        "metadata": {"name": name, "labels": {"set": name}},
        "spec": {"nets": list(nets)},
    }
