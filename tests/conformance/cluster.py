"""The upstream-style test cluster: namespaces x, y, z with pods a, b, c serving 80 and 81."""

from __future__ import annotations

from typing import Any

import yaml

from tests.conformance.manifests import namespace_manifest, pod_manifest

NAMESPACES = ("x", "y", "z")
POD_NAMES = ("a", "b", "c")
PODS = tuple(f"{ns}/{pod}" for ns in NAMESPACES for pod in POD_NAMES)
SERVED_PORTS = (80, 81)
PROTOCOLS = ("TCP", "UDP", "SCTP")


def pod_ip(name: str) -> str:
    """The address of ``ns/pod`` (x/a is 10.1.1.1, z/c is 10.1.3.3)."""
    ns, pod = name.split("/")
    return f"10.1.{NAMESPACES.index(ns) + 1}.{POD_NAMES.index(pod) + 1}"


def _namespace(name: str) -> dict[str, Any]:
    return namespace_manifest(name, ns=name)


def _pod(name: str) -> dict[str, Any]:
    ns, pod = name.split("/")
    ports = [
        {
            "name": f"serve-{port}-{protocol.lower()}",
            "containerPort": port,
            "protocol": protocol,
        }
        for port in SERVED_PORTS
        for protocol in PROTOCOLS
    ]
    return pod_manifest(
        pod,
        ns,
        {"pod": pod},
        node="node-1",
        ips=[pod_ip(name)],
        ports=ports,
        container="server",
        phase="Running",
    )


def base_manifests() -> list[dict[str, Any]]:
    """The namespaces (labelled with their name) and the nine pods."""
    return [_namespace(ns) for ns in NAMESPACES] + [_pod(name) for name in PODS]


def namespace_yaml(name: str, **extra_labels: str) -> str:
    """A base namespace with more labels, as YAML (for label-update steps)."""
    manifest = _namespace(name)
    manifest["metadata"]["labels"].update(extra_labels)
    return yaml.safe_dump(manifest)


def pod_yaml(name: str, **extra_labels: str) -> str:
    """A base pod with more labels, as YAML (for label-update steps)."""
    manifest = _pod(name)
    manifest["metadata"]["labels"].update(extra_labels)
    return yaml.safe_dump(manifest)
