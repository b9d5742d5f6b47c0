"""The Nodes collection becomes unreadable, then readable again: the rules with ``nodes``
peers switch to their fail-closed stand-ins and back (``calc/node_peers.py``).

Realistic shape plus one AdminNetworkPolicy denying egress from every namespace to the
infra nodes, and three infra Nodes: the policy applies to every local pod. Each event is
the Kubernetes source's ``UnreadableNodes`` marker upserted or deleted, alternately (the
cluster ends as it began). Only ``apply`` + ``plan`` is timed (process CPU); the plan
runs against the HNS simulator untimed; counters per event go to ``extra_info``.
"""

from __future__ import annotations

import itertools
import statistics
from typing import Any

from bench.conftest import cluster_for
from bench.harness import SimulatedNode, counters_now, make_engine, per_event, record
from bench.test_churn import ChurnRun
from dataplane.convert import convert
from dataplane.model import Delete, UnreadableNodes, Update, Upsert

ROUNDS = 40  # even: each event's inverse follows it
MARKER = UnreadableNodes("nodes")
NO_INFRA = {
    "apiVersion": "policy.networking.k8s.io/v1alpha1",
    "kind": "AdminNetworkPolicy",
    "metadata": {"name": "no-infra-nodes"},
    "spec": {
        "priority": 40,
        "subject": {"namespaces": {}},
        "egress": [{"action": "Deny", "to": [{"nodes": {"matchLabels": {"role": "infra"}}}]}],
    },
}


def _infra_node(index: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": f"infra-{index}", "labels": {"role": "infra"}},
        "status": {"addresses": [{"type": "InternalIP", "address": f"172.16.1.{index}"}]},
    }


def test_nodes_unreadable_toggle(benchmark: Any, cluster_pods: int) -> None:
    cluster = cluster_for("realistic", cluster_pods)
    node = SimulatedNode.create(cluster)
    engine = make_engine("incremental", cluster.node_name)
    node.adopt(engine)
    extra = [convert(o) for o in (NO_INFRA, *(_infra_node(i) for i in (1, 2, 3)))]
    engine.apply([*cluster.updates(), *extra])
    node.execute(engine, engine.plan())
    toggles: tuple[tuple[Update, ...], ...] = ((Upsert(MARKER),), (Delete(MARKER.key),))
    run = ChurnRun(engine, node, itertools.cycle(toggles))
    before = counters_now(engine)
    benchmark.group = "nodes_unreadable_toggle"
    benchmark.pedantic(run.compute, setup=run.next_event, teardown=run.execute, rounds=ROUNDS)
    run.execute()  # with --benchmark-disable the single call has no teardown
    counters = per_event(before, counters_now(engine), len(run.cpu_seconds))
    node.close()
    local = len(cluster.local_endpoints())
    # Every local pod is selected: one render of the policy, one Update per endpoint.
    assert counters["policy_renders"] == 1
    assert counters["endpoint_requests"] == local
    record(
        benchmark,
        scenario="nodes_unreadable_toggle",
        shape="realistic",
        pods=cluster_pods,
        engine="incremental",
        counters=counters,
        cpu_median_us=statistics.median(run.cpu_seconds) * 1e6,
        local_endpoints=float(local),
    )
