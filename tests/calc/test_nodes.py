"""A Kubernetes Node and a Calico Node of one name: both objects' facts survive, in any
order, and removing one keeps the other's."""

from __future__ import annotations

from itertools import permutations

import pytest

from dataplane.calc import CalcGraph, IpSetKey
from dataplane.calc.nodes import NodeVteps
from dataplane.model import (
    Action,
    CalicoNode,
    Delete,
    Direction,
    EntityMatch,
    IpamBlock,
    IpPool,
    Kind,
    Labels,
    Node,
    Policy,
    Rule,
    Upsert,
    Vtep,
    VxlanMode,
    WorkloadEndpoint,
)
from dataplane.selector import ALL, parse

LOCAL = "local"
ANNOTATED = Vtep("172.16.0.2", "10.244.9.64", "00-15-5D-00-00-02")
CALICO = Vtep("172.16.0.9", "10.244.9.128", "00-15-5D-00-00-09")
INFRA = parse("role == 'infra'")
NODES_SET = IpSetKey(INFRA, nodes=True)
K8S_NODE = Node("b", Labels({"role": "infra"}), ("172.16.0.2",), vtep=ANNOTATED)
CALICO_NODE = CalicoNode("b", vtep=CALICO)
ANCHOR = WorkloadEndpoint("ns", "anchor", LOCAL, ("10.244.4.2",), Labels({"app": "a"}))
TO_NODES = Policy(
    Kind.GLOBAL_NETWORK_POLICY,
    "",
    "to-nodes",
    ALL,
    frozenset({Direction.EGRESS}),
    egress=(Rule(Action.DENY, destination=EntityMatch(node_selector=INFRA)),),
)
BASE = (
    IpPool("pool", "10.244.0.0/16", VxlanMode.ALWAYS),
    IpamBlock("blk-b", "10.244.3.0/26", "b"),
    ANCHOR,
    TO_NODES,
)


def _graph(*values: object) -> CalcGraph:
    graph = CalcGraph(LOCAL)
    graph.apply_all(Upsert(v) for v in (*BASE, *values))  # type: ignore[arg-type]
    graph.flush()
    return graph


def _route_provider(graph: CalcGraph) -> str | None:
    route = graph.routes.routes.get("10.244.3.0/26")
    return route.provider_address if route else None


def test_the_two_objects_of_a_node_have_different_keys() -> None:
    assert K8S_NODE.key.kind is Kind.NODE and CALICO_NODE.key.kind is Kind.CALICO_NODE
    assert K8S_NODE.key != CALICO_NODE.key


@pytest.mark.parametrize("order", list(permutations((K8S_NODE, CALICO_NODE))))
def test_both_objects_count_in_either_order(order: tuple[object, object]) -> None:
    graph = _graph(*order)
    assert graph.ipsets.members(NODES_SET) == frozenset({"172.16.0.2/32"})
    assert _route_provider(graph) == CALICO.provider_address  # the Calico Node's VTEP wins


def test_removing_the_calico_node_keeps_the_kubernetes_facts_and_vtep() -> None:
    graph = _graph(K8S_NODE, CALICO_NODE)
    graph.apply(Delete(CALICO_NODE.key))
    graph.flush()
    assert graph.ipsets.members(NODES_SET) == frozenset({"172.16.0.2/32"})
    assert _route_provider(graph) == ANNOTATED.provider_address


def test_removing_the_kubernetes_node_keeps_the_calico_vtep() -> None:
    graph = _graph(CALICO_NODE, K8S_NODE)
    graph.apply(Delete(K8S_NODE.key))
    graph.flush()
    assert graph.ipsets.members(NODES_SET) == frozenset()
    assert _route_provider(graph) == CALICO.provider_address


def test_a_calico_node_without_vtep_leaves_the_annotated_one_in_force() -> None:
    graph = _graph(K8S_NODE, CalicoNode("b"))
    assert _route_provider(graph) == ANNOTATED.provider_address
    graph.apply(Upsert(CALICO_NODE))
    graph.flush()
    assert _route_provider(graph) == CALICO.provider_address


def test_node_vteps_prefers_the_calico_record_and_falls_back() -> None:
    vteps = NodeVteps()
    assert vteps.set_calico("b", CALICO_NODE) == CALICO
    assert vteps.set_kubernetes("b", K8S_NODE) == CALICO
    assert vteps.set_kubernetes("c", Node("c", vtep=ANNOTATED)) == ANNOTATED
    assert vteps.vteps() == {"b": CALICO, "c": ANNOTATED}
    assert vteps.set_calico("b", None) == ANNOTATED
    assert vteps.set_kubernetes("b", None) is None
    assert vteps.vteps() == {"c": ANNOTATED}
