"""The ``simulate`` and ``explain`` subcommands, run through the main CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dataplane.cli import main
from tests.conformance.manifests import (
    from_,
    in_namespace,
    namespace_manifest,
    netpol,
    pod,
    pod_manifest,
    port,
    yaml_docs,
)

CLUSTER = yaml_docs(
    namespace_manifest("x"),
    namespace_manifest("y"),
    pod_manifest(
        "a",
        "x",
        {"pod": "a"},
        node="n1",
        ips=["10.0.1.1"],
        ports=[{"name": "http", "containerPort": 8080}],
    ),
    pod_manifest("b", "y", {"pod": "b"}, node="n2", ips=["10.0.2.1"]),
    pod_manifest("c", "y", {"pod": "c"}, node="n2", ips=["10.0.2.2"]),
)

ALLOW_HTTP_FROM_B = yaml_docs(
    netpol(
        "a-http-from-b",
        pod("a"),
        ingress=[from_(in_namespace("y", pod("b")), ports=[port("http")])],
    )
)

INVALID = yaml_docs(netpol("broken", ingress=[from_(ports=[port(99999)])]))


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    (tmp_path / "00-cluster.yaml").write_text(CLUSTER)
    (tmp_path / "10-policy.yaml").write_text(ALLOW_HTTP_FROM_B)
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    """Run with ``--format json``; the exit code, the parsed output and stderr."""
    code, out, err = _run(capsys, *argv, "--format", "json")
    return code, json.loads(out), err


def test_json_matrix_has_every_pod_as_row_and_column(
    manifests: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result, _ = _run_json(
        capsys, "simulate", str(manifests), "--probe", "8080/TCP", "--probe", "80"
    )
    assert code == 0
    http, plain = result["probes"]
    assert (http["port"], http["protocol"]) == (8080, "TCP")
    assert (plain["port"], plain["protocol"]) == (80, "TCP")
    pods = ["x/a", "y/b", "y/c"]
    assert sorted(http["matrix"]) == pods
    assert all(sorted(row) == pods for row in http["matrix"].values())
    assert http["matrix"]["y/b"]["x/a"] is True
    assert http["matrix"]["y/c"]["x/a"] is False
    assert http["matrix"]["x/a"]["x/a"] is False
    assert http["matrix"]["x/a"]["y/b"] is True
    assert plain["matrix"]["y/b"]["x/a"] is False


def test_table_marks_allowed_and_denied(
    manifests: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "simulate", str(manifests), "--probe", "8080/tcp")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["8080/TCP", "x/a", "y/b", "y/c"]
    assert lines[1].split() == ["x/a", "X", ".", "."]
    assert lines[2].split() == ["y/b", ".", ".", "."]
    assert lines[3].split() == ["y/c", "X", ".", "."]


def test_one_node_leaves_other_nodes_verdicts_unknown(
    manifests: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result, _ = _run_json(
        capsys, "simulate", str(manifests), "--node", "n1", "--probe", "8080/TCP"
    )
    assert code == 0
    matrix = result["probes"][0]["matrix"]
    assert matrix["y/b"]["y/c"] is None
    assert matrix["y/c"]["x/a"] is False
    assert matrix["y/b"]["x/a"] is None
    assert matrix["x/a"]["x/a"] is False


def test_invalid_manifest_stops_the_run_and_names_where(
    manifests: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (manifests / "20-broken.yaml").write_text(INVALID)
    code, out, err = _run(capsys, "simulate", str(manifests))
    assert code == 1
    assert out == ""
    assert "20-broken.yaml: document 1" in err
    assert "broken" in err and "spec.ingress[0].ports[0].port" in err


def test_keep_going_evaluates_the_valid_rest(
    manifests: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (manifests / "20-broken.yaml").write_text(INVALID)
    code, result, err = _run_json(
        capsys, "simulate", str(manifests), "--keep-going", "--probe", "8080/TCP"
    )
    assert code == 1
    assert "20-broken.yaml" in err
    assert result["probes"][0]["matrix"]["y/b"]["x/a"] is True


def test_bad_probe_is_a_usage_error(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "simulate", str(manifests), "--probe", "80/ICMPX")
    assert code == 2
    assert "80/ICMPX" in err


def test_explain_names_both_sides(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "explain", str(manifests), "--from", "y/c", "--to", "x/a", "--probe", "8080/TCP"
    )
    assert code == 0
    assert out.splitlines()[0] == "y/c -> x/a 8080/TCP: denied"
    assert "egress  of y/c: allowed" in out
    assert "ingress of x/a: denied by ACL" in out


def test_explain_json_traces_the_allowing_rule(
    manifests: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result, _ = _run_json(
        capsys, "explain", str(manifests), "--from", "y/b", "--to", "x/a", "--probe", "8080/TCP"
    )
    assert code == 0
    assert result["allowed"] is True
    egress, ingress = result["sides"]
    assert (egress["direction"], egress["allowed"], egress["origin"]) == (
        "egress",
        True,
        "no policy",
    )
    assert ingress["allowed"] is True and ingress["acl_id"]
    assert "a-http-from-b" in ingress["origin"]


def test_explain_unknown_pod(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "explain", str(manifests), "--from", "x/zz", "--to", "x/a")
    assert code == 2
    assert "x/zz" in err
