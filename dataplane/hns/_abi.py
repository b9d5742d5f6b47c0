"""The HCN C API, declared once: one C line per function, the DLL that exports it.

Everything else is derived from this table, as hcsshim derives its bindings from ``//sys``
lines: the cffi cdef both backends load (``CDEF``), the calls with Python types
(``dataplane.hns._calls``) and the declarations of ``native/hcn.h``, which the simulator
implements (``python -m dataplane.hns._abi > native/hcn.h`` writes it; a test checks that the
file is what this table generates).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from types import MappingProxyType

TYPES = """\
typedef int32_t HRESULT;

typedef struct _GUID {
    uint32_t Data1;
    uint16_t Data2;
    uint16_t Data3;
    uint8_t Data4[8];
} GUID;

typedef void *HCN_NETWORK;
typedef void *HCN_ENDPOINT;
"""

# (DLL, declaration): computenetwork.dll is HCN v2; vmcompute.dll's HNSCall is the HNS v1 entry
# point hcsshim reads the version with (GET /globals/version); ole32 frees what the others return.
DECLARATIONS: tuple[tuple[str, str], ...] = (
    ("computenetwork", "HRESULT HcnEnumerateNetworks(const char16_t *Query, char16_t **Networks, char16_t **ErrorRecord)"),
    ("computenetwork", "HRESULT HcnCreateNetwork(const GUID *Id, const char16_t *Settings, HCN_NETWORK *Network, char16_t **ErrorRecord)"),
    ("computenetwork", "HRESULT HcnOpenNetwork(const GUID *Id, HCN_NETWORK *Network, char16_t **ErrorRecord)"),
    ("computenetwork", "HRESULT HcnModifyNetwork(HCN_NETWORK Network, const char16_t *Settings, char16_t **ErrorRecord)"),
    ("computenetwork", "HRESULT HcnQueryNetworkProperties(HCN_NETWORK Network, const char16_t *Query, char16_t **Properties, char16_t **ErrorRecord)"),
    ("computenetwork", "HRESULT HcnDeleteNetwork(const GUID *Id, char16_t **ErrorRecord)"),
    ("computenetwork", "HRESULT HcnCloseNetwork(HCN_NETWORK Network)"),
    ("computenetwork", "HRESULT HcnEnumerateEndpoints(const char16_t *Query, char16_t **Endpoints, char16_t **ErrorRecord)"),
    ("computenetwork", "HRESULT HcnCreateEndpoint(HCN_NETWORK Network, const GUID *Id, const char16_t *Settings, HCN_ENDPOINT *Endpoint, char16_t **ErrorRecord)"),
    ("computenetwork", "HRESULT HcnOpenEndpoint(const GUID *Id, HCN_ENDPOINT *Endpoint, char16_t **ErrorRecord)"),
    ("computenetwork", "HRESULT HcnModifyEndpoint(HCN_ENDPOINT Endpoint, const char16_t *Settings, char16_t **ErrorRecord)"),
    ("computenetwork", "HRESULT HcnQueryEndpointProperties(HCN_ENDPOINT Endpoint, const char16_t *Query, char16_t **Properties, char16_t **ErrorRecord)"),
    ("computenetwork", "HRESULT HcnDeleteEndpoint(const GUID *Id, char16_t **ErrorRecord)"),
    ("computenetwork", "HRESULT HcnCloseEndpoint(HCN_ENDPOINT Endpoint)"),
    ("vmcompute", "HRESULT HNSCall(const char16_t *Method, const char16_t *Path, const char16_t *Object, char16_t **Response)"),
    ("ole32", "void CoTaskMemFree(void *pv)"),
)  # fmt: skip

DLLS = ("computenetwork", "ole32", "vmcompute")


@dataclass(frozen=True, slots=True)
class Param:
    """One C parameter and what it is to the caller."""

    ctype: str  # "const char16_t *", "HCN_NETWORK *", ...
    name: str

    @property
    def role(self) -> str:
        """``str`` / ``guid`` / ``handle`` (in), ``out_str`` / ``out_handle``, ``record``, ``pointer``."""
        if self.ctype == "char16_t **":
            return "record" if self.name == "ErrorRecord" else "out_str"
        if self.ctype in ("HCN_NETWORK *", "HCN_ENDPOINT *"):
            return "out_handle"
        return {
            "const char16_t *": "str",
            "const GUID *": "guid",
            "HCN_NETWORK": "handle",
            "HCN_ENDPOINT": "handle",
            "void *": "pointer",
        }[self.ctype]


@dataclass(frozen=True, slots=True)
class Function:
    dll: str
    returns: str
    name: str  # the C name: HcnEnumerateNetworks
    params: tuple[Param, ...]

    @property
    def python_name(self) -> str:
        """``HcnEnumerateNetworks`` -> ``enumerate_networks``, ``HNSCall`` -> ``hns_call``."""
        words = re.findall(r"HNS|[A-Z][a-z]+", self.name)
        return "_".join(w.lower() for w in words if w != "Hcn")

    def declaration(self) -> str:
        """The C declaration, ``WINAPI`` (stdcall on 32-bit Windows) and all."""
        params = ", ".join(
            f"{p.ctype}{'' if p.ctype.endswith('*') else ' '}{p.name}" for p in self.params
        )
        return f"{self.returns} WINAPI {self.name}({params});"


_DECLARATION = re.compile(r"(\w+) (\w+)\((.*)\)")
_PARAM = re.compile(r"(.*?)\s*(\w+)")


def _parse(dll: str, text: str) -> Function:
    match = _DECLARATION.fullmatch(text)
    if match is None or dll not in DLLS:
        raise ValueError(f"not a declaration this table understands: {dll}: {text}")
    returns, name, params = match.groups()
    parsed = []
    for item in params.split(", "):
        param = _PARAM.fullmatch(item)
        if param is None:
            raise ValueError(f"{name}: not a parameter: {item!r}")
        parsed.append(Param(*param.groups()))
        _ = parsed[-1].role  # an unknown C type fails here, at import
    return Function(dll, returns, name, tuple(parsed))


FUNCTIONS = MappingProxyType({f.name: f for f in (_parse(dll, d) for dll, d in DECLARATIONS)})

CDEF = TYPES + "\n" + "\n".join(f.declaration() for f in FUNCTIONS.values()) + "\n"


def header() -> str:
    """native/hcn.h: the table in C, for the simulator."""
    return (
        "/* The HCN C API (computenetwork.dll, plus vmcompute's HNSCall and ole32's CoTaskMemFree)\n"
        " * with the Windows type names. Generated from dataplane/hns/_abi.py; do not edit. */\n"
        "#ifndef HCNSIM_HCN_H\n"
        "#define HCNSIM_HCN_H\n\n"
        "#include <stddef.h>\n#include <stdint.h>\n#include <uchar.h>\n\n"
        "#ifndef WINAPI\n#define WINAPI\n#endif\n\n"
        + TYPES
        + "\n"
        + "\n".join(f.declaration() for f in FUNCTIONS.values())
        + "\n\n#endif\n"
    )


if __name__ == "__main__":
    sys.stdout.write(header())
