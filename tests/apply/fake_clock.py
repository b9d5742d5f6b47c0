"""Drives a ``Reconciler`` on a fake clock, performing its actions on the HNS simulator."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dataplane.apply.actions import ListEndpoints, Outcome, ReadNetwork, SendRequests, Wait
from dataplane.apply.adopt import acls_of
from dataplane.apply.executor import to_modify_request
from dataplane.apply.reconciler import Reconciler
from dataplane.config import ApplierConfig
from dataplane.engine import Engine, EngineConfig
from dataplane.hns import HcnApi, HnsError, is_not_found, simulator
from dataplane.model import Delete, InSync, Update, Upsert, WorkloadEndpoint
from dataplane.plan.requests import AclSpec, EndpointAclRequest, NetworkSetRequest, Request
from tests.compile.harness import NODE

CONFIG = ApplierConfig(
    batch_window=0.005,
    retry_base=1.0,
    retry_max=30.0,
    resync_interval=3600.0,
    endpoint_poll_interval=2.0,
)
OUTBOUND_NAT = {"Type": "OutBoundNAT", "Settings": {"Exceptions": ["10.0.0.0/8"]}}
"""What a CNI plugin puts on every pod's endpoint before the agent sees it."""


@dataclass(frozen=True, slots=True)
class Sent:
    """One request the reconciler had sent, when, and what became of it."""

    at: float
    request: Request
    outcome: Outcome


@dataclass
class FakeClockNode:
    """A simulator network, its CNI, an engine and a reconciler on a fake clock."""

    api: HcnApi
    network: str
    engine: Engine
    reconciler: Reconciler
    now: float = 0.0
    ids: dict[Any, str] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    reads: list[tuple[float, str]] = field(default_factory=list)

    @classmethod
    def create(cls, config: ApplierConfig = CONFIG, seed: int = 7, **engine: Any) -> FakeClockNode:
        """A fresh simulator (field defaults; ``acl_remove`` honoured for the ``remove``
        update mode, which relies on it) and a fresh agent."""
        simulator.reset()
        if engine.get("acl_update_mode") == "remove":
            simulator.set_setting("acl_remove", "honoured")
        api = HcnApi("sim")
        network = api.create_network("fake-clock")
        return cls.start(api, network, config, seed, **engine)

    @classmethod
    def start(
        cls, api: HcnApi, network: str, config: ApplierConfig = CONFIG, seed: int = 7, **engine: Any
    ) -> FakeClockNode:
        """A fresh agent (engine and reconciler) on an existing simulator: a restart."""
        engine_config = dataclasses.replace(EngineConfig.for_features(api.features), **engine)
        eng = Engine(NODE, engine_config)
        return cls(api, network, eng, Reconciler(eng, network, config, random.Random(seed)))

    # -- the world ------------------------------------------------------------------

    def cni(self, *pods: WorkloadEndpoint) -> None:
        """Play the CNI: an HNS endpoint with an OutBoundNAT policy per local pod."""
        for p in pods:
            if p.node == NODE and p.key not in self.ids:
                self.ids[p.key] = self.api.create_endpoint(
                    self.network, p.name, p.addresses, policies=[OUTBOUND_NAT]
                )

    def feed(self, *items: Update | Any, in_sync: bool = False) -> None:
        """Apply resources (bare values are upserts) and tell the reconciler."""
        updates: list[Update] = [
            i if isinstance(i, Upsert | Delete | InSync) else Upsert(i) for i in items
        ]
        if in_sync:
            updates.append(InSync())
        self.cni(
            *(
                u.value
                for u in updates
                if isinstance(u, Upsert) and isinstance(u.value, WorkloadEndpoint)
            )
        )
        self.engine.apply(updates)
        self.reconciler.updated(self.now)

    def policies(self, p: WorkloadEndpoint) -> list[dict[str, Any]]:
        return list(self.api.query_endpoint(self.ids[p.key]).policies)

    def acls(self, p: WorkloadEndpoint) -> list[AclSpec]:
        return acls_of(self.policies(p))

    def allowed_in(self, p: WorkloadEndpoint, src: str, port: int = 80) -> bool:
        return simulator.classify(self.ids[p.key], "In", 6, None, port, src, 40000).allowed

    # -- the clock ------------------------------------------------------------------

    def run_until(self, until: float) -> None:
        """Perform every action due up to ``until`` (the clock jumps from wait to wait)."""
        for _ in range(100_000):
            action = self.reconciler.next_action(self.now)
            if isinstance(action, Wait):
                if action.until > until:
                    self.now = until
                    return
                self.now = max(self.now, action.until)
            elif isinstance(action, ListEndpoints):
                self.reads.append((self.now, "endpoints"))
                self.reconciler.endpoints_listed(
                    self._try(self.api.list_endpoints, self.network), self.now
                )
            elif isinstance(action, ReadNetwork):
                self.reads.append((self.now, "network"))
                self.reconciler.network_read(
                    self._try(self.api.query_network, self.network), self.now
                )
            else:
                self._send(action)
        raise AssertionError("the reconciler did not settle")

    def run_for(self, seconds: float) -> None:
        self.run_until(self.now + seconds)

    def _try(self, call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except HnsError:
            return None

    def _send(self, action: SendRequests) -> None:
        for request, target in zip(action.requests, action.targets, strict=True):
            outcome = Outcome.OK
            try:
                modify = to_modify_request(request)
                if isinstance(request, NetworkSetRequest):
                    self.api.modify_network(target, modify)
                else:
                    self.api.modify_endpoint(target, modify)
            except HnsError as err:
                gone = isinstance(request, EndpointAclRequest) and is_not_found(err)
                outcome = Outcome.GONE if gone else Outcome.FAILED
            self.sent.append(Sent(self.now, request, outcome))
            self.reconciler.request_done(request, outcome, self.now)

    def endpoint_attempts(self) -> list[float]:
        return [s.at for s in self.sent if isinstance(s.request, EndpointAclRequest)]

    def sent_since(self, index: int) -> Iterable[Sent]:
        return self.sent[index:]
