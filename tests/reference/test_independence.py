"""The reference evaluator shares no code with the pipeline it checks: not the core,
not the conversion of manifests, not the selector language, not the model."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = ("dataplane",)


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


def test_the_check_sees_imports_of_convert_and_selector(tmp_path: Path) -> None:
    path = tmp_path / "probe.py"
    path.write_text("from dataplane.convert import convert\nimport dataplane.selector as s\n")
    assert {m for m in _imports(path) if m.startswith(FORBIDDEN)} == {
        "dataplane.convert",
        "dataplane.selector",
    }
