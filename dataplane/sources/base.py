"""The contract between update sources and their consumer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from dataplane.model import Update


@runtime_checkable
class UpdateSink(Protocol):
    """Where a source delivers what it learns about the datastore."""

    async def updates(self, batch: Sequence[Update]) -> None:
        """A batch of model updates; ``InSync()`` follows the first complete snapshot."""

    def invalid(self, origin: str, error: Exception) -> None:
        """A resource failed validation; no update was emitted for it.

        Whatever was programmed from its previous valid version stays in place.
        ``origin`` names the object (and, for files, the path and document).
        """

    def valid(self, origin: str) -> None:
        """What was reported invalid under ``origin`` is fixed or gone."""


@runtime_checkable
class Source(Protocol):
    """A datastore turned into a stream of updates."""

    async def run(self, sink: UpdateSink) -> None:
        """Deliver updates to ``sink`` until cancelled."""

    def status(self) -> Mapping[str, Any]:
        """The source's state (JSON-able): state, last event, errors, counters."""
