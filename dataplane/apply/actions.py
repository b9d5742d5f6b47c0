"""The reconciler's vocabulary: the actions it asks for, request outcomes, cycle results."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from dataplane.plan.requests import Request


@dataclass(frozen=True, slots=True)
class ListEndpoints:
    """Read every HNS endpoint of the network with its policies."""


@dataclass(frozen=True, slots=True)
class ReadNetwork:
    """Read the network's policies."""


@dataclass(frozen=True, slots=True)
class SendRequests:
    """Send one plan stage; the requests are independent. ``targets[i]`` is the HNS id
    (endpoint or network) of ``requests[i]``."""

    requests: tuple[Request, ...]
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Wait:
    """Nothing to do before ``until`` (inf: before the next event)."""

    until: float


Action = ListEndpoints | ReadNetwork | SendRequests | Wait


class Outcome(enum.Enum):
    """What became of one request."""

    OK = "ok"
    FAILED = "failed"
    GONE = "gone"
    """The endpoint no longer exists in HNS: remap it (no backoff)."""


@dataclass(frozen=True, slots=True)
class CycleResult:
    """What one programming cycle did: requests sent, failed, and not sent (no HNS
    endpoint yet, or the target waits for its backoff)."""

    requests: int
    failures: int
    skipped: int
