"""The watchers of one source take turns for their parsing, conversion and publishing."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace

import anyio
import pytest

from dataplane.model import Update
from dataplane.sources import WatchSettings
from dataplane.sources.kube_resources import KUBERNETES_RESOURCES
from dataplane.sources.kube_watcher import Publisher, ResourceWatcher
from tests.sources.objects import pod
from tests.sources.recording_sink import RecordingSink
from tests.sources.scripted_api import Reply, ScriptedApi, page

pytestmark = pytest.mark.anyio

PODS = KUBERNETES_RESOURCES[2]
SETTINGS = replace(WatchSettings(), page_size=2, watch_list=False, list_prefetch=False)


def pages(prefix: str) -> list[Reply]:
    pods = [
        pod("shop", f"{prefix}{index}", f"10.0.{len(prefix)}.{index + 1}") for index in range(6)
    ]
    return [page(pods[0:2], "t1"), page(pods[2:4], "t2"), page(pods[4:6])]


async def steps_of_two_watchers(shared: bool) -> list[tuple[str, str]]:
    """Two watchers listing at once; what their publishing steps did, in order."""
    trace: list[tuple[str, str]] = []
    turns = anyio.Lock()
    apis = {name: ScriptedApi(pages(name)) for name in ("a", "b")}

    def publisher(name: str) -> Publisher:
        async def publish(updates: Sequence[Update], _: ResourceWatcher) -> None:
            trace.append(("begin", name))
            for _step in range(3):  # a step that lets other tasks run (a slow sink)
                await anyio.sleep(0)
            trace.append(("end", name))

        return publish

    watchers = [
        ResourceWatcher(
            PODS,
            apis[name],  # type: ignore[arg-type]  # stands in for KubeApi
            SETTINGS,
            publisher(name),
            RecordingSink().invalid,
            random.Random(1),
            turns=turns if shared else None,
        )
        for name in ("a", "b")
    ]
    async with anyio.create_task_group() as tasks:
        for watching in watchers:
            tasks.start_soon(watching.run)
        with anyio.fail_after(10):
            for api in apis.values():
                await api.watched.wait()
        tasks.cancel_scope.cancel()
    return trace


def overlapping(trace: list[tuple[str, str]]) -> bool:
    inside: set[str] = set()
    for event, name in trace:
        if event == "begin":
            if inside:
                return True
            inside.add(name)
        else:
            inside.discard(name)
    return False


async def test_one_watcher_step_at_a_time_with_shared_turns() -> None:
    trace = await steps_of_two_watchers(shared=True)
    assert {name for _, name in trace} == {"a", "b"}
    assert not overlapping(trace)


async def test_without_shared_turns_their_steps_interleave() -> None:
    assert overlapping(await steps_of_two_watchers(shared=False))
