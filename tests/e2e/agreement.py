"""Compare the simulator's per-direction verdicts on a programmed node with the reference."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dataplane.model import Direction, IcmpMatch, Protocol
from dataplane.simulate import SOURCE_PORT, EndpointPacket, SimulatedNode
from tests.reference import Cluster, Packet, evaluate
from tests.reference.strategies import EXTERNAL_ADDRESSES, ICMP_ECHO_V4, ICMP_ECHO_V6

# (protocol number, destination port, ICMP type/code) per address family
PacketKind = tuple[int, int | None, IcmpMatch | None]


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One packet on which the programmed ACLs and the reference evaluator differ."""

    pod: str
    direction: str
    packet: Packet
    simulator: bool
    reference: bool
    reason: str
    acl_id: str
    notes: tuple[str, ...]

    @property
    def allows_more(self) -> bool:
        return self.simulator and not self.reference

    def __str__(self) -> str:
        kind = "ALLOWS MORE THAN POLICY" if self.allows_more else "denies more (no note)"
        p = self.packet
        return (
            f"{kind}: {self.pod} {self.direction} {p.src_ip}:{p.src_port} -> "
            f"{p.dst_ip}:{p.dst_port} proto {p.protocol} icmp {p.icmp}: simulator "
            f"{self.simulator} (ACL {self.acl_id or '-'}), reference {self.reference} "
            f"({self.reason}); notes {list(self.notes)}"
        )


def packet_kinds(probes: Iterable[tuple[int, str]], version: int) -> list[PacketKind]:
    """The probes as packets of one address family, plus an ICMP echo request."""
    kinds: list[PacketKind] = [(Protocol.BY_NAME[proto], port, None) for port, proto in probes]
    if version == 4:
        kinds.append((Protocol.ICMP, None, IcmpMatch(*ICMP_ECHO_V4)))
    else:
        kinds.append((Protocol.ICMPV6, None, IcmpMatch(*ICMP_ECHO_V6)))
    return kinds


def _version(ip: str) -> int:
    return ipaddress.ip_address(ip).version


def disagreements(
    node: SimulatedNode,
    cluster: Cluster,
    probes: Sequence[tuple[int, str]],
    host_addresses: Sequence[str] = (),
) -> list[Disagreement]:
    """Every packet, to and from every local pod, on which the two disagree.

    Peers: every pod address, some external addresses and (ingress only) the
    host addresses. Simulator-allowed/reference-denied always counts; the
    reverse counts only when the engine reported no fail-closed note for the pod.
    """
    peers = sorted(
        {a for pod in cluster.endpoints for a in pod.addresses} | set(EXTERNAL_ADDRESSES)
    )
    found: list[Disagreement] = []
    for name, endpoint in sorted(node.pods.items()):
        if not node.is_local(name):
            continue
        notes = node.notes(name)
        for local_ip in endpoint.addresses:
            version = _version(local_ip)
            kinds = packet_kinds(probes, version)
            same_family = [p for p in peers if _version(p) == version]
            hosts = [h for h in host_addresses if _version(h) == version]
            for protocol, port, icmp in kinds:
                sport = SOURCE_PORT if port is not None else None
                for peer in same_family + hosts:
                    inbound = Packet(peer, local_ip, protocol, sport, port, icmp)
                    found += _check(node, cluster, name, Direction.INGRESS, inbound, notes)
                for peer in same_family:
                    outbound = Packet(local_ip, peer, protocol, sport, port, icmp)
                    found += _check(node, cluster, name, Direction.EGRESS, outbound, notes)
    return found


def _check(
    node: SimulatedNode,
    cluster: Cluster,
    pod: str,
    direction: Direction,
    packet: Packet,
    notes: tuple[str, ...],
) -> list[Disagreement]:
    namespace, name = pod.split("/", 1)
    at = EndpointPacket.at(
        "In" if direction is Direction.INGRESS else "Out",
        packet.protocol,
        packet.src_ip,
        packet.src_port or 0,
        packet.dst_ip,
        packet.dst_port or 0,
    )
    side = node.side(pod, at)
    reference = evaluate(cluster, direction, cluster.pod(namespace, name), packet)
    simulator = bool(side.allowed)
    if simulator == reference.allowed or (not simulator and notes):
        return []
    return [
        Disagreement(
            pod,
            str(direction),
            packet,
            simulator,
            reference.allowed,
            reference.reason,
            side.acl_id,
            notes,
        )
    ]
