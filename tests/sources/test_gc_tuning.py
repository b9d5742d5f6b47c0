"""The cyclic collector paused around bulk conversion, and synced objects frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from dataplane.sources.gc_tuning import collector_paused, freeze_parsed, freeze_survivors


@pytest.fixture
def collector() -> Iterator[None]:
    """Restore the collector's state (enabled, nothing frozen) after the test."""
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    (gc.enable if enabled else gc.disable)()


def test_paused_inside_and_enabled_again_after_even_on_error(collector: None) -> None:
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("conversion failed")
    assert gc.isenabled()


def test_a_collector_disabled_by_the_application_stays_disabled(collector: None) -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_turned_off_by_the_setting(collector: None) -> None:
    gc.enable()
    with collector_paused(enabled=False):
        assert gc.isenabled()
    frozen = gc.get_freeze_count()
    freeze_survivors(enabled=False)
    freeze_parsed(enabled=False)
    assert gc.get_freeze_count() == frozen


def test_survivors_are_frozen_out_of_later_collections(collector: None) -> None:
    synced = [[index] for index in range(1000)]  # tracked containers, like model values
    freeze_survivors()
    assert gc.get_freeze_count() >= len(synced)


def test_a_parsed_page_is_frozen_young_without_a_collection(collector: None) -> None:
    gc.enable()
    with collector_paused():  # as the watcher parses
        collections = gc.get_stats()[0]["collections"]
        page = [{"metadata": {"name": str(index)}} for index in range(1000)]
        freeze_parsed()
        assert gc.get_stats()[0]["collections"] == collections
    assert gc.get_freeze_count() >= 2 * len(page)
