"""cffi build script of ``dataplane.hns._hcnsim``: the HCN simulator compiled from ``native/``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from cffi import FFI

ROOT = Path(__file__).resolve().parents[2]
NATIVE = ROOT / "native"


def _load_constant(module: str, name: str) -> str:
    """Read a cdef string from a sibling module without importing the package (build time)."""
    spec = importlib.util.spec_from_file_location(module, Path(__file__).with_name(f"{module}.py"))
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[module] = loaded  # dataclasses look their module up while it runs
    spec.loader.exec_module(loaded)
    return str(getattr(loaded, name))


ffibuilder = FFI()
ffibuilder.cdef(_load_constant("_abi", "CDEF") + _load_constant("_sim_cdef", "SIM_CDEF"))
ffibuilder.set_source(
    "dataplane.hns._hcnsim",
    # The shared cdef keeps WINAPI (stdcall on 32-bit Windows); it means nothing here.
    '#define __stdcall\n#include "hcnsim.h"\n',
    sources=sorted(str(p.relative_to(ROOT)) for p in NATIVE.glob("*.c")),
    depends=sorted(str(p.relative_to(ROOT)) for p in NATIVE.glob("*.h")),
    include_dirs=[str(NATIVE)],
    extra_compile_args=["-std=c11", "-D_GNU_SOURCE", "-O2", "-fvisibility=hidden"],
    libraries=["pthread"],
)

if __name__ == "__main__":
    ffibuilder.compile(tmpdir=str(ROOT / "build" / "cffi"), verbose=True)
