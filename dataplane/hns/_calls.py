"""The HCN C functions with Python types: str/GUID in, str/handle out, HnsError on failure."""

from __future__ import annotations

import uuid
from typing import Any

from dataplane.hns._backend import Backend
from dataplane.hns.errors import E_FAIL, HnsError, record_failed

Handle = Any  # a cffi ``void *`` (HCN_NETWORK / HCN_ENDPOINT)


class HcnCalls:
    """One method per HCN function; every string HNS returns is freed with CoTaskMemFree.

    cffi releases the GIL around each C call, in both API and ABI mode."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._ffi = backend.ffi
        self._lib = backend.lib

    # -- plumbing ---------------------------------------------------------------------------

    def _wstr(self, text: str | None) -> Any:
        return self._ffi.NULL if text is None else self._ffi.new("char16_t[]", text)

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

    def _check(self, call: str, hresult: int, record: Any) -> None:
        text = self._take(record) if record is not None else ""
        if hresult < 0 or (text and record_failed(text)):
            raise HnsError(call, hresult, text)

    def _out(self, ctype: str) -> Any:
        return self._ffi.new(ctype)

    # -- networks ---------------------------------------------------------------------------

    def enumerate_networks(self, query: str) -> str:
        out, record = self._out("char16_t **"), self._out("char16_t **")
        hresult = self._lib.HcnEnumerateNetworks(self._wstr(query), out, record)
        result = self._take(out)
        self._check("HcnEnumerateNetworks", hresult, record)
        return result

    def create_network(self, network_id: uuid.UUID, settings: str) -> Handle:
        handle, record = self._out("HCN_NETWORK *"), self._out("char16_t **")
        hresult = self._lib.HcnCreateNetwork(
            self._guid(network_id), self._wstr(settings), handle, record
        )
        self._check("HcnCreateNetwork", hresult, record)
        return handle[0]

    def open_network(self, network_id: uuid.UUID) -> Handle:
        handle, record = self._out("HCN_NETWORK *"), self._out("char16_t **")
        hresult = self._lib.HcnOpenNetwork(self._guid(network_id), handle, record)
        self._check("HcnOpenNetwork", hresult, record)
        return handle[0]

    def modify_network(self, handle: Handle, settings: str) -> None:
        record = self._out("char16_t **")
        hresult = self._lib.HcnModifyNetwork(handle, self._wstr(settings), record)
        self._check("HcnModifyNetwork", hresult, record)

    def query_network(self, handle: Handle, query: str) -> str:
        out, record = self._out("char16_t **"), self._out("char16_t **")
        hresult = self._lib.HcnQueryNetworkProperties(handle, self._wstr(query), out, record)
        result = self._take(out)
        self._check("HcnQueryNetworkProperties", hresult, record)
        return result

    def delete_network(self, network_id: uuid.UUID) -> None:
        record = self._out("char16_t **")
        hresult = self._lib.HcnDeleteNetwork(self._guid(network_id), record)
        self._check("HcnDeleteNetwork", hresult, record)

    def close_network(self, handle: Handle) -> None:
        self._check("HcnCloseNetwork", self._lib.HcnCloseNetwork(handle), None)

    # -- endpoints --------------------------------------------------------------------------

    def enumerate_endpoints(self, query: str) -> str:
        out, record = self._out("char16_t **"), self._out("char16_t **")
        hresult = self._lib.HcnEnumerateEndpoints(self._wstr(query), out, record)
        result = self._take(out)
        self._check("HcnEnumerateEndpoints", hresult, record)
        return result

    def create_endpoint(self, network: Handle, endpoint_id: uuid.UUID, settings: str) -> Handle:
        handle, record = self._out("HCN_ENDPOINT *"), self._out("char16_t **")
        hresult = self._lib.HcnCreateEndpoint(
            network, self._guid(endpoint_id), self._wstr(settings), handle, record
        )
        self._check("HcnCreateEndpoint", hresult, record)
        return handle[0]

    def open_endpoint(self, endpoint_id: uuid.UUID) -> Handle:
        handle, record = self._out("HCN_ENDPOINT *"), self._out("char16_t **")
        hresult = self._lib.HcnOpenEndpoint(self._guid(endpoint_id), handle, record)
        self._check("HcnOpenEndpoint", hresult, record)
        return handle[0]

    def modify_endpoint(self, handle: Handle, settings: str) -> None:
        record = self._out("char16_t **")
        hresult = self._lib.HcnModifyEndpoint(handle, self._wstr(settings), record)
        self._check("HcnModifyEndpoint", hresult, record)

    def query_endpoint(self, handle: Handle, query: str) -> str:
        out, record = self._out("char16_t **"), self._out("char16_t **")
        hresult = self._lib.HcnQueryEndpointProperties(handle, self._wstr(query), out, record)
        result = self._take(out)
        self._check("HcnQueryEndpointProperties", hresult, record)
        return result

    def delete_endpoint(self, endpoint_id: uuid.UUID) -> None:
        record = self._out("char16_t **")
        hresult = self._lib.HcnDeleteEndpoint(self._guid(endpoint_id), record)
        self._check("HcnDeleteEndpoint", hresult, record)

    def close_endpoint(self, handle: Handle) -> None:
        self._check("HcnCloseEndpoint", self._lib.HcnCloseEndpoint(handle), None)

    # -- HNS v1 -----------------------------------------------------------------------------

    def hns_call(self, method: str, path: str, body: str = "") -> str:
        """``HNSCall`` (vmcompute.dll); the response document, which must say ``"Success":true``."""
        response = self._out("char16_t **")
        hresult = self._lib.HNSCall(
            self._wstr(method), self._wstr(path), self._wstr(body), response
        )
        text = self._take(response)
        if hresult < 0 or not text or record_failed(text):
            raise HnsError("HNSCall", hresult if hresult < 0 else E_FAIL, text)
        return text
