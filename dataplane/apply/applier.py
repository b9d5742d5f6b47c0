"""The async loop that owns the HNS side: batches, programs, retries and repairs."""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio

from dataplane.apply.adopt import acls_of, ipsets_of
from dataplane.apply.endpoint_map import EndpointMap, HnsEndpointRef
from dataplane.apply.executor import to_modify_request
from dataplane.config import ApplierConfig
from dataplane.engine import Engine
from dataplane.hns import HcnClient, HnsError, is_not_found
from dataplane.metrics import Metrics
from dataplane.model import ResourceKey
from dataplane.plan.requests import EndpointAclRequest, NetworkSetRequest, Plan, Request

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CycleResult:
    """What one programming cycle did."""

    requests: int
    failures: int
    skipped: int


class Applier:
    """Drives ``Engine.plan()`` into HNS through ``HcnClient``.

    Programming starts only once the engine is in sync. Every cycle first
    waits a short batching window so a burst of updates becomes one plan.
    Requests of a plan stage run concurrently (bounded); a failed endpoint
    request skips that endpoint's later stages and is retried with
    exponential backoff and jitter; a failed set request stops the plan.
    """

    def __init__(
        self,
        engine: Engine,
        client: HcnClient,
        network_id: str,
        config: ApplierConfig,
        metrics: Metrics,
        before_cycle: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._engine = engine
        self._client = client
        self._network_id = network_id
        self._config = config
        self._metrics = metrics
        self._before_cycle = before_cycle
        self._wake = anyio.Event()
        self._endpoints = EndpointMap()
        self._failure_streak = 0
        self._retry_at = math.inf
        self._next_poll = 0.0
        self._next_resync = 0.0
        self._adopted_sets = False
        self._known_local: set[ResourceKey] = set()
        self.cycles = 0
        self.ready = anyio.Event()
        self.programmed_generation = 0
        self.generation = 0
        self._generation_changed = anyio.Event()

    # -- inputs -------------------------------------------------------------

    def notify(self) -> None:
        """Something changed upstream: run a cycle soon."""
        self.generation += 1
        self._wake.set()

    async def wait_programmed(self, generation: int) -> None:
        """Wait until every update up to ``generation`` has been programmed."""
        while self.programmed_generation < generation:
            event = self._generation_changed
            await event.wait()

    @property
    def endpoint_ids(self) -> dict[ResourceKey, str]:
        return dict(self._endpoints.ids)

    # -- the loop -----------------------------------------------------------

    async def run(self) -> None:
        """Run cycles until cancelled."""
        while True:
            timeout = self._seconds_to_next_timer()
            with anyio.move_on_after(timeout):
                await self._wake.wait()
            self._wake = anyio.Event()
            await anyio.sleep(self._config.batch_window)
            await self.cycle()

    def _seconds_to_next_timer(self) -> float:
        now = time.monotonic()
        next_due = min(self._retry_at, self._next_poll, self._next_resync)
        return max(0.0, next_due - now)

    async def cycle(self) -> CycleResult:
        """One programming pass: update the core, re-read HNS where due, plan, execute."""
        if not self._engine.in_sync:
            return CycleResult(0, 0, 0)
        generation = self.generation
        # Bring the core up to date first (graph flush, compile), so HNS is re-read
        # against the current pods and the plan is made once.
        started = time.perf_counter()
        self._engine.refresh()
        local = set(self._engine.local_endpoints())
        core_seconds = time.perf_counter() - started
        await self._refresh_hns_view(local)
        started = time.perf_counter()
        plan = self._engine.plan()
        self._metrics.calc_seconds.observe(core_seconds + time.perf_counter() - started)
        for note in self._engine.take_notes():
            log.warning("compiled fail-closed (denies more than the policy): %s", note)
        result = await self._execute(plan)
        self.cycles += 1
        self._after_cycle(result, generation)
        return result

    async def _refresh_hns_view(self, local: set[ResourceKey]) -> None:
        """Re-read HNS endpoints and sets when due (adopting what HNS holds)."""
        if self._before_cycle is not None:
            await self._before_cycle()
        now = time.monotonic()
        resync = now >= self._next_resync
        refresh = (
            resync
            or now >= self._next_poll
            or local != self._known_local
            or bool(self._endpoints.pending(local))
        )
        if refresh:
            await self._refresh_endpoints(adopt_all=resync)
            self._next_poll = now + self._config.endpoint_poll_interval
            self._known_local = local
        if resync or not self._adopted_sets:
            await self._adopt_network_sets()
            self._next_resync = now + self._config.resync_interval
            if resync:
                self._metrics.resyncs.inc()

    def _after_cycle(self, result: CycleResult, generation: int) -> None:
        if result.requests:
            log.info(
                "programmed generation %d: %d HNS requests, %d failed, %d waiting for endpoints",
                generation,
                result.requests,
                result.failures,
                result.skipped,
            )
        if result.failures:
            self._failure_streak += 1
            self._metrics.retries.inc(result.failures)
            delay = min(
                self._config.retry_max, self._config.retry_base * 2 ** (self._failure_streak - 1)
            )
            self._retry_at = time.monotonic() + delay * random.uniform(0.5, 1.5)
            return
        self._failure_streak = 0
        self._retry_at = math.inf
        self.programmed_generation = max(self.programmed_generation, generation)
        self._generation_changed.set()
        self._generation_changed = anyio.Event()
        if not self.ready.is_set():
            self.ready.set()
        self._update_gauges()

    def _update_gauges(self) -> None:
        local = self._engine.local_endpoints()
        self._metrics.endpoints_pending.set(len(self._endpoints.pending(local)))
        acls = fail_closed = 0
        for key in self._endpoints.ids:
            status = self._engine.endpoint_status(key)
            if status is not None:
                acls += status.acl_count
                fail_closed += len(status.notes)
        self._metrics.acls_programmed.set(acls)
        self._metrics.fail_closed.set(fail_closed)

    def _endpoints_pending(self) -> bool:
        return bool(self._endpoints.pending(self._engine.local_endpoints()))

    # -- reading HNS ------------------------------------------------------------

    async def _refresh_endpoints(self, adopt_all: bool) -> None:
        try:
            infos = await self._timed(
                "ListEndpoints", self._client.list_endpoints(self._network_id)
            )
        except HnsError as err:
            log.warning("listing HNS endpoints failed: %s", err)
            return
        change = self._endpoints.refresh(
            self._engine.local_endpoints(),
            (HnsEndpointRef(i.id, tuple(i.ip_addresses)) for i in infos),
        )
        for key in change.unmapped:
            self._engine.set_programmed_endpoint(key, None)
        by_id = {i.id: i for i in infos}
        adopt = self._endpoints.ids if adopt_all else change.mapped
        for key, endpoint_id in adopt.items():
            self._engine.set_programmed_endpoint(key, acls_of(by_id[endpoint_id].policies))
        if change:
            log.info(
                "HNS endpoints: %d mapped, %d gone, %d pending",
                len(change.mapped),
                len(change.unmapped),
                len(self._endpoints.pending(self._engine.local_endpoints())),
            )

    async def _adopt_network_sets(self) -> None:
        try:
            info = await self._timed("QueryNetwork", self._client.query_network(self._network_id))
        except HnsError as err:
            log.warning("reading HNS network sets failed: %s", err)
            return
        self._engine.set_programmed_sets(ipsets_of(info.policies))
        self._adopted_sets = True

    # -- writing HNS ------------------------------------------------------------

    async def _execute(self, plan: Plan) -> CycleResult:
        requests = failures = skipped = 0
        failed_endpoints: set[ResourceKey] = set()
        limiter = anyio.CapacityLimiter(self._config.max_concurrency)
        for stage in plan.stages:
            runnable = [r for r in stage if not self._blocked(r, failed_endpoints)]
            skipped += len(stage) - len(runnable)
            requests += len(runnable)
            outcomes: list[bool] = []
            async with anyio.create_task_group() as tg:
                for request in runnable:
                    tg.start_soon(self._send_limited, limiter, request, failed_endpoints, outcomes)
            failures += outcomes.count(False)
            if not all(outcomes) and any(isinstance(r, NetworkSetRequest) for r in runnable):
                break  # ACLs of later stages may reference the sets that failed
        return CycleResult(requests, failures, skipped)

    def _blocked(self, request: Request, failed_endpoints: set[ResourceKey]) -> bool:
        """An endpoint request whose endpoint failed earlier or has no HNS endpoint yet."""
        return isinstance(request, EndpointAclRequest) and (
            request.endpoint in failed_endpoints or self._endpoints.id_of(request.endpoint) is None
        )

    async def _send_limited(
        self,
        limiter: anyio.CapacityLimiter,
        request: Request,
        failed_endpoints: set[ResourceKey],
        outcomes: list[bool],
    ) -> None:
        async with limiter:
            outcomes.append(await self._send(request, failed_endpoints))

    async def _send(self, request: Request, failed_endpoints: set[ResourceKey]) -> bool:
        modify = to_modify_request(request)
        try:
            if isinstance(request, NetworkSetRequest):
                await self._timed(
                    "ModifyNetwork", self._client.modify_network(self._network_id, modify)
                )
            else:
                endpoint_id = self._endpoints.id_of(request.endpoint)
                assert endpoint_id is not None, "unmapped endpoints are skipped before sending"
                await self._timed(
                    "ModifyEndpoint", self._client.modify_endpoint(endpoint_id, modify)
                )
        except HnsError as err:
            self._engine.acknowledge(request, False)
            if isinstance(request, EndpointAclRequest):
                failed_endpoints.add(request.endpoint)
                if is_not_found(err):
                    log.info("HNS endpoint of %s vanished; remapping", request.endpoint)
                    self._endpoints.forget(request.endpoint)
                    self._engine.set_programmed_endpoint(request.endpoint, None)
                    self._next_poll = 0.0
                    return False
            log.warning("HNS request failed (will retry): %s", err)
            return False
        self._engine.acknowledge(request, True)
        return True

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
