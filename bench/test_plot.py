"""The churn chart reads pytest-benchmark JSON files and draws one panel per scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.plot import draw, load, main, series


def churn(engine: str, pods: int, cpu_us: float, scenario: str = "pod_churn") -> dict:
    return {
        "fullname": f"bench/test_churn.py::test_churn[{pods}-{scenario}-{engine}]",
        "stats": {"median": cpu_us / 1e6, "max": cpu_us / 1e6, "rounds": 5},
        "extra_info": {
            "scenario": scenario,
            "shape": "realistic",
            "pods": pods,
            "engine": engine,
            "cpu_median_us": cpu_us,
        },
    }


def write(path: Path, *benches: dict) -> Path:
    path.write_text(json.dumps({"benchmarks": list(benches)}))
    return path


def test_later_files_win_and_each_engine_is_a_line_over_sizes(tmp_path: Path) -> None:
    first = write(
        tmp_path / "a.json",
        churn("incremental", 1_000, 30.0),
        churn("incremental", 10_000, 31.0),
        churn("full_recompute", 10_000, 200_000.0),
    )
    second = write(tmp_path / "b.json", churn("incremental", 10_000, 33.0))
    points = series(load([first, second]), "pod_churn", "realistic")
    assert points == {
        "incremental": {1_000: 30.0, 10_000: 33.0},
        "full_recompute": {10_000: 200_000.0},
    }


def test_chart_has_a_panel_per_scenario_with_results(tmp_path: Path) -> None:
    data = write(
        tmp_path / "r.json",
        churn("incremental", 1_000, 30.0),
        churn("incremental", 10_000, 31.0, scenario="label_churn"),
        {"fullname": "other", "stats": {"median": 1.0}},  # not a scenario: ignored
    )
    out = tmp_path / "churn.svg"
    assert main([str(out), str(data)]) == 0
    svg = out.read_text()
    assert svg.startswith("<?xml") and "<svg" in svg
    assert draw(load([data]), tmp_path / "again.svg") == ["pod_churn", "label_churn"]


def test_no_churn_results_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no churn results"):
        draw([], tmp_path / "none.svg")
    assert main([]) == 2


def test_unreadable_or_foreign_files_are_reported_not_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_json = tmp_path / "bad.json"
    not_json.write_text("{")
    foreign = tmp_path / "other.json"
    foreign.write_text("{}")
    for path in (tmp_path / "missing.json", not_json, foreign):
        assert main([str(tmp_path / "out.svg"), str(path)]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert [line.split(":")[1].strip() for line in errors] == [
        "FileNotFoundError",
        "JSONDecodeError",
        "KeyError",
    ]
