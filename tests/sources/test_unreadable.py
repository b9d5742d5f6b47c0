"""Which unreadable collection calls for which fail-closed stand-in."""

from __future__ import annotations

import pytest

from dataplane.model import Delete, Kind, ResourceKey, UnreadableNodes, Upsert
from dataplane.sources.kube_resources import DEFAULT_RESOURCES, WatchedResource
from dataplane.sources.reflector import State
from dataplane.sources.unreadable import UNREADABLE_TIER, UnreadableCollections, fails_closed

RESOURCES = {resource.name: resource for resource in DEFAULT_RESOURCES}
NODES = RESOURCES["nodes"]
GNP = RESOURCES["globalnetworkpolicies.crd.projectcalico.org"]
POOLS = RESOURCES["ippools.crd.projectcalico.org"]


@pytest.mark.parametrize(
    ("resource", "state", "expected"),
    [
        (NODES, State.FORBIDDEN, True),
        (NODES, State.ABSENT, True),  # a Kubernetes API server always serves Nodes
        (NODES, State.WATCHING, False),
        (NODES, State.BACKOFF, False),  # the objects last read stay in force
        (GNP, State.FORBIDDEN, True),
        (GNP, State.ABSENT, False),  # a CRD not installed holds no policy
        (POOLS, State.FORBIDDEN, False),  # routes only: no policy depends on it
    ],
)
def test_fails_closed(resource: WatchedResource, state: State, expected: bool) -> None:
    assert fails_closed(resource, state) is expected


def test_only_the_nodes_collection_feeds_nodes_peers() -> None:
    assert [r.name for r in DEFAULT_RESOURCES if r.node_peers] == ["nodes"]


def test_unreadable_nodes_give_a_marker_not_a_deny_all() -> None:
    collections = UnreadableCollections()
    assert collections.set(NODES, State.FORBIDDEN) == [Upsert(UnreadableNodes("nodes"))]
    assert collections.names == {"nodes"}
    assert collections.set(NODES, State.FORBIDDEN) == []
    # A policy collection's deny-all still brings its tier, though nodes are unreadable.
    added = collections.set(GNP, State.FORBIDDEN)
    assert added[0] == Upsert(UNREADABLE_TIER)
    assert collections.set(NODES, State.WATCHING) == [Delete(UnreadableNodes("nodes").key)]
    removed = collections.set(GNP, State.WATCHING)
    assert removed[-1] == Delete(ResourceKey(Kind.TIER, "", UNREADABLE_TIER.name))
    assert collections.names == frozenset()
