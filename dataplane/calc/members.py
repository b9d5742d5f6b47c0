"""The members one endpoint or network set contributes to one address set."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network

from dataplane.calc.delta import IpSetKey, Member
from dataplane.model import NetworkSet, WorkloadEndpoint

Network = IPv4Network | IPv6Network


@lru_cache(maxsize=65536)
def parse_net(cidr: str) -> Network:
    """A CIDR string as a network (host bits must be zero)."""
    return ip_network(cidr)


def host_cidr(address: str) -> str:
    """An IP address as a single-address CIDR (/32 or /128)."""
    return f"{address}/128" if ":" in address else f"{address}/32"


@lru_cache(maxsize=65536)
def intersect(cidr: str, nets: tuple[str, ...]) -> tuple[str, ...]:
    """The parts of ``cidr`` inside any of ``nets`` (each overlap is the smaller CIDR)."""
    net = parse_net(cidr)
    parts: set[str] = set()
    for other_text in nets:
        other = parse_net(other_text)
        if other.version != net.version:
            continue
        if net.subnet_of(other):  # type: ignore[arg-type]
            parts.add(cidr)
        elif other.subnet_of(net):  # type: ignore[arg-type]
            parts.add(str(other))
    return tuple(sorted(parts))


def member_parts(member: Member, nets: tuple[str, ...]) -> tuple[Member, ...]:
    """The parts of one set member inside ``nets`` (a named-port member keeps its port):
    what the member contributes to the set's view cut to ``nets``."""
    if isinstance(member, str):
        return intersect(member, nets)
    cidr, port = member
    return tuple((part, port) for part in intersect(cidr, nets))


def _filtered(cidrs: tuple[str, ...] | list[str], nets: tuple[str, ...] | None) -> list[str]:
    if nets is None:
        return list(cidrs)
    return [part for cidr in cidrs for part in intersect(cidr, nets)]


def endpoint_members(endpoint: WorkloadEndpoint, key: IpSetKey) -> frozenset[Member]:
    """An endpoint's addresses (or (address, port) pairs for a named-port set)."""
    cidrs = _filtered([host_cidr(address) for address in endpoint.addresses], key.nets)
    if key.named_port is None:
        return frozenset(cidrs)
    name, protocol = key.named_port
    ports = {p.port for p in endpoint.ports if p.name == name and p.protocol == protocol}
    return frozenset((cidr, port) for cidr in cidrs for port in ports)


def network_set_members(network_set: NetworkSet, key: IpSetKey) -> frozenset[Member]:
    """A network set's nets (none for a named-port set: network sets declare no ports)."""
    if key.named_port is not None:
        return frozenset()
    return frozenset(_filtered(network_set.nets, key.nets))


def members_of(item: WorkloadEndpoint | NetworkSet, key: IpSetKey) -> frozenset[Member]:
    """What ``item`` contributes to the set ``key`` when its selector matches it."""
    if isinstance(item, WorkloadEndpoint):
        return endpoint_members(item, key)
    return network_set_members(item, key)
