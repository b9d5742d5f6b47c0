"""Benchmarks of VXLAN routes: initial sync and churn at 100 and 1,000 nodes (10 blocks each).

The route path alone (calc graph -> engine route changes -> sans-IO route reconciler ->
requests), plus the 1,000-node initial sync through the HNS simulator. Each churn event is applied
and then undone, so the cluster ends as it began; every event's requests are checked to
be exactly one per route that changed.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable, Iterator
from functools import lru_cache

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from dataplane.apply.routes import RouteReconciler
from dataplane.engine import Engine
from dataplane.hns import HcnApi, simulator
from dataplane.model import (
    Delete,
    InSync,
    IpamBlock,
    IpPool,
    Node,
    Update,
    Upsert,
    Vtep,
    VxlanMode,
)

NODE_COUNTS = (100, 1_000)
BLOCKS_PER_NODE = 10
LOCAL = "node-0"
CHURN_ROUNDS = 400  # even: each event's inverse follows it


def _vtep(n: int) -> Vtep:
    return Vtep(f"172.16.{n // 250}.{n % 250 + 1}", f"10.{n // 64}.{n % 64 * 4}.0", _mac(n))


def _mac(n: int) -> str:
    return f"00-15-5D-00-{n // 256:02X}-{n % 256:02X}"


def _block(n: int, b: int) -> IpamBlock:
    """Block ``b`` of node ``n``: /26 blocks inside 10.0.0.0/8, 4 per /24."""
    index = n * 64 + b
    return IpamBlock(
        f"n{n}-b{b}",
        f"10.{index // 1024}.{index // 4 % 256}.{index % 4 * 64}/26",
        f"node-{n}",
    )


@lru_cache(maxsize=2)
def _cluster(nodes: int) -> tuple[Update, ...]:
    updates: list[Update] = [Upsert(IpPool("default", "10.0.0.0/8", VxlanMode.ALWAYS))]
    for n in range(nodes):
        updates.append(Upsert(Node(f"node-{n}", vtep=_vtep(n))))
        updates.extend(Upsert(_block(n, b)) for b in range(BLOCKS_PER_NODE))
    updates.append(InSync())
    return tuple(updates)


class RoutePath:
    """The engine and the route reconciler of one node, with a request counter."""

    def __init__(self) -> None:
        self.engine = Engine(LOCAL)
        self.routes = RouteReconciler()
        self.routes.adopt("vxlan0", "Overlay", ())
        self.requests = 0

    def feed(self, updates: tuple[Update, ...] | list[Update]) -> int:
        """Apply updates and acknowledge the requests they cause; returns their number."""
        self.engine.apply(updates)
        self.engine.refresh()
        self.routes.update(self.engine.take_route_changes())
        requests = self.routes.requests()
        for request in requests:
            self.routes.acknowledge(request, None)
        self.requests += len(requests)
        return len(requests)


def _synced(nodes: int) -> RoutePath:
    path = RoutePath()
    path.feed(_cluster(nodes))
    return path


@pytest.mark.timeout(600)
@pytest.mark.parametrize("nodes", NODE_COUNTS)
def test_routes_initial_sync(benchmark: BenchmarkFixture, nodes: int) -> None:
    path = benchmark.pedantic(_synced, args=(nodes,), rounds=3, iterations=1)
    wanted = (nodes - 1) * BLOCKS_PER_NODE
    assert path.requests == wanted == path.routes.programmed_count
    benchmark.extra_info.update(
        {
            "nodes": nodes,
            "blocks": nodes * BLOCKS_PER_NODE,
            "route_requests": path.requests,
            **path.engine.counters(),
        }
    )


@pytest.mark.timeout(600)
def test_routes_initial_sync_on_the_simulator(benchmark: BenchmarkFixture) -> None:
    """1,000 nodes into the simulator: one HcnModifyNetwork per route, nothing else."""
    nodes = NODE_COUNTS[-1]

    def program() -> int:
        simulator.reset()
        with HcnApi("sim") as api:
            network = api.create_network("vxlan0", "Overlay")
            path = RoutePath()
            path.engine.apply(_cluster(nodes))
            path.engine.refresh()
            path.routes.update(path.engine.take_route_changes())
            for request in path.routes.requests():
                api.modify_network(network, request.to_modify_request())
                path.routes.acknowledge(request, None)
            return len(api.query_network(network).policies)

    held = benchmark.pedantic(program, rounds=1, iterations=1)
    calls = simulator.counters()["calls"]["HcnModifyNetwork"]
    assert held == calls == (nodes - 1) * BLOCKS_PER_NODE
    benchmark.extra_info.update({"nodes": nodes, "routes": held, "modify_network_calls": calls})
    simulator.reset()


Event = Callable[[int], Iterator[tuple[list[Update], int]]]


def _node_join_leave(nodes: int) -> Iterator[tuple[list[Update], int]]:
    """A node's VTEP appears (its 10 blocks get routes) and goes again."""
    for n in itertools.cycle(range(1, nodes)):
        yield [Upsert(Node(f"node-{n}"))], BLOCKS_PER_NODE
        yield [Upsert(Node(f"node-{n}", vtep=_vtep(n)))], BLOCKS_PER_NODE


def _block_churn(nodes: int) -> Iterator[tuple[list[Update], int]]:
    """A node allocates one more block, then releases it."""
    for n in itertools.cycle(range(1, nodes)):
        block = _block(n, BLOCKS_PER_NODE)
        yield [Upsert(block)], 1
        yield [Delete(block.key)], 1


def _vtep_move(nodes: int) -> Iterator[tuple[list[Update], int]]:
    """A node's provider address changes and changes back: remove + add per block."""
    for n in itertools.cycle(range(1, nodes)):
        moved = Vtep("192.168.0.1", _vtep(n).tunnel_address, _mac(n))
        yield [Upsert(Node(f"node-{n}", vtep=moved))], 2 * BLOCKS_PER_NODE
        yield [Upsert(Node(f"node-{n}", vtep=_vtep(n)))], 2 * BLOCKS_PER_NODE


EVENTS: dict[str, Event] = {
    "node_join_leave": _node_join_leave,
    "block_allocation": _block_churn,
    "vtep_move": _vtep_move,
}


@lru_cache(maxsize=2)
def _steady(nodes: int) -> RoutePath:
    return _synced(nodes)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("event_name", sorted(EVENTS))
@pytest.mark.parametrize("nodes", NODE_COUNTS)
def test_routes_churn_event(benchmark: BenchmarkFixture, nodes: int, event_name: str) -> None:
    """One event through the route path: exactly one request per route that changed."""
    path = _steady(nodes)
    steps = EVENTS[event_name](nodes)
    before = path.engine.counters()["routes_resolved"]

    done = []
    cpu: list[float] = []

    def one_event() -> None:
        updates, changed = next(steps)
        started = time.process_time()
        requests = path.feed(updates)
        cpu.append(time.process_time() - started)
        assert requests == changed
        done.append(changed)

    benchmark.pedantic(one_event, rounds=CHURN_ROUNDS, iterations=1)
    resolved = (path.engine.counters()["routes_resolved"] - before) / len(done)
    if len(done) % 2:
        one_event()  # undo the last event: the next benchmark starts from the same cluster
    benchmark.extra_info.update(
        {
            "nodes": nodes,
            "routes": path.routes.programmed_count,
            "routes_resolved": resolved,
            "cpu_median_us": round(statistics.median(cpu) * 1e6, 1),
        }
    )
    assert resolved <= BLOCKS_PER_NODE, "work follows the event, not the cluster"
