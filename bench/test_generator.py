"""Checks that the synthetic clusters and churn events have the shapes they promise."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.churn import CHURN_EVENTS, selector_labels
from bench.generator import ClusterShape, generate_cluster, isolated_customers
from dataplane.calc.rule_selectors import policy_endpoint_selector
from dataplane.model import Action, Delete, Kind, NamedPortRef, Upsert, WorkloadEndpoint

SHAPE = ClusterShape.realistic(2000, local_pods=40, seed=7)
SYSTEM = ("kube-system", "monitoring")


def app_pods(cluster):
    return [e for e in cluster.endpoints if e.namespace not in SYSTEM]


@pytest.fixture(scope="module")
def cluster():
    return generate_cluster(SHAPE)


def test_same_seed_same_cluster(cluster):
    assert generate_cluster(SHAPE) == cluster
    assert isolated_customers(50, local_pods=5, seed=3) == isolated_customers(
        50, local_pods=5, seed=3
    )


def test_other_seed_other_cluster(cluster):
    other = generate_cluster(ClusterShape.realistic(2000, local_pods=40, seed=8))
    assert other.endpoints != cluster.endpoints


def test_counts_follow_the_shape(cluster):
    assert len(cluster.endpoints) == SHAPE.pods
    assert len(cluster.local_endpoints()) == 40
    assert len(cluster.namespaces) == SHAPE.namespaces
    kinds = Counter(p.kind for p in cluster.policies)
    assert kinds[Kind.K8S_NETWORK_POLICY] == SHAPE.k8s_policies
    assert kinds[Kind.NETWORK_POLICY] + kinds[Kind.GLOBAL_NETWORK_POLICY] == SHAPE.calico_policies


def test_pods_have_unique_addresses_and_10_to_20_labels(cluster):
    addresses = [a for e in cluster.endpoints for a in e.addresses]
    assert len(set(addresses)) == len(addresses)
    counts = {len(e.labels) for e in app_pods(cluster)}
    assert min(counts) >= 10 and max(counts) <= 20 and len(counts) > 3
    assert all({"app", "version", "tier", "team"} <= e.labels.keys() for e in app_pods(cluster))


def test_deployment_pods_share_label_objects(cluster):
    distinct = {id(e.labels) for e in cluster.endpoints}
    assert len(distinct) < len(cluster.endpoints) / 3


def test_policies_use_the_promised_features(cluster):
    rules = [r for p in cluster.policies for d in p.types for r in p.rules(d)]
    assert any(r.source.namespace_selector and r.source.selector for r in rules)
    assert any(r.source.not_nets or r.destination.not_nets for r in rules)
    assert any(isinstance(port, NamedPortRef) for r in rules for port in r.destination.ports)
    assert any(r.action is Action.PASS for r in rules)
    assert any(r.action is Action.DENY for r in rules)
    assert {t.name for t in cluster.tiers} == {"security", "platform"}
    assert any(e.ports for e in cluster.endpoints)


def test_isolated_customers_shape():
    cluster = isolated_customers(300, local_pods=20, seed=1)
    assert len(cluster.namespaces) == len(cluster.endpoints) == len(cluster.policies) == 300
    assert len(cluster.local_endpoints()) == 20
    assert {len(e.labels) for e in cluster.endpoints} == {15}
    for endpoint, policy in zip(cluster.endpoints, cluster.policies, strict=True):
        assert policy.namespace == endpoint.namespace
        labels = selector_labels(cluster, endpoint)
        assert policy_endpoint_selector(policy).matches(labels)
        others = [e for e in cluster.endpoints if e.namespace != endpoint.namespace]
        assert not any(
            policy_endpoint_selector(policy).matches(selector_labels(cluster, o))
            for o in others[:20]
        )


@pytest.mark.parametrize("name", sorted(CHURN_EVENTS))
@pytest.mark.parametrize("isolated", [False, True])
def test_churn_event_and_its_inverse(cluster, name, isolated):
    target = isolated_customers(200, local_pods=10) if isolated else cluster
    if isolated and name.startswith("admin"):
        with pytest.raises(LookupError):
            CHURN_EVENTS[name](target)
        return
    event = CHURN_EVENTS[name](target)
    assert event.forward != event.backward
    originals = {r.key: r for r in target.resources()}
    for update in event.backward:
        if isinstance(update, Upsert):
            assert originals[update.key] == update.value
        else:
            assert isinstance(update, Delete)
            assert update.key not in originals
    steps = event.steps()
    assert [next(steps) for _ in range(3)] == [event.forward, event.backward, event.forward]


def test_pod_churn_adds_a_remote_pod_with_a_fresh_address(cluster):
    (update,) = CHURN_EVENTS["pod"](cluster).forward
    assert isinstance(update, Upsert)
    pod = update.value
    assert isinstance(pod, WorkloadEndpoint)
    assert pod.node != cluster.node_name
    assert pod.addresses[0] not in {a for e in cluster.endpoints for a in e.addresses}
