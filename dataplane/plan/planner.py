"""Desired versus programmed HNS state, as the fewest requests in safe stages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from dataplane.model import ResourceKey
from dataplane.plan.requests import (
    AclSpec,
    EndpointAclRequest,
    IpSetSpec,
    NetworkSetRequest,
    Plan,
    Request,
    RequestType,
)

AclUpdateMode = Literal["merge", "remove", "replace"]
ACL_UPDATE_MODES: tuple[AclUpdateMode, ...] = ("merge", "remove", "replace")
Policy = Mapping[str, Any]


@dataclass(slots=True)
class PlanCounters:
    """Monotonic counts of what the planner asked of HNS (counted on acknowledge)."""

    requests: int = 0
    """Requests sent (acknowledged, successfully or not)."""
    requests_failed: int = 0
    acls_written: int = 0
    """ACLs carried by successful Add and Update requests."""
    acls_removed: int = 0
    foreign_acls_removed: int = 0
    """ACLs found on a managed endpoint that we did not program, gone by a successful Update."""
    sets_written: int = 0
    """SetPolicies carried by successful Add and Update requests."""
    sets_removed: int = 0

    def snapshot(self) -> dict[str, int]:
        return asdict(self)


def _ordered(acls: Iterable[AclSpec]) -> tuple[AclSpec, ...]:
    return tuple(sorted(acls, key=lambda a: (a.direction, a.priority, a.id)))


@dataclass(slots=True)
class _Programmed:
    """What HNS holds on one endpoint: our ACLs by id, foreign ACLs, other policies."""

    acls: dict[str, AclSpec] = field(default_factory=dict)
    foreign: tuple[Policy, ...] = ()
    others: tuple[Policy, ...] = ()


class Planner:
    """Plans requests that take programmed state to desired state.

    Stages: (1) sets added or grown, (2) per endpoint one Add of its new ACLs or
    one Update, (3) per endpoint one Remove of its stale ACLs (``remove`` mode
    only), (4) sets that lose members updated, and sets no longer needed deleted.
    Set values are never empty.

    The agent owns every ACL of an endpoint and nothing else. An ``Update``
    replaces the endpoint's whole policy list, so it carries the endpoint's
    non-ACL policies (as last read from HNS, verbatim) first, then every ACL to
    keep; an Update with no ACL removes them all. Modes (``acl_update_mode``):

    - ``merge`` (default): an ``Add`` of the new ACLs when nothing must go,
      else one ``Update``. HNS's ``Remove`` of single ACLs is never used.
    - ``remove``: ``Add`` of the new, then ``Remove`` of the stale ACLs (by Id).
    - ``replace``: one ``Update`` per changed endpoint, always.

    Foreign ACLs (read from HNS, not ours: ``set_programmed_endpoint(foreign=)``)
    always take an Update, which drops them. An unchanged endpoint gets no
    request. Programmed state changes only on ``acknowledge(request, True)``,
    so every plan retries whatever is still different.
    """

    def __init__(self, acl_update_mode: AclUpdateMode = "merge") -> None:
        if acl_update_mode not in ACL_UPDATE_MODES:
            raise ValueError(
                f"acl_update_mode: expected one of {', '.join(ACL_UPDATE_MODES)}, "
                f"got {acl_update_mode!r}"
            )
        self.mode = acl_update_mode
        self.counters = PlanCounters()
        self._desired: dict[ResourceKey, dict[str, AclSpec]] = {}
        self._programmed: dict[ResourceKey, _Programmed] = {}
        self._desired_sets: dict[str, IpSetSpec] = {}
        self._programmed_sets: dict[str, IpSetSpec] = {}
        self._dirty: set[ResourceKey] = set()
        self._dirty_sets: set[str] = set()

    # -- state --------------------------------------------------------------------

    def set_desired_endpoint(self, key: ResourceKey, acls: Mapping[str, AclSpec] | None) -> None:
        """The ACLs one endpoint should carry (None or empty: none)."""
        if acls:
            self._desired[key] = dict(acls)
        else:
            self._desired.pop(key, None)
        self._dirty.add(key)

    def set_desired_set(self, set_id: str, spec: IpSetSpec | None) -> None:
        """One SetPolicy the network should carry (None: it should not)."""
        if spec is None:
            self._desired_sets.pop(set_id, None)
        else:
            self._desired_sets[set_id] = spec
        self._dirty_sets.add(set_id)

    def set_programmed_endpoint(
        self,
        key: ResourceKey,
        acls: Iterable[AclSpec] | None,
        *,
        others: Sequence[Policy] = (),
        foreign: Sequence[Policy] = (),
    ) -> None:
        """Adopt what HNS really has on one endpoint: our ACLs, its non-ACL policies
        (carried verbatim in every Update) and foreign ACLs (removed by the next plan).
        None: no such HNS endpoint. Callers adopt an endpoint before sending to it;
        one never adopted is planned as holding nothing else."""
        if acls is None:
            self._programmed.pop(key, None)
        else:
            self._programmed[key] = _Programmed(
                {a.id: a for a in acls}, tuple(foreign), tuple(others)
            )
        self._dirty.add(key)

    def set_programmed_sets(self, sets: Iterable[IpSetSpec]) -> None:
        """Adopt the SetPolicies HNS really has on the network."""
        before = set(self._programmed_sets)
        self._programmed_sets = {s.id: s for s in sets}
        self._dirty_sets |= before | set(self._programmed_sets)

    def desired(self, key: ResourceKey) -> Mapping[str, AclSpec]:
        return self._desired.get(key, {})

    def programmed(self, key: ResourceKey) -> Mapping[str, AclSpec]:
        found = self._programmed.get(key)
        return found.acls if found is not None else {}

    def foreign(self, key: ResourceKey) -> tuple[Policy, ...]:
        """Foreign ACLs last read on the endpoint and not removed yet."""
        found = self._programmed.get(key)
        return found.foreign if found is not None else ()

    # -- planning -------------------------------------------------------------------

    def plan(self) -> Plan:
        """The requests for every difference, in safe stages (empty when converged)."""
        set_adds: list[IpSetSpec] = []
        set_grows: list[IpSetSpec] = []
        set_shrinks: list[IpSetSpec] = []
        set_removes: list[IpSetSpec] = []
        for sid in sorted(self._dirty_sets):
            want, have = self._desired_sets.get(sid), self._programmed_sets.get(sid)
            if want == have:
                self._dirty_sets.discard(sid)
            elif want is None:
                assert have is not None
                set_removes.append(have)
            elif have is None:
                set_adds.append(want)
            elif len(have.values) <= len(want.values) and set(want.values).issuperset(have.values):
                set_grows.append(want)
            else:
                set_shrinks.append(want)
        adds: list[Request] = []
        removes: list[Request] = []
        for key in sorted(self._dirty):
            adds_for, removes_for = self._endpoint_requests(key)
            if adds_for is None and removes_for is None:
                self._dirty.discard(key)
            if adds_for is not None:
                adds.append(adds_for)
            if removes_for is not None:
                removes.append(removes_for)
        first: list[Request] = []
        if set_adds:
            first.append(NetworkSetRequest(RequestType.ADD, tuple(set_adds)))
        if set_grows:
            first.append(NetworkSetRequest(RequestType.UPDATE, tuple(set_grows)))
        last: list[Request] = []
        if set_shrinks:
            last.append(NetworkSetRequest(RequestType.UPDATE, tuple(set_shrinks)))
        if set_removes:
            last.append(NetworkSetRequest(RequestType.REMOVE, tuple(set_removes)))
        stages = tuple(tuple(s) for s in (first, adds, removes, last) if s)
        return Plan(stages)

    def _endpoint_requests(
        self, key: ResourceKey
    ) -> tuple[EndpointAclRequest | None, EndpointAclRequest | None]:
        want = self._desired.get(key, {})
        state = self._programmed.get(key) or _Programmed()
        have = state.acls
        added = [a for i, a in want.items() if (h := have.get(i)) is not a and h != a]
        stale = [a for i, a in have.items() if (w := want.get(i)) is not a and w != a]
        if not added and not stale and not state.foreign:
            return None, None
        if (
            self.mode == "replace"
            or state.foreign
            or any(a.id in have for a in added)
            or (stale and self.mode == "merge")
        ):
            update = EndpointAclRequest(
                key, RequestType.UPDATE, _ordered(want.values()), state.others
            )
            return update, None
        add = EndpointAclRequest(key, RequestType.ADD, _ordered(added)) if added else None
        remove = EndpointAclRequest(key, RequestType.REMOVE, _ordered(stale)) if stale else None
        return add, remove

    # -- feedback ---------------------------------------------------------------------

    def acknowledge(self, request: Request, ok: bool) -> None:
        """Record a request's outcome; only a success changes programmed state."""
        counters = self.counters
        counters.requests += 1
        if not ok:
            counters.requests_failed += 1
            return
        if isinstance(request, NetworkSetRequest):
            self._acknowledge_sets(request)
            return
        key = request.endpoint
        state = self._programmed.setdefault(key, _Programmed())
        programmed = state.acls
        if request.request_type is RequestType.REMOVE:
            for acl in request.acls:
                programmed.pop(acl.id, None)
            counters.acls_removed += len(request.acls)
        else:
            if request.request_type is RequestType.UPDATE:
                counters.acls_removed += len(programmed)
                counters.foreign_acls_removed += len(state.foreign)
                programmed.clear()
                state.foreign = ()
                state.others = request.others
            programmed.update((a.id, a) for a in request.acls)
            counters.acls_written += len(request.acls)
        self._dirty.add(key)

    def _acknowledge_sets(self, request: NetworkSetRequest) -> None:
        for spec in request.sets:
            if request.request_type is RequestType.REMOVE:
                self._programmed_sets.pop(spec.id, None)
                self.counters.sets_removed += 1
            else:
                self._programmed_sets[spec.id] = spec
                self.counters.sets_written += 1
            self._dirty_sets.add(spec.id)
