"""RouteSync against the simulator with time passed in: listing, retries and their deadline."""

from __future__ import annotations

import math
import random

import pytest

from dataplane.apply.route_sync import RouteSync
from dataplane.config import ApplierConfig, VxlanConfig
from dataplane.convert import convert
from dataplane.engine import Engine
from dataplane.hns import HcnClient, simulator
from dataplane.metrics import Metrics
from dataplane.model import InSync
from tests.agent.test_routes_dataplane import CLUSTER, WANTED, held_routes

pytestmark = pytest.mark.anyio


async def test_failed_requests_set_a_backoff_deadline_and_are_retried() -> None:
    simulator.reset()
    engine = Engine("node-1")
    engine.apply([*(convert(o) for o in CLUSTER), InSync()])
    engine.refresh()
    timing = ApplierConfig(retry_base=2.0, retry_max=30.0, resync_interval=60.0)
    async with HcnClient(backend="sim") as client:
        network = await client.create_network("vxlan0", "Overlay")
        sync = RouteSync(
            engine, client, VxlanConfig(), "vxlan", timing, Metrics(), random.Random(1)
        )
        simulator.inject_fault("HcnModifyNetwork", 1, 0x803B0020, repeat=True)
        assert await sync.cycle(now=100.0) == 3
        assert 101.0 <= sync.retry_at <= 103.0
        first = sync.retry_at
        assert await sync.cycle(now=first) == 3
        assert 2.0 <= sync.retry_at - first < 6.0, "the second delay doubles (4 s, jittered)"
        simulator.clear_faults()
        assert await sync.cycle(now=110.0) == 0
        assert sync.retry_at == math.inf
        assert held_routes(network) == WANTED
        listings = simulator.counters()["calls"]["HcnEnumerateNetworks"]
        await sync.cycle(now=120.0)
        assert simulator.counters()["calls"]["HcnEnumerateNetworks"] == listings
        await sync.cycle(now=161.0)  # past the resync interval: listed again
        assert simulator.counters()["calls"]["HcnEnumerateNetworks"] == listings + 1
    simulator.reset()
