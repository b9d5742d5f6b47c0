"""Readable truth tables: one row per source pod, one cell per destination pod."""

from __future__ import annotations

from collections.abc import Mapping

from tests.conformance.cluster import PODS

Matrix = Mapping[str, Mapping[str, bool | None]]


def parse_table(text: str) -> dict[str, dict[str, bool]]:
    """Rows ``x/a  .X. ... ...``: the source, then one cell per destination in
    ``PODS`` order (x/a x/b x/c y/a ... z/c); ``.`` allowed, ``X`` denied; spaces
    between cells are ignored."""
    table: dict[str, dict[str, bool]] = {}
    for line in text.strip().splitlines():
        source, *cells = line.split()
        marks = "".join(cells)
        if source not in PODS or len(marks) != len(PODS) or set(marks) - {".", "X"}:
            raise ValueError(f"bad truth table row: {line!r}")
        table[source] = {dst: mark == "." for dst, mark in zip(PODS, marks, strict=True)}
    if set(table) != set(PODS):
        raise ValueError(f"truth table rows missing: {sorted(set(PODS) - set(table))}")
    return table


def render_table(matrix: Matrix) -> str:
    """A matrix in ``parse_table``'s layout (``?`` for a verdict that is unknown)."""
    lines = []
    for source in PODS:
        marks = ["?" if (v := matrix[source][d]) is None else "." if v else "X" for d in PODS]
        groups = ["".join(marks[i : i + 3]) for i in range(0, len(marks), 3)]
        lines.append(f"{source}  {' '.join(groups)}")
    return "\n".join(lines)


def mismatches(expected: Matrix, actual: Matrix) -> list[str]:
    """Every (source, destination) whose verdicts differ, readably."""
    return [
        f"{src} -> {dst}: expected {expected[src][dst]}, got {actual[src][dst]}"
        for src in PODS
        for dst in PODS
        if expected[src][dst] != actual[src][dst]
    ]


ALL_ALLOWED = "\n".join(f"{pod}  ... ... ..." for pod in PODS)
