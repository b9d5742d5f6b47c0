"""Reachability through the real pipeline: manifests, Engine, simulated HNS, its classifier."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dataplane.apply.executor import execute_plan_sync
from dataplane.convert import ManifestError, UnknownKindError, convert, iter_manifests
from dataplane.convert.manifests import MANIFEST_SUFFIXES
from dataplane.engine import Engine, EngineConfig
from dataplane.errors import ValidationError
from dataplane.hns import HcnApi, simulator
from dataplane.model import (
    Delete,
    InSync,
    Kind,
    Protocol,
    ResourceKey,
    Update,
    Upsert,
    WorkloadEndpoint,
)

SIMULATED_NODE = "simulated-node"
SOURCE_PORT = 40000
_ICMP_ECHO = {4: (Protocol.ICMP, 8), 6: (Protocol.ICMPV6, 128)}
_PORT_PROTOCOLS = ("TCP", "UDP", "SCTP")


_MAX_PLAN_ROUNDS = 4


class SimulationError(RuntimeError):
    """The pipeline could not program the simulator."""


class ProbeError(ValueError):
    """A probe was not written as ``PORT/PROTOCOL`` or ``ICMP``."""


@dataclass(frozen=True, slots=True)
class Probe:
    """One kind of connection to try: a port and protocol, or an ICMP echo (port None)."""

    protocol: str
    port: int | None

    @classmethod
    def parse(cls, text: str) -> Probe:
        """``80/TCP``, ``53/udp``, ``80`` (TCP) or ``icmp``."""
        if text.strip().upper() == "ICMP":
            return cls("ICMP", None)
        port_text, _, protocol = text.strip().partition("/")
        protocol = (protocol or "TCP").upper()
        if protocol not in _PORT_PROTOCOLS:
            raise ProbeError(f"probe {text!r}: protocol must be one of TCP, UDP, SCTP (or ICMP)")
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ProbeError(f"probe {text!r}: port must be a number from 1 to 65535")
        return cls(protocol, int(port_text))

    def __str__(self) -> str:
        return self.protocol if self.port is None else f"{self.port}/{self.protocol}"

    def protocol_number(self, ip_version: int) -> int:
        """The IANA protocol number (ICMP becomes ICMPv6 over IPv6)."""
        if self.port is None:
            return _ICMP_ECHO[ip_version][0]
        return Protocol.BY_NAME[self.protocol]


DEFAULT_PROBES = (Probe("TCP", 80),)


# -- reading manifests -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ManifestProblem:
    """A manifest that could not be used: where it is and what is wrong (resource, field)."""

    source: str
    document: int | None
    message: str

    def __str__(self) -> str:
        where = self.source if self.document is None else f"{self.source}: document {self.document}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class LoadedManifests:
    """The updates read from manifests, the invalid ones, and the kinds nobody handles."""

    updates: tuple[Upsert | Delete, ...]
    problems: tuple[ManifestProblem, ...] = ()
    ignored: tuple[ManifestProblem, ...] = ()


def _manifest_files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        yield from sorted(
            p for p in path.rglob("*") if p.suffix in MANIFEST_SUFFIXES and p.is_file()
        )
    else:
        yield path


def load_manifests(paths: Iterable[str | Path]) -> LoadedManifests:
    """Convert every object in the files (directories: their manifest files, recursively).

    Unreadable files and invalid objects become problems; objects of kinds the
    dataplane does not handle (Deployments, Services...) are listed as ignored.
    """
    updates: list[Upsert | Delete] = []
    problems: list[ManifestProblem] = []
    ignored: list[ManifestProblem] = []
    for path in paths:
        for file in _manifest_files(Path(path)):
            try:
                manifests = list(iter_manifests(file))
            except ManifestError as err:
                problems.append(ManifestProblem(err.source, err.document, err.message))
                continue
            for manifest in manifests:
                try:
                    updates.append(convert(manifest.obj))
                except UnknownKindError as err:
                    ignored.append(ManifestProblem(manifest.source, manifest.document, str(err)))
                except ValidationError as err:
                    problems.append(ManifestProblem(manifest.source, manifest.document, str(err)))
    return LoadedManifests(tuple(updates), tuple(problems), tuple(ignored))


def on_node(updates: Iterable[Update], node_name: str) -> list[Update]:
    """The updates with every pod moved onto ``node_name`` (simulating one node for all)."""
    moved: list[Update] = []
    for update in updates:
        if isinstance(update, Upsert) and isinstance(update.value, WorkloadEndpoint):
            update = Upsert(dataclasses.replace(update.value, node=node_name))
        moved.append(update)
    return moved


def pod_name(key: ResourceKey) -> str:
    """``namespace/name`` of a pod key."""
    return f"{key.namespace}/{key.name}"


# -- verdicts ----------------------------------------------------------------------


def _shared_family(src: WorkloadEndpoint, dst: WorkloadEndpoint) -> tuple[str, str] | None:
    """The first source/destination address pair of one family (IPv4 first)."""
    for version in (4, 6):
        src_ip = next((a for a in src.addresses if ipaddress.ip_address(a).version == version), "")
        dst_ip = next((a for a in dst.addresses if ipaddress.ip_address(a).version == version), "")
        if src_ip and dst_ip:
            return src_ip, dst_ip
    return None


@dataclass(frozen=True, slots=True)
class SideVerdict:
    """One pod's side of a connection: egress of the source or ingress of the destination.

    ``allowed`` is None when the pod is not on the simulated node (its rules
    are another node's business). ``origin`` says where the deciding ACL came
    from: a policy and rule, "default deny", "no policy", or why unknown.
    """

    pod: str
    direction: str
    allowed: bool | None
    acl_id: str
    origin: str


@dataclass(frozen=True, slots=True)
class ConnectionVerdict:
    """Both sides of one connection; ``allowed`` is None when a side is unknown and no
    known side denies."""

    source: str
    destination: str
    probe: Probe
    egress: SideVerdict
    ingress: SideVerdict

    @property
    def allowed(self) -> bool | None:
        sides = (self.egress.allowed, self.ingress.allowed)
        if False in sides:
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
        }

    def to_text(self) -> str:
        verdict = {True: "allowed", False: "denied", None: "unknown"}[self.allowed]
        lines = [f"{self.source} -> {self.destination} {self.probe}: {verdict}"]
        for side in (self.egress, self.ingress):
            state = {True: "allowed", False: "denied", None: "unknown"}[side.allowed]
            acl = f" by ACL {side.acl_id}" if side.acl_id else ""
            lines.append(f"  {side.direction:<7} of {side.pod}: {state}{acl} ({side.origin})")
        return "\n".join(lines)


def connection(
    node: SimulatedNode, source: str, destination: str, probe: Probe
) -> ConnectionVerdict:
    """Classify ``source`` -> ``destination`` (``ns/pod`` names) on the programmed ACLs."""
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
    egress = node.side(source, "Out", protocol, src_ip, source_port, dst_ip, port)
    ingress = node.side(destination, "In", protocol, dst_ip, port, src_ip, source_port)
    return ConnectionVerdict(source, destination, probe, egress, ingress)


# -- reachability matrices -------------------------------------------------------------


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

    def to_json(self) -> dict[str, Any]:
        """``{"probes": [{"port", "protocol", "matrix": {src: {dst: bool|null}}}]}``."""
        return {
            "probes": [
                {
                    "port": m.probe.port,
                    "protocol": m.probe.protocol,
                    "matrix": {src: dict(row) for src, row in m.matrix.items()},
                }
                for m in self.probes
            ]
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


def reachability(node: SimulatedNode, probes: Sequence[Probe] = DEFAULT_PROBES) -> Reachability:
    """Classify every pod pair for every probe (rows: source, columns: destination)."""
    pods = tuple(sorted(node.pods))
    matrices = tuple(
        ProbeMatrix(
            probe,
            {src: {dst: connection(node, src, dst, probe).allowed for dst in pods} for src in pods},
        )
        for probe in probes
    )
    return Reachability(pods, matrices)


# -- the simulated node ---------------------------------------------------------------


class SimulatedNode:
    """One node's dataplane programmed into the HNS simulator through the real pipeline.

    Feed model updates with :meth:`apply`: the engine plans, the executor writes
    the plan into the simulator (one HNS endpoint per local pod), and
    :meth:`side` asks the simulator's classifier about one packet. The
    simulator is process-wide, so creating a node resets it.
    """

    def __init__(
        self,
        node_name: str = SIMULATED_NODE,
        *,
        set_policy: bool | None = None,
        host_addresses: Sequence[str] = (),
    ) -> None:
        simulator.reset()
        simulator.configure()
        self.node_name = node_name
        self._api = HcnApi(backend="sim")
        config = EngineConfig.for_features(self._api.features)
        overrides: dict[str, Any] = {"host_addresses": tuple(host_addresses)}
        if set_policy is not None:
            overrides["set_policy"] = set_policy
        self.engine = Engine(node_name, dataclasses.replace(config, **overrides))
        self._network_id = self._api.create_network("simulate")
        self._endpoint_ids: dict[ResourceKey, str] = {}
        self._addresses: dict[ResourceKey, tuple[str, ...]] = {}
        self._pods: dict[str, WorkloadEndpoint] = {}
        self._synced = False

    @property
    def pods(self) -> Mapping[str, WorkloadEndpoint]:
        """Every pod with an address, local or not, by ``namespace/name``."""
        return self._pods

    def is_local(self, pod: str) -> bool:
        return self._pods[pod].node == self.node_name

    def apply(self, updates: Iterable[Update]) -> None:
        """Feed updates to the engine and program the resulting plan into the simulator."""
        batch = list(updates)
        for update in batch:
            self._track(update)
        if not self._synced:
            batch.append(InSync())
            self._synced = True
        self.engine.apply(batch)
        for _ in range(_MAX_PLAN_ROUNDS):
            plan = self.engine.plan()
            if self._sync_endpoints():
                continue  # endpoints appeared or went: plan again against what HNS has
            if not plan:
                return
            result = execute_plan_sync(
                self.engine, plan, self._api, self._endpoint_ids, self._network_id
            )
            if not result.ok:
                raise SimulationError(
                    f"programming the simulator failed ({result.failed} failed, "
                    f"{result.skipped} skipped): {list(result.errors)}"
                )
        raise SimulationError(f"the plan did not settle after {_MAX_PLAN_ROUNDS} rounds")

    def _track(self, update: Update) -> None:
        if isinstance(update, Upsert):
            value = update.value
            if isinstance(value, WorkloadEndpoint):
                self._pods[pod_name(update.key)] = value
        elif isinstance(update, Delete) and update.key.kind is Kind.WORKLOAD_ENDPOINT:
            self._pods.pop(pod_name(update.key), None)

    def _sync_endpoints(self) -> bool:
        """Play the CNI: one simulator endpoint per local pod, following its addresses.

        Returns whether any endpoint was created or deleted (a plan made before is stale).
        """
        local = self.engine.local_endpoints()
        changed = False
        for key in list(self._endpoint_ids):
            if key not in local or self._addresses[key] != local[key].addresses:
                self._api.delete_endpoint(self._endpoint_ids.pop(key))
                del self._addresses[key]
                self.engine.set_programmed_endpoint(key, None)
                changed = True
        for key, pod in local.items():
            if key not in self._endpoint_ids:
                name = f"{key.namespace}_{key.name}"
                self._endpoint_ids[key] = self._api.create_endpoint(
                    self._network_id, name, list(pod.addresses)
                )
                self._addresses[key] = pod.addresses
                self.engine.set_programmed_endpoint(key, ())
                changed = True
        return changed

    def notes(self, pod: str) -> tuple[str, ...]:
        """The engine's fail-closed notes for a local pod (empty when exact)."""
        status = self.engine.endpoint_status(self._pods[pod].key)
        return tuple(status.notes) if status is not None else ()

    def side(
        self,
        pod: str,
        direction: str,
        protocol: int,
        local_ip: str,
        local_port: int,
        remote_ip: str,
        remote_port: int,
    ) -> SideVerdict:
        """The simulator's verdict on one packet at ``pod``'s endpoint ("In" or "Out")."""
        label = "egress" if direction == "Out" else "ingress"
        key = self._pods[pod].key
        endpoint_id = self._endpoint_ids.get(key)
        if endpoint_id is None:
            return SideVerdict(pod, label, None, "", f"{pod} is not on node {self.node_name}")
        verdict = simulator.classify(
            endpoint_id, direction, protocol, local_ip, local_port, remote_ip, remote_port
        )
        origin = self._origin(key, verdict.acl_id) if verdict.acl_id else "no policy"
        return SideVerdict(pod, label, verdict.allowed, verdict.acl_id, origin)

    def _origin(self, key: ResourceKey, acl_id: str) -> str:
        """What an ACL was compiled from, as the engine recorded it."""
        label = self.engine.acl_origin(key, acl_id)
        if label is None:
            return "unknown origin"
        if label in _ORIGIN_TEXT:
            return _ORIGIN_TEXT[label]
        if label.startswith("tier "):
            return f"default deny ({label})"
        return f"policy {label}"


_ORIGIN_TEXT = {
    "host": "host traffic (allowed by configuration)",
    "allow-all": "no policy in this direction, or passed on by every tier: allowed",
    "overflow": "fail-closed block (more priorities needed than HNS has)",
}


def simulate_node(
    updates: Iterable[Update], node_name: str | None = None, **options: Any
) -> SimulatedNode:
    """A programmed node: every pod placed on it, or (``node_name`` given) only that node's
    pods local while the others stay set members and probe peers."""
    node = SimulatedNode(node_name or SIMULATED_NODE, **options)
    node.apply(updates if node_name else on_node(updates, SIMULATED_NODE))
    return node
