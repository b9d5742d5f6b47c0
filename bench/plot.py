"""A chart of churn results: agent CPU per event against cluster size, per engine.

``python -m bench.plot OUT.svg RESULTS.json [MORE.json ...]`` draws one panel
per churn scenario (realistic shape) from every result file given (a later
file's point wins for the same engine and size), on log-log axes so that
"cost follows the change, not the cluster size" reads as a flat line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display needed

import matplotlib.pyplot as plt

from bench.summary import ENGINE_ORDER, Result, parse_result

TITLES = {
    "pod_churn": "remote pod joins a set",
    "policy_churn": "one rule edited",
    "label_churn": "local pod relabelled",
    "namespace_churn": "namespace label changed",
}
TARGET_US = 100.0
STYLE = {
    "incremental": {"color": "#1b7837", "marker": "o"},
    "incremental_replace": {"color": "#5aae61", "marker": "s", "linestyle": "--"},
    "full_rewrite": {"color": "#9970ab", "marker": "^"},
    "full_recompute": {"color": "#d6604d", "marker": "v"},
}

Points = dict[str, dict[int, float]]  # engine -> pods -> CPU µs per event


def load(paths: Iterable[Path]) -> list[Result]:
    """Every scenario result of the given pytest-benchmark JSON files, in file order."""
    found = []
    for path in paths:
        for bench in json.loads(path.read_text())["benchmarks"]:
            result = parse_result(bench)
            if result is not None:
                found.append(result)
    return found


def series(results: Sequence[Result], scenario: str, shape: str) -> Points:
    """CPU per event by engine and cluster size for one scenario and shape."""
    points: Points = {}
    for r in results:
        if r.scenario == scenario and r.shape == shape:
            points.setdefault(r.engine, {})[r.pods] = r.cost
    return points


def draw(results: Sequence[Result], out: Path, shape: str = "realistic") -> list[str]:
    """Write the chart; returns the scenarios drawn (those with results)."""
    drawn = [s for s in TITLES if series(results, s, shape)]
    if not drawn:
        raise ValueError(f"no churn results for the {shape} shape")
    figure, axes = plt.subplots(1, len(drawn), figsize=(3.2 * len(drawn), 3.4), squeeze=False)
    for ax, scenario in zip(axes[0], drawn, strict=True):
        points = series(results, scenario, shape)
        for engine in sorted(points, key=_rank):
            sizes = sorted(points[engine])
            ax.plot(
                sizes, [points[engine][n] for n in sizes], label=engine, **STYLE.get(engine, {})
            )
        ax.axhline(TARGET_US, color="grey", linewidth=0.8, linestyle=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(TITLES[scenario], fontsize=9)
        ax.set_xlabel("pods in the cluster")
        ax.grid(True, which="major", linewidth=0.3)
    axes[0][0].set_ylabel("agent CPU per event (µs)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8)
    figure.suptitle(f"One churn event, {shape} shape (dotted: the 100 µs target)", fontsize=10)
    figure.tight_layout(rect=(0, 0.08, 1, 0.95))
    figure.savefig(out, metadata={"Date": None})  # no timestamp: reruns diff only on data
    plt.close(figure)
    return drawn


def _rank(engine: str) -> int:
    return ENGINE_ORDER.index(engine) if engine in ENGINE_ORDER else len(ENGINE_ORDER)


def main(argv: Sequence[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m bench.plot OUT.svg RESULTS.json [MORE.json ...]", file=sys.stderr)
        return 2
    try:
        drawn = draw(load(Path(p) for p in argv[1:]), Path(argv[0]))
    except (OSError, ValueError, KeyError) as err:  # unreadable, not JSON, not benchmark JSON
        print(f"bench.plot: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    print(f"{argv[0]}: {', '.join(drawn)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
