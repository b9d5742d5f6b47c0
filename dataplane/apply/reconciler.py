"""The HNS side as a sans-IO state machine: events in, actions out; a driver does the I/O.

Events: ``updated`` (the datastore changed), ``endpoints_listed`` and
``network_read`` (HNS listings), ``request_done`` (a request's outcome), and the
clock, passed as ``now`` to every call. Actions (``next_action``): read HNS
(``ListEndpoints``, ``ReadNetwork``), send one plan stage (``SendRequests``), or
``Wait`` until a time or the next event. The reconciler owns batching, endpoint
mapping, adoption (what HNS holds, foreign ACLs included), periodic resync, and
backoff per target (an endpoint, or the network), which nothing bypasses.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from dataplane.apply.actions import (
    Action,
    CycleResult,
    ListEndpoints,
    Outcome,
    ReadNetwork,
    SendRequests,
    Wait,
)
from dataplane.apply.adopt import adopt_endpoint, ipsets_of
from dataplane.apply.backoff import Backoff
from dataplane.apply.endpoint_map import EndpointMap, HnsEndpointRef
from dataplane.config import ApplierConfig
from dataplane.engine import Engine
from dataplane.hns.schema import EndpointInfo, NetworkInfo
from dataplane.model import ResourceKey
from dataplane.plan.requests import EndpointAclRequest, NetworkSetRequest, Plan, Request

NETWORK: Literal["network"] = "network"
"""The backoff target of network-level requests (SetPolicies; any network policy)."""
Target = ResourceKey | Literal["network"]


@dataclass(slots=True)
class _Cycle:
    generation: int
    resync: bool
    reads: list[ListEndpoints | ReadNetwork]
    plan: Plan | None = None
    stage: int = 0
    outstanding: int = 0
    stop: bool = False
    waiting: bool = False  # a target waits for its backoff: not fully programmed
    sent: set[Target] = field(default_factory=set)
    failed: set[Target] = field(default_factory=set)
    requests: int = 0
    failures: int = 0
    skipped: int = 0


class Reconciler:
    """Keeps HNS equal to the engine's desired state; see the module docstring.

    A cycle starts ``batch_window`` after an update, at the endpoint poll, at
    resync or when a failed target is due. It lists HNS endpoints when due (poll,
    resync, local pods changed or some still unmapped), re-reads the network on
    resync, plans, then sends stage by stage: endpoints without an HNS endpoint
    and targets whose backoff is not due are left out (they stay in the next
    plan), and a failed network request stops the cycle (later stages may need
    its sets). Nothing is programmed before the engine is in sync.
    """

    def __init__(
        self, engine: Engine, network_id: str, config: ApplierConfig, rng: random.Random
    ) -> None:
        self._engine = engine
        self._network_id = network_id
        self._config = config
        self._backoff = Backoff(config.retry_base, config.retry_max, rng)
        self._endpoints = EndpointMap()
        self._wake_at = math.inf
        self._poll_at = -math.inf
        self._resync_at = -math.inf
        self._network_read = False
        self._known_local: frozenset[ResourceKey] = frozenset()
        self._cycle: _Cycle | None = None
        self.generation = 0
        self.programmed_generation = 0
        self.ready = False
        self.cycles = 0
        self.resyncs = 0
        self.last_result = CycleResult(0, 0, 0)
        self.foreign_found: dict[ResourceKey, int] = {}
        """Foreign ACLs found on each mapped endpoint since it was mapped (each one is
        removed by the next plan)."""
        self._foreign_new: list[tuple[ResourceKey, int]] = []

    # -- events ---------------------------------------------------------------------

    def updated(self, now: float) -> None:
        """The datastore changed: a cycle is due after the batching window."""
        self.generation += 1
        self._wake_at = min(self._wake_at, now + self._config.batch_window)

    def wake(self, now: float) -> None:
        """Run a cycle now (reads and backoff still apply)."""
        self._wake_at = min(self._wake_at, now)

    def endpoints_listed(self, endpoints: Sequence[EndpointInfo] | None, now: float) -> None:
        """The answer to ``ListEndpoints`` (None: the listing failed)."""
        cycle = self._take_read(ListEndpoints)
        if endpoints is None:
            return
        local = self._engine.local_endpoints()
        change = self._endpoints.refresh(
            local, (HnsEndpointRef(e.id, tuple(e.ip_addresses)) for e in endpoints)
        )
        for key in change.unmapped:
            adopt_endpoint(self._engine, key, None)
            self.foreign_found.pop(key, None)
        by_id = {e.id: e for e in endpoints}
        adopt = self._endpoints.ids if cycle.resync else change.mapped
        for key, endpoint_id in adopt.items():
            found = adopt_endpoint(self._engine, key, by_id[endpoint_id].policies)
            assert found is not None
            self.foreign_found[key] = self.foreign_found.get(key, 0) + len(found.foreign)
            if found.foreign:
                self._foreign_new.append((key, len(found.foreign)))

    def network_read(self, network: NetworkInfo | None, now: float) -> None:
        """The answer to ``ReadNetwork`` (None: the read failed). Network-level state
        (SetPolicies; other network policy kinds beside them) is adopted here."""
        self._take_read(ReadNetwork)
        if network is None:
            return
        self._engine.set_programmed_sets(ipsets_of(network.policies))
        self._network_read = True

    def request_done(self, request: Request, outcome: Outcome, now: float) -> None:
        """The outcome of one request of the last ``SendRequests``."""
        cycle = self._cycle
        assert cycle is not None and cycle.outstanding > 0, "no request is outstanding"
        cycle.outstanding -= 1
        target = self._target(request)
        ok = outcome is Outcome.OK
        self._engine.acknowledge(request, ok)
        if ok:
            return
        cycle.failures += 1
        if outcome is Outcome.GONE:
            assert isinstance(request, EndpointAclRequest)
            self._endpoints.forget(request.endpoint)
            adopt_endpoint(self._engine, request.endpoint, None)
            self._poll_at = now
            self._backoff.succeeded(target)
            return
        cycle.failed.add(target)
        self._backoff.failed(target, now)
        if isinstance(request, NetworkSetRequest):
            cycle.stop = True  # ACLs of later stages may reference the sets that failed

    # -- actions ----------------------------------------------------------------------

    def next_action(self, now: float) -> Action:
        """What to do now. After ``SendRequests``, report every outcome first."""
        cycle = self._cycle
        if cycle is None:
            if now < self.deadline():
                return Wait(self.deadline())
            cycle = self._start(now)
            if cycle is None:
                return Wait(self.deadline())
        assert cycle.outstanding == 0, "report every request's outcome first"
        if cycle.reads:
            return cycle.reads[0]
        if cycle.plan is None:
            cycle.plan = self._engine.plan()
        elif cycle.stop:
            return self._finish(cycle)
        else:
            cycle.stage += 1
        while cycle.stage < len(cycle.plan.stages):
            action = self._send(cycle, cycle.plan.stages[cycle.stage], now)
            if action is not None:
                return action
            if cycle.stop:
                break
            cycle.stage += 1
        return self._finish(cycle)

    def deadline(self) -> float:
        """When the next cycle is due, with no event before (inf: only an event)."""
        if self._cycle is not None:
            return -math.inf
        if not self._engine.in_sync:
            return self._wake_at
        # Network requests come first in a plan: while the network waits, so does the plan.
        retry = max(self._backoff.next_due(), self._backoff.due_of(NETWORK))
        return min(self._wake_at, self._poll_at, self._resync_at, retry)

    # -- reads --------------------------------------------------------------------------

    @property
    def endpoint_ids(self) -> dict[ResourceKey, str]:
        return dict(self._endpoints.ids)

    def pending_endpoints(self) -> list[ResourceKey]:
        """Local pods without an HNS endpoint yet."""
        return self._endpoints.pending(self._engine.local_endpoints())

    def take_foreign(self) -> list[tuple[ResourceKey, int]]:
        """Endpoints found carrying foreign ACLs since the last call (for the log)."""
        found, self._foreign_new = self._foreign_new, []
        return found

    # -- internals ----------------------------------------------------------------------

    def _start(self, now: float) -> _Cycle | None:
        self._wake_at = math.inf
        if not self._engine.in_sync:
            return None
        # Bring the core up to date first (graph flush, compile), so HNS is read against
        # the current pods.
        self._engine.refresh()
        local = frozenset(self._engine.local_endpoints())
        resync = now >= self._resync_at
        reads: list[ListEndpoints | ReadNetwork] = []
        if (
            resync
            or now >= self._poll_at
            or local != self._known_local
            or self._endpoints.pending(local)
        ):
            reads.append(ListEndpoints())
            self._poll_at = now + self._config.endpoint_poll_interval
            self._known_local = local
        if resync or not self._network_read:
            reads.append(ReadNetwork())
        if resync:
            self._resync_at = now + self._config.resync_interval
            self.resyncs += 1
        self._cycle = _Cycle(self.generation, resync, reads)
        return self._cycle

    def _take_read(self, kind: type) -> _Cycle:
        cycle = self._cycle
        assert cycle is not None and cycle.reads and isinstance(cycle.reads[0], kind)
        cycle.reads.pop(0)
        return cycle

    def _target(self, request: Request) -> Target:
        return request.endpoint if isinstance(request, EndpointAclRequest) else NETWORK

    def _send(self, cycle: _Cycle, stage: Sequence[Request], now: float) -> SendRequests | None:
        """The stage's requests that may go now (None: none may)."""
        requests: list[Request] = []
        targets: list[str] = []
        network_id = self._network_id
        for request in stage:
            target = self._target(request)
            hns_id = network_id
            if isinstance(request, EndpointAclRequest):
                found = self._endpoints.id_of(request.endpoint)
                if found is None:
                    cycle.skipped += 1
                    continue
                hns_id = found
            if not self._backoff.ready(target, now):
                cycle.skipped += 1
                cycle.waiting = True
                if target == NETWORK:
                    cycle.stop = True  # later stages may need the sets that wait
                continue
            requests.append(request)
            targets.append(hns_id)
            cycle.sent.add(target)
        if not requests:
            return None
        cycle.requests += len(requests)
        cycle.outstanding = len(requests)
        return SendRequests(tuple(requests), tuple(targets))

    def _finish(self, cycle: _Cycle) -> Wait:
        self._cycle = None
        self.cycles += 1
        for target in cycle.sent - cycle.failed:
            self._backoff.succeeded(target)
        assert cycle.plan is not None
        planned = {self._target(r) for r in cycle.plan.requests}
        self._backoff.forget(t for t in planned if t == NETWORK or self._endpoints.id_of(t))
        self.last_result = CycleResult(cycle.requests, cycle.failures, cycle.skipped)
        if not cycle.failures and not cycle.waiting:
            self.programmed_generation = max(self.programmed_generation, cycle.generation)
            self.ready = True
        return Wait(self.deadline())
