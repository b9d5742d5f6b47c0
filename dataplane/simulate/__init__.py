"""Reachability through the real pipeline: manifests, Engine, simulated HNS, its classifier."""

from dataplane.simulate.cluster import SimulatedCluster, simulate
from dataplane.simulate.manifests import (
    LoadedManifests,
    ManifestProblem,
    address_conflicts,
    load_manifests,
)
from dataplane.simulate.node import (
    SIMULATED_NODE,
    SimulatedNode,
    SimulationError,
    on_node,
    pod_name,
    simulate_node,
)
from dataplane.simulate.probes import DEFAULT_PROBES, Probe, ProbeError
from dataplane.simulate.verdicts import (
    SOURCE_PORT,
    ConnectionVerdict,
    EndpointPacket,
    ProbeMatrix,
    Reachability,
    RouteHop,
    SideVerdict,
    connection,
    reachability,
)

__all__ = [
    "DEFAULT_PROBES",
    "SIMULATED_NODE",
    "SOURCE_PORT",
    "ConnectionVerdict",
    "EndpointPacket",
    "LoadedManifests",
    "ManifestProblem",
    "Probe",
    "ProbeError",
    "ProbeMatrix",
    "Reachability",
    "RouteHop",
    "SideVerdict",
    "SimulatedCluster",
    "SimulatedNode",
    "SimulationError",
    "address_conflicts",
    "connection",
    "load_manifests",
    "on_node",
    "pod_name",
    "reachability",
    "simulate",
    "simulate_node",
]
