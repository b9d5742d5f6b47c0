"""The HCN C functions with Python types, derived from the table in ``_abi``.

``HcnCalls(backend).enumerate_networks(query)`` calls ``HcnEnumerateNetworks``: each C
parameter becomes, by its type, an argument (``const char16_t *``: str; ``const GUID *``:
uuid.UUID; a handle), a result (``char16_t **``: str; ``HCN_X *``: a handle) or the
ErrorRecord. Results come back as one value or a tuple in C order; every string HNS returns
is freed with ``CoTaskMemFree``. A call fails (``HnsError``) when the HRESULT is negative or
the ErrorRecord is not empty, as in hcsshim. cffi releases the GIL around each C call.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import orjson

from dataplane.hns._abi import FUNCTIONS, Function
from dataplane.hns._backend import Backend
from dataplane.hns.errors import E_FAIL, HnsError

Handle = Any  # a cffi ``void *`` (HCN_NETWORK / HCN_ENDPOINT)

_BY_PYTHON_NAME = {f.python_name: f for f in FUNCTIONS.values() if f.name != "CoTaskMemFree"}


def _record_hresult(hresult: int, record: str) -> int:
    """The HRESULT to report: the call's when it failed, else the record's ErrorCode (or E_FAIL)."""
    if hresult < 0:
        return hresult
    try:
        code = orjson.loads(record).get("ErrorCode")
    except (orjson.JSONDecodeError, AttributeError):
        return E_FAIL
    return code if isinstance(code, int) and code & 0x80000000 else E_FAIL


class HcnCalls:
    """One method per HCN function of ``_abi.FUNCTIONS`` (by its ``python_name``)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._ffi = backend.ffi
        self._lib = backend.lib

    def __getattr__(self, name: str) -> Callable[..., Any]:
        function = _BY_PYTHON_NAME.get(name)
        if function is None:
            raise AttributeError(f"{type(self).__name__} has no HCN function {name!r}")
        bound = self._bind(function)
        setattr(self, name, bound)  # built once per instance
        return bound

    def _bind(self, function: Function) -> Callable[..., Any]:
        ffi, c_function = self._ffi, getattr(self._lib, function.name)
        roles = [p.role for p in function.params]
        inputs = sum(role in ("str", "guid", "handle") for role in roles)
        has_record = "record" in roles

        def call(*args: Any) -> Any:
            if len(args) != inputs:
                raise TypeError(f"{function.python_name}() takes {inputs} arguments")
            given = iter(args)
            c_args: list[Any] = []
            for role in roles:
                if role == "str":
                    text = next(given)
                    c_args.append(ffi.NULL if text is None else ffi.new("char16_t[]", text))
                elif role == "guid":
                    c_args.append(self._guid(next(given)))
                elif role == "handle":
                    c_args.append(next(given))
                elif role == "out_handle":
                    c_args.append(ffi.new("void **"))
                else:  # out_str, record
                    c_args.append(ffi.new("char16_t **"))
            hresult = c_function(*c_args)
            results, record = [], ""
            for role, arg in zip(roles, c_args, strict=True):
                if role == "out_str":
                    results.append(self._take(arg))
                elif role == "record":
                    record = self._take(arg)
                elif role == "out_handle":
                    results.append(arg[0])
            if not has_record and hresult < 0 and results:
                record = results[0]  # HNSCall reports its failure in its one result
            if hresult < 0 or record:
                raise HnsError(function.name, _record_hresult(hresult, record), record)
            return None if not results else results[0] if len(results) == 1 else tuple(results)

        call.__name__ = function.python_name
        call.__doc__ = function.declaration()
        return call

    def _guid(self, value: uuid.UUID) -> Any:
        guid = self._ffi.new("GUID *")
        guid.Data1, guid.Data2, guid.Data3 = value.fields[0], value.fields[1], value.fields[2]
        self._ffi.memmove(guid.Data4, value.bytes[8:], 8)
        return guid

    def _take(self, out: Any) -> str:
        pointer = out[0]
        if pointer == self._ffi.NULL:
            return ""
        try:
            return str(self._ffi.string(pointer))
        finally:
            self._lib.CoTaskMemFree(pointer)
