"""IPPool, IPAMBlock and Node (Calico and Kubernetes) conversion, with field-path errors."""

from __future__ import annotations

from typing import Any

import pytest

from dataplane.convert import convert
from dataplane.convert.routes import generated_mac
from dataplane.errors import ValidationError
from dataplane.model import (
    BorrowedAddress,
    IpamBlock,
    IpPool,
    Labels,
    Node,
    Upsert,
    Vtep,
    VxlanMode,
)

APIS = ("projectcalico.org/v3", "crd.projectcalico.org/v1")


def _obj(kind: str, name: str, spec: Any, api: str = APIS[0], **meta: Any) -> dict[str, Any]:
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name, **meta}, "spec": spec}


def _value(obj: dict[str, Any]) -> Any:
    update = convert(obj)
    assert isinstance(update, Upsert)
    return update.value


def _error(obj: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        convert(obj)
    return str(info.value)


@pytest.mark.parametrize("api", APIS)
def test_ip_pool(api: str) -> None:
    pool = _value(_obj("IPPool", "p", {"cidr": "10.244.0.0/16", "vxlanMode": "Always"}, api))
    assert pool == IpPool("p", "10.244.0.0/16", VxlanMode.ALWAYS)
    assert pool.vxlan


def test_ip_pool_defaults_and_uses() -> None:
    pool = _value(_obj("IPPool", "p", {"cidr": "10.0.0.1/16", "disabled": True}))
    assert pool == IpPool("p", "10.0.0.0/16", VxlanMode.NEVER, disabled=True)
    assert not pool.vxlan
    lb = _value(
        _obj(
            "IPPool",
            "lb",
            {"cidr": "10.9.0.0/24", "vxlanMode": "Always", "allowedUses": ["LoadBalancer"]},
        )
    )
    assert not lb.routed and not lb.vxlan


@pytest.mark.parametrize(
    ("spec", "where"),
    [
        ({"cidr": "10.0.0.0/16", "vxlanMode": "Sometimes"}, "spec.vxlanMode: unknown VXLAN mode"),
        ({"cidr": "10.0.0.0/33"}, "spec.cidr: bad CIDR"),
        ({}, "spec.cidr: missing required field"),
        ({"cidr": "10.0.0.0/16", "vxlan": "Always"}, "spec.vxlan: unknown field"),
        ({"cidr": "10.0.0.0/16", "disabled": "yes"}, "spec.disabled: wrong type"),
        ({"cidr": "10.0.0.0/16", "allowedUses": ["Pods"]}, "spec.allowedUses[0]: unknown use"),
    ],
)
def test_ip_pool_errors(spec: dict[str, Any], where: str) -> None:
    assert f"IPPool p: {where}" in _error(_obj("IPPool", "p", spec))


@pytest.mark.parametrize("api", APIS)
def test_ipam_block(api: str) -> None:
    spec = {"cidr": "10.244.3.0/26", "affinity": "host:node-b", "deleted": False}
    block = _value(_obj("IPAMBlock", "10-244-3-0-26", spec, api))
    assert block == IpamBlock("10-244-3-0-26", "10.244.3.0/26", "node-b")


def test_ipam_block_without_affinity_and_deleted() -> None:
    block = _value(_obj("IPAMBlock", "b", {"cidr": "10.1.0.0/26", "deleted": True}))
    assert block == IpamBlock("b", "10.1.0.0/26", "", deleted=True)


def test_ipam_block_borrowed_addresses() -> None:
    spec = {
        "cidr": "10.1.0.0/30",
        "affinity": "host:a",
        "allocations": [0, None, 1, 2],
        "unallocated": [1],
        "attributes": [
            {"handle_id": "h0", "secondary": {"node": "a", "pod": "x", "namespace": "n"}},
            {"handle_id": "h1", "secondary": {"node": "b", "pod": "y", "namespace": "n"}},
            {"handle_id": "h2"},
        ],
    }
    block = _value(_obj("IPAMBlock", "b", spec))
    assert block.borrowed == (BorrowedAddress("10.1.0.2", "b"),)


@pytest.mark.parametrize(
    ("spec", "where"),
    [
        ({"cidr": "10.1.0.1/26"}, "spec.cidr: not a network address"),
        ({"cidr": "10.1.0.0/26", "affinity": "host:"}, "spec.affinity: 'host:' names no node"),
        ({"cidr": "10.1.0.0/26", "affinity": "nodeb"}, "spec.affinity: expected 'host:<node>'"),
        (
            {"cidr": "10.1.0.0/26", "allocations": [3], "attributes": [{}]},
            "spec.allocations[0]: out of range",
        ),
        ({"cidr": "10.1.0.0/31", "allocations": [None, None, None]}, "spec.allocations: 3 entries"),
        (
            {"cidr": "10.1.0.0/26", "attributes": [{"owner": 1}]},
            "spec.attributes[0].owner: unknown field",
        ),
        ({"cidr": "10.1.0.0/26", "strict": True}, "spec.strict: unknown field"),
    ],
)
def test_ipam_block_errors(spec: dict[str, Any], where: str) -> None:
    assert f"IPAMBlock b: {where}" in _error(_obj("IPAMBlock", "b", spec))


def _k8s_node(name: str, annotations: dict[str, Any] | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": {"kubernetes.io/os": "windows"}}
    if annotations is not None:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Node", "metadata": meta, "spec": {"podCIDR": "x"}}


def test_k8s_node_vtep_from_annotations() -> None:
    node = _value(
        _k8s_node(
            "win-1",
            {
                "projectcalico.org/IPv4Address": "172.16.0.13/24",
                "projectcalico.org/IPv4VXLANTunnelAddr": "10.244.3.0",
                "projectcalico.org/VXLANTunnelMACAddr": "00:15:5d:11:22:33",
            },
        )
    )
    assert node.name == "win-1"
    assert node.vtep == Vtep("172.16.0.13", "10.244.3.0", "00-15-5D-11-22-33")


def test_k8s_node_is_one_node_with_labels_addresses_and_vtep() -> None:
    obj = _k8s_node("win-1", {"projectcalico.org/IPv4VXLANTunnelAddr": "10.244.3.0"})
    obj["metadata"]["annotations"]["projectcalico.org/IPv4Address"] = "172.16.0.13/24"
    obj["status"] = {"addresses": [{"type": "InternalIP", "address": "172.16.0.13"}]}
    node = _value(obj)
    assert node == Node(
        "win-1",
        Labels({"kubernetes.io/os": "windows"}),
        ("172.16.0.13",),
        vtep=Vtep("172.16.0.13", "10.244.3.0", generated_mac("win-1")),
    )


def test_node_without_vtep_and_generated_mac() -> None:
    assert _value(_k8s_node("n", None)).vtep is None
    only_address = {"projectcalico.org/IPv4Address": "172.16.0.13/24"}
    assert _value(_k8s_node("n", only_address)).vtep is None
    node = _value(
        _k8s_node(
            "n",
            {**only_address, "projectcalico.org/IPv4VXLANTunnelAddr": "10.244.3.0"},
        )
    )
    assert node.vtep.mac == generated_mac("n")
    mac = generated_mac("n")
    assert mac.startswith("66-") and len(mac.split("-")) == 6


@pytest.mark.parametrize("api", APIS)
def test_calico_node(api: str) -> None:
    spec = {
        "bgp": {"ipv4Address": "172.16.0.14/24"},
        "ipv4VXLANTunnelAddr": "10.244.4.0",
        "vxlanTunnelMACAddr": "00-15-5D-AA-BB-CC",
        "orchRefs": [{"nodeName": "n2", "orchestrator": "k8s"}],
    }
    node = _value(_obj("Node", "n2", spec, api))
    assert node.name == "n2"
    assert node.vtep == Vtep("172.16.0.14", "10.244.4.0", "00-15-5D-AA-BB-CC")


@pytest.mark.parametrize(
    ("annotations", "where"),
    [
        (
            {
                "projectcalico.org/IPv4Address": "nope",
                "projectcalico.org/IPv4VXLANTunnelAddr": "10.0.0.1",
            },
            'metadata.annotations["projectcalico.org/IPv4Address"]: bad IP address',
        ),
        (
            {
                "projectcalico.org/IPv4Address": "fd00::1/64",
                "projectcalico.org/IPv4VXLANTunnelAddr": "10.0.0.1",
            },
            'metadata.annotations["projectcalico.org/IPv4Address"]: not an IPv4 address',
        ),
        (
            {
                "projectcalico.org/IPv4Address": "172.16.0.1",
                "projectcalico.org/IPv4VXLANTunnelAddr": "10.0.0.1",
                "projectcalico.org/VXLANTunnelMACAddr": "00:15:5d:11:22",
            },
            'metadata.annotations["projectcalico.org/VXLANTunnelMACAddr"]: bad MAC address',
        ),
        (
            {"projectcalico.org/IPv4Address": 5},
            'metadata.annotations["projectcalico.org/IPv4Address"]: wrong type',
        ),
    ],
)
def test_k8s_node_errors(annotations: dict[str, Any], where: str) -> None:
    """Unreadable annotations leave the node without VTEP, reported as a problem; its
    labels and addresses still count (for ``nodes`` peers)."""
    obj = _k8s_node("n", annotations)
    obj["metadata"]["labels"] = {"role": "infra"}
    obj["status"] = {"addresses": [{"type": "InternalIP", "address": "10.0.0.4"}]}
    node = _value(obj)
    assert (node.vtep, node.labels, node.addresses) == (None, {"role": "infra"}, ("10.0.0.4",))
    (problem,) = node.problems
    assert f"Node n: {where}" in problem


def test_calico_node_errors() -> None:
    spec = {"bgp": {"ipv4Address": "172.16.0.1/24"}, "ipv4VXLANTunnelAddr": "x"}
    assert "Node n: spec.ipv4VXLANTunnelAddr: bad IP address" in _error(_obj("Node", "n", spec))
    assert "Node n: spec.vtep: unknown field" in _error(_obj("Node", "n", {"vtep": 1}))
