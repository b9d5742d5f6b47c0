"""``simulate``/``explain`` read like ``run`` and fail loudly (inputs 4, 5 and 7)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from dataplane.cli import main
from dataplane.sources.manifest_tree import ManifestTree
from tests.conformance.manifests import action, from_, global_policy, labels, netpol, port
from tests.failclosed.cluster import PODS

DENY_A = global_policy("deny-a", selector="app == 'a'", order=1, ingress=[action("Deny")])
ALLOW_A = global_policy("deny-a", selector="app == 'a'", order=1, ingress=[action("Allow")])


def write(path: Path, *docs: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump_all(docs))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def matrix(out: str) -> dict[str, dict[str, bool]]:
    return json.loads(out)["probes"][0]["matrix"]


@pytest.fixture
def cluster(tmp_path: Path) -> Path:
    write(tmp_path / "00-pods.yaml", *PODS)
    return tmp_path


def test_same_policy_in_two_files_first_wins_like_run_and_the_second_is_an_error(
    cluster: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(cluster / "10-deny.yaml", DENY_A)
    write(cluster / "20-allow.yaml", ALLOW_A)
    code, out, err = run(capsys, "simulate", str(cluster))
    assert code == 1 and out == ""
    assert "20-allow.yaml: document 1" in err and "already defined by" in err
    code, out, err = run(capsys, "simulate", str(cluster), "--keep-going", "--format", "json")
    assert code == 1 and "20-allow.yaml" in err
    assert matrix(out)["x/b"]["x/a"] is False, "the first definition (deny) is simulated"
    # The agent's reader keeps the same one.
    changes = ManifestTree(cluster).poll()
    (policy,) = [u for u in changes.updates if u.key.name == "deny-a"]
    assert policy.value.ingress[0].action == "Deny"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        ("projectcalico.org/v3", "GlobalNetworkpolicy"),
        ("projectcalico.org/v4", "GlobalNetworkPolicy"),
        ("networking.k8s.io/v1beta1", "NetworkPolicy"),
    ],
)
def test_typo_in_kind_or_version_of_a_policy_group_is_an_error(
    cluster: Path, capsys: pytest.CaptureFixture[str], api_version: str, kind: str
) -> None:
    typo = {**DENY_A, "apiVersion": api_version, "kind": kind}
    write(cluster / "10-deny.yaml", typo)
    code, out, err = run(capsys, "simulate", str(cluster))
    assert code == 1 and out == ""
    assert f"10-deny.yaml: document 1: {kind} deny-a" in err


def test_other_kinds_are_skipped_with_one_line(
    cluster: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}
    write(cluster / "10-app.yaml", deployment, service)
    code, _, err = run(capsys, "simulate", str(cluster))
    assert code == 0
    lines = err.splitlines()
    assert len(lines) == 2
    assert "10-app.yaml: document 1: Deployment d: skipped" in lines[0]
    assert "10-app.yaml: document 2: Service s: skipped" in lines[1]


def test_partly_invalid_policy_is_simulated_fail_closed_and_fails_the_run(
    cluster: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = netpol("web", labels(app="a"), ingress=[from_(ports=[port(70000)])])
    write(cluster / "10-bad.yaml", bad)
    code, out, err = run(capsys, "simulate", str(cluster), "--keep-going", "--format", "json")
    assert code == 1
    assert "enforced fail-closed" in err and "ports[0].port" in err
    assert matrix(out)["x/b"]["x/a"] is False, "the bad rule allows nothing"


def test_missing_tier_is_a_warning_on_stderr(
    cluster: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ghost = global_policy(
        "ghost.deny", tier="ghost", selector="app == 'a'", ingress=[action("Deny")]
    )
    write(cluster / "10-ghost.yaml", ghost)
    code, out, err = run(capsys, "simulate", str(cluster), "--format", "json")
    assert code == 0
    assert "warning: tier 'ghost' does not exist" in err
    assert matrix(out)["x/b"]["x/a"] is False


def test_duplicate_pod_addresses_are_one_line_each_and_exit_2(
    cluster: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    twin = {**PODS[2], "metadata": {**PODS[2]["metadata"], "name": "a-twin"}}
    write(cluster / "10-twin.yaml", twin)
    code, out, err = run(capsys, "simulate", str(cluster))
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert line.startswith("hns-dataplane: duplicate pod address: address 10.0.0.1")
    code, out, err = run(capsys, "simulate", str(cluster), "--keep-going")
    assert code == 1 and out


def test_explain_shows_the_fail_closed_note_of_the_deciding_rule(
    cluster: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = global_policy(
        "deny-bad",
        selector="app == 'a'",
        order=1,
        ingress=[action("Deny", protocol="TCP", icmp={"type": 8})],
    )
    write(cluster / "10-bad.yaml", bad)
    code, out, _ = run(
        capsys, "explain", str(cluster), "--from", "x/b", "--to", "x/a", "--keep-going"
    )
    assert code == 1
    assert "denied" in out
    assert "fail-closed: GlobalNetworkPolicy(deny-bad) Ingress rule 0 (Deny): invalid" in out
