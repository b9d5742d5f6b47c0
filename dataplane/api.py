"""``Dataplane``: the embeddable async agent (anyio: asyncio or trio)."""

from __future__ import annotations

import collections
import dataclasses
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any

import anyio
from anyio.abc import TaskGroup

from dataplane.apply.applier import Applier
from dataplane.apply.route_sync import RouteSync
from dataplane.apply.simcni import SimulatedCni
from dataplane.config import ApplierConfig, VxlanConfig
from dataplane.engine import Engine, EngineConfig
from dataplane.errors import UnreadableError
from dataplane.hns import HcnClient
from dataplane.metrics import Metrics
from dataplane.model import Delete, InSync, Update, Upsert

log = logging.getLogger(__name__)

_UPDATE_TYPES = (Upsert, Delete, InSync)


def _updates(updates: Iterable[Update]) -> list[Update]:
    """``updates`` as a list, or TypeError naming what was given instead."""
    if isinstance(updates, (*_UPDATE_TYPES, str, bytes, Mapping)) or not isinstance(
        updates, Iterable
    ):
        raise TypeError(
            f"Dataplane.feed: expected an iterable of Upsert, Delete or InSync, "
            f"got {type(updates).__name__}"
        )
    batch = list(updates)
    for update in batch:
        if not isinstance(update, _UPDATE_TYPES):
            raise TypeError(
                f"Dataplane.feed: expected Upsert, Delete or InSync, got {type(update).__name__}"
            )
    return batch


@dataclasses.dataclass(frozen=True, slots=True)
class DataplaneOptions:
    """How a ``Dataplane`` programs HNS (all optional)."""

    network_name: str = "hns-dataplane"
    network_type: str = "L2Bridge"
    create_network: bool = False
    manage_endpoints: bool = False
    engine_overrides: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    applier: ApplierConfig = dataclasses.field(default_factory=ApplierConfig)
    vxlan: VxlanConfig = dataclasses.field(default_factory=VxlanConfig)


class Dataplane:
    """Programs HNS from a stream of model updates.

    Use as ``async with Dataplane(node_name, client) as dp:`` then ``dp.feed(...)``
    (or ``await dp.run_source(source)``) and ``await dp.programmed(generation)``.
    It implements the sources' ``UpdateSink`` protocol. Leaving the context stops
    the loops; programmed rules stay in place.
    """

    def __init__(
        self,
        node_name: str,
        client: HcnClient,
        options: DataplaneOptions | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.node_name = node_name
        self.client = client
        self.options = options or DataplaneOptions()
        self.metrics = metrics or Metrics()
        self.invalid_resources: dict[str, str] = {}
        self.unreadable: dict[str, str] = {}
        self.updates_received = 0
        self._sources: dict[str, Any] = {}
        self._closed = False
        self._engine: Engine | None = None
        self._applier: Applier | None = None
        self._network_id = ""
        self._stack: AsyncExitStack | None = None

    # -- lifecycle --------------------------------------------------------------

    async def __aenter__(self) -> Dataplane:
        features = await self.client.features()
        config = dataclasses.replace(
            EngineConfig.for_features(features),
            **{"vxlan_vni": self.options.vxlan.vni, **self.options.engine_overrides},
        )
        self._engine = Engine(self.node_name, config)
        self._network_id = await self._find_network()
        cni = SimulatedCni(
            self._engine,
            self.client,
            self._network_id,
            self.options.applier.endpoint_poll_interval,
            lambda: self.applier.reconciler.pending_endpoints(),
        )
        self._applier = Applier(
            self._engine,
            self.client,
            self._network_id,
            self.options.applier,
            self.metrics,
            before_cycle=cni.sync if self.options.manage_endpoints else None,
            routes=self._route_sync(),
        )
        self.metrics.watch_core(self._engine.counters)
        self.metrics.read_endpoint_gauges(self._endpoint_gauges)
        log.info(
            "dataplane for node %s on HNS %s (network %s, %s)",
            self.node_name,
            features.version,
            self._network_id,
            "SetPolicy IP sets" if config.set_policy else "inline addresses",
        )
        async with AsyncExitStack() as stack:
            tg: TaskGroup = await stack.enter_async_context(anyio.create_task_group())
            tg.start_soon(self._applier.run)
            stack.callback(tg.cancel_scope.cancel)
            self._stack = stack.pop_all()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._stack is not None
        self._closed = True
        return await self._stack.__aexit__(exc_type, exc, tb)

    def _route_sync(self) -> RouteSync | None:
        vxlan = self.options.vxlan
        if vxlan.enabled == "off":
            return None
        return RouteSync(
            self.engine,
            self.client,
            vxlan,
            vxlan.network or self.options.network_name,
            self.options.applier,
            self.metrics,
        )

    async def _find_network(self) -> str:
        name = self.options.network_name
        found = await self.client.enumerate_networks({"Name": name})
        if found:
            return found[0]
        if not self.options.create_network:
            raise LookupError(f"no HNS network named {name!r}")
        return await self.client.create_network(name, self.options.network_type)

    # -- feeding ----------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("Dataplane is not started: use 'async with'")
        return self._engine

    @property
    def applier(self) -> Applier:
        if self._applier is None:
            raise RuntimeError("Dataplane is not started: use 'async with'")
        return self._applier

    def feed(self, updates: Iterable[Update]) -> int:
        """Apply updates to the core; return the generation to wait for.

        Raises TypeError for anything but an iterable of model updates
        (``Upsert``, ``Delete``, ``InSync``) and RuntimeError once closed.
        """
        if self._closed:
            raise RuntimeError("Dataplane.feed: the dataplane is closed")
        batch = _updates(updates)
        self.updates_received += len(batch)
        with self.metrics.calc_seconds.time():
            syncing = not self.engine.in_sync
            self.engine.apply(batch)
            if syncing:
                # Bring the core up to date batch by batch during the initial sync, so
                # InSync does not leave one long flush (an event-loop stall) to the
                # applier's first cycle. The total work is the same.
                self.engine.refresh()
        kinds = collections.Counter(
            update.value.key.kind
            if isinstance(update, Upsert)
            else "InSync"
            if isinstance(update, InSync)
            else update.key.kind
            for update in batch
        )
        for kind, count in kinds.items():
            self.metrics.events.labels(str(kind)).inc(count)
        for warning in self.engine.take_warnings():
            log.warning("%s", warning)
        self.applier.notify()
        return self.applier.generation

    async def updates(self, batch: Sequence[Update]) -> None:
        """``UpdateSink``: a batch from a source."""
        self.feed(batch)

    def invalid(self, origin: str, error: Exception) -> None:
        """``UpdateSink``: a resource failed validation (see docs/resources.md for what
        is enforced then); an unreadable document keeps the agent not ready."""
        self.invalid_resources[origin] = str(error)
        if isinstance(error, UnreadableError):
            self.unreadable[origin] = str(error)
        self.metrics.invalid.inc()
        log.error("invalid resource %s: %s", origin, error)

    def valid(self, origin: str) -> None:
        """``UpdateSink``: what was reported under ``origin`` is fixed or gone."""
        if self.invalid_resources.pop(origin, None) is not None:
            log.info("resource %s is valid again (or gone)", origin)
        self.unreadable.pop(origin, None)

    async def run_source(self, source: Any, name: str | None = None) -> None:
        """Run a source (``dataplane.sources``) into this dataplane until cancelled.

        Its ``status()`` appears under ``sources`` in ``status()``, by ``name``
        (default: the class name without ``Source``, lowercase).
        """
        self._sources[name or type(source).__name__.removesuffix("Source").lower()] = source
        await source.run(self)

    async def programmed(self, generation: int | None = None, timeout: float = math.inf) -> None:
        """Wait until the updates up to ``generation`` (default: all fed) are in HNS."""
        target = self.applier.generation if generation is None else generation
        with anyio.fail_after(timeout):
            await self.applier.wait_programmed(target)

    # -- reading ----------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """True after the first complete programming following the initial sync, while
        no document is unreadable."""
        return self._programmed and not self.unreadable

    @property
    def _programmed(self) -> bool:
        return self._applier is not None and self._applier.ready.is_set()

    def _endpoint_gauges(self) -> dict[str, int]:
        """ACLs and fail-closed notes on the programmed local endpoints, and the local
        pods still without an HNS endpoint (read at scrape time)."""
        ids = self.applier.endpoint_ids
        acls = fail_closed = 0
        for key in ids:
            status = self.engine.endpoint_status(key)
            if status is not None:
                acls += status.acl_count
                fail_closed += len(status.notes)
        pending = len(self.applier.reconciler.pending_endpoints())
        return {"acls": acls, "fail_closed": fail_closed, "pending": pending}

    def not_ready(self) -> list[str]:
        """Why the agent is not ready (empty when ready): a document that cannot be
        read (it may hold a policy nobody enforces), not yet programmed after the
        initial sync, or a source whose watches have been down past their grace."""
        reasons = [
            f"unreadable document: {error} at {origin}"
            for origin, error in sorted(self.unreadable.items())
        ]
        if not self._programmed:
            reasons.append("the initial sync is not programmed yet")
        for name, source in self._sources.items():
            down = getattr(source, "down", None)
            if callable(down):
                reasons += [f"{name}: no working watch of {c}" for c in down()]
        return reasons

    def counters(self) -> dict[str, int]:
        return dict(self.engine.counters())

    def _admin_status(self) -> dict[str, Any]:
        summary = self.engine.admin_summary()
        return {
            "active": summary.counts,
            "priority_ties": list(summary.ties),
            "unreadable_nodes": sorted(self.engine.graph.unreadable_nodes),
        }

    def status(self) -> dict[str, Any]:
        """Per local endpoint: HNS id, policies, ACL count and fail-closed notes."""
        endpoints: dict[str, Any] = {}
        ids = self.applier.endpoint_ids
        foreign = self.applier.reconciler.foreign_found
        for key in sorted(self.engine.local_endpoints()):
            st = self.engine.endpoint_status(key)
            endpoints[f"{key.namespace}/{key.name}"] = {
                "hns_endpoint": ids.get(key),
                "ingress": [str(p) for p in st.ingress] if st else [],
                "egress": [str(p) for p in st.egress] if st else [],
                "acls": st.acl_count if st else 0,
                "fail_closed": list(st.notes) if st else [],
                "foreign_acls_found": foreign.get(key, 0),
            }
        return {
            "node": self.node_name,
            "ready": self.ready,
            "in_sync": self.engine.in_sync,
            "network": self._network_id,
            "updates_received": self.updates_received,
            "generation": self.applier.generation,
            "programmed_generation": self.applier.programmed_generation,
            "endpoints": endpoints,
            "not_ready": self.not_ready(),
            "warnings": list(self.engine.warnings()),
            "invalid_resources": dict(self.invalid_resources),
            "admin_policies": self._admin_status(),
            "routes": self.applier.routes.status() if self.applier.routes else {"enabled": "off"},
            "unreadable_documents": dict(self.unreadable),
            "sources": {name: source.status() for name, source in self._sources.items()},
            "counters": self.counters(),
        }
