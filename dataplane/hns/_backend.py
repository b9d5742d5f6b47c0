"""Loads the HCN functions: computenetwork.dll on Windows (cffi ABI mode) or the simulator."""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from typing import Any

from dataplane.hns._cdef import HCN_CDEF, HNS_CALL_CDEF
from dataplane.hns.errors import BackendUnavailableError

BACKENDS = ("auto", "dll", "sim")


@dataclass(frozen=True, slots=True)
class Backend:
    """A cffi ``ffi`` and an object whose attributes are the HCN functions."""

    kind: str  # "dll" | "sim"
    ffi: Any
    lib: Any


class _DllFunctions:
    """The HCN functions taken from the three Windows DLLs that export them."""

    def __init__(self, computenetwork: Any, ole32: Any, vmcompute: Any) -> None:
        self._computenetwork = computenetwork
        self.CoTaskMemFree = ole32.CoTaskMemFree
        self.HNSCall = vmcompute.HNSCall

    def __getattr__(self, name: str) -> Any:
        return getattr(self._computenetwork, name)


@functools.cache
def _load_dll() -> Backend:
    if sys.platform != "win32":
        raise BackendUnavailableError(
            "HNS backend 'dll' needs Windows (computenetwork.dll); use 'sim' here"
        )
    from cffi import FFI

    ffi = FFI()
    ffi.cdef(HCN_CDEF + HNS_CALL_CDEF)
    try:
        functions = _DllFunctions(
            ffi.dlopen("computenetwork.dll"), ffi.dlopen("ole32.dll"), ffi.dlopen("vmcompute.dll")
        )
    except OSError as err:
        raise BackendUnavailableError(f"cannot load the HNS DLLs: {err}") from err
    return Backend("dll", ffi, functions)


@functools.cache
def _load_sim() -> Backend:
    try:
        from dataplane.hns._hcnsim import ffi, lib
    except ImportError as err:
        raise BackendUnavailableError(
            "the HNS simulator is not built: run `pip install -e .` (needs a C compiler)"
        ) from err
    return Backend("sim", ffi, lib)


def dll_available() -> bool:
    """Whether the real HNS can be loaded (Windows with computenetwork.dll)."""
    try:
        _load_dll()
    except BackendUnavailableError:
        return False
    return True


def load_backend(backend: str = "auto") -> Backend:
    """``auto``: the DLL on Windows, the simulator elsewhere."""
    if backend not in BACKENDS:
        raise ValueError(f"HNS backend {backend!r} is not one of {BACKENDS}")
    if backend == "dll" or (backend == "auto" and sys.platform == "win32"):
        return _load_dll()
    return _load_sim()
