"""Value types of the VXLAN overlay: IP pools, IPAM blocks, nodes' VTEPs and routes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dataplane.model.keys import Kind, ResourceKey


class VxlanMode(StrEnum):
    """An IP pool's ``vxlanMode``: whether traffic to its blocks is VXLAN-encapsulated."""

    NEVER = "Never"
    ALWAYS = "Always"
    CROSS_SUBNET = "CrossSubnet"


@dataclass(frozen=True, slots=True)
class IpPool:
    """A Calico IPPool. ``routed`` is False for pools that hold no workload blocks
    (``allowedUses`` without ``Workload``); ``disabled`` only stops new allocations."""

    name: str
    cidr: str
    vxlan_mode: VxlanMode = VxlanMode.NEVER
    disabled: bool = False
    routed: bool = True

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(Kind.IP_POOL, "", self.name)

    @property
    def vxlan(self) -> bool:
        """Whether workload traffic to this pool's blocks goes through the VXLAN overlay."""
        return self.routed and self.vxlan_mode is not VxlanMode.NEVER


@dataclass(frozen=True, slots=True)
class BorrowedAddress:
    """An address of a block allocated to a pod on another node than the block's."""

    address: str
    node: str


@dataclass(frozen=True, slots=True)
class IpamBlock:
    """A Calico IPAMBlock: a CIDR of pod addresses, affine to one node (``node`` "" if none)."""

    name: str
    cidr: str
    node: str = ""
    deleted: bool = False
    borrowed: tuple[BorrowedAddress, ...] = ()

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(Kind.IPAM_BLOCK, "", self.name)


@dataclass(frozen=True, slots=True)
class Vtep:
    """A node's VXLAN tunnel endpoint: where its blocks' traffic is sent (IPv4)."""

    provider_address: str
    tunnel_address: str
    mac: str  # dashed, upper case: "00-15-5D-11-22-33"


@dataclass(frozen=True, slots=True, order=True)
class Route:
    """One overlay route: pod addresses in ``prefix`` live on ``node``, reached through
    its VTEP (``provider_address``, ``mac``) on VXLAN network ``vni``."""

    prefix: str
    node: str
    provider_address: str
    mac: str
    vni: int
