"""The markdown summary reads pytest-benchmark JSON and compares engines side by side."""

from __future__ import annotations

import json

from bench.summary import format_seconds, main, render


def bench(engine: str, median: float, scenario: str = "pod_churn", **extra: object) -> dict:
    return {
        "fullname": f"bench/test_churn.py::test_churn[{scenario}-{engine}]",
        "stats": {"median": median, "mean": median, "max": 3 * median, "rounds": 7, "ops": 1.0},
        "extra_info": {
            "scenario": scenario,
            "shape": "isolated",
            "pods": 10000,
            "engine": engine,
            "p99_s": median * 2,
            "counters": {"hns_calls": 1 if engine == "incremental" else 40, "acls_written": 0.5},
            **extra,
        },
    }


DATA = {
    "machine_info": {
        "python_version": "3.11.9",
        "cpu": {"brand_raw": "Test CPU 3000", "count": 2},
    },
    "datetime": "2026-01-01T00:00:00",
    "commit_info": {"id": "0123456789abcdef"},
    "benchmarks": [
        bench("full_recompute", 0.5),
        bench("incremental", 0.0001),
        bench("full_rewrite", 0.0004),
        bench("incremental", 0.9, scenario="snapshot", peak_memory_mb=123.4),
        {
            "fullname": "bench/test_selector_bench.py::test_parse",
            "stats": {"median": 2e-6, "mean": 3e-6, "max": 1e-5, "rounds": 100, "ops": 5e5},
            "extra_info": {},
        },
    ],
}


def rows_of(markdown: str, section: str) -> list[list[str]]:
    block = markdown.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in block.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_ratios_against_both_baselines():
    header, *rows = rows_of(render(DATA), "pod_churn")
    engines = [row[header.index("engine")] for row in rows]
    assert engines == ["incremental", "full_rewrite", "full_recompute"]
    incremental = dict(zip(header, rows[0], strict=True))
    assert incremental["full_recompute / this"] == "5,000x"
    assert incremental["full_rewrite / this"] == "4x"
    assert incremental["median"] == "100 µs"
    assert incremental["p99"] == "200 µs"
    assert incremental["hns_calls"] == "1"
    assert incremental["acls_written"] == "0.50"
    recompute = dict(zip(header, rows[2], strict=True))
    assert recompute["hns_calls"] == "40"
    assert recompute["full_recompute / this"] == recompute["full_rewrite / this"] == ""


def test_scenarios_in_order_with_machine_and_other_benchmarks():
    markdown = render(DATA)
    assert "Test CPU 3000, 2 cores, Python 3.11.9" in markdown
    assert markdown.index("## snapshot") < markdown.index("## pod_churn")
    header, row = rows_of(markdown, "snapshot")
    assert dict(zip(header, row, strict=True))["peak_memory_mb"] == "123"
    _, other = rows_of(markdown, "other benchmarks")
    assert other[0] == "bench/test_selector_bench.py::test_parse"


def test_ratios_use_cpu_time_when_recorded():
    data = {
        "benchmarks": [
            bench("incremental", 0.0001, cpu_median_us=50.0),
            bench("full_recompute", 0.5, cpu_median_us=25_000.0),
        ]
    }
    header, incremental, _ = rows_of(render(data), "pod_churn")
    row = dict(zip(header, incremental, strict=True))
    assert row["full_recompute / this"] == "500x"
    assert row["cpu_median_us"] == "50"


def test_format_seconds_units():
    assert [format_seconds(v) for v in (2.5, 0.0125, 3.2e-5, 4e-8)] == [
        "2.5 s",
        "12.5 ms",
        "32 µs",
        "40 ns",
    ]


def test_main_reads_a_file(tmp_path, capsys):
    path = tmp_path / "latest.json"
    path.write_text(json.dumps(DATA))
    assert main([str(path)]) == 0
    assert capsys.readouterr().out == render(DATA)
    assert main([]) == 2
