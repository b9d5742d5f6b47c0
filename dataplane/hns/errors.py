"""Errors of HNS calls: the call's name, the HRESULT and the HNS error record."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import orjson

HCN_E_NETWORK_NOT_FOUND = 0x803B0001
HCN_E_ENDPOINT_NOT_FOUND = 0x803B0002
HCN_E_POLICY_NOT_FOUND = 0x803B0008
HCN_E_INVALID_POLICY = 0x803B000D
HCN_E_POLICY_ALREADY_EXISTS = 0x803B0012
HCN_E_INVALID_JSON = 0x803B001B
HCN_E_INVALID_IP = 0x803B001E
HCN_E_MANAGER_STOPPED = 0x803B0020
HCN_E_ENTITY_HAS_REFERENCES = 0x803B002C
HCN_E_ADDR_INVALID_OR_RESERVED = 0x803B002F
E_NOTIMPL = 0x80004001
E_FAIL = 0x80004005
E_POINTER = 0x80004003
E_HANDLE = 0x80070006
E_OUTOFMEMORY = 0x8007000E
E_INVALIDARG = 0x80070057
ERROR_ALREADY_EXISTS = 0x800700B7
ERROR_NOT_FOUND = 0x80070490
RPC_S_SERVER_UNAVAILABLE = 0x800706BA
RPC_S_CALL_FAILED = 0x800706BE

HRESULT_NAMES: Mapping[int, str] = MappingProxyType(
    {
        HCN_E_NETWORK_NOT_FOUND: "HCN_E_NETWORK_NOT_FOUND",
        HCN_E_ENDPOINT_NOT_FOUND: "HCN_E_ENDPOINT_NOT_FOUND",
        HCN_E_POLICY_NOT_FOUND: "HCN_E_POLICY_NOT_FOUND",
        HCN_E_INVALID_POLICY: "HCN_E_INVALID_POLICY",
        HCN_E_POLICY_ALREADY_EXISTS: "HCN_E_POLICY_ALREADY_EXISTS",
        HCN_E_INVALID_JSON: "HCN_E_INVALID_JSON",
        HCN_E_INVALID_IP: "HCN_E_INVALID_IP",
        HCN_E_MANAGER_STOPPED: "HCN_E_MANAGER_STOPPED",
        HCN_E_ENTITY_HAS_REFERENCES: "HCN_E_ENTITY_HAS_REFERENCES",
        HCN_E_ADDR_INVALID_OR_RESERVED: "HCN_E_ADDR_INVALID_OR_RESERVED",
        E_NOTIMPL: "E_NOTIMPL",
        E_FAIL: "E_FAIL",
        E_POINTER: "E_POINTER",
        E_HANDLE: "E_HANDLE",
        E_OUTOFMEMORY: "E_OUTOFMEMORY",
        E_INVALIDARG: "E_INVALIDARG",
        ERROR_ALREADY_EXISTS: "ERROR_ALREADY_EXISTS",
        ERROR_NOT_FOUND: "ERROR_NOT_FOUND",
        RPC_S_SERVER_UNAVAILABLE: "RPC_S_SERVER_UNAVAILABLE",
        RPC_S_CALL_FAILED: "RPC_S_CALL_FAILED",
    }
)

# The handle cannot reach HNS (closed, or the service restarted); the call did not run.
_STALE_HANDLE = frozenset({E_HANDLE, RPC_S_SERVER_UNAVAILABLE})


class HnsError(Exception):
    """An HNS call failed: ``call`` (e.g. ``HcnModifyEndpoint``), ``hresult`` (unsigned 32-bit),
    ``record`` (the raw ErrorRecord JSON, may be empty) and ``message`` (its ``Error`` text)."""

    def __init__(self, call: str, hresult: int, record: str = "", message: str = "") -> None:
        self.call = call
        self.hresult = hresult & 0xFFFFFFFF
        self.record = record
        self.message = message or _record_message(record)
        super().__init__(str(self))

    @property
    def name(self) -> str:
        """The symbolic name of the HRESULT, or its hex form when unknown."""
        return HRESULT_NAMES.get(self.hresult, self.hresult_hex)

    @property
    def hresult_hex(self) -> str:
        return f"0x{self.hresult:08x}"

    def __str__(self) -> str:
        known = f" {HRESULT_NAMES[self.hresult]}" if self.hresult in HRESULT_NAMES else ""
        text = f": {self.message}" if self.message else ""
        return f"{self.call} failed with HRESULT {self.hresult_hex}{known}{text}"

    def __reduce__(self) -> tuple[type[HnsError], tuple[str, int, str, str]]:
        return (type(self), (self.call, self.hresult, self.record, self.message))


class HnsProtocolError(HnsError):
    """HNS answered, but the answer lacks a field we rely on or has the wrong shape."""

    def __init__(self, call: str, field: str, detail: str) -> None:
        self.field = field
        self.detail = detail
        super().__init__(call, E_INVALIDARG, "", f"malformed answer: {field}: {detail}")

    def __reduce__(self) -> tuple[type[HnsError], tuple[str, str, str]]:  # type: ignore[override]
        return (type(self), (self.call, self.field, self.detail))


class BackendUnavailableError(RuntimeError):
    """The requested HNS backend cannot be loaded on this machine."""


def _record_message(record: str) -> str:
    if not record:
        return ""
    try:
        doc = orjson.loads(record)
    except orjson.JSONDecodeError:
        return record
    message = doc.get("Error") if isinstance(doc, dict) else None
    return message.strip() if isinstance(message, str) else record


def is_not_found(err: BaseException) -> bool:
    """The network or endpoint named by the call does not exist (any more)."""
    return isinstance(err, HnsError) and err.hresult in (
        HCN_E_NETWORK_NOT_FOUND,
        HCN_E_ENDPOINT_NOT_FOUND,
        ERROR_NOT_FOUND,
    )


def is_policy_not_found(err: BaseException) -> bool:
    """A policy named in a Remove or Update request does not exist."""
    return isinstance(err, HnsError) and err.hresult == HCN_E_POLICY_NOT_FOUND


def is_already_exists(err: BaseException) -> bool:
    """The policy (or object) being added already exists."""
    return isinstance(err, HnsError) and err.hresult in (
        HCN_E_POLICY_ALREADY_EXISTS,
        ERROR_ALREADY_EXISTS,
    )


def is_invalid_policy(err: BaseException) -> bool:
    """HNS rejected a policy's field values (including invalid addresses)."""
    return isinstance(err, HnsError) and err.hresult in (HCN_E_INVALID_POLICY, HCN_E_INVALID_IP)


def is_invalid_json(err: BaseException) -> bool:
    return isinstance(err, HnsError) and err.hresult == HCN_E_INVALID_JSON


def has_references(err: BaseException) -> bool:
    """The object is still referenced (a set used by an ACL, a network with endpoints)."""
    return isinstance(err, HnsError) and err.hresult == HCN_E_ENTITY_HAS_REFERENCES


def is_stale_handle(err: BaseException) -> bool:
    """The handle no longer reaches HNS (closed, or the service restarted): reopen it."""
    return isinstance(err, HnsError) and err.hresult in _STALE_HANDLE
