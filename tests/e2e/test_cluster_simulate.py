"""Whole-cluster simulation: one simulated HNS per Node, routes between them, verdicts that
match the single-node simulation wherever a route exists."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from dataplane.cli import main
from dataplane.convert import convert
from dataplane.model import Update
from dataplane.simulate import (
    Probe,
    SimulatedCluster,
    connection,
    load_manifests,
    reachability,
    simulate,
    simulate_node,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PATHS = [EXAMPLES / "cluster", EXAMPLES / "overlay"]
PROBES = [Probe.parse(p) for p in ("80/TCP", "8080/TCP", "9000/TCP", "7443/TCP", "9090/TCP")]


def _updates(*extra: dict[str, Any]) -> list[Update]:
    loaded = load_manifests(PATHS)
    assert not loaded.problems
    return [*loaded.updates, *(convert(o) for o in extra)]


def test_example_cluster_matches_the_single_node_simulation() -> None:
    updates = _updates()
    single = simulate_node(updates)  # the simulator holds one simulation at a time
    pairs = [
        (probe, src, dst)
        for probe in PROBES
        for src, dst in itertools.product(sorted(single.pods), repeat=2)
    ]
    alone = {pair: connection(single, pair[1], pair[2], pair[0]) for pair in pairs}
    cluster = simulate(updates)
    assert isinstance(cluster, SimulatedCluster)
    assert sorted(cluster.nodes) == ["linux-node-1", "win-node-1", "win-node-2"]
    crossed = 0
    for pair in pairs:
        across = connection(cluster, pair[1], pair[2], pair[0])
        if across.hop is not None:
            crossed += 1
            assert across.hop.delivered, across.to_text()
        assert across.allowed == alone[pair].allowed, across.to_text() + alone[pair].to_text()
    assert crossed > 0
    assert {v.allowed for v in alone.values()} == {True, False}


def test_each_node_routes_to_the_other_nodes_blocks_only() -> None:
    routes = simulate(_updates()).routes()
    prefixes = {node: sorted(r["prefix"] for r in rs) for node, rs in routes.items()}
    assert prefixes == {
        "linux-node-1": ["10.244.1.0/26", "10.244.2.0/26"],
        "win-node-1": ["10.244.2.0/26", "10.244.3.0/26"],
        "win-node-2": ["10.244.1.0/26", "10.244.3.0/26"],
    }


def test_a_node_without_vtep_is_unreachable_and_explained() -> None:
    no_vtep = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "win-node-2"}}
    cluster = simulate(_updates(no_vtep))
    verdict = connection(cluster, "shop/cart-1", "shop/web-2", Probe.parse("8080/TCP"))
    assert verdict.allowed is False
    assert verdict.hop is not None and not verdict.hop.delivered
    assert "node win-node-1 has no route to 10.244.2.10" in verdict.to_text()
    assert verdict.ingress.allowed is None
    back = connection(cluster, "shop/web-2", "shop/cart-1", Probe.parse("9000/TCP"))
    assert back.allowed is True, "win-node-2 still routes to win-node-1's block"


def test_blocks_without_affinity_unknown_nodes_or_non_vxlan_pools_yield_no_route() -> None:
    extra = [
        {
            "apiVersion": "crd.projectcalico.org/v1",
            "kind": "IPPool",
            "metadata": {"name": "plain"},
            "spec": {"cidr": "10.250.0.0/16", "vxlanMode": "Never"},
        },
        {
            "apiVersion": "crd.projectcalico.org/v1",
            "kind": "IPAMBlock",
            "metadata": {"name": "plain-block"},
            "spec": {"cidr": "10.250.0.0/26", "affinity": "host:win-node-2"},
        },
        {
            "apiVersion": "crd.projectcalico.org/v1",
            "kind": "IPAMBlock",
            "metadata": {"name": "orphan"},
            "spec": {"cidr": "10.244.9.0/26"},
        },
        {
            "apiVersion": "crd.projectcalico.org/v1",
            "kind": "IPAMBlock",
            "metadata": {"name": "ghost"},
            "spec": {"cidr": "10.244.8.0/26", "affinity": "host:ghost-node"},
        },
    ]
    routes = simulate(_updates(*extra)).routes()
    assert all(
        r["prefix"].startswith(("10.244.1.", "10.244.2.", "10.244.3."))
        for rs in routes.values()
        for r in rs
    )


def test_pods_on_nodes_without_a_node_object_stay_on_one_simulated_node() -> None:
    stray = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "stray", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {"nodeName": "elsewhere", "containers": [{"name": "c"}]},
        "status": {"phase": "Running", "podIP": "10.244.7.7"},
    }
    cluster = simulate(_updates(stray))
    assert isinstance(cluster, SimulatedCluster)
    verdict = connection(cluster, "shop/stray", "shop/cart-1", Probe.parse("9000/TCP"))
    assert verdict.hop is None and verdict.allowed is True


def test_reachability_json_carries_routes_and_unchanged_probes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["simulate", *map(str, PATHS), "--format", "json", "--probe", "9000/TCP"]) == 0
    output = json.loads(capsys.readouterr().out)
    assert set(output) == {"probes", "routes"}
    (probe,) = output["probes"]
    assert set(probe) == {"port", "protocol", "matrix"}
    assert output["routes"]["win-node-1"][0] == {
        "prefix": "10.244.2.0/26",
        "provider_address": "172.16.0.12",
        "mac": "00-15-5D-00-01-02",
        "vni": 4096,
    }
    assert reachability(simulate(_updates()), PROBES[:1]).to_json()["routes"] == output["routes"]


def test_explain_names_the_route(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["explain", *map(str, PATHS), "--from", "shop/web-2", "--to", "shop/cart-1"]
    assert main([*args, "--probe", "9000/TCP", "--format", "json"]) == 0
    output = json.loads(capsys.readouterr().out)
    assert output["allowed"] is True
    assert output["route"]["delivered"] is True
    assert output["route"]["route"]["DestinationPrefix"] == "10.244.1.0/26"
    assert main([*args, "--probe", "9000/TCP"]) == 0
    assert "route   win-node-2 -> win-node-1: delivered (route 10.244.1.0/26 via 172.16.0.11" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize("calico_first", [True, False])
def test_a_calico_node_vtep_wins_over_annotations_in_routes_and_delivery(
    calico_first: bool,
) -> None:
    """win-node-2 has a Kubernetes Node with annotations (172.16.0.12) and, here, also a
    Calico Node with another VTEP: routes lead to the Calico Node's, and the cluster's
    delivery check agrees with the route resolver, in either order."""
    calico = {
        "apiVersion": "projectcalico.org/v3",
        "kind": "Node",
        "metadata": {"name": "win-node-2"},
        "spec": {"bgp": {"ipv4Address": "172.16.0.99/24"}, "ipv4VXLANTunnelAddr": "10.244.2.0"},
    }
    updates = _updates()
    converted = convert(calico)
    cluster = simulate([converted, *updates] if calico_first else [*updates, converted])
    assert isinstance(cluster, SimulatedCluster)
    route = cluster.nodes["win-node-1"].route_to("10.244.2.10")
    assert route is not None and route["ProviderAddress"] == "172.16.0.99"
    verdict = connection(cluster, "shop/cart-1", "shop/web-2", Probe.parse("8080/TCP"))
    assert verdict.hop is not None and verdict.hop.delivered, verdict.to_text()
