"""Random manifests into the real pipeline and into the reference evaluator, side by side."""

from __future__ import annotations

from collections.abc import Iterable

from dataplane.convert import convert
from dataplane.model import Delete, Update, Upsert
from dataplane.simulate import SimulatedNode
from tests.reference import Cluster
from tests.reference.strategies import HOST_ADDRESS, LOCAL_NODE, Manifest


def to_updates(manifests: Iterable[Manifest]) -> list[Upsert | Delete]:
    return [convert(m) for m in manifests]


def programmed(manifests: Iterable[Manifest], set_policy: bool) -> tuple[SimulatedNode, Cluster]:
    """A node programmed from the manifests, and the reference's view of the same cluster."""
    updates = to_updates(manifests)
    node = SimulatedNode(LOCAL_NODE, set_policy=set_policy, host_addresses=(HOST_ADDRESS,))
    node.apply(updates)
    cluster = Cluster.of([], (HOST_ADDRESS,))
    for update in updates:
        cluster = cluster.apply(update)
    return node, cluster


def step(node: SimulatedNode, cluster: Cluster, updates: list[Update]) -> Cluster:
    """Apply one batch of updates to both; return the reference's new cluster."""
    node.apply(updates)
    for update in updates:
        cluster = cluster.apply(update)
    return cluster
