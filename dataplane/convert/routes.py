"""Calico IPPool, IPAMBlock and Node, and Kubernetes Node annotations, to route inputs."""

from __future__ import annotations

import hashlib
import ipaddress
import re

from dataplane.convert.fields import Field
from dataplane.convert.identity import ObjectIdentity
from dataplane.convert.nets import read_cidr, read_ip
from dataplane.model import BorrowedAddress, CalicoNode, IpamBlock, IpPool, Vtep, VxlanMode

_IP_POOL_FIELDS = (
    "allowedUses",
    "assignmentMode",
    "blockSize",
    "cidr",
    "disableBGPExport",
    "disabled",
    "ipip",
    "ipipMode",
    "namespaceSelector",
    "nat-outgoing",
    "natOutgoing",
    "nodeSelector",
    "vxlanMode",
)
_IPAM_BLOCK_FIELDS = (
    "affinity",
    "affinityClaimTime",
    "allocations",
    "attributes",
    "cidr",
    "deleted",
    "sequenceNumber",
    "sequenceNumberForAllocation",
    "strictAffinity",
    "unallocated",
)
_ATTRIBUTE_FIELDS = ("alternateOwnerAttrs", "handle_id", "releasedAt", "secondary")
_NODE_FIELDS = (
    "addresses",
    "bgp",
    "interfaces",
    "ipv4VXLANTunnelAddr",
    "ipv6VXLANTunnelAddr",
    "orchRefs",
    "vxlanTunnelMACAddr",
    "vxlanTunnelMACAddrV6",
    "wireguard",
)
_ALLOWED_USES = ("LoadBalancer", "Tunnel", "Workload")
_AFFINITY_HOST = "host:"
_MAC = re.compile(r"[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}")

# The annotations Calico keeps on a Kubernetes Node in the Kubernetes datastore.
NODE_ADDRESS_ANNOTATION = "projectcalico.org/IPv4Address"
NODE_TUNNEL_ADDRESS_ANNOTATION = "projectcalico.org/IPv4VXLANTunnelAddr"
NODE_TUNNEL_MAC_ANNOTATION = "projectcalico.org/VXLANTunnelMACAddr"


def convert_ip_pool(identity: ObjectIdentity, obj: Field) -> IpPool:
    """An IPPool: its CIDR, ``vxlanMode`` (default Never), ``disabled`` and allowed uses."""
    spec = obj.get("spec").known(_IP_POOL_FIELDS)
    mode_field = spec.get("vxlanMode")
    mode = mode_field.text(VxlanMode.NEVER) or VxlanMode.NEVER
    if mode not in VxlanMode.__members__.values():
        raise mode_field.error(
            f"unknown VXLAN mode {mode!r} (expected one of: {', '.join(VxlanMode)})"
        )
    uses = [use.text() for use in spec.get("allowedUses").items()]
    for index, use in enumerate(uses):
        if use not in _ALLOWED_USES:
            raise (
                spec.get("allowedUses")
                .items()[index]
                .error(f"unknown use {use!r} (expected one of: {', '.join(_ALLOWED_USES)})")
            )
    return IpPool(
        name=identity.key.name,
        cidr=read_cidr(spec.get("cidr")),
        vxlan_mode=VxlanMode(mode),
        disabled=spec.get("disabled").boolean(False),
        routed=not uses or "Workload" in uses,
    )


def convert_ipam_block(identity: ObjectIdentity, obj: Field) -> IpamBlock:
    """An IPAMBlock: CIDR, affine node (``affinity: host:<node>``), ``deleted``, and the
    addresses allocated to pods of other nodes (borrowed)."""
    spec = obj.get("spec").known(_IPAM_BLOCK_FIELDS)
    cidr_field = spec.get("cidr")
    cidr = read_cidr(cidr_field)
    if cidr_field.text() != cidr:
        raise cidr_field.error(f"not a network address (host bits set): {cidr_field.text()!r}")
    affinity_field = spec.get("affinity")
    affinity = affinity_field.text("")
    node = ""
    if affinity.startswith(_AFFINITY_HOST):
        node = affinity[len(_AFFINITY_HOST) :]
        if not node:
            raise affinity_field.error("'host:' names no node")
    elif affinity and ":" not in affinity:
        raise affinity_field.error(f"expected 'host:<node>', got {affinity!r}")
    return IpamBlock(
        name=identity.key.name,
        cidr=cidr,
        node=node,
        deleted=spec.get("deleted").boolean(False),
        borrowed=_borrowed(spec, cidr, node),
    )


def _borrowed(spec: Field, cidr: str, node: str) -> tuple[BorrowedAddress, ...]:
    """Allocations whose owner (``attributes[i].secondary.node``) is not the block's node."""
    attributes = spec.get("attributes").items()
    owners: list[str] = []
    for attribute in attributes:
        attribute.known(_ATTRIBUTE_FIELDS)
        owners.append(attribute.get("secondary").string_map().get("node", ""))
    network = ipaddress.ip_network(cidr)
    borrowed: list[BorrowedAddress] = []
    allocations = spec.get("allocations").items()
    if len(allocations) > network.num_addresses:
        raise spec.get("allocations").error(
            f"{len(allocations)} entries for a block of {network.num_addresses} addresses"
        )
    for ordinal, allocation in enumerate(allocations):
        if allocation.missing:
            continue
        index = allocation.integer_in(0, max(len(attributes) - 1, 0))
        if not attributes:
            raise allocation.error("refers to an attribute but the block has none")
        owner = owners[index]
        if owner and node and owner != node:
            borrowed.append(BorrowedAddress(str(network.network_address + ordinal), owner))
    return tuple(borrowed)


def convert_calico_node(identity: ObjectIdentity, obj: Field) -> CalicoNode:
    """A Calico Node: its VTEP from ``spec.bgp.ipv4Address``, ``spec.ipv4VXLANTunnelAddr``
    and ``spec.vxlanTunnelMACAddr``."""
    spec = obj.get("spec").known(_NODE_FIELDS)
    return CalicoNode(
        name=identity.key.name,
        vtep=_vtep(
            identity.key.name,
            spec.get("bgp").get("ipv4Address"),
            spec.get("ipv4VXLANTunnelAddr"),
            spec.get("vxlanTunnelMACAddr"),
        ),
    )


def k8s_node_vtep(identity: ObjectIdentity, obj: Field) -> Vtep | None:
    """A Kubernetes Node's VTEP from Calico's annotations (see the constants above)."""
    annotations = obj.get("metadata").get("annotations")
    annotations.string_map()
    return _vtep(
        identity.key.name,
        annotations.get(NODE_ADDRESS_ANNOTATION),
        annotations.get(NODE_TUNNEL_ADDRESS_ANNOTATION),
        annotations.get(NODE_TUNNEL_MAC_ANNOTATION),
    )


def _vtep(node: str, address: Field, tunnel: Field, mac: Field) -> Vtep | None:
    """A VTEP when the node has both an IPv4 address and a VXLAN tunnel address."""
    if not address.text("") or not tunnel.text(""):
        return None
    provider = read_ip_of_cidr(address)
    tunnel_address = read_ip(tunnel)
    for field, value in ((address, provider), (tunnel, tunnel_address)):
        if ipaddress.ip_address(value).version != 4:
            raise field.error(f"not an IPv4 address: {value!r}")
    return Vtep(provider, tunnel_address, read_mac(mac) if mac.text("") else generated_mac(node))


def read_ip_of_cidr(field: Field) -> str:
    """The address of an ``IP/prefix`` (or bare IP) field, canonical."""
    text = field.text()
    if "/" not in text:
        return read_ip(field)
    try:
        return str(ipaddress.ip_interface(text).ip)
    except ValueError as exc:
        raise field.error(f"bad address {text!r}: {exc}") from None


def read_mac(field: Field) -> str:
    """A MAC address (``:`` or ``-`` separated) in HNS's form: dashed, upper case."""
    text = field.text()
    if not _MAC.fullmatch(text):
        raise field.error(f"bad MAC address {text!r} (expected six hex pairs)")
    return text.replace(":", "-").upper()


def generated_mac(node: str) -> str:
    """The MAC Calico gives a node's VXLAN device when none is recorded: 0x66 ("f")
    followed by the first five bytes of the SHA-1 of the node name."""
    digest = hashlib.sha1(node.encode()).digest()
    return "-".join(f"{b:02X}" for b in (b"f" + digest[:5]))
