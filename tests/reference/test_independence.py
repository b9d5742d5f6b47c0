"""The reference evaluator shares no code with the pipeline it checks."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = ("dataplane.calc", "dataplane.compile", "dataplane.plan", "dataplane.engine")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_reference_modules_import_nothing_from_the_pipeline() -> None:
    modules = [p for p in Path(__file__).parent.glob("*.py") if not p.name.startswith("test_")]
    assert modules
    for path in modules:
        bad = {m for m in _imports(path) if m.startswith(FORBIDDEN)}
        assert not bad, f"{path.name} imports {sorted(bad)}"
