"""Namespace, Pod and ServiceAccount conversion."""

from __future__ import annotations

from typing import Any

import pytest

from dataplane.convert import convert
from dataplane.model import (
    Delete,
    Kind,
    Labels,
    NamedPort,
    Namespace,
    Protocol,
    ResourceKey,
    ServiceAccount,
    Upsert,
    WorkloadEndpoint,
)
from tests.convert.objects import invalid, pod

POD_KEY = ResourceKey(Kind.WORKLOAD_ENDPOINT, "shop", "web-1")


def namespace(labels: dict[str, Any] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "shop", "uid": "123"}
    if labels is not None:
        metadata["labels"] = labels
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": metadata,
        "status": {"phase": "Active"},
    }


def endpoint(obj: dict[str, Any]) -> WorkloadEndpoint:
    update = convert(obj)
    assert isinstance(update, Upsert)
    assert isinstance(update.value, WorkloadEndpoint)
    return update.value


def test_namespace_gets_the_metadata_name_and_calico_name_labels() -> None:
    assert convert(namespace({"team": "a"})) == Upsert(
        Namespace(
            "shop",
            Labels(
                {
                    "team": "a",
                    "kubernetes.io/metadata.name": "shop",
                    "projectcalico.org/name": "shop",
                }
            ),
        )
    )


def test_namespace_keeps_an_existing_metadata_name_label_but_not_a_wrong_calico_name() -> None:
    labels = {"kubernetes.io/metadata.name": "x", "projectcalico.org/name": "other"}
    update = convert(namespace(labels))
    assert isinstance(update, Upsert) and isinstance(update.value, Namespace)
    assert dict(update.value.labels) == {
        "kubernetes.io/metadata.name": "x",
        "projectcalico.org/name": "shop",
    }


def test_equal_label_maps_are_shared() -> None:
    first, second = convert(namespace({"team": "a"})), convert(namespace({"team": "a"}))
    assert isinstance(first, Upsert) and isinstance(second, Upsert)
    assert isinstance(first.value, Namespace) and isinstance(second.value, Namespace)
    assert first.value.labels is second.value.labels


@pytest.mark.parametrize(
    ("labels", "field", "fragment"),
    [
        ({"team": 1}, "metadata.labels.team", "wrong type"),
        ({"team": "a b"}, "metadata.labels.team", "invalid label value"),
        ({"bad key": "a"}, 'metadata.labels["bad key"]', "invalid label key"),
        ({"Example.com/x": "a"}, 'metadata.labels["Example.com/x"]', "prefix"),
    ],
)
def test_namespace_label_errors(labels: dict[str, Any], field: str, fragment: str) -> None:
    invalid(namespace(labels), field, fragment)


def test_service_account() -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "api", "namespace": "shop", "labels": {"role": "admin"}},
        "secrets": [{"name": "x"}],
    }
    labels = Labels({"role": "admin", "projectcalico.org/name": "api"})
    assert convert(obj) == Upsert(ServiceAccount("shop", "api", labels))


def test_pod_with_dual_stack_addresses_and_named_ports() -> None:
    spec = {
        "nodeName": "node-1",
        "serviceAccountName": "api",
        "containers": [
            {
                "name": "web",
                "ports": [
                    {"name": "http", "containerPort": 8080},
                    {"containerPort": 9000},
                    {"name": "dns", "containerPort": 53, "protocol": "UDP"},
                ],
            },
            {
                "name": "sidecar",
                "ports": [{"name": "metrics", "containerPort": 9090, "protocol": "SCTP"}],
            },
        ],
    }
    obj = pod(ips=["10.0.0.5", "FD00::0005"], spec=spec, labels={"app": "web"})
    assert endpoint(obj) == WorkloadEndpoint(
        namespace="shop",
        name="web-1",
        node="node-1",
        addresses=("10.0.0.5", "fd00::5"),
        labels=Labels({"app": "web"}),
        ports=(
            NamedPort("http", Protocol.TCP, 8080),
            NamedPort("dns", Protocol.UDP, 53),
            NamedPort("metrics", Protocol.SCTP, 9090),
        ),
        service_account="api",
    )


def test_pod_ip_fallback_and_defaults() -> None:
    wep = endpoint(pod(pod_ip="10.0.0.7", spec={"containers": [{"name": "c"}]}))
    assert wep.addresses == ("10.0.0.7",)
    assert (wep.node, wep.service_account, wep.ports, dict(wep.labels)) == ("", "default", (), {})


def test_pod_ips_take_precedence_over_pod_ip_and_repeats_are_dropped() -> None:
    wep = endpoint(pod(ips=["10.0.0.8", "10.0.0.8"], pod_ip="10.0.0.9"))
    assert wep.addresses == ("10.0.0.8",)


@pytest.mark.parametrize(
    "obj",
    [
        pod(),
        pod(ips=[]),
        pod(pod_ip=""),
        pod(ips=["10.0.0.5"], phase="Succeeded"),
        pod(ips=["10.0.0.5"], phase="Failed"),
        pod(ips=["10.0.0.5"], spec={"hostNetwork": True, "nodeName": "n"}),
    ],
)
def test_pod_that_is_not_an_endpoint_is_deleted(obj: dict[str, Any]) -> None:
    assert convert(obj) == Delete(POD_KEY)


@pytest.mark.parametrize("phase", ["Pending", "Running", "Unknown"])
def test_pod_phases_with_an_ip_are_endpoints(phase: str) -> None:
    assert endpoint(pod(ips=["10.0.0.5"], phase=phase)).addresses == ("10.0.0.5",)


@pytest.mark.parametrize(
    ("obj", "field", "fragment"),
    [
        (pod(ips=["10.0.0.300"]), "status.podIPs[0].ip", "bad IP address"),
        (pod(ips=["10.0.0.0/24"]), "status.podIPs[0].ip", "bad IP address"),
        (pod(pod_ip="fe80::1%eth0"), "status.podIP", "zone"),
        (
            pod(
                ips=["10.0.0.5"],
                spec={"containers": [{"ports": [{"name": "x", "containerPort": 0}]}]},
            ),
            "spec.containers[0].ports[0].containerPort",
            "out of range",
        ),
        (
            pod(ips=["10.0.0.5"], spec={"containers": [{"ports": [{"name": "x"}]}]}),
            "spec.containers[0].ports[0].containerPort",
            "missing required field",
        ),
        (
            pod(
                ips=["10.0.0.5"],
                spec={
                    "containers": [
                        {"ports": [{"name": "x", "containerPort": 1, "protocol": "ICMP"}]}
                    ]
                },
            ),
            "spec.containers[0].ports[0].protocol",
            "unknown protocol",
        ),
        (pod(ips=["10.0.0.5"], spec={"hostNetwork": "yes"}), "spec.hostNetwork", "wrong type"),
        (pod(ips=["10.0.0.5"], spec={"nodeName": 7}), "spec.nodeName", "wrong type"),
        (pod(ips=["10.0.0.5"], spec={"containers": {}}), "spec.containers", "wrong type"),
    ],
)
def test_pod_errors(obj: dict[str, Any], field: str, fragment: str) -> None:
    error = invalid(obj, field, fragment)
    assert error.resource == "Pod shop/web-1"
