"""The cyclic collector paused around bulk conversion, and synced objects frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import anyio
import pytest

from dataplane.sources import KubernetesSource, WatchSettings
from dataplane.sources.gc_policy import FULL, CollectorPolicy
from dataplane.sources.gc_tuning import (
    collect_when_due,
    collector_paused,
    freeze_alive,
    freeze_survivors,
    observing_collector,
)
from tests.sources.recording_sink import RecordingSink


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
    freeze_alive(enabled=False)
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
        freeze_alive()
        assert gc.get_stats()[0]["collections"] == collections
    assert gc.get_freeze_count() >= 2 * len(page)


class StepClock:
    """Advances ``step`` seconds at every reading."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_a_full_collection_is_reported_and_its_survivors_frozen(collector: None) -> None:
    policy = CollectorPolicy(full_interval=1.0)
    frozen = gc.get_freeze_count()
    gc.disable()  # only the collection asked for
    with observing_collector(policy, StepClock(0.25)):
        alive = [[index] for index in range(1000)]
        gc.collect()
    assert policy.pauses[FULL].count == 1
    assert policy.pauses[FULL].longest == 0.25
    assert policy.freezes == 1
    assert gc.get_freeze_count() >= frozen + len(alive)
    gc.collect()
    assert policy.pauses[FULL].count == 1  # no longer observed


def test_young_collections_and_the_setting_off_freeze_nothing(collector: None) -> None:
    policy = CollectorPolicy(full_interval=None)
    frozen = gc.get_freeze_count()
    gc.disable()  # only the collections asked for
    with observing_collector(policy, StepClock(0.001)):
        alive = [[index] for index in range(1000)]
        gc.collect(0)
        gc.collect()
    assert gc.get_freeze_count() == frozen
    assert policy.pauses[0].count == 1 and policy.pauses[FULL].count == 1
    assert len(alive) == 1000


def test_the_observer_is_removed_even_on_error(collector: None) -> None:
    callbacks = list(gc.callbacks)
    with pytest.raises(RuntimeError), observing_collector(CollectorPolicy(1.0)):
        raise RuntimeError("source failed")
    assert gc.callbacks == callbacks


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_the_trade_off_a_cycle_frozen_alive_is_not_collected_once_garbage(
    collector: None,
) -> None:
    """Frozen objects are freed by reference counting only: a cycle that was alive at a
    full collection and dropped later stays until unfrozen."""
    first, second = Node(), Node()
    first.other, second.other = second, first
    with observing_collector(CollectorPolicy(full_interval=1.0)):
        gc.collect()
    del first, second
    assert not any(isinstance(thing, Node) for thing in gc.get_objects())  # out of view
    assert gc.collect() == 0
    gc.unfreeze()
    assert gc.collect() >= 2


def test_a_snapshot_frozen_after_a_full_collection(collector: None) -> None:
    policy = CollectorPolicy(full_interval=None)
    gc.disable()  # only the collection asked for
    with observing_collector(policy):
        synced = [[index] for index in range(1000)]
        freeze_survivors(generation=FULL)
    assert policy.pauses[FULL].count == 1
    assert gc.get_freeze_count() >= len(synced)


@pytest.mark.anyio
async def test_full_collections_are_run_when_due_and_none_when_off(collector: None) -> None:
    policy = CollectorPolicy(full_interval=1.0)
    clock = StepClock(10.0)  # every reading is past the interval: always due
    with observing_collector(policy, clock):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(collect_when_due, policy, clock)
            while policy.pauses[FULL].count < 2:
                await anyio.sleep(0)
            tasks.cancel_scope.cancel()
    assert policy.freezes >= 2
    with anyio.fail_after(10):  # returns at once
        await collect_when_due(CollectorPolicy(full_interval=None), clock)


@pytest.mark.anyio
@pytest.mark.parametrize("tune_gc", [True, False])
async def test_a_source_freezes_what_is_alive_when_it_starts(
    collector: None, tune_gc: bool
) -> None:
    gc.unfreeze()
    alive = len(gc.get_objects())
    settings = WatchSettings(tune_gc=tune_gc, full_gc_interval=0)
    source = KubernetesSource(server="http://127.0.0.1:9", settings=settings)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(source.run, RecordingSink())
        await anyio.sleep(0.05)
        frozen = gc.get_freeze_count()
        tasks.cancel_scope.cancel()
    assert (frozen >= alive) is tune_gc
