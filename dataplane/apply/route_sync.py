"""The async side of overlay routes: finds the network, lists it, sends the route requests."""

from __future__ import annotations

import logging
import math
import random
import re
from typing import Any

from dataplane.apply.routes import RouteReconciler
from dataplane.config import ApplierConfig, VxlanConfig
from dataplane.engine import Engine
from dataplane.hns import HcnClient, HnsError, NetworkInfo, is_not_found
from dataplane.metrics import Metrics

log = logging.getLogger(__name__)


class RouteSync:
    """Programs the engine's overlay routes on the VXLAN network, one request per route.

    The network is the one named ``config.network`` (else the first, by name, that
    the setting matches as a regular expression, as Felix's ``WindowsNetworkName``);
    it is found and listed at the first cycle and every ``resync_interval`` seconds.
    With ``enabled: auto`` nothing is touched while the datastore holds no VXLAN pool.
    After failed requests ``retry_at`` is when to run again (exponential backoff with
    jitter from ``rng``, as the applier's). Time comes in as ``now`` on each cycle.
    """

    def __init__(
        self,
        engine: Engine,
        client: HcnClient,
        config: VxlanConfig,
        network: str,
        timing: ApplierConfig,
        metrics: Metrics,
        rng: random.Random | None = None,
    ) -> None:
        self._engine = engine
        self._client = client
        self._config = config
        self._pattern = re.compile(network)
        self._name = network
        self._timing = timing
        self._metrics = metrics
        self._rng = rng or random.Random()
        self._network_id: str | None = None
        self._next_listing = -math.inf
        self._failure_streak = 0
        self.retry_at = math.inf
        self.reconciler = RouteReconciler()

    @property
    def active(self) -> bool:
        """Whether routes are managed now (``auto``: while some IP pool uses VXLAN)."""
        if self._config.enabled == "auto":
            return self._engine.graph.routes.has_vxlan_pool
        return self._config.enabled == "on"

    async def cycle(self, now: float) -> int:
        """Bring the network's routes up to date; the number of failed requests."""
        self.reconciler.update(self._engine.take_route_changes())
        if not self.active:
            return 0
        if self._network_id is None or now >= self._next_listing:
            await self._list()
            self._next_listing = now + self._timing.resync_interval
        if self.reconciler.error:
            return 0
        failures = 0
        for request in self.reconciler.requests():
            assert self._network_id is not None
            error: str | None = None
            try:
                await self._client.modify_network(self._network_id, request.to_modify_request())
            except HnsError as err:
                error = str(err)
                failures += 1
                log.warning("route %s failed (will retry): %s", request.request_type, err)
                if is_not_found(err):
                    self._next_listing = -math.inf  # the network went: find it again

            self._metrics.route_requests.labels(
                request.request_type, "error" if error else "ok"
            ).inc()
            self.reconciler.acknowledge(request, error)
        self._metrics.routes_programmed.set(self.reconciler.programmed_count)
        self._schedule_retry(now, failures)
        return failures

    def _schedule_retry(self, now: float, failures: int) -> None:
        if not failures:
            self._failure_streak, self.retry_at = 0, math.inf
            return
        self._failure_streak += 1
        timing = self._timing
        delay = min(timing.retry_max, timing.retry_base * 2 ** (self._failure_streak - 1))
        self.retry_at = now + delay * self._rng.uniform(0.5, 1.5)

    async def _list(self) -> None:
        try:
            network = await self._find()
        except HnsError as err:
            self._network_id = None
            self.reconciler.no_network(f"listing HNS networks failed: {err}")
            return
        if network is None:
            self._network_id = None
            self.reconciler.no_network(f"no HNS network matches {self._name!r}")
            return
        self._network_id = network.id
        self.reconciler.adopt(network.name, network.type, network.policies)
        if self.reconciler.error:
            log.error("%s", self.reconciler.error)

    async def _find(self) -> NetworkInfo | None:
        """The network named like the setting, else the first (by name) it matches."""
        found = [
            await self._client.query_network(i) for i in await self._client.enumerate_networks()
        ]
        exact = [n for n in found if n.name == self._name]
        matching = sorted((n for n in found if self._pattern.search(n.name)), key=lambda n: n.name)
        candidates = exact or matching
        return candidates[0] if candidates else None

    def status(self) -> dict[str, Any]:
        return {
            "enabled": self._config.enabled,
            "active": self.active,
            "vni": self._config.vni,
            "port": self._config.port,
            **self.reconciler.status(),
            "unrouted_blocks": self._engine.graph.routes.unrouted(),
            "borrowed_addresses": self._engine.graph.routes.borrowed(),
        }
