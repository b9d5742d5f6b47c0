"""Python access to the simulator-only controls: reset, config, settings, faults, counters,
classifier."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from dataplane.hns._abi import CDEF
from dataplane.hns._backend import Backend, load_backend
from dataplane.hns._sim_cdef import SIM_CDEF
from dataplane.hns.errors import BackendUnavailableError, HnsError

DIRECTIONS: Mapping[str, int] = MappingProxyType({"In": 0, "Out": 1})
_ACL_ID_BUFFER = 1024
_ROUTE_BUFFER = 1024


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the simulated VFP decides for one packet; ``acl_id`` is "" when no ACL decided."""

    allowed: bool
    acl_id: str


_library: list[Backend] = []  # the shared-library simulator chosen by use_library, if any


def _sim() -> Backend:
    return _library[0] if _library else load_backend("sim")


def use_library(path: str | None) -> None:
    """Control the simulator built as a shared library at ``path`` (the one the ``dll``
    backend loads off Windows: same file, same state) instead of the built-in module;
    ``None``: back to the built-in one."""
    _library.clear()
    _guid.cache_clear()
    setting_table.cache_clear()
    function_names.cache_clear()
    if path is not None:
        from cffi import FFI

        ffi = FFI()
        ffi.cdef(CDEF + SIM_CDEF)
        try:
            _library.append(Backend("sim", ffi, ffi.dlopen(path)))
        except OSError as err:
            raise BackendUnavailableError(f"cannot load the simulator library: {err}") from err


@functools.lru_cache(maxsize=4096)
def _guid(endpoint_id: str) -> Any:
    """The GUID struct of an endpoint id (cached: classify is called in tight loops)."""
    value = uuid.UUID(endpoint_id)
    ffi = _sim().ffi
    guid = ffi.new("GUID *")
    guid.Data1, guid.Data2, guid.Data3 = value.fields[0], value.fields[1], value.fields[2]
    ffi.memmove(guid.Data4, value.bytes[8:], 8)
    return guid


@dataclass(frozen=True, slots=True)
class Setting:
    """One switchable quirk of the simulated HNS: its values and the one it starts with."""

    name: str
    choices: tuple[str, ...]
    default: str


def reset() -> None:
    """Forget every instance but the default one and select it; forget its networks,
    endpoints, handles, faults and counters; configuration back to defaults."""
    _sim().lib.HcnSimReset()


def select_instance(name: str) -> None:
    """Make every later call act on the simulated HNS named ``name`` (one per node; created
    empty, with default settings, on first use; "" is the default instance). Handles are
    valid only in the instance that issued them; ``reset`` drops every named instance."""
    if "\0" in name:
        raise ValueError("instance names cannot contain NUL")
    _sim().lib.HcnSimSelectInstance(name.encode())


def lookup_route(network_id: str, ip: str) -> dict[str, Any] | None:
    """The Settings of the network's most specific ``RemoteSubnetRoute`` containing ``ip``
    (None when no route does): where the simulated VFP would send a packet to ``ip``."""
    sim = _sim()
    buffer = sim.ffi.new("char[]", _ROUTE_BUFFER)
    result = sim.lib.HcnSimLookupRoute(_guid(network_id), ip.encode(), buffer, _ROUTE_BUFFER)
    if result < 0:
        raise HnsError("HcnSimLookupRoute", result)
    if not result:
        return None
    settings: dict[str, Any] = json.loads(sim.ffi.string(buffer).decode())
    return settings


@functools.cache
def setting_table() -> Mapping[str, Setting]:
    """Every setting, read from the simulator (native/settings.c holds the one table)."""
    sim = _sim()
    ffi, lib = sim.ffi, sim.lib
    table = {}
    for index in range(lib.HcnSimSettingCount()):
        name = ffi.string(lib.HcnSimSettingName(index)).decode()
        choices: list[str] = []
        while (choice := lib.HcnSimSettingChoice(index, len(choices))) != ffi.NULL:
            choices.append(ffi.string(choice).decode())
        table[name] = Setting(name, tuple(choices), choices[lib.HcnSimSettingDefault(index)])
    return MappingProxyType(table)


def settings() -> dict[str, str]:
    """The current value of every setting."""
    lib = _sim().lib
    return {
        name: entry.choices[lib.HcnSimGetSetting(name.encode())]
        for name, entry in setting_table().items()
    }


def check_settings(values: Mapping[str, str]) -> None:
    """Raise ``ValueError`` naming the first unknown setting or value."""
    table = setting_table()
    for name, value in values.items():
        if name not in table:
            raise ValueError(f"unknown simulator setting {name!r}; one of {sorted(table)}")
        if value not in table[name].choices:
            choices = ", ".join(table[name].choices)
            raise ValueError(f"simulator setting {name}: {value!r} is not one of {choices}")


def set_setting(name: str, value: str) -> None:
    """Switch one quirk (see ``setting_table()``); ``reset()`` restores every default."""
    check_settings({name: value})
    _sim().lib.HcnSimSetSetting(name.encode(), value.encode())


def configure(
    version: tuple[int, int] = (15, 0),
    call_latency_us: int = 0,
    acl_latency_us: int = 0,
    settings: Mapping[str, str] | None = None,
) -> None:
    """Set the reported HNS version (<13.0: no SetPolicy; <15.0: no NESTEDIPSET), the latency
    each call sleeps (``call_latency_us``, plus ``acl_latency_us`` per policy in the request)
    and the settings: those named in ``settings`` take the value given, the others their default."""
    major, minor = version
    if min(major, minor, call_latency_us, acl_latency_us) < 0:
        raise ValueError("version and latencies must be non-negative")
    wanted = {name: entry.default for name, entry in setting_table().items()}
    check_settings(settings or {})
    wanted.update(settings or {})
    lib = _sim().lib
    lib.HcnSimSetVersion(major, minor)
    lib.HcnSimSetLatency(call_latency_us, acl_latency_us)
    for name, value in wanted.items():
        lib.HcnSimSetSetting(name.encode(), value.encode())


def version() -> tuple[int, int]:
    """The version the simulator reports."""
    sim = _sim()
    major, minor = sim.ffi.new("int *"), sim.ffi.new("int *")
    sim.lib.HcnSimGetVersion(major, minor)
    return int(major[0]), int(minor[0])


def invalidate_handles() -> None:
    """Make every open handle stale, as an HNS service restart does (objects are kept)."""
    _sim().lib.HcnSimInvalidateHandles()


@functools.cache
def function_names() -> tuple[str, ...]:
    """The names ``inject_fault`` and ``counters()["calls"]`` use."""
    sim = _sim()
    return tuple(
        sim.ffi.string(sim.lib.HcnSimFunctionName(i)).decode()
        for i in range(sim.lib.HcnSimFunctionCount())
    )


def inject_fault(function: str, nth: int, hresult: int, repeat: bool = False) -> None:
    """Fail the ``nth`` next call of ``function`` (1 = the next one) with ``hresult``,
    or that call and every later one when ``repeat``; the failing call changes nothing."""
    if function not in function_names():
        raise ValueError(f"unknown function {function!r}; one of {function_names()}")
    if nth < 1 or not 0x80000000 <= hresult <= 0xFFFFFFFF:
        raise ValueError("nth must be >= 1 and hresult a failure code (0x80000000..0xffffffff)")
    signed = hresult - (1 << 32)
    if _sim().lib.HcnSimInjectFault(function.encode(), nth, signed, int(repeat)) != 0:
        raise RuntimeError("too many faults injected; call clear_faults()")


def clear_faults() -> None:
    _sim().lib.HcnSimClearFaults()


def counters() -> dict[str, Any]:
    """``{"calls": {function: n}, "acls_added", "acls_removed", "set_policies_written",
    "set_policies_removed", "request_bytes", "faults_triggered"}``."""
    sim = _sim()
    raw = sim.ffi.new("HcnSimCounters *")
    sim.lib.HcnSimGetCounters(raw)
    return {
        "calls": {name: int(raw.calls[i]) for i, name in enumerate(function_names())},
        "acls_added": int(raw.acls_added),
        "acls_removed": int(raw.acls_removed),
        "set_policies_written": int(raw.set_policies_written),
        "set_policies_removed": int(raw.set_policies_removed),
        "request_bytes": int(raw.request_bytes),
        "faults_triggered": int(raw.faults_triggered),
    }


def classify(
    endpoint_id: str,
    direction: str,
    protocol: int,
    local_ip: str | None,
    local_port: int,
    remote_ip: str,
    remote_port: int,
) -> Verdict:
    """Would the endpoint's ACLs let this packet through? ``direction`` ``"In"`` (remote is
    the source) or ``"Out"`` (remote is the destination); ``local_ip`` None = the endpoint's
    own address of the remote's family. Ports only count for TCP, UDP and SCTP."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'In' or 'Out', not {direction!r}")
    sim = _sim()
    ffi = sim.ffi
    acl_id = ffi.new("char[]", _ACL_ID_BUFFER)
    result = sim.lib.HcnSimClassify(
        _guid(endpoint_id),
        DIRECTIONS[direction],
        protocol,
        local_ip.encode() if local_ip else ffi.NULL,
        local_port,
        remote_ip.encode(),
        remote_port,
        acl_id,
        _ACL_ID_BUFFER,
    )
    if result < 0:
        raise HnsError("HcnSimClassify", result)
    return Verdict(bool(result), ffi.string(acl_id).decode())
