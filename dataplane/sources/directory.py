"""A folder (or file) of YAML/JSON manifests as an update source (works under asyncio and trio)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio

from dataplane.model import InSync, Update
from dataplane.sources.base import UpdateSink
from dataplane.sources.manifest_tree import ManifestTree, TreeChanges

log = logging.getLogger(__name__)


class DirectorySource:
    """Loads every manifest under ``path``, then polls it every ``poll_interval`` seconds.

    The first poll is delivered as one batch followed by ``InSync()``; later polls
    deliver exactly the differences (nothing when nothing changed). A document
    that fails validation is reported through ``sink.invalid`` with origin
    ``path: document N: Kind ns/name``; a file that fails to parse keeps the
    objects of its last good version. If ``path`` is missing at start ``run``
    raises ``FileNotFoundError``; if it becomes unreadable later, the error is
    reported and the last known objects stay until it is readable again.
    """

    def __init__(self, path: str | os.PathLike[str], poll_interval: float = 0.5) -> None:
        if poll_interval <= 0:
            raise ValueError(f"poll_interval must be positive, got {poll_interval}")
        self.path = Path(path)
        self.poll_interval = poll_interval
        self._tree = ManifestTree(self.path)
        self._listed = False
        self._polls = 0
        self._batches = 0
        self._errors = 0
        self._last_error: str | None = None

    async def run(self, sink: UpdateSink) -> None:
        """Deliver the initial snapshot and ``InSync()``, then changes until cancelled."""
        changes = await anyio.to_thread.run_sync(self._tree.poll)
        await self._deliver(sink, changes, [InSync()])
        self._listed = True
        while True:
            await anyio.sleep(self.poll_interval)
            try:
                changes = await anyio.to_thread.run_sync(self._tree.poll)
            except OSError as error:
                self._errors += 1
                if str(error) != self._last_error:
                    log.warning("manifest directory %s unreadable: %s", self.path, error)
                    sink.invalid(str(self.path), error)
                self._last_error = str(error)
                continue
            self._last_error = None
            await self._deliver(sink, changes, [])

    async def _deliver(self, sink: UpdateSink, changes: TreeChanges, tail: list[Update]) -> None:
        self._polls += 1
        for origin, error in changes.problems:
            self._errors += 1
            sink.invalid(origin, error)
        batch = [*changes.updates, *tail]
        if batch:
            self._batches += 1
            await sink.updates(batch)

    def status(self) -> Mapping[str, Any]:
        """One entry, keyed by the path: listed, counts, polls and errors."""
        return {
            str(self.path): {
                "listed": self._listed,
                "files": self._tree.file_count,
                "objects": self._tree.object_count,
                "polls": self._polls,
                "reads": self._tree.reads,
                "batches": self._batches,
                "errors": self._errors,
                "last_error": self._last_error,
            }
        }
