"""Policies to HNS ACLs and IP sets, per local endpoint (sans-IO)."""

from dataplane.compile.catalog import IpSetSource
from dataplane.compile.compiler import AclCompiler
from dataplane.compile.counters import CompileCounters
from dataplane.compile.status import CompileConfig, CompileResult, EndpointStatus

__all__ = [
    "AclCompiler",
    "CompileConfig",
    "CompileCounters",
    "CompileResult",
    "EndpointStatus",
    "IpSetSource",
]
