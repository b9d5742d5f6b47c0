"""Compiles the simulator (native/) for the tests: programs and shared libraries."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NATIVE = ROOT / "native"
BASE_FLAGS = ["-std=c11", "-D_GNU_SOURCE", "-g", "-Wall", "-Wextra", "-Werror", f"-I{NATIVE}"]
SANITIZERS = [
    "-fsanitize=address,undefined",
    "-fno-omit-frame-pointer",
    "-fno-sanitize-recover=all",
]


def compiler() -> str:
    """The C compiler (``$CC``, else gcc); skips the test when there is none."""
    cc = os.environ.get("CC", "gcc")
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc})")
    return cc


def build(out: Path, flags: Sequence[str], extra_sources: Sequence[Path] = ()) -> Path:
    """native/*.c (plus extra_sources) compiled and linked into out with flags."""
    sources = [str(p) for p in sorted(NATIVE.glob("*.c"))] + [str(p) for p in extra_sources]
    subprocess.run(
        [compiler(), *BASE_FLAGS, *flags, *sources, "-lpthread", "-o", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    return out


def build_shared_library(out: Path, flags: Sequence[str] = ()) -> Path:
    """The simulator as a shared library exporting the HCN functions, as computenetwork.dll does."""
    return build(out, ["-shared", "-fPIC", "-Wl,-Bsymbolic", "-O1", *flags])


def asan_works(tmp_path: Path) -> bool:
    """Whether the compiler can build and run an AddressSanitizer program here."""
    probe = tmp_path / "probe.c"
    probe.write_text("int main(void) { return 0; }\n")
    built = subprocess.run(
        [compiler(), *SANITIZERS, str(probe), "-o", str(tmp_path / "probe")],
        capture_output=True,
    )
    return built.returncode == 0 and subprocess.run([str(tmp_path / "probe")]).returncode == 0
