"""A small cluster and helpers to program it and ask what is allowed."""

from __future__ import annotations

from typing import Any

from dataplane.convert import convert
from dataplane.model import Delete, Upsert
from dataplane.simulate import Probe, SimulatedNode, connection, simulate_node
from tests.conformance.manifests import namespace_manifest, pod_manifest

Doc = dict[str, Any]

PODS: tuple[Doc, ...] = (
    namespace_manifest("x", env="prod"),
    namespace_manifest("y", env="dev"),
    pod_manifest("a", "x", {"app": "a"}, node="n1", ips=["10.0.0.1"]),
    pod_manifest("b", "x", {"app": "b"}, node="n1", ips=["10.0.0.2"]),
    pod_manifest("c", "y", {"app": "c"}, node="n1", ips=["10.0.1.3"]),
)
TCP80 = Probe.parse("80/TCP")
TCP81 = Probe.parse("81/TCP")


def converted(*docs: Doc) -> list[Upsert | Delete]:
    return [convert(doc) for doc in docs]


def programmed(*docs: Doc) -> SimulatedNode:
    """The cluster's pods plus ``docs``, programmed on one simulated node."""
    return simulate_node(converted(*PODS, *docs))


def allowed(node: SimulatedNode, source: str, destination: str, probe: Probe = TCP80) -> bool:
    verdict = connection(node, source, destination, probe).allowed
    assert verdict is not None
    return verdict


def matrix(node: SimulatedNode, probe: Probe = TCP80) -> dict[tuple[str, str], bool]:
    pods = sorted(node.pods)
    return {(s, d): allowed(node, s, d, probe) for s in pods for d in pods}


def at_most(docs: tuple[Doc, ...], valid: tuple[Doc, ...], probe: Probe = TCP80) -> bool:
    """Everything the cluster with ``docs`` allows, the one with ``valid`` allows too.

    (The simulator is process-wide: each node is read before the next is made.)
    """
    ours = matrix(programmed(*docs), probe)
    theirs = matrix(programmed(*valid), probe)
    return all(theirs[pair] for pair, ok in ours.items() if ok)
