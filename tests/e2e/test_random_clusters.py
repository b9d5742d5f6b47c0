"""Random clusters through the whole pipeline agree with the reference evaluator."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings

from tests.compile.harness import MODES
from tests.e2e.agreement import disagreements
from tests.e2e.pipeline import programmed
from tests.reference.strategies import HOST_ADDRESS, RandomCluster, random_clusters


def _check(cluster: RandomCluster, set_policy: bool, nodes_unreadable: bool = False) -> None:
    node, reference = programmed(cluster.manifests, set_policy, nodes_unreadable)
    found = disagreements(node, reference, cluster.probes, (HOST_ADDRESS,))
    assert not found, "\n".join(
        [*(str(d) for d in found[:12]), "manifests:", yaml.safe_dump_all(cluster.manifests)]
    )


@pytest.mark.parametrize("set_policy", MODES)
@settings(max_examples=2 * settings().max_examples)
@given(cluster=random_clusters())
def test_programmed_acls_match_the_reference(cluster: RandomCluster, set_policy: bool) -> None:
    _check(cluster, set_policy)


@pytest.mark.parametrize("set_policy", MODES)
@given(cluster=random_clusters(calico=False, admin=False))
def test_kubernetes_only_clusters_match_the_reference(
    cluster: RandomCluster, set_policy: bool
) -> None:
    _check(cluster, set_policy)


@pytest.mark.parametrize("set_policy", MODES)
@given(cluster=random_clusters(calico=False).filter(lambda c: _has_admin(c)))
def test_admin_and_kubernetes_clusters_match_the_reference(
    cluster: RandomCluster, set_policy: bool
) -> None:
    _check(cluster, set_policy)


def _has_admin(cluster: RandomCluster) -> bool:
    return any(m["apiVersion"].startswith("policy.networking.k8s.io") for m in cluster.manifests)


@pytest.mark.parametrize("set_policy", MODES)
@given(cluster=random_clusters(calico=False).filter(lambda c: _has_nodes_peer(c)))
def test_admin_clusters_with_unreadable_nodes_match_the_reference(
    cluster: RandomCluster, set_policy: bool
) -> None:
    """The agent may not read Nodes: rules with nodes peers fail closed, exactly as the
    reference reads the API's fail-closed semantics for an unknown peer."""
    _check(cluster, set_policy, nodes_unreadable=True)


def _has_nodes_peer(cluster: RandomCluster) -> bool:
    return any(
        isinstance(peer, dict) and "nodes" in peer
        for manifest in cluster.manifests
        if _has_admin_kind(manifest)
        for rule in (manifest.get("spec") or {}).get("egress") or ()
        if isinstance(rule, dict)
        for peer in rule.get("to") or ()
    )


def _has_admin_kind(manifest: dict) -> bool:
    return str(manifest["apiVersion"]).startswith("policy.networking.k8s.io")
