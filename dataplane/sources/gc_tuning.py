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
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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


def freeze_survivors(enabled: bool = True) -> None:
    """Exclude every object alive now from future collections (after a snapshot)."""
    if enabled:
        gc.collect(0)
        gc.freeze()


def freeze_parsed(enabled: bool = True) -> None:
    """Exclude a just-parsed document (acyclic, freed by reference counting) from
    future collections, without collecting first."""
    if enabled:
        gc.freeze()
