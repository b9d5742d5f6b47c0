"""The two strategies the incremental engine is measured against, built from real parts."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dataplane.engine import Engine, EngineConfig
from dataplane.model import Delete, InSync, Resource, ResourceKey, Update, Upsert
from dataplane.plan.requests import (
    AclSpec,
    IpSetSpec,
    NetworkSetRequest,
    Plan,
    Request,
    RequestType,
)


def full_rewrite_config(config: EngineConfig) -> EngineConfig:
    """Felix's Windows strategy: addresses inlined in every ACL (no SetPolicy) and an
    endpoint's whole ACL list rewritten (``Update``) whenever anything on it changes."""
    return dataclasses.replace(config, set_policy=False, acl_update_mode="replace")


class ProgrammedState:
    """What HNS holds after the acknowledged requests (mirrors Add, Remove and Update)."""

    def __init__(self) -> None:
        self.endpoints: dict[ResourceKey, dict[str, AclSpec]] = {}
        self.others: dict[ResourceKey, tuple[Mapping[str, Any], ...]] = {}
        self.sets: dict[str, IpSetSpec] = {}

    def record(self, request: Request) -> None:
        """Apply one request that HNS accepted.

        ``Update`` replaces an endpoint's whole policy list (it carries the
        endpoint's other policies), but SetPolicies one by one (by Id), as HNS does.
        """
        if isinstance(request, NetworkSetRequest):
            if request.request_type is RequestType.REMOVE:
                for spec in request.sets:
                    self.sets.pop(spec.id, None)
            else:
                self.sets.update((spec.id, spec) for spec in request.sets)
            return
        acls = self.endpoints.setdefault(request.endpoint, {})
        if request.request_type is RequestType.UPDATE:
            acls.clear()
            self.others[request.endpoint] = request.others
        if request.request_type is RequestType.REMOVE:
            for acl in request.acls:
                acls.pop(acl.id, None)
        else:
            acls.update((acl.id, acl) for acl in request.acls)


class FullRecomputeEngine:
    """The engine without incrementality: each ``plan()`` builds a fresh ``Engine``, feeds
    it the whole cluster as it is now, tells it what HNS holds, and plans from there.

    It speaks the ``Engine`` protocol the executor uses (``apply``, ``plan``,
    ``acknowledge``, ``counters``), so it runs against the same simulator.
    """

    def __init__(self, node_name: str, config: EngineConfig) -> None:
        self._node_name = node_name
        self._config = config
        self._resources: dict[ResourceKey, Resource] = {}
        self._in_sync = False
        self._programmed = ProgrammedState()
        self._engine: Engine | None = None
        self._retired: Counter[str] = Counter()

    def apply(self, updates: Iterable[Update]) -> None:
        """Remember the cluster's current state; no computation happens here."""
        for update in updates:
            if isinstance(update, Upsert):
                self._resources[update.key] = update.value
            elif isinstance(update, Delete):
                self._resources.pop(update.key, None)
            elif isinstance(update, InSync):
                self._in_sync = True

    def plan(self) -> Plan:
        """Recompute everything from scratch and diff it against what HNS holds."""
        if self._engine is not None:
            self._retired.update(self._engine.counters())
        engine = Engine(self._node_name, self._config)
        snapshot: list[Update] = [Upsert(resource) for resource in self._resources.values()]
        if self._in_sync:
            snapshot.append(InSync())
        engine.apply(snapshot)
        state = self._programmed
        for key in state.endpoints.keys() | state.others.keys():
            acls = tuple(state.endpoints.get(key, {}).values())
            engine.set_programmed_endpoint(key, acls, others=state.others.get(key, ()))
        engine.set_programmed_sets(tuple(self._programmed.sets.values()))
        self._engine = engine
        return engine.plan()

    def set_programmed_endpoint(
        self,
        key: ResourceKey,
        acls: Iterable[AclSpec] | None,
        *,
        others: Sequence[Mapping[str, Any]] = (),
        foreign: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Adopt what HNS holds on one endpoint (every later plan starts from it)."""
        state = self._programmed
        if acls is None:
            state.endpoints.pop(key, None)
            state.others.pop(key, None)
            return
        state.endpoints[key] = {a.id: a for a in acls}
        state.others[key] = tuple(others)
        assert not foreign, "the benchmarks' endpoints carry only what they programmed"

    def acknowledge(self, request: Request, ok: bool) -> None:
        """Pass the outcome to the current engine and track what HNS now holds."""
        if self._engine is not None:
            self._engine.acknowledge(request, ok)
        if ok:
            self._programmed.record(request)

    def counters(self) -> dict[str, int]:
        """Operation counts summed over every engine built so far."""
        total = Counter(self._retired)
        if self._engine is not None:
            total.update(self._engine.counters())
        return dict(total)
