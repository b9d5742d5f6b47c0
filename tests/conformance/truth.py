"""Readable truth tables: one row per source pod, one cell per destination pod."""

from __future__ import annotations

from collections.abc import Mapping

from tests.conformance.cluster import NAMESPACES, PODS

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


ALLOWED = "... ... ..."
DENIED = "XXX XXX XXX"


def table(row: str, rows: Mapping[str, str] | None = None) -> str:
    """A table in ``parse_table``'s layout: every source's cells are ``row``, except
    the sources ``rows`` names by pod (``x/b``) or by namespace (``y``); a pod's
    own entry wins over its namespace's."""
    chosen = dict(rows or {})
    unknown = set(chosen) - set(PODS) - set(NAMESPACES)
    if unknown:
        raise ValueError(f"truth table rows for unknown sources: {sorted(unknown)}")
    return "\n".join(
        f"{pod}  {chosen.get(pod, chosen.get(pod.split('/')[0], row))}" for pod in PODS
    )


ALL_ALLOWED = table(ALLOWED)
