"""Verdicts on connections and reachability matrices, read from the simulator's classifier."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from dataplane.model import WorkloadEndpoint
from dataplane.simulate.probes import DEFAULT_PROBES, Probe

SOURCE_PORT = 40000


def _shared_family(src: WorkloadEndpoint, dst: WorkloadEndpoint) -> tuple[str, str] | None:
    """The first source/destination address pair of one family (IPv4 first)."""
    for version in (4, 6):
        src_ip = next((a for a in src.addresses if ipaddress.ip_address(a).version == version), "")
        dst_ip = next((a for a in dst.addresses if ipaddress.ip_address(a).version == version), "")
        if src_ip and dst_ip:
            return src_ip, dst_ip
    return None


@dataclass(frozen=True, slots=True)
class EndpointPacket:
    """A packet as one endpoint's ACLs see it: ``direction`` "Out" (leaving the
    endpoint, local = source) or "In" (arriving, local = destination)."""

    direction: str
    protocol: int
    local_ip: str
    local_port: int
    remote_ip: str
    remote_port: int

    @classmethod
    def at(
        cls, direction: str, protocol: int, src_ip: str, src_port: int, dst_ip: str, dst_port: int
    ) -> EndpointPacket:
        """The packet ``src -> dst`` at the source's endpoint ("Out") or the
        destination's ("In")."""
        if direction == "Out":
            return cls(direction, protocol, src_ip, src_port, dst_ip, dst_port)
        return cls(direction, protocol, dst_ip, dst_port, src_ip, src_port)


@dataclass(frozen=True, slots=True)
class SideVerdict:
    """One pod's side of a connection: egress of the source or ingress of the destination.

    ``allowed`` is None when the pod is not on the simulated node (its rules
    are another node's business). ``origin`` says where the deciding ACL came
    from: a policy and rule, "default deny", "no policy", or why unknown.
    ``notes``: the fail-closed notes of the rule it names (compiled to deny
    more, or allow less, than written).
    """

    pod: str
    direction: str
    allowed: bool | None
    acl_id: str
    origin: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RouteHop:
    """How a packet crosses from the source's node to the destination's node.

    ``route`` is the ``RemoteSubnetRoute`` (settings) the source node took, None
    when it has none; ``delivered`` says whether it reaches the destination's node.
    """

    source_node: str
    destination_node: str
    delivered: bool
    route: Mapping[str, Any] | None
    reason: str


class Network(Protocol):
    """What classifying a connection needs: one simulated node, or a cluster of them."""

    @property
    def pods(self) -> Mapping[str, WorkloadEndpoint]: ...

    def side(self, pod: str, packet: EndpointPacket) -> SideVerdict: ...

    def hop(self, source: str, destination: str, destination_ip: str) -> RouteHop | None: ...

    def routes(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class ConnectionVerdict:
    """Both sides of one connection and, between nodes, the route taken; ``allowed`` is
    None when a side is unknown and nothing known denies (or fails to deliver)."""

    source: str
    destination: str
    probe: Probe
    egress: SideVerdict
    ingress: SideVerdict
    hop: RouteHop | None = None

    @property
    def allowed(self) -> bool | None:
        sides = (self.egress.allowed, self.ingress.allowed)
        if False in sides or (self.hop is not None and not self.hop.delivered):
            return False
        return None if None in sides else True

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "destination": self.destination,
            "port": self.probe.port,
            "protocol": self.probe.protocol,
            "allowed": self.allowed,
            "sides": [dataclasses.asdict(side) for side in (self.egress, self.ingress)],
            **({"route": _hop_json(self.hop)} if self.hop is not None else {}),
        }

    def to_text(self) -> str:
        verdict = {True: "allowed", False: "denied", None: "unknown"}[self.allowed]
        lines = [f"{self.source} -> {self.destination} {self.probe}: {verdict}"]
        for side in (self.egress, self.ingress):
            state = {True: "allowed", False: "denied", None: "unknown"}[side.allowed]
            acl = f" by ACL {side.acl_id}" if side.acl_id else ""
            lines.append(f"  {side.direction:<7} of {side.pod}: {state}{acl} ({side.origin})")
            lines.extend(f"    fail-closed: {note}" for note in side.notes)
            if side is self.egress and self.hop is not None:
                hop = self.hop
                state = "delivered" if hop.delivered else "not delivered"
                lines.append(
                    f"  route   {hop.source_node} -> {hop.destination_node}: {state} ({hop.reason})"
                )
        return "\n".join(lines)


def _hop_json(hop: RouteHop) -> dict[str, Any]:
    return {
        "source_node": hop.source_node,
        "destination_node": hop.destination_node,
        "delivered": hop.delivered,
        "route": dict(hop.route) if hop.route is not None else None,
        "reason": hop.reason,
    }


def connection(node: Network, source: str, destination: str, probe: Probe) -> ConnectionVerdict:
    """Classify ``source`` -> ``destination`` (``ns/pod`` names) as the programmed dataplane
    would: the source's egress ACLs, the route between nodes, the destination's ingress."""
    src, dst = node.pods[source], node.pods[destination]
    addresses = _shared_family(src, dst)
    if addresses is None:
        unknown = "no address family in common"
        return ConnectionVerdict(
            source,
            destination,
            probe,
            SideVerdict(source, "egress", None, "", unknown),
            SideVerdict(destination, "ingress", None, "", unknown),
        )
    src_ip, dst_ip = addresses
    protocol = probe.protocol_number(ipaddress.ip_address(src_ip).version)
    port = probe.port or 0
    source_port = SOURCE_PORT if probe.port is not None else 0
    egress = node.side(
        source, EndpointPacket.at("Out", protocol, src_ip, source_port, dst_ip, port)
    )
    hop = node.hop(source, destination, dst_ip)
    if hop is not None and not hop.delivered:
        ingress = SideVerdict(destination, "ingress", None, "", "not reached: not delivered")
    else:
        packet = EndpointPacket.at("In", protocol, src_ip, source_port, dst_ip, port)
        ingress = node.side(destination, packet)
    return ConnectionVerdict(source, destination, probe, egress, ingress, hop)


@dataclass(frozen=True, slots=True)
class ProbeMatrix:
    """Verdicts for one probe: ``matrix[source][destination]`` (None: not classifiable)."""

    probe: Probe
    matrix: Mapping[str, Mapping[str, bool | None]]


@dataclass(frozen=True, slots=True)
class Reachability:
    """Every pod to every pod, for each probe."""

    pods: tuple[str, ...]
    probes: tuple[ProbeMatrix, ...]
    routes: Mapping[str, Sequence[Mapping[str, Any]]] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """``{"probes": [{"port", "protocol", "matrix": {src: {dst: bool|null}}}],
        "routes": {node: [{"prefix", "provider_address", "mac", "vni"}]}}``."""
        return {
            "routes": {node: [dict(r) for r in routes] for node, routes in self.routes.items()},
            "probes": [
                {
                    "port": m.probe.port,
                    "protocol": m.probe.protocol,
                    "matrix": {src: dict(row) for src, row in m.matrix.items()},
                }
                for m in self.probes
            ],
        }

    def to_table(self) -> str:
        """Grids like the upstream e2e truth tables: ``.`` allowed, ``X`` denied, ``?`` unknown."""
        width = max((len(p) for p in self.pods), default=0)
        blocks = []
        for m in self.probes:
            header = [str(m.probe).ljust(width), *(p.ljust(width) for p in self.pods)]
            lines = [" ".join(header).rstrip()]
            for src in self.pods:
                cells = [_mark(m.matrix[src][dst]).ljust(width) for dst in self.pods]
                lines.append(" ".join([src.ljust(width), *cells]).rstrip())
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)


def _mark(verdict: bool | None) -> str:
    return "?" if verdict is None else "." if verdict else "X"


def reachability(node: Network, probes: Sequence[Probe] = DEFAULT_PROBES) -> Reachability:
    """Classify every pod pair for every probe (rows: source, columns: destination)."""
    pods = tuple(sorted(node.pods))
    matrices = tuple(
        ProbeMatrix(
            probe,
            {src: {dst: connection(node, src, dst, probe).allowed for dst in pods} for src in pods},
        )
        for probe in probes
    )
    return Reachability(pods, matrices, node.routes())
