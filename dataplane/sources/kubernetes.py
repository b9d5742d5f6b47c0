"""The Kubernetes API server as an update source (kubernetes-asyncio: asyncio only)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any

import anyio

from dataplane.model import InSync, Update
from dataplane.sources.base import UpdateSink
from dataplane.sources.kube_api import ClusterAccess, KubeApi, open_api_client
from dataplane.sources.kube_resources import DEFAULT_RESOURCES, WatchedResource
from dataplane.sources.kube_watcher import ResourceWatcher, WatchSettings, WatchStats

log = logging.getLogger(__name__)


class SnapshotPublisher:
    """Delivers batches one at a time and appends ``InSync()`` once every collection listed."""

    __slots__ = ("_in_sync", "_lock", "_sink", "_unlisted")

    def __init__(self, sink: UpdateSink, names: Iterable[str]) -> None:
        self._sink = sink
        self._unlisted = set(names)
        self._lock = anyio.Lock()
        self._in_sync = False

    async def publish(self, name: str, updates: Sequence[Update], listed: bool) -> None:
        """Deliver ``updates`` from collection ``name``; ``listed`` marks a completed list."""
        async with self._lock:
            batch = list(updates)
            if listed and not self._in_sync:
                self._unlisted.discard(name)
                if not self._unlisted:
                    batch.append(InSync())
                    self._in_sync = True
            if batch:
                await self._sink.updates(batch)


class KubernetesSource:
    """Namespaces, nodes, pods, service accounts, NetworkPolicies, Calico CRDs and the
    cluster-admin policy CRDs (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
    ClusterNetworkPolicy), cluster-wide.

    Each collection is listed (paginated), then watched from the list's
    resourceVersion with bookmarks; see ``ResourceWatcher`` for the recovery
    rules. ``InSync()`` follows the first list of every collection (an absent
    optional CRD counts as an empty list). The API server is reached through
    ``server`` (an URL), ``kubeconfig``/``context``, or the in-cluster service
    account. Runs under asyncio only: kubernetes-asyncio is built on aiohttp.
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
    ) -> None:
        names = [resource.name for resource in resources]
        if len(set(names)) != len(names):
            raise ValueError(f"resources: duplicate collections in {names}")
        self.access = ClusterAccess(server=server, kubeconfig=kubeconfig, context=context)
        self.settings = settings or WatchSettings()
        self.resources = tuple(resources)
        self._rng = rng or random.Random()
        self._stats = {resource.name: WatchStats() for resource in self.resources}

    async def run(self, sink: UpdateSink) -> None:
        """Mirror every collection into ``sink`` until cancelled."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "KubernetesSource needs asyncio (kubernetes-asyncio is asyncio-only)"
            ) from None
        publisher = SnapshotPublisher(sink, self._stats)
        async with await open_api_client(self.access) as api_client:
            api = KubeApi(api_client, self.settings.request_timeout)
            async with anyio.create_task_group() as tasks:
                for resource in self.resources:
                    watcher = ResourceWatcher(
                        resource,
                        api,
                        self.settings,
                        self._stats[resource.name],
                        partial(publisher.publish, resource.name),
                        sink.invalid,
                        random.Random(self._rng.random()),
                    )
                    tasks.start_soon(watcher.run, name=f"watch {resource.name}")

    def status(self) -> Mapping[str, Any]:
        """Per collection: listed, present, resourceVersion, counters, last error."""
        return {name: stats.as_dict() for name, stats in self._stats.items()}
