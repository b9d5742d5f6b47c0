"""Random manifests into the real pipeline and into the reference evaluator, side by side."""

from __future__ import annotations

from collections.abc import Iterable

from dataplane.convert import convert, resource_key
from dataplane.model import Delete, UnreadableNodes, Update, Upsert
from dataplane.simulate import SimulatedNode
from tests.reference import Cluster
from tests.reference.cluster import identity
from tests.reference.strategies import HOST_ADDRESS, LOCAL_NODE, Edit, Manifest


def to_updates(manifests: Iterable[Manifest]) -> list[Upsert | Delete]:
    return [convert(m) for m in manifests]


def apply_edits(
    state: list[Manifest], edits: Iterable[Edit]
) -> tuple[list[Manifest], list[Update]]:
    """The manifests after ``edits`` and the updates that carry them out."""
    by_id = {identity(m): m for m in state}
    updates: list[Update] = []
    for op, manifest in edits:
        if op == "delete":
            by_id.pop(identity(manifest), None)
            updates.append(Delete(resource_key(manifest)))
        else:
            by_id[identity(manifest)] = manifest
            updates.append(convert(manifest))
    return list(by_id.values()), updates


def programmed(
    manifests: Iterable[Manifest], set_policy: bool, nodes_unreadable: bool = False
) -> tuple[SimulatedNode, Cluster]:
    """A node programmed from the manifests (through ``convert``), and the reference's
    own reading of the same manifests. ``nodes_unreadable``: the agent may not read
    Nodes (the Kubernetes source's marker joins the updates)."""
    manifests = list(manifests)
    node = SimulatedNode(LOCAL_NODE, set_policy=set_policy, host_addresses=(HOST_ADDRESS,))
    marker: list[Update] = [Upsert(UnreadableNodes("nodes"))] if nodes_unreadable else []
    node.apply([*marker, *to_updates(manifests)])
    return node, Cluster.of(manifests, (HOST_ADDRESS,), nodes_unreadable)


def step(
    node: SimulatedNode, cluster: Cluster, edits: Iterable[Edit], updates: list[Update]
) -> Cluster:
    """Apply one batch to both: ``updates`` (the edits converted) to the node, the raw
    ``edits`` to the reference; return the reference's new cluster."""
    node.apply(updates)
    for operation, manifest in edits:
        cluster = cluster.apply(operation, manifest)
    return cluster
