"""Loads the HCN functions: the DLLs (cffi ABI mode over ``_abi.CDEF``) or the built-in simulator.

The ``dll`` backend is the same code everywhere except where the libraries come from: on
Windows each DLL by its full System32 path (as hcsshim's ``NewLazySystemDLL``; a bare name
would search the current directory and PATH first), elsewhere the simulator built as a shared
library, whose path the caller gives (the test suite drives the ``dll`` code through it).
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass
from typing import Any

from dataplane.hns._abi import CDEF, DLLS, FUNCTIONS
from dataplane.hns.errors import BackendUnavailableError

BACKENDS = ("auto", "dll", "sim")


@dataclass(frozen=True, slots=True)
class Backend:
    """A cffi ``ffi`` and an object whose attributes are the HCN functions."""

    kind: str  # "dll" | "sim"
    ffi: Any
    lib: Any


class _DllFunctions:
    """Each HCN function taken from the DLL the ABI table says exports it."""

    def __init__(self, libraries: dict[str, Any]) -> None:
        self._libraries = libraries

    def __getattr__(self, name: str) -> Any:
        function = FUNCTIONS.get(name)
        if function is None:
            raise AttributeError(name)
        value = getattr(self._libraries[function.dll], name)
        setattr(self, name, value)
        return value


def _system_directory() -> str:
    """``GetSystemDirectoryW``: where Windows keeps computenetwork.dll and friends."""
    import ctypes

    buffer = ctypes.create_unicode_buffer(1024)
    length = ctypes.windll.kernel32.GetSystemDirectoryW(buffer, len(buffer))  # type: ignore[attr-defined]
    if not 0 < length < len(buffer):
        raise BackendUnavailableError("GetSystemDirectoryW failed")
    return str(buffer.value)


def dll_paths(library: str | None = None) -> dict[str, str]:
    """The file each DLL of the ABI table is loaded from: System32 on Windows; elsewhere
    ``library`` (the simulator as a shared library) for all of them."""
    if sys.platform == "win32":
        if library is not None:
            raise ValueError("on Windows the HNS DLLs are loaded from System32 only")
        system = _system_directory()
        return {dll: os.path.join(system, f"{dll}.dll") for dll in DLLS}
    if library is None:
        raise BackendUnavailableError(
            "HNS backend 'dll' needs Windows (computenetwork.dll), or the path of the "
            "simulator built as a shared library; use 'sim' here"
        )
    return dict.fromkeys(DLLS, library)


@functools.cache
def _load_dll(library: str | None) -> Backend:
    from cffi import FFI

    ffi = FFI()
    ffi.cdef(CDEF)
    try:
        opened = {path: ffi.dlopen(path) for path in set(dll_paths(library).values())}
    except OSError as err:
        raise BackendUnavailableError(f"cannot load the HNS DLLs: {err}") from err
    libraries = {dll: opened[path] for dll, path in dll_paths(library).items()}
    return Backend("dll", ffi, _DllFunctions(libraries))


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
        _load_dll(None)
    except BackendUnavailableError:
        return False
    return True


def load_backend(backend: str = "auto", library: str | None = None) -> Backend:
    """``auto``: the DLL on Windows, the simulator elsewhere. ``library``: off Windows, the
    simulator's shared library for the ``dll`` backend to load instead of the Windows DLLs."""
    if backend not in BACKENDS:
        raise ValueError(f"HNS backend {backend!r} is not one of {BACKENDS}")
    if backend == "dll" or (backend == "auto" and sys.platform == "win32"):
        return _load_dll(library)
    if library is not None:
        raise ValueError("library is for the 'dll' backend")
    return _load_sim()
