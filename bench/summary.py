"""Markdown summary of a pytest-benchmark JSON file: one table per scenario."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

ENGINE_ORDER = ("incremental", "incremental_replace", "full_rewrite", "full_recompute")
BASELINES = ("full_recompute", "full_rewrite")
SCENARIO_ORDER = (
    "snapshot",
    "label_churn",
    "pod_churn",
    "policy_churn",
    "namespace_churn",
    "admin_priority_churn",
    "admin_rule_churn",
    "e2e_latency",
)
COUNTER_ORDER = (
    "hns_calls",
    "network_requests",
    "endpoint_requests",
    "acls_written",
    "request_kbytes",
    "set_member_changes",
    "selector_evaluations",
    "policy_renders",
)
EXTRA_COLUMNS = (
    "cpu_median_us",
    "cpu_p99_us",
    "execute_median_us",
    "latency_median_us",
    "latency_p99_us",
    "peak_memory_mb",
    "retained_memory_mb",
    "max_rss_mb",
)
SCENARIO_TEXT: Mapping[str, str] = MappingProxyType(
    {
        "snapshot": "initial sync: every resource fed, then InSync, planned and programmed",
        "label_churn": "a local pod's `app` label flips (its policies change)",
        "pod_churn": "a remote pod joins / leaves an address set local rules use",
        "policy_churn": "one Allow rule of a policy applying locally gets another port",
        "namespace_churn": "a local pod's namespace changes a label",
        "admin_priority_churn": "an AdminNetworkPolicy applying locally changes its priority",
        "admin_rule_churn": "one rule of an AdminNetworkPolicy applying locally gets a port",
        "e2e_latency": "through `Dataplane`: event fed -> HNS request done (simulated HNS latency)",
    }
)


@dataclass(frozen=True, slots=True)
class Result:
    """One benchmark of a scenario, as recorded by bench/harness.py."""

    scenario: str
    shape: str
    pods: int
    engine: str
    median: float
    p99: float
    rounds: int
    counters: Mapping[str, float]
    extra: Mapping[str, Any]

    @property
    def case(self) -> tuple[str, int]:
        return self.shape, self.pods

    @property
    def cost(self) -> float:
        """The time ratios compare: the CPU-time median when recorded, else the wall median."""
        return float(self.extra.get("cpu_median_us", self.median * 1e6))


def format_seconds(value: float) -> str:
    """A duration with a unit that keeps 3 significant digits."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def format_number(value: float) -> str:
    """Integers as such; fractions with 2 decimals below 100, none above."""
    if float(value).is_integer() or abs(value) >= 100:
        return f"{round(value):,}"
    return f"{value:,.2f}"


def parse_result(bench: Mapping[str, Any]) -> Result | None:
    """A scenario benchmark, or None for benchmarks without scenario metadata."""
    extra = bench.get("extra_info") or {}
    if "scenario" not in extra:
        return None
    stats = bench["stats"]
    return Result(
        scenario=extra["scenario"],
        shape=extra["shape"],
        pods=int(extra["pods"]),
        engine=extra["engine"],
        median=float(stats["median"]),
        p99=float(extra.get("p99_s", stats["max"])),
        rounds=int(stats["rounds"]),
        counters=extra.get("counters", {}),
        extra={k: v for k, v in extra.items() if k != "counters"},
    )


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _ratio(base: Result | None, result: Result) -> str:
    """How many times faster than the baseline (blank on baseline rows)."""
    if base is None or result.engine in BASELINES or result.cost <= 0:
        return ""
    ratio = base.cost / result.cost
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.2g}x"


def scenario_table(results: Sequence[Result]) -> list[str]:
    """Rows per (shape, pods, engine): times, speed-ups of incremental, counters."""
    counters = [c for c in COUNTER_ORDER if any(c in r.counters for r in results)]
    counters += sorted({c for r in results for c in r.counters} - set(counters))
    extras = [k for k in EXTRA_COLUMNS if any(k in r.extra for r in results)]
    header = ["shape", "pods", "engine", "median", "p99", "rounds"]
    header += [f"{b} / this" for b in BASELINES if any(r.engine == b for r in results)]
    header += extras + counters
    by_case: dict[tuple[str, int], dict[str, Result]] = {}
    for result in results:
        by_case.setdefault(result.case, {})[result.engine] = result
    rows = []
    for case in sorted(by_case):
        engines = by_case[case]
        for engine in sorted(engines, key=_engine_rank):
            r = engines[engine]
            row = [r.shape, f"{r.pods:,}", r.engine, format_seconds(r.median)]
            row += [format_seconds(r.p99), str(r.rounds)]
            row += [_ratio(engines.get(b), r) for b in BASELINES if f"{b} / this" in header]
            row += [format_number(r.extra[k]) if k in r.extra else "" for k in extras]
            row += [format_number(r.counters[c]) if c in r.counters else "" for c in counters]
            rows.append(row)
    return _table(header, rows)


def _engine_rank(engine: str) -> int:
    return ENGINE_ORDER.index(engine) if engine in ENGINE_ORDER else len(ENGINE_ORDER)


def other_table(benches: Sequence[Mapping[str, Any]]) -> list[str]:
    """Benchmarks of other modules: name, median, mean, ops and their extra info."""
    rows = []
    for bench in sorted(benches, key=lambda b: b["fullname"]):
        stats = bench["stats"]
        info = ", ".join(f"{k}={v}" for k, v in sorted((bench.get("extra_info") or {}).items()))
        rows.append(
            [
                bench["fullname"],
                format_seconds(stats["median"]),
                format_seconds(stats["mean"]),
                f"{stats['ops']:,.0f}",
                info,
            ]
        )
    return _table(["benchmark", "median", "mean", "ops/s", "extra"], rows)


def machine_line(data: Mapping[str, Any]) -> str:
    """Where and when the numbers were measured."""
    machine = data.get("machine_info", {})
    cpu = machine.get("cpu", {})
    brand = cpu.get("brand_raw") or machine.get("processor") or "unknown CPU"
    cores = cpu.get("count", "?")
    python = machine.get("python_version", "?")
    commit = str(data.get("commit_info", {}).get("id") or "")[:10]
    if not all(c in "0123456789abcdef" for c in commit):
        commit = ""
    when = data.get("datetime", "")
    return f"{brand}, {cores} cores, Python {python}; run {when}" + (
        f" at commit {commit}" if commit else ""
    )


def render(data: Mapping[str, Any]) -> str:
    """The whole markdown summary."""
    results: dict[str, list[Result]] = {}
    others = []
    for bench in data.get("benchmarks", []):
        result = parse_result(bench)
        if result is None:
            others.append(bench)
        else:
            results.setdefault(result.scenario, []).append(result)
    lines = ["# Benchmark results", "", machine_line(data), ""]
    lines.append(
        "`A / this`: baseline A's median divided by this row's (higher = this row is faster); "
        "medians of CPU time (`cpu_median_us`) where recorded, else of wall time. "
        "Counters are per event (per snapshot for `snapshot`)."
    )
    ordered = sorted(results, key=lambda s: (s not in SCENARIO_ORDER, _scenario_rank(s), s))
    for scenario in ordered:
        lines += ["", f"## {scenario}", ""]
        if scenario in SCENARIO_TEXT:
            lines += [SCENARIO_TEXT[scenario], ""]
        lines += scenario_table(results[scenario])
    if others:
        lines += ["", "## other benchmarks", "", *other_table(others)]
    return "\n".join(lines) + "\n"


def _scenario_rank(scenario: str) -> int:
    return SCENARIO_ORDER.index(scenario) if scenario in SCENARIO_ORDER else 0


def main(argv: Sequence[str]) -> int:
    """``python -m bench.summary results.json > results.md``."""
    if len(argv) != 1:
        print("usage: python -m bench.summary RESULTS.json", file=sys.stderr)
        return 2
    data = json.loads(Path(argv[0]).read_text())
    sys.stdout.write(render(data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
