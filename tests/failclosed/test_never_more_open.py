"""Random clusters with one rule made invalid: the programmed ACLs never allow what the
valid rest of the policy does not (the reference evaluates the cluster without that rule)."""

from __future__ import annotations

import copy

import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.e2e.agreement import disagreements
from tests.e2e.pipeline import programmed
from tests.reference import Cluster
from tests.reference.strategies import HOST_ADDRESS, Manifest, RandomCluster, random_clusters

POLICY_KINDS = ("NetworkPolicy", "GlobalNetworkPolicy")


def _rule_slots(manifests: tuple[Manifest, ...]) -> list[tuple[int, str, int]]:
    """(manifest index, rule list, rule index) of every policy rule."""
    return [
        (i, direction, j)
        for i, m in enumerate(manifests)
        if m["kind"] in POLICY_KINDS
        for direction in ("ingress", "egress")
        for j in range(len(m["spec"].get(direction) or ()))
    ]


@settings(max_examples=settings().max_examples // 2)
@given(cluster=random_clusters(), data=st.data())
def test_one_invalid_rule_never_opens_more_than_the_valid_rest(
    cluster: RandomCluster, data: st.DataObject
) -> None:
    slots = _rule_slots(cluster.manifests)
    assume(slots)
    index, direction, rule = data.draw(st.sampled_from(slots), label="rule made invalid")
    broken = list(copy.deepcopy(cluster.manifests))
    broken[index]["spec"][direction][rule]["bogusField"] = 1  # an unknown field: invalid
    valid_rest = list(copy.deepcopy(cluster.manifests))
    del valid_rest[index]["spec"][direction][rule]
    node, _ = programmed(broken, set_policy=True)
    reference = Cluster.of(valid_rest, (HOST_ADDRESS,))
    opened = [
        d for d in disagreements(node, reference, cluster.probes, (HOST_ADDRESS,)) if d.allows_more
    ]
    assert not opened, "\n".join(
        [*(str(d) for d in opened[:12]), "manifests:", yaml.safe_dump_all(broken)]
    )


@settings(max_examples=settings().max_examples // 2)
@given(cluster=random_clusters(), data=st.data())
def test_a_policy_with_an_unreadable_target_never_opens_more_than_the_others(
    cluster: RandomCluster, data: st.DataObject
) -> None:
    policies = [i for i, m in enumerate(cluster.manifests) if m["kind"] in POLICY_KINDS]
    assume(policies)
    index = data.draw(st.sampled_from(policies), label="policy made unreadable")
    broken = list(copy.deepcopy(cluster.manifests))
    spec = broken[index]["spec"]
    if broken[index]["apiVersion"].startswith("networking.k8s.io"):
        spec["podSelector"] = {"matchLabels": {"app": 5}}
    else:
        spec["selector"] = "app =="
    others = [m for i, m in enumerate(cluster.manifests) if i != index]
    node, _ = programmed(broken, set_policy=False)
    reference = Cluster.of(others, (HOST_ADDRESS,))
    found = disagreements(node, reference, cluster.probes, (HOST_ADDRESS,))
    opened = [d for d in found if d.allows_more]
    assert not opened, "\n".join(
        [*(str(d) for d in opened[:12]), "manifests:", yaml.safe_dump_all(broken)]
    )
