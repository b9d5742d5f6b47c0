"""Incremental programming equals the semantics after every update of a random sequence."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dataplane.apply.simcni import cni_policies
from tests.e2e.agreement import disagreements
from tests.e2e.pipeline import apply_edits, programmed, step
from tests.reference.strategies import (
    HOST_ADDRESS,
    RandomCluster,
    cluster_edit,
    random_clusters,
)


@pytest.mark.parametrize("set_policy", [True, False], ids=["setpolicy", "inline"])
@settings(max_examples=settings().max_examples)
@given(cluster=random_clusters(), data=st.data())
def test_every_step_of_an_update_sequence_matches(
    cluster: RandomCluster, data: st.DataObject, set_policy: bool
) -> None:
    node, reference = programmed(cluster.manifests, set_policy)
    state = list(cluster.manifests)
    for number in range(data.draw(st.integers(1, 5), label="steps")):
        edits = data.draw(cluster_edit(state), label=f"edit {number}")
        state, updates = apply_edits(state, edits)
        reference = step(node, reference, edits, updates)
        for pod in (name for name in node.pods if node.is_local(name)):
            kept = [p for p in node.policies(pod) if p["Type"] != "ACL"]
            assert kept == list(cni_policies()), f"{pod}: the CNI's policies after edit {number}"
        found = disagreements(node, reference, cluster.probes, (HOST_ADDRESS,))
        assert not found, "\n".join(
            [
                f"after edit {number} ({[op for op, _ in edits]}):",
                *(str(d) for d in found[:12]),
                "manifests now:",
                yaml.safe_dump_all(state),
            ]
        )
