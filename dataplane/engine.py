"""The sans-IO pipeline: updates in, calc graph, compiler and planner, HNS requests out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dataplane.calc import DEFAULT_VNI, CalcGraph, RouteChanges
from dataplane.calc.admin_summary import AdminSummary, summarize
from dataplane.compile import AclCompiler, CompileConfig, EndpointStatus
from dataplane.compile.acls import SetSide
from dataplane.compile.priorities import HOST_RULE_PRIORITY, LEGACY_HOST_RULE_PRIORITY
from dataplane.model import InSync, ResourceKey, Route, Update, WorkloadEndpoint
from dataplane.plan import AclSpec, AclUpdateMode, IpSetSpec, Plan, Planner, Request

if TYPE_CHECKING:
    from dataplane.hns.features import HnsFeatures


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Compiler and planner settings (see docs/compiler.md)."""

    set_policy: bool = False
    ipv6: bool = True
    max_addresses_per_acl: int = 4000
    host_addresses: tuple[str, ...] = ()
    allow_host: bool = True
    acl_update_mode: AclUpdateMode = "merge"
    max_inlined_acls: int = 1000
    vxlan_vni: int = DEFAULT_VNI
    set_side: SetSide = "npm"
    host_rules: bool = True
    host_rule_priority: int = HOST_RULE_PRIORITY

    @classmethod
    def for_features(cls, features: HnsFeatures) -> EngineConfig:
        """Defaults for an HNS: SetPolicy IP sets from 13.0, IPv6 from 11.10 (dual stack),
        Host rules at priority 0 where HNS has AclNoHostRulePriority (7.2), else 100."""
        return cls(
            set_policy=features.set_policy,
            ipv6=features.ipv6,
            host_rule_priority=(
                HOST_RULE_PRIORITY
                if features.acl_no_host_rule_priority
                else LEGACY_HOST_RULE_PRIORITY
            ),
        )

    @property
    def compile_config(self) -> CompileConfig:
        return CompileConfig(
            set_policy=self.set_policy,
            ipv6=self.ipv6,
            max_addresses_per_acl=self.max_addresses_per_acl,
            host_addresses=self.host_addresses,
            allow_host=self.allow_host,
            max_inlined_acls=self.max_inlined_acls,
            set_side=self.set_side,
            host_rules=self.host_rules,
            host_rule_priority=self.host_rule_priority,
        )


def missing_tier_warning(tier: str, policies: Iterable[ResourceKey]) -> str:
    """What is enforced for policies in a tier that does not exist."""
    names = ", ".join(str(key) for key in policies)
    return (
        f"tier {tier!r} does not exist: {names} enforced in it after every tier with an "
        "order (as Felix does), default action Deny"
    )


class Engine:
    """Everything between the sources and HNS, synchronous and deterministic.

    ``apply`` feeds updates; ``refresh`` flushes the graph and compiles what
    changed; ``plan`` refreshes and returns the requests that take HNS from
    what is programmed to what is desired (retrying anything not yet
    acknowledged). Reads (``local_endpoints``, ``endpoint_status``,
    ``acl_origin``, ``counters``) change nothing and describe the state as of
    the last refresh. Callers must not plan (program) before ``in_sync``: a
    partial snapshot would remove working rules. The reconciler enforces this.
    """

    def __init__(self, node_name: str, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()
        self.graph = CalcGraph(node_name, self.config.vxlan_vni)
        self.compiler = AclCompiler(self.config.compile_config)
        self.planner = Planner(self.config.acl_update_mode)
        self._saw_in_sync = False
        self._route_changes = RouteChanges()
        self._warned: frozenset[str] = frozenset()

    def apply(self, updates: Iterable[Update]) -> None:
        """Feed updates to the calculation graph (nothing is compiled until ``plan``)."""
        for update in updates:
            if isinstance(update, InSync):
                self._saw_in_sync = True
            self.graph.apply(update)

    @property
    def in_sync(self) -> bool:
        """True once every source has delivered its snapshot (an ``InSync`` update)."""
        return self._saw_in_sync

    def plan(self) -> Plan:
        """Refresh, then diff: the requests to send now, in stages."""
        self.refresh()
        return self.planner.plan()

    def refresh(self) -> None:
        """Bring desired state up to date with every update applied so far: flush the
        graph and compile its delta (``plan`` does it first; reads never do)."""
        delta = self.graph.flush()
        if not delta:
            return
        if delta.routes_added or delta.routes_removed:
            changes = RouteChanges(delta.routes_added, delta.routes_removed)
            self._route_changes = self._route_changes.then(changes)
        result = self.compiler.apply(delta)
        for key, acls in result.endpoints.items():
            self.planner.set_desired_endpoint(key, acls)
        for set_id, spec in result.sets.items():
            self.planner.set_desired_set(set_id, spec)

    def take_route_changes(self) -> RouteChanges:
        """Overlay routes added and removed between the last call and the last refresh
        (netted)."""
        changes, self._route_changes = self._route_changes, RouteChanges()
        return changes

    def routes(self) -> Mapping[str, Route]:
        """Every overlay route wanted as of the last refresh, by prefix."""
        return self.graph.routes.routes

    def acknowledge(self, request: Request, ok: bool) -> None:
        """Report a request's outcome (only successes change programmed state)."""
        self.planner.acknowledge(request, ok)

    def set_programmed_endpoint(
        self,
        key: ResourceKey,
        acls: Iterable[AclSpec] | None,
        *,
        others: Sequence[Mapping[str, Any]] = (),
        foreign: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Adopt what HNS really has on one endpoint: our ACLs, its non-ACL policies,
        foreign ACLs (None: no HNS endpoint). See ``Planner.set_programmed_endpoint``."""
        self.planner.set_programmed_endpoint(key, acls, others=others, foreign=foreign)

    def set_programmed_sets(self, sets: Iterable[IpSetSpec]) -> None:
        """Adopt the SetPolicies HNS really has on the network."""
        self.planner.set_programmed_sets(sets)

    def local_endpoints(self) -> Mapping[ResourceKey, WorkloadEndpoint]:
        """Every local endpoint as of the last refresh."""
        return self.compiler.endpoints()

    def endpoint_status(self, key: ResourceKey) -> EndpointStatus | None:
        """One local endpoint's policies, ACL count and fail-closed notes (as of the
        last refresh)."""
        return self.compiler.status(key)

    def acl_origin(self, key: ResourceKey, acl_id: str) -> str | None:
        """What a programmed ACL of a local endpoint was compiled from, or None."""
        return self.compiler.acl_origin(key, acl_id)

    def admin_summary(self) -> AdminSummary:
        """The active cluster-admin policies by kind and their priority ties (as of the
        last refresh)."""
        return summarize(self.graph.active_policies().values())

    def take_notes(self) -> tuple[str, ...]:
        """Fail-closed notes not reported before, up to the last refresh (for the daemon
        to log once)."""
        return self.compiler.take_notes()

    def warnings(self) -> tuple[str, ...]:
        """Ambiguous inputs the core resolved by a rule (addresses claimed by two local
        pods, policies in tiers that do not exist), as of every update applied."""
        conflicts = self.graph.address_conflicts().values()
        tiers = self.graph.missing_tiers().items()
        return (
            *(conflict.describe() for conflict in conflicts),
            *(missing_tier_warning(name, keys) for name, keys in tiers),
        )

    def take_warnings(self) -> tuple[str, ...]:
        """``warnings`` not returned by an earlier call (for the caller to log once)."""
        now = self.warnings()
        new = tuple(w for w in now if w not in self._warned)
        self._warned = frozenset(now)
        return new

    def counters(self) -> dict[str, int]:
        """Deterministic operation counters of graph, compiler and planner."""
        return {
            **self.graph.counters.snapshot(),
            **self.compiler.counters.snapshot(),
            **self.planner.counters.snapshot(),
        }
