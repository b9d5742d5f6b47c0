"""The thin anyio driver of the ``Reconciler``: performs its actions against HNS."""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

from dataplane.apply.actions import (
    CycleResult,
    ListEndpoints,
    Outcome,
    ReadNetwork,
    SendRequests,
    Wait,
)
from dataplane.apply.executor import to_modify_request
from dataplane.apply.reconciler import Reconciler
from dataplane.apply.route_sync import RouteSync
from dataplane.config import ApplierConfig
from dataplane.engine import Engine
from dataplane.hns import HcnClient, HnsError, is_not_found
from dataplane.metrics import Metrics
from dataplane.model import ResourceKey
from dataplane.plan.requests import NetworkSetRequest, Request

log = logging.getLogger(__name__)
T = TypeVar("T")


class Applier:
    """Runs the ``Reconciler`` with anyio's clock: HNS calls, waits, metrics and logs.

    ``rng`` draws the backoff jitter (injected so runs can be reproduced).
    """

    def __init__(
        self,
        engine: Engine,
        client: HcnClient,
        network_id: str,
        config: ApplierConfig,
        metrics: Metrics,
        before_cycle: Callable[[], Awaitable[None]] | None = None,
        rng: random.Random | None = None,
        routes: RouteSync | None = None,
    ) -> None:
        self._engine = engine
        self._client = client
        self._network_id = network_id
        self._config = config
        self._metrics = metrics
        self._before_cycle = before_cycle
        self.routes = routes
        self.reconciler = Reconciler(engine, network_id, config, rng or random.Random())
        self._wake = anyio.Event()
        self._resyncs = 0
        self._cycles = 0
        self._ties_logged: frozenset[str] = frozenset()
        self.ready = anyio.Event()
        self._generation_changed = anyio.Event()

    # -- inputs -------------------------------------------------------------

    def notify(self) -> None:
        """Something changed upstream: run a cycle soon."""
        self.reconciler.updated(anyio.current_time())
        self._wake.set()

    async def wait_programmed(self, generation: int) -> None:
        """Wait until every update up to ``generation`` has been programmed."""
        while self.reconciler.programmed_generation < generation:
            event = self._generation_changed
            await event.wait()

    @property
    def generation(self) -> int:
        return self.reconciler.generation

    @property
    def programmed_generation(self) -> int:
        return self.reconciler.programmed_generation

    @property
    def cycles(self) -> int:
        return self.reconciler.cycles

    @property
    def endpoint_ids(self) -> dict[ResourceKey, str]:
        return self.reconciler.endpoint_ids

    # -- the loop -----------------------------------------------------------

    async def run(self) -> None:
        """Perform the reconciler's actions until cancelled."""
        while True:
            action = await self._step()
            if action is not None:
                timeout = action.until - anyio.current_time()
                with anyio.move_on_after(timeout if timeout < math.inf else None):
                    await self._wake.wait()
                self._wake = anyio.Event()

    async def cycle(self) -> CycleResult:
        """Run one cycle now (reads and backoff as usual); return what it did."""
        rec = self.reconciler
        rec.wake(anyio.current_time())
        cycles = rec.cycles
        while rec.cycles == cycles:
            if await self._step() is not None and rec.cycles == cycles:
                break  # not in sync: no cycle ran
        return rec.last_result

    async def _step(self) -> Wait | None:
        """Perform the next action; a ``Wait`` is returned (after publishing the cycle)."""
        rec = self.reconciler
        action = rec.next_action(anyio.current_time())
        if isinstance(action, Wait):
            now = anyio.current_time()
            routes = self.routes
            if routes is not None and (rec.cycles != self._cycles or now >= routes.retry_at):
                await routes.cycle(now)  # after each cycle's ACLs, or when a retry is due
            self._publish()
            if routes is not None and routes.retry_at < action.until:
                return Wait(routes.retry_at)
            return action
        if isinstance(action, ListEndpoints):
            await self._list_endpoints()
        elif isinstance(action, ReadNetwork):
            await self._read_network()
        else:
            await self._send_all(action)
        return None

    def _publish(self) -> None:
        """Logs, metrics and waiters after the reconciler's work so far."""
        rec = self.reconciler
        result = rec.last_result
        if rec.cycles != self._cycles:
            if result.requests:
                log.info(
                    "programmed generation %d: %d HNS requests, %d failed, %d not sent yet",
                    rec.programmed_generation,
                    result.requests,
                    result.failures,
                    result.skipped,
                )
            self._report_admin()  # what the cycle programmed (not on every wake-up)
        self._cycles = rec.cycles
        for note in self._engine.take_notes():
            log.warning("compiled fail-closed (denies more than the policy): %s", note)
        for key, count in rec.take_foreign():
            log.warning("removing %d foreign ACLs from %s (the agent owns its ACLs)", count, key)
            self._metrics.foreign_acls.inc(count)
        if rec.resyncs > self._resyncs:
            self._metrics.resyncs.inc(rec.resyncs - self._resyncs)
            self._resyncs = rec.resyncs
        if rec.programmed_generation:
            self._generation_changed.set()
            self._generation_changed = anyio.Event()
        if rec.ready and not self.ready.is_set():
            self.ready.set()

    def _report_admin(self) -> None:
        """Admin policy gauges; each new priority tie logged once."""
        summary = self._engine.admin_summary()
        for kind, count in summary.counts.items():
            self._metrics.admin_policies.labels(kind).set(count)
        self._metrics.admin_priority_ties.set(len(summary.ties))
        for tie in summary.ties:
            if tie not in self._ties_logged:
                log.warning("admin policies with equal priority: %s", tie)
        self._ties_logged = frozenset(summary.ties)

    # -- reading HNS ------------------------------------------------------------

    async def _list_endpoints(self) -> None:
        if self._before_cycle is not None:
            await self._before_cycle()
        try:
            infos = await self._timed(
                "ListEndpoints", self._client.list_endpoints(self._network_id)
            )
        except HnsError as err:
            log.warning("listing HNS endpoints failed: %s", err)
            self.reconciler.endpoints_listed(None, anyio.current_time())
            return
        before = self.reconciler.endpoint_ids
        self.reconciler.endpoints_listed(infos, anyio.current_time())
        after = self.reconciler.endpoint_ids
        if before != after:
            log.info(
                "HNS endpoints: %d mapped, %d pending",
                len(after),
                len(self.reconciler.pending_endpoints()),
            )

    async def _read_network(self) -> None:
        try:
            info = await self._timed("QueryNetwork", self._client.query_network(self._network_id))
        except HnsError as err:
            log.warning("reading the HNS network failed: %s", err)
            self.reconciler.network_read(None, anyio.current_time())
            return
        self.reconciler.network_read(info, anyio.current_time())

    # -- writing HNS ------------------------------------------------------------

    async def _send_all(self, action: SendRequests) -> None:
        limiter = anyio.CapacityLimiter(self._config.max_concurrency)
        async with anyio.create_task_group() as tg:
            for request, target in zip(action.requests, action.targets, strict=True):
                tg.start_soon(self._send, limiter, request, target)

    async def _send(self, limiter: anyio.CapacityLimiter, request: Request, target: str) -> None:
        modify = to_modify_request(request)
        outcome = Outcome.OK
        async with limiter:
            try:
                if isinstance(request, NetworkSetRequest):
                    await self._timed("ModifyNetwork", self._client.modify_network(target, modify))
                else:
                    await self._timed(
                        "ModifyEndpoint", self._client.modify_endpoint(target, modify)
                    )
            except HnsError as err:
                if not isinstance(request, NetworkSetRequest) and is_not_found(err):
                    log.info("HNS endpoint of %s vanished; remapping", request.endpoint)
                    outcome = Outcome.GONE
                else:
                    log.warning("HNS request failed (will retry after backoff): %s", err)
                    self._metrics.retries.inc()
                    outcome = Outcome.FAILED
        self.reconciler.request_done(request, outcome, anyio.current_time())

    async def _timed(self, name: str, awaitable: Awaitable[T]) -> T:
        """Await one HNS call, recording its latency and result in the metrics."""
        started = time.perf_counter()
        result = "error"
        try:
            value = await awaitable
            result = "ok"
            return value
        finally:
            self._metrics.hns_calls.labels(name, result).inc()
            self._metrics.hns_seconds.labels(name).observe(time.perf_counter() - started)
