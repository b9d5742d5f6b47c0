"""Every scenario's truth tables, through simulate's code path and the reference evaluator."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dataplane.convert import parse_manifests, resource_key
from dataplane.model import Delete, IcmpMatch, Update
from dataplane.simulate import (
    SOURCE_PORT,
    Probe,
    load_manifests,
    on_node,
    reachability,
    simulate_node,
)
from tests.compile.harness import MODES
from tests.conformance.admin_scenarios import SCENARIOS as ADMIN
from tests.conformance.calico_scenarios import SCENARIOS as CALICO
from tests.conformance.cluster import PODS, base_manifests
from tests.conformance.kubernetes_scenarios import SCENARIOS as KUBERNETES
from tests.conformance.scenario import Scenario
from tests.conformance.truth import mismatches, parse_table, render_table
from tests.reference import Cluster, Pod, allowed

SCENARIOS = KUBERNETES + CALICO + ADMIN


def _load(path: Path, text: str) -> list[Update]:
    path.write_text(text)
    loaded = load_manifests([path])
    assert not loaded.problems, [str(p) for p in loaded.problems]
    assert not loaded.ignored, [str(p) for p in loaded.ignored]
    return list(loaded.updates)


def _pod(cluster: Cluster, name: str) -> Pod:
    namespace, pod = name.split("/", 1)
    return cluster.pod(namespace, pod)


def _reference_matrix(cluster: Cluster, probe: Probe) -> dict:
    icmp = IcmpMatch(8, 0) if probe.port is None else None
    return {
        src: {
            dst: allowed(
                cluster,
                _pod(cluster, src),
                _pod(cluster, dst),
                probe.protocol_number(4),
                probe.port,
                icmp=icmp,
                source_port=SOURCE_PORT if probe.port is not None else None,
            )
            for dst in PODS
        }
        for src in PODS
    }


@pytest.mark.parametrize("set_policy", MODES)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario(scenario: Scenario, set_policy: bool, tmp_path: Path) -> None:
    base = _load(tmp_path / "base.yaml", yaml.safe_dump_all(base_manifests()))
    node = simulate_node(base, set_policy=set_policy)
    cluster = Cluster.of(base_manifests())
    for number, step in enumerate(scenario.steps):
        updates: list[Update] = []
        if step.apply:
            updates += on_node(_load(tmp_path / f"step{number}.yaml", step.apply), node.node_name)
            for manifest in yaml.safe_load_all(step.apply):
                cluster = cluster.apply("upsert", manifest) if manifest else cluster
        if step.delete:
            gone = parse_manifests(step.delete, f"step{number}-delete.yaml")
            updates += [Delete(resource_key(m.obj)) for m in gone]
            for m in gone:
                cluster = cluster.apply("delete", m.obj)
        node.apply(updates)
        for probe_text, table in step.expect.items():
            probe = Probe.parse(probe_text)
            expected = parse_table(table)
            actual = reachability(node, [probe]).probes[0].matrix
            wrong = mismatches(expected, actual)
            assert not wrong, (
                f"step {number}, {probe}: pipeline differs from the truth table\n"
                + render_table(actual)
                + "\n"
                + "\n".join(wrong)
            )
            reference = _reference_matrix(cluster, probe)
            wrong = mismatches(expected, reference)
            assert not wrong, (
                f"step {number}, {probe}: reference differs from the truth table\n"
                + "\n".join(wrong)
            )


def test_there_are_at_least_forty_scenarios_with_unique_names() -> None:
    names = [s.name for s in SCENARIOS]
    assert len(names) >= 40
    assert len(set(names)) == len(names)
