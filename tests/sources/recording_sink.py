"""An ``UpdateSink`` that records batches and keeps the state they add up to."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import anyio

from dataplane.convert import convert
from dataplane.errors import ValidationError
from dataplane.model import Delete, InSync, Resource, ResourceKey, Update, Upsert


class RecordingSink:
    """Applies updates to a dict and counts the ones that changed nothing.

    A source that emits exactly the differences never produces a redundant
    update (an ``Upsert`` equal to the current value, a ``Delete`` of an absent
    key), so ``redundant`` stays 0.
    """

    def __init__(self) -> None:
        self.batches: list[list[Update]] = []
        self.state: dict[ResourceKey, Resource] = {}
        self.problems: list[tuple[str, Exception]] = []
        self.cleared: list[str] = []
        self.in_sync = 0
        self.redundant = 0

    async def updates(self, batch: Sequence[Update]) -> None:
        self.batches.append(list(batch))
        for update in batch:
            if isinstance(update, InSync):
                self.in_sync += 1
            elif isinstance(update, Upsert):
                self.redundant += self.state.get(update.key) == update.value
                self.state[update.key] = update.value
            else:
                self.redundant += self.state.pop(update.key, None) is None

    def invalid(self, origin: str, error: Exception) -> None:
        self.problems.append((origin, error))

    def valid(self, origin: str) -> None:
        self.cleared.append(origin)

    @property
    def updates_seen(self) -> list[Update]:
        return [update for batch in self.batches for update in batch]

    def origins(self, error_type: type[Exception] = Exception) -> list[str]:
        return [origin for origin, error in self.problems if isinstance(error, error_type)]

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait (polling) until ``condition()`` holds; fails after ``timeout`` seconds."""
        with anyio.fail_after(timeout):
            while not condition():
                await anyio.sleep(0.01)


def model_state(objects: Iterable[Mapping[str, Any]]) -> dict[ResourceKey, Resource]:
    """What a faithful source's updates add up to for ``objects`` (invalid ones skipped)."""
    state: dict[ResourceKey, Resource] = {}
    for obj in objects:
        try:
            update = convert(obj)
        except ValidationError:
            continue
        if isinstance(update, Upsert):
            state[update.key] = update.value
        else:
            assert isinstance(update, Delete)
    return state
