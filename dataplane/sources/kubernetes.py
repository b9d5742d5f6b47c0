"""The Kubernetes API server as an update source (aiohttp: asyncio only)."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import anyio

from dataplane.metrics import Metrics
from dataplane.model import InSync, Update
from dataplane.sources.base import UpdateSink
from dataplane.sources.gc_policy import FULL, CollectorPolicy
from dataplane.sources.gc_tuning import (
    collect_when_due,
    freeze_alive,
    freeze_survivors,
    observing_collector,
)
from dataplane.sources.kube_api import ClusterAccess, KubeApi, load_configuration
from dataplane.sources.kube_resources import DEFAULT_RESOURCES, WatchedResource
from dataplane.sources.kube_watcher import Clock, ResourceWatcher
from dataplane.sources.reflector import Reflector, State, WatchSettings
from dataplane.sources.unreadable import UnreadableCollections, consequence

log = logging.getLogger(__name__)


class SnapshotPublisher:
    """Delivers batches one at a time; adds fail-closed stand-ins for unreadable policy
    collections, and ``InSync()`` once every collection has been listed (or skipped)."""

    __slots__ = (
        "_freeze_full",
        "_in_sync",
        "_lock",
        "_sink",
        "_tune_gc",
        "_unlisted",
        "unreadable",
    )

    def __init__(
        self,
        sink: UpdateSink,
        names: Iterable[str],
        tune_gc: bool = True,
        freeze_after_full: bool = False,
    ) -> None:
        self._sink = sink
        self._tune_gc = tune_gc
        self._freeze_full = freeze_after_full
        self._unlisted = set(names)
        self._lock = anyio.Lock()
        self._in_sync = False
        self.unreadable = UnreadableCollections()

    @property
    def in_sync(self) -> bool:
        return self._in_sync

    async def publish(self, updates: Sequence[Update], watcher: ResourceWatcher) -> None:
        """Deliver ``updates`` from ``watcher``'s collection."""
        name = watcher.resource.name
        async with self._lock:
            batch = list(updates)
            was = name in self.unreadable.names
            batch += self.unreadable.set(watcher.resource, watcher.reflector.state)
            if was != (name in self.unreadable.names):
                level = logging.ERROR if not was else logging.INFO
                log.log(
                    level,
                    "%s: %s",
                    name,
                    f"not readable ({watcher.reflector.state}): "
                    f"{consequence(watcher.resource)} until it is"
                    if not was
                    else "readable again: its fail-closed stand-in is removed",
                )
            in_sync = False
            if watcher.reflector.synced and not self._in_sync:
                self._unlisted.discard(name)
                if not self._unlisted:
                    batch.append(InSync())
                    self._in_sync = in_sync = True
            if batch:
                await self._sink.updates(batch)
            if in_sync:
                freeze_survivors(self._tune_gc, FULL if self._freeze_full else 0)


class KubernetesSource:
    """Namespaces, nodes, pods, service accounts, NetworkPolicies, Calico CRDs and the
    cluster-admin policy CRDs (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
    ClusterNetworkPolicy), cluster-wide.

    Each collection has a ``Reflector`` (the list/watch rules, sans-IO) driven
    by a ``ResourceWatcher``. ``InSync()`` follows the first list of every
    collection (an absent or forbidden optional CRD counts as listed). The API
    server is reached through ``server`` (an URL), ``kubeconfig``/``context``,
    or the in-cluster service account (configuration read by kubernetes-asyncio;
    requests sent by our own aiohttp session). Runs under asyncio only: both are
    built on it.
    """

    def __init__(
        self,
        kubeconfig: str | None = None,
        *,
        server: str | None = None,
        context: str | None = None,
        settings: WatchSettings | None = None,
        resources: Sequence[WatchedResource] = DEFAULT_RESOURCES,
        rng: random.Random | None = None,
        clock: Clock = time.monotonic,
        metrics: Metrics | None = None,
    ) -> None:
        names = [resource.name for resource in resources]
        if len(set(names)) != len(names):
            raise ValueError(f"resources: duplicate collections in {names}")
        self.access = ClusterAccess(server=server, kubeconfig=kubeconfig, context=context)
        self.settings = settings or WatchSettings()
        self.resources = tuple(resources)
        self._rng = rng or random.Random()
        self._clock = clock
        self._reflectors: dict[str, Reflector] = {}
        self._publisher: SnapshotPublisher | None = None
        self._metrics = metrics
        interval = self.settings.full_gc_interval
        self.collector = CollectorPolicy(interval if self.settings.tune_gc and interval else None)
        if metrics is not None:
            metrics.watch_kube(lambda: self.status()["collections"])
            metrics.watch_gc(self.collector.pauses, lambda: self.collector.freezes)

    async def run(self, sink: UpdateSink) -> None:
        """Mirror every collection into ``sink`` until cancelled."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "KubernetesSource needs asyncio (aiohttp and kubernetes-asyncio are asyncio-only)"
            ) from None
        publisher = SnapshotPublisher(
            sink,
            (resource.name for resource in self.resources),
            self.settings.tune_gc,
            self.collector.freeze_after_full,
        )
        self._publisher = publisher
        freeze_alive(self.settings.tune_gc)
        configuration = await load_configuration(self.access)
        # Per collection one watch or list page, and one list page fetched ahead.
        connections = 2 * len(self.resources)
        async with (
            KubeApi(configuration, connections, self.settings.header_timeout) as api,
            anyio.create_task_group() as tasks,
        ):
            tasks.start_soon(self._collect_garbage)
            turns = anyio.Lock()
            for resource in self.resources:
                watcher = ResourceWatcher(
                    resource,
                    api,
                    self.settings,
                    publisher.publish,
                    sink.invalid,
                    random.Random(self._rng.random()),
                    self._clock,
                    self._observe_lag,
                    sink.valid,
                    turns,
                )
                self._reflectors[resource.name] = watcher.reflector
                tasks.start_soon(watcher.run, name=f"watch {resource.name}")

    async def _collect_garbage(self) -> None:
        """Report collections to the policy and run full ones when due, until cancelled."""
        with observing_collector(self.collector):
            await collect_when_due(self.collector)
            await anyio.sleep_forever()  # the policy is off: collections are still reported

    def _observe_lag(self, collection: str, seconds: float) -> None:
        if self._metrics is not None:
            self._metrics.kube_event_lag.labels(collection).observe(seconds)

    def ready(self) -> bool:
        """In sync, and no collection has been without a watch longer than ``down_grace``."""
        return self._publisher is not None and self._publisher.in_sync and not self.down()

    def down(self) -> list[str]:
        """Collections without a working watch for longer than ``down_grace``."""
        now = self._clock()
        grace = self.settings.down_grace
        return [name for name, r in self._reflectors.items() if r.down_for(now) > grace]

    def status(self) -> dict[str, Any]:
        """Overall state, last event, relists, errors, and the same per collection."""
        now = self._clock()
        collections = {name: r.status(now) for name, r in self._reflectors.items()}
        ages = [c["last_event"] for c in collections.values() if c["last_event"] is not None]
        unreadable = sorted(self._publisher.unreadable.names) if self._publisher else []
        return {
            "state": self._state(collections),
            "in_sync": self._publisher is not None and self._publisher.in_sync,
            "last_event": min(ages) if ages else None,
            "relists": sum(c["relists"] for c in collections.values()),
            "errors": sum(c["errors"] for c in collections.values()),
            "down": self.down(),
            "unreadable": unreadable,
            "collections": collections,
        }

    def _state(self, collections: Mapping[str, Mapping[str, Any]]) -> str:
        if self._publisher is None or not self._publisher.in_sync:
            return "syncing"
        if self.down():
            return "down"
        watching = (str(State.WATCHING), str(State.ABSENT))
        if any(c["state"] not in watching for c in collections.values()):
            return "degraded"
        return "watching"
