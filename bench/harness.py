"""Engines on the HNS simulator: set-up, plan execution and per-event counters."""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bench.baselines import FullRecomputeEngine, full_rewrite_config
from bench.generator import Cluster
from dataplane.apply.adopt import Adopter, acls_of, adopt_endpoint
from dataplane.apply.executor import execute_plan_sync
from dataplane.apply.simcni import cni_policies
from dataplane.engine import Engine, EngineConfig
from dataplane.hns import HcnApi, simulator
from dataplane.model import ResourceKey, Update
from dataplane.plan.requests import AclSpec, Plan, Request

ENGINES = ("incremental", "incremental_replace", "full_rewrite", "full_recompute")
NETWORK_NAME = "bench"
ENGINE_COUNTERS = ("selector_evaluations", "set_member_changes", "policy_renders")


class PlanningEngine(Protocol):
    """What the benchmarks drive: ``Engine`` and the full-recompute baseline."""

    def apply(self, updates: Sequence[Update]) -> None: ...
    def plan(self) -> Plan: ...
    def acknowledge(self, request: Request, ok: bool) -> None: ...
    def counters(self) -> Mapping[str, int]: ...
    def set_programmed_endpoint(
        self,
        key: ResourceKey,
        acls: Iterable[AclSpec] | None,
        *,
        others: Sequence[Mapping[str, Any]] = (),
        foreign: Sequence[Mapping[str, Any]] = (),
    ) -> None: ...


def make_engine(kind: str, node_name: str) -> PlanningEngine:
    """``incremental`` (the product, as on HNS >= 13: SetPolicy IP sets, ``merge`` updates:
    additions by ``Add``, anything removed by one ``Update`` of the endpoint's list),
    ``incremental_replace`` (``acl_update_mode: replace``: every change one ``Update``),
    ``incremental_remove`` (``acl_update_mode: remove``: ``Add`` + ``Remove``; not among
    the benchmarked ``ENGINES``), ``full_rewrite`` or ``full_recompute``."""
    config = EngineConfig(set_policy=True)
    if kind == "incremental":
        return Engine(node_name, config)
    if kind in ("incremental_replace", "incremental_remove"):
        mode = kind.removeprefix("incremental_")
        return Engine(node_name, dataclasses.replace(config, acl_update_mode=mode))
    if kind == "full_rewrite":
        return Engine(node_name, full_rewrite_config(config))
    if kind == "full_recompute":
        return FullRecomputeEngine(node_name, config)
    raise ValueError(f"unknown engine {kind!r} (one of {', '.join(ENGINES)})")


@dataclass(frozen=True, slots=True)
class SimulatedNode:
    """A freshly reset simulator: one network, one HNS endpoint per local pod."""

    api: HcnApi
    network_id: str
    endpoint_ids: Mapping[ResourceKey, str]

    @classmethod
    def create(cls, cluster: Cluster, **settings: str) -> SimulatedNode:
        """Reset the simulator (field defaults, or ``settings``) and play the CNI's part for
        the cluster's local pods: one endpoint each, with the CNI's OutBoundNAT policy."""
        simulator.reset()
        if settings:
            simulator.configure(settings=settings)
        api = HcnApi(backend="sim")
        network_id = api.create_network(NETWORK_NAME)
        ids = {
            pod.key: api.create_endpoint(
                network_id, f"{pod.namespace}_{pod.name}", pod.addresses, policies=cni_policies()
            )
            for pod in cluster.local_endpoints()
        }
        return cls(api, network_id, ids)

    def adopt(self, engine: Adopter) -> None:
        """Hand what HNS holds on every endpoint (the CNI's policies) to ``engine``."""
        for key, endpoint_id in self.endpoint_ids.items():
            adopt_endpoint(engine, key, self.api.query_endpoint(endpoint_id).policies)

    def execute(self, engine: PlanningEngine, plan: Plan) -> None:
        """Send a plan stage by stage, acknowledging every request to the engine."""
        execute_plan_sync(engine, plan, self.api, self.endpoint_ids, self.network_id)

    def programmed(self) -> dict[ResourceKey, frozenset[AclSpec]]:
        """The ACLs the simulator holds per local endpoint (endpoints without any left out)."""
        found = {
            key: frozenset(acls_of(self.api.query_endpoint(i).policies))
            for key, i in self.endpoint_ids.items()
        }
        return {key: acls for key, acls in found.items() if acls}

    def others(self, key: ResourceKey) -> tuple[dict[str, Any], ...]:
        """The non-ACL policies the simulator holds on one local endpoint."""
        found = self.api.query_endpoint(self.endpoint_ids[key]).policies
        return tuple(p for p in found if p.get("Type") != "ACL")

    def close(self) -> None:
        """Close the binding's cached handles."""
        self.api.close()


def hns_counters() -> dict[str, float]:
    """The simulator's counters as the benchmarks report them."""
    raw = simulator.counters()
    calls = raw["calls"]
    return {
        "hns_calls": float(sum(n for name, n in calls.items() if not name.startswith("HcnSim"))),
        "network_requests": float(calls.get("HcnModifyNetwork", 0)),
        "endpoint_requests": float(calls.get("HcnModifyEndpoint", 0)),
        "acls_written": float(raw["acls_added"]),
        "set_policies_written": float(raw["set_policies_written"]),
        "request_kbytes": raw["request_bytes"] / 1024,
    }


def counters_now(engine: PlanningEngine) -> dict[str, float]:
    """Engine and simulator counters together."""
    found = engine.counters()
    now = {name: float(found.get(name, 0)) for name in ENGINE_COUNTERS}
    now.update(hns_counters())
    return now


def per_event(before: Mapping[str, float], after: Mapping[str, float], events: int) -> dict:
    """Average growth of each counter over ``events`` events."""
    return {name: (after[name] - before[name]) / max(1, events) for name in after}


def percentile(data: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (inclusive method; the only value when there is one)."""
    if len(data) == 1:
        return data[0]
    return statistics.quantiles(data, n=100, method="inclusive")[round(fraction * 100) - 1]


def record(
    benchmark: Any,
    *,
    scenario: str,
    shape: str,
    pods: int,
    engine: str,
    counters: Mapping[str, float],
    **extra: float,
) -> None:
    """Store the scenario metadata, counters and p99 in ``benchmark.extra_info``.

    With ``--benchmark-disable`` the target ran once and there are no timings.
    """
    if benchmark.stats is not None:
        benchmark.extra_info["p99_s"] = percentile(benchmark.stats.stats.data, 0.99)
    benchmark.extra_info.update(
        scenario=scenario,
        shape=shape,
        pods=pods,
        engine=engine,
        counters=dict(counters),
        **extra,
    )
