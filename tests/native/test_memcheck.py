"""Builds the C test program of the simulator and runs it under ASan/UBSan and under valgrind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.native.build import ROOT, SANITIZERS, asan_works, build, build_shared_library, compiler

PROGRAM = Path(__file__).with_name("test_hcnsim.c")


def _run(
    command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def test_simulator_under_address_and_undefined_sanitizers(tmp_path: Path) -> None:
    if not asan_works(tmp_path):
        pytest.skip("the compiler cannot build or run AddressSanitizer programs")
    program = build(tmp_path / "test_hcnsim_asan", ["-O1", *SANITIZERS], [PROGRAM])
    result = _run(
        [str(program), "30000"],
        {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0", "UBSAN_OPTIONS": "print_stacktrace=1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: 0 failure(s), 30000 fuzz iterations" in result.stdout


def test_simulator_under_valgrind(tmp_path: Path) -> None:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        pytest.skip("valgrind is not installed")
    program = build(tmp_path / "test_hcnsim_plain", ["-O1"], [PROGRAM])
    result = _run(
        [
            valgrind,
            "--quiet",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect,possible",
            "--error-exitcode=99",
            str(program),
            "2000",
        ]
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: 0 failure(s)" in result.stdout


def _runtime(name: str) -> str:
    """The compiler's copy of a sanitizer runtime (to preload into Python), or ""."""
    found = subprocess.run(
        [compiler(), f"-print-file-name={name}"], capture_output=True, text=True
    ).stdout.strip()
    return found if os.path.isabs(found) and os.path.exists(found) else ""


def test_dll_backend_over_the_library_under_address_and_undefined_sanitizers(
    tmp_path: Path,
) -> None:
    """The binding's dll code (cffi ABI mode: strings in, CoTaskMemFree out, handles) drives
    the simulator library built with ASan/UBSan through the HNS binding tests."""
    runtimes = [_runtime("libasan.so"), _runtime("libubsan.so")]
    if not asan_works(tmp_path) or not all(runtimes):
        pytest.skip("no AddressSanitizer runtime to preload into Python")
    library = build_shared_library(tmp_path / "libhcnsim_asan.so", ["-O1", *SANITIZERS])
    result = _run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "dll", "tests/hns"],
        {
            "HCNSIM_LIBRARY": str(library),
            "LD_PRELOAD": " ".join(runtimes),
            "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0",  # the interpreter's own leaks
            "UBSAN_OPTIONS": "print_stacktrace=1",
        },
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert " passed" in result.stdout and "ERROR: AddressSanitizer" not in result.stderr
