"""Builds the C test program of the simulator and runs it under ASan/UBSan and under valgrind."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NATIVE = ROOT / "native"
PROGRAM = Path(__file__).with_name("test_hcnsim.c")
BASE_FLAGS = ["-std=c11", "-D_GNU_SOURCE", "-g", "-Wall", "-Wextra", "-Werror", f"-I{NATIVE}"]
SANITIZERS = [
    "-fsanitize=address,undefined",
    "-fno-omit-frame-pointer",
    "-fno-sanitize-recover=all",
]


def _compiler() -> str:
    cc = os.environ.get("CC", "gcc")
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc})")
    return cc


def _build(tmp_path: Path, name: str, flags: list[str]) -> Path:
    out = tmp_path / name
    sources = [str(p) for p in sorted(NATIVE.glob("*.c"))] + [str(PROGRAM)]
    subprocess.run(
        [_compiler(), *BASE_FLAGS, *flags, *sources, "-lpthread", "-o", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    return out


def _asan_works(tmp_path: Path) -> bool:
    probe = tmp_path / "probe.c"
    probe.write_text("int main(void) { return 0; }\n")
    built = subprocess.run(
        [_compiler(), *SANITIZERS, str(probe), "-o", str(tmp_path / "probe")],
        capture_output=True,
    )
    return built.returncode == 0 and subprocess.run([str(tmp_path / "probe")]).returncode == 0


def _run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}
    )


def test_simulator_under_address_and_undefined_sanitizers(tmp_path: Path) -> None:
    if not _asan_works(tmp_path):
        pytest.skip("the compiler cannot build or run AddressSanitizer programs")
    program = _build(tmp_path, "test_hcnsim_asan", ["-O1", *SANITIZERS])
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
    program = _build(tmp_path, "test_hcnsim_plain", ["-O1"])
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
