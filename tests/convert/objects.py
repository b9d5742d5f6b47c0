"""Builders of Kubernetes and Calico objects for the conversion tests."""

from __future__ import annotations

from typing import Any

from dataplane.convert import convert
from dataplane.errors import ValidationError
from dataplane.model import Node, Policy, Upsert

CALICO_V3 = "projectcalico.org/v3"


def k8s_policy(
    spec: dict[str, Any], name: str = "web", namespace: str = "default"
) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def calico_policy(
    spec: dict[str, Any] | None,
    *,
    kind: str = "NetworkPolicy",
    name: str = "pol",
    namespace: str | None = "prod",
    api_version: str = CALICO_V3,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "metadata": metadata}
    if spec is not None:
        obj["spec"] = spec
    return obj


def pod(
    *,
    ips: list[str] | None = None,
    pod_ip: str | None = None,
    phase: str = "Running",
    spec: dict[str, Any] | None = None,
    labels: dict[str, Any] | None = None,
) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": phase}
    if ips is not None:
        status["podIPs"] = [{"ip": ip} for ip in ips]
    if pod_ip is not None:
        status["podIP"] = pod_ip
    metadata: dict[str, Any] = {"name": "web-1", "namespace": "shop"}
    if labels is not None:
        metadata["labels"] = labels
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": spec if spec is not None else {"nodeName": "node-1", "containers": []},
        "status": status,
    }


def converted_policy(obj: dict[str, Any]) -> Policy:
    update = convert(obj)
    assert isinstance(update, Upsert)
    assert isinstance(update.value, Policy)
    return update.value


def invalid(obj: Any, field: str, *fragments: str) -> ValidationError:
    """Assert that converting ``obj`` fails on ``field`` with a message holding ``fragments``:
    a ValidationError, or (policies, Kubernetes Nodes) a problem the object is converted
    without (fail-closed)."""
    try:
        update = convert(obj)
    except ValidationError as raised:
        error = raised
    else:
        assert isinstance(update, Upsert) and isinstance(update.value, Policy | Node), update
        problems = [p for p in update.value.problems if f": {field}: " in p]
        assert problems, update.value.problems
        resource, message = problems[0].split(f": {field}: ", 1)
        error = ValidationError(resource, field, message)
    assert error.field == field, str(error)
    for fragment in fragments:
        assert fragment in error.message, str(error)
    return error
