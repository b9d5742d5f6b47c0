"""``nodes`` peers of cluster-admin policies never fail open, through the simulator
(policies in, ACLs programmed, packets classified):

1. a Kubernetes Node and a Calico Node of the same name both count, whichever is read
   first: the Kubernetes Node's labels and addresses for ``nodes`` peers, the Calico
   Node's VTEP for routes;
2. while the Node objects cannot be read, an Allow rule to nodes allows nothing and a
   Deny (or Pass) rule to nodes denies its whole direction; policies without ``nodes``
   peers are unaffected, and the stand-ins go once the Nodes are readable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from dataplane.model import Delete, Kind, Protocol, ResourceKey, UnreadableNodes, Upsert
from dataplane.simulate import (
    EndpointPacket,
    SimulatedCluster,
    SimulatedNode,
    load_manifests,
    simulate,
)
from tests.failclosed.cluster import PODS, allowed, converted

Doc = dict[str, Any]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TCP = Protocol.TCP


def k8s_node(name: str, address: str, **labels: str) -> Doc:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels},
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": address},
                {"type": "Hostname", "address": name},
            ]
        },
    }


def admin(name: str, priority: int, **rules: list[Doc]) -> Doc:
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"priority": priority, "subject": {"namespaces": {}}, **rules},
    }


INFRA = {"nodes": {"matchLabels": {"role": "infra"}}}
NO_INFRA = admin("no-infra", 10, egress=[{"action": "Deny", "to": [INFRA]}])


def egress_allowed(node: SimulatedNode, pod: str, local: str, remote: str) -> bool:
    verdict = node.side(pod, EndpointPacket("Out", TCP, local, 40000, remote, 80))
    assert verdict.allowed is not None, verdict
    return verdict.allowed


# -- 1. a Kubernetes Node and a Calico Node of one name ------------------------------------


@pytest.mark.parametrize("kubernetes_first", [True, False])
def test_both_nodes_of_one_name_count_whichever_is_read_first(
    tmp_path: Path, kubernetes_first: bool
) -> None:
    """examples/overlay holds linux-node-1's Calico Node (its VTEP); a Kubernetes Node of
    the same name gives its labels and address, which a Deny to infra nodes reads."""
    extra = tmp_path / "extra"
    extra.mkdir()
    node = k8s_node("linux-node-1", "172.16.0.13", role="infra")
    (extra / "nodes.yaml").write_text(yaml.safe_dump_all([node, NO_INFRA]))
    overlay = [EXAMPLES / "cluster", EXAMPLES / "overlay"]
    loaded = load_manifests([extra, *overlay] if kubernetes_first else [*overlay, extra])
    assert not loaded.problems, loaded.problems  # two objects, not one defined twice
    cluster = simulate(loaded.updates)
    assert isinstance(cluster, SimulatedCluster)
    win = cluster.nodes["win-node-1"]
    # The Calico Node's VTEP: win-node-1 routes linux-node-1's block through it.
    route = win.route_to("10.244.3.5")
    assert route is not None and route["ProviderAddress"] == "172.16.0.13"
    # The Kubernetes Node's labels and address: the Deny to infra nodes holds.
    assert not egress_allowed(win, "shop/web-1", "10.244.1.10", "172.16.0.13")
    assert egress_allowed(win, "shop/web-1", "10.244.1.10", "172.16.0.12")


def test_removing_one_node_object_keeps_the_other() -> None:
    """Remote node n2 has both objects. The Calico Node goes: n2's address stays denied
    (Kubernetes Node); the Kubernetes Node goes instead: n2's block is still routed
    through the Calico Node's VTEP."""
    overlay = [
        {
            "apiVersion": "crd.projectcalico.org/v1",
            "kind": "IPPool",
            "metadata": {"name": "pool"},
            "spec": {"cidr": "10.244.0.0/16", "vxlanMode": "Always"},
        },
        {
            "apiVersion": "crd.projectcalico.org/v1",
            "kind": "IPAMBlock",
            "metadata": {"name": "n2-block"},
            "spec": {"cidr": "10.244.2.0/26", "affinity": "host:n2"},
        },
    ]
    calico = {
        "apiVersion": "projectcalico.org/v3",
        "kind": "Node",
        "metadata": {"name": "n2"},
        "spec": {"bgp": {"ipv4Address": "172.16.0.22/24"}, "ipv4VXLANTunnelAddr": "10.244.2.0"},
    }
    kubernetes = k8s_node("n2", "172.16.0.22", role="infra")
    node = SimulatedNode("n1", network_type="Overlay")
    node.apply(converted(*PODS, *overlay, NO_INFRA, kubernetes, calico))

    def routed() -> bool:
        return node.route_to("10.244.2.5") is not None

    assert routed() and not egress_allowed(node, "x/a", "10.0.0.1", "172.16.0.22")
    node.apply([Delete(ResourceKey(Kind.CALICO_NODE, "", "n2"))])
    assert not routed() and not egress_allowed(node, "x/a", "10.0.0.1", "172.16.0.22")
    node.apply([*converted(calico), Delete(ResourceKey(Kind.NODE, "", "n2"))])
    assert routed() and egress_allowed(node, "x/a", "10.0.0.1", "172.16.0.22")


# -- 2. Node objects that cannot be read ---------------------------------------------------

UNREADABLE = UnreadableNodes("nodes")
INFRA_NODE = k8s_node("infra-1", "10.0.9.4", role="infra")
NO_DEV = admin(
    "no-dev",
    5,
    ingress=[{"action": "Deny", "from": [{"namespaces": {"matchLabels": {"env": "dev"}}}]}],
)


def _node(*docs: Doc) -> SimulatedNode:
    node = SimulatedNode("n1")
    node.apply(converted(*PODS, INFRA_NODE, NO_DEV, *docs))
    return node


def test_a_deny_to_nodes_denies_its_whole_direction_while_nodes_are_unreadable() -> None:
    node = _node(NO_INFRA)
    assert not egress_allowed(node, "x/a", "10.0.0.1", "10.0.9.4")
    assert egress_allowed(node, "x/a", "10.0.0.1", "10.0.0.2")

    node.apply([Upsert(UNREADABLE)])
    assert not egress_allowed(node, "x/a", "10.0.0.1", "10.0.9.4")
    assert not egress_allowed(node, "x/a", "10.0.0.1", "10.0.0.2")
    assert not egress_allowed(node, "x/a", "10.0.0.1", "192.0.2.1")
    verdict = node.side("x/a", EndpointPacket("Out", TCP, "10.0.0.1", 40000, "192.0.2.1", 80))
    assert any("nodes peer cannot be evaluated" in n for n in verdict.notes), verdict
    # Policies without nodes peers are enforced as before: ingress is not touched.
    assert allowed(node, "x/b", "x/a") is False  # egress of b is denied too (same policy)
    ingress = node.side("x/a", EndpointPacket("In", TCP, "10.0.0.1", 80, "10.0.0.2", 40000))
    assert ingress.allowed is True
    assert not node.side(
        "x/a", EndpointPacket("In", TCP, "10.0.0.1", 80, "10.0.1.3", 40000)
    ).allowed

    node.apply([Delete(UNREADABLE.key)])
    assert not egress_allowed(node, "x/a", "10.0.0.1", "10.0.9.4")
    assert egress_allowed(node, "x/a", "10.0.0.1", "10.0.0.2")
    assert not any("nodes peer" in n for n in node.notes("x/a"))


def test_a_pass_to_nodes_denies_its_whole_direction_while_nodes_are_unreadable() -> None:
    passing = admin("pass-infra", 10, egress=[{"action": "Pass", "to": [INFRA]}])
    node = _node(passing)
    assert egress_allowed(node, "x/a", "10.0.0.1", "10.0.9.4")
    node.apply([Upsert(UNREADABLE)])
    assert not egress_allowed(node, "x/a", "10.0.0.1", "10.0.9.4")
    assert not egress_allowed(node, "x/a", "10.0.0.1", "10.0.0.2")


def test_an_allow_to_nodes_allows_nothing_while_nodes_are_unreadable() -> None:
    """A NetworkPolicy isolates namespace x for egress; an admin Allow to infra nodes lets
    its pods reach them, until the Nodes cannot be read."""
    isolate = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "isolate", "namespace": "x"},
        "spec": {"podSelector": {}, "policyTypes": ["Egress"]},
    }
    to_infra = admin("to-infra", 1, egress=[{"action": "Allow", "to": [INFRA]}])
    node = _node(isolate, to_infra)
    assert egress_allowed(node, "x/a", "10.0.0.1", "10.0.9.4")
    node.apply([Upsert(UNREADABLE)])
    assert not egress_allowed(node, "x/a", "10.0.0.1", "10.0.9.4")
    assert any("matches nothing" in n for n in node.notes("x/a"))
    # Namespace y is not isolated: its egress stays open (no deny-everything stand-in).
    assert egress_allowed(node, "y/c", "10.0.1.3", "192.0.2.1")
    node.apply([Delete(UNREADABLE.key)])
    assert egress_allowed(node, "x/a", "10.0.0.1", "10.0.9.4")


def test_a_node_with_unreadable_calico_annotations_still_counts_for_nodes_peers(
    tmp_path: Path,
) -> None:
    """A bad annotation used to reject the whole Node, so a Deny to it stopped matching
    its address. Now only its VTEP is left out, and that is reported."""
    node = k8s_node("infra-1", "10.0.9.4", role="infra")
    node["metadata"]["annotations"] = {
        "projectcalico.org/IPv4Address": "not-an-address",
        "projectcalico.org/IPv4VXLANTunnelAddr": "10.244.9.0",
    }
    (tmp_path / "cluster.yaml").write_text(yaml.safe_dump_all([*PODS, node, NO_INFRA]))
    loaded = load_manifests([tmp_path])
    (problem,) = loaded.problems
    assert "enforced fail-closed" in problem.message and "IPv4Address" in problem.message
    simulated = SimulatedNode("n1")
    simulated.apply(loaded.updates)
    assert not egress_allowed(simulated, "x/a", "10.0.0.1", "10.0.9.4")
    assert egress_allowed(simulated, "x/a", "10.0.0.1", "10.0.0.2")
