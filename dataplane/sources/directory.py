"""A folder (or file) of YAML/JSON manifests as an update source (works under asyncio and trio)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio

from dataplane.model import Delete, InSync, ResourceKey, Update, Upsert
from dataplane.sources.base import UpdateSink
from dataplane.sources.manifest_tree import EMPTY_FILE_GRACE_NS, ManifestTree, TreeChanges

log = logging.getLogger(__name__)


class DirectorySource:
    """Loads every manifest under ``path``, then polls it every ``poll_interval`` seconds.

    The first poll is delivered as one batch followed by ``InSync()``; later polls
    deliver exactly the differences (nothing when nothing changed). Problems go
    to ``sink.invalid`` (origin ``path: document N: Kind ns/name``) when found
    and to ``sink.valid`` once fixed or gone; every resource added, changed or
    removed and every document skipped is logged once (info). A file that fails
    to parse keeps the objects of its last good version; a file left empty
    keeps them for ``empty_grace`` seconds. If ``path`` is missing at start
    ``run`` raises ``FileNotFoundError``; if it becomes unreadable later, the
    error is reported and the last known objects stay until it is readable
    again. Each poll runs in a worker thread that cancellation abandons, so
    stopping never waits on the filesystem.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        poll_interval: float = 0.5,
        empty_grace: float = EMPTY_FILE_GRACE_NS / 1e9,
    ) -> None:
        if poll_interval <= 0:
            raise ValueError(f"poll_interval must be positive, got {poll_interval}")
        if empty_grace < 0:
            raise ValueError(f"empty_grace must not be negative, got {empty_grace}")
        self.path = Path(path)
        self.poll_interval = poll_interval
        self._tree = ManifestTree(self.path, empty_grace_ns=int(empty_grace * 1e9))
        self._known: set[ResourceKey] = set()
        self._invalid: dict[str, str] = {}
        self._state = "starting"
        self._polls = 0
        self._batches = 0
        self._errors = 0
        self._last_error: str | None = None
        self._last_event: float | None = None

    async def run(self, sink: UpdateSink) -> None:
        """Deliver the initial snapshot and ``InSync()``, then changes until cancelled."""
        changes = await self._poll()
        await self._deliver(sink, changes, [InSync()])
        self._state = "watching"
        while True:
            await anyio.sleep(self.poll_interval)
            try:
                changes = await self._poll()
            except OSError as error:
                self._errors += 1
                if str(error) != self._last_error:
                    log.warning("manifest directory %s unreadable: %s", self.path, error)
                    sink.invalid(str(self.path), error)
                    self._invalid[str(self.path)] = str(error)
                self._last_error = str(error)
                self._state = "unreadable"
                continue
            if self._last_error is not None:
                self._invalid.pop(str(self.path), None)
                sink.valid(str(self.path))
            self._last_error = None
            self._state = "watching"
            await self._deliver(sink, changes, [])

    async def _poll(self) -> TreeChanges:
        return await anyio.to_thread.run_sync(self._tree.poll, abandon_on_cancel=True)

    async def _deliver(self, sink: UpdateSink, changes: TreeChanges, tail: list[Update]) -> None:
        self._polls += 1
        for line in changes.skipped:
            log.info("%s", line)
        for origin in changes.cleared:
            if self._invalid.pop(origin, None) is not None:
                sink.valid(origin)
        for origin, error in changes.problems:
            self._errors += 1
            self._invalid[origin] = str(error)
            sink.invalid(origin, error)
        for update in changes.updates:
            self._log_change(update)
        batch = [*changes.updates, *tail]
        if batch:
            self._batches += 1
            self._last_event = time.time()
            await sink.updates(batch)

    def _log_change(self, update: Update) -> None:
        if isinstance(update, Upsert):
            verb = "changed" if update.key in self._known else "added"
            self._known.add(update.key)
            log.info("%s %s", verb, update.key)
        elif isinstance(update, Delete):
            self._known.discard(update.key)
            log.info("removed %s", update.key)

    def status(self) -> Mapping[str, Any]:
        """State, counts, polls, errors and the resources invalid now."""
        return {
            "state": self._state,
            "path": str(self.path),
            "last_event": self._last_event,
            "files": self._tree.file_count,
            "objects": self._tree.object_count,
            "polls": self._polls,
            "reads": self._tree.reads,
            "batches": self._batches,
            "errors": self._errors,
            "last_error": self._last_error,
            "invalid": dict(self._invalid),
        }
