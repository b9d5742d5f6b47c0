"""One declaration of the HCN ABI: native/hcn.h, the cffi cdef, the calls and the async client."""

from __future__ import annotations

import inspect
import re
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from dataplane.hns import BackendUnavailableError, HcnApi, HcnClient, HnsError
from dataplane.hns._abi import CDEF, DLLS, FUNCTIONS, header
from dataplane.hns._backend import Backend, dll_paths, load_backend
from dataplane.hns._calls import HcnCalls
from dataplane.hns._sim_cdef import SIM_CDEF
from dataplane.hns.errors import E_FAIL, HCN_E_INVALID_POLICY

ROOT = Path(__file__).resolve().parents[2]


def test_native_hcn_h_is_the_table_in_c() -> None:
    assert (ROOT / "native" / "hcn.h").read_text() == header(), (
        "regenerate it: python -m dataplane.hns._abi > native/hcn.h"
    )


def test_every_function_of_the_table_is_declared_and_exported(calls: HcnCalls) -> None:
    for function in FUNCTIONS.values():
        assert function.declaration() in CDEF
        assert function.dll in DLLS
        assert callable(getattr(calls.backend.lib, function.name))


def test_python_names_and_arguments_follow_the_c_parameters(calls: HcnCalls) -> None:
    assert FUNCTIONS["HcnQueryEndpointProperties"].python_name == "query_endpoint_properties"
    assert FUNCTIONS["HNSCall"].python_name == "hns_call"
    assert [p.role for p in FUNCTIONS["HcnCreateEndpoint"].params] == [
        "handle",
        "guid",
        "str",
        "out_handle",
        "record",
    ]
    assert calls.enumerate_networks.__doc__ == FUNCTIONS["HcnEnumerateNetworks"].declaration()
    with pytest.raises(TypeError, match="takes 2 arguments"):
        calls.modify_endpoint("only one")
    with pytest.raises(AttributeError, match="no HCN function"):
        calls.co_task_mem_free  # noqa: B018 (the allocator is not a call)


def test_the_async_client_has_every_public_method_of_the_api_with_its_signature() -> None:
    public = {
        name
        for name, member in vars(HcnApi).items()
        if not name.startswith("_") and (callable(member) or isinstance(member, property))
    } - {"close", "backend", "open_handles"}
    for name in public:
        assert hasattr(HcnClient, name), name
        client_method = getattr(HcnClient, name)
        assert inspect.iscoroutinefunction(getattr(HcnClient(api=HcnApi("sim")), name)), name
        if not isinstance(vars(HcnApi)[name], property):
            api_signature = inspect.signature(getattr(HcnApi, name))
            assert client_method.__doc__ == getattr(HcnApi, name).__doc__, name
            assert next(iter(api_signature.parameters)) == "self"


# -- ErrorRecord: any non-empty record is a failure (hcsshim checkForErrors) ---------------------


class _RecordingLib:
    """HcnModifyEndpoint that succeeds (HRESULT 0) but hands back an ErrorRecord."""

    def __init__(self, ffi: Any, record: str) -> None:
        self._ffi = ffi
        self._text = ffi.new("char16_t[]", record)
        self.freed: list[Any] = []

    def HcnModifyEndpoint(self, handle: Any, settings: Any, record: Any) -> int:
        record[0] = self._text
        return 0

    def CoTaskMemFree(self, pointer: Any) -> None:
        self.freed.append(pointer)


@pytest.mark.parametrize(
    ("record", "hresult"),
    [
        ('{"Success":false,"Error":"bad","ErrorCode":2151350285}', HCN_E_INVALID_POLICY),
        ('{"Success":true}', E_FAIL),
        ("not json", E_FAIL),
    ],
)
def test_a_non_empty_error_record_fails_the_call_even_with_a_success_hresult(
    record: str, hresult: int
) -> None:
    ffi = load_backend("sim").ffi
    lib = _RecordingLib(ffi, record)
    calls = HcnCalls(Backend("dll", ffi, lib))
    with pytest.raises(HnsError) as info:
        calls.modify_endpoint(ffi.NULL, "{}")
    assert info.value.call == "HcnModifyEndpoint" and info.value.hresult == hresult
    assert info.value.record == record
    assert len(lib.freed) == 1  # and the record was freed


# -- where the DLLs come from ----------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="off Windows only")
def test_off_windows_the_dll_backend_needs_the_simulator_library(hcnsim_library: Path) -> None:
    with pytest.raises(BackendUnavailableError, match="needs Windows"):
        load_backend("dll")
    assert dll_paths(str(hcnsim_library)) == dict.fromkeys(DLLS, str(hcnsim_library))
    assert not HcnClient.dll_available()
    with pytest.raises(ValueError, match="'dll' backend"):
        load_backend("sim", str(hcnsim_library))
    with pytest.raises(BackendUnavailableError, match="cannot load"):
        load_backend("dll", str(hcnsim_library.with_name("absent.so")))
    api = HcnApi("dll", library=str(hcnsim_library))
    assert api.backend == "dll" and uuid.UUID(api.create_network("through-the-dll-code"))


@pytest.mark.skipif(sys.platform != "win32", reason="Windows only")
def test_on_windows_every_dll_is_loaded_by_its_full_system32_path() -> None:
    paths = dll_paths()
    for dll, path in paths.items():
        assert Path(path).is_absolute() and Path(path).parent.name.lower() == "system32"
        assert Path(path).name == f"{dll}.dll"
    with pytest.raises(ValueError):
        dll_paths("elsewhere.dll")


def _statements(c_text: str) -> set[str]:
    """The C statements of a header or cdef: comments, preprocessor lines and layout gone."""
    text = re.sub(r"/\*.*?\*/", " ", c_text, flags=re.DOTALL)
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    text = text.replace("HCNSIM_MAX_FUNCTIONS", "32")
    return {re.sub(r"\s+", " ", s).replace("( ", "(").strip() for s in text.split(";")} - {""}


def test_the_simulator_cdef_declares_what_native_hcnsim_h_does() -> None:
    header = (ROOT / "native" / "hcnsim.h").read_text()
    assert "#define HCNSIM_MAX_FUNCTIONS 32" in header
    assert _statements(SIM_CDEF) == _statements(header)
