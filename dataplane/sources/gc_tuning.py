"""Keeping Python's cyclic garbage collector out of bulk syncs.

Parsing a list page allocates hundreds of thousands of containers. Each
allocation burst triggers collections that traverse every object still
alive, including everything synced so far, so a sync gets slower the more it
has synced (at 100k pods most of its time went to the collector) and a full
collection stalls the event loop for seconds. JSON documents and model values
hold no reference cycles: reference counting frees them, so the collector is
paused while a page is parsed and converted. During a listing, and once a
snapshot is complete, the objects alive are moved out of the collector's view
(``gc.freeze``): later collections traverse only what was allocated since.
A parsed list page is frozen as soon as it is parsed, so the collections
between its slices do not traverse the items still waiting to be converted.
Frozen objects are still freed by reference counting; only cyclic garbage
among them would stay (bounded by what a sync creates).

In the steady state, churn replaces synced objects by new ones that live on
(mirrored objects, engine state); ``observing_collector`` reports every
collection to a ``CollectorPolicy`` (``gc_policy.py``) and freezes the survivors
of a full collection when it says so, and ``collect_when_due`` runs a full
collection when the policy says one is due, so each full collection traverses
only what survived since the previous one. The snapshot is then frozen after a full
collection too (cheap: only what the listing left unfrozen is traversed): the
collector starts a full collection once the objects promoted since the last one
exceed a quarter of that one's survivors, so this makes the first full collection
under churn come early and small, instead of waiting for a quarter of whatever a
full collection before the sync found.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anyio

from dataplane.sources.gc_policy import CollectorPolicy


@contextmanager
def collector_paused(enabled: bool = True) -> Iterator[None]:
    """No automatic collection inside (for allocation-heavy acyclic work)."""
    if not enabled or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def freeze_survivors(enabled: bool = True, generation: int = 0) -> None:
    """Exclude every object alive now from future collections (after a snapshot),
    collecting ``generation`` and the younger ones first."""
    if enabled:
        gc.collect(generation)
        gc.freeze()


def freeze_alive(enabled: bool = True) -> None:
    """Exclude every object alive now from future collections, without collecting
    first: for a just-parsed document (acyclic, freed by reference counting) and for
    what the process holds when a source starts (modules, configuration: they live
    as long as the process, and the first full collection would traverse them all,
    ~65 ms, in the middle of the initial sync)."""
    if enabled:
        gc.freeze()


@contextmanager
def observing_collector(
    policy: CollectorPolicy, clock: Callable[[], float] = time.perf_counter
) -> Iterator[None]:
    """Report every collection inside to ``policy``; freeze when it says so."""

    def report(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            policy.started(info["generation"], clock())
        elif policy.stopped(info["generation"], clock()):
            gc.freeze()  # the younger generations were merged into the full one

    gc.callbacks.append(report)
    try:
        yield
    finally:
        gc.callbacks.remove(report)


async def collect_when_due(
    policy: CollectorPolicy, clock: Callable[[], float] = time.perf_counter
) -> None:
    """Run full collections when ``policy`` says they are due, until cancelled."""
    while (wait := policy.wait(clock())) < math.inf:
        await anyio.sleep(wait)
        if policy.due(clock()):
            gc.collect()
