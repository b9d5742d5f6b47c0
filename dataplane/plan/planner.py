"""Desired versus programmed HNS state, as the fewest requests in safe stages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Literal

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

AclUpdateMode = Literal["merge", "replace"]


@dataclass(slots=True)
class PlanCounters:
    """Monotonic counts of what the planner asked of HNS (counted on acknowledge)."""

    requests: int = 0
    """Requests sent (acknowledged, successfully or not)."""
    requests_failed: int = 0
    acls_written: int = 0
    """ACLs carried by successful Add and Update requests."""
    acls_removed: int = 0
    sets_written: int = 0
    """SetPolicies carried by successful Add and Update requests."""
    sets_removed: int = 0

    def snapshot(self) -> dict[str, int]:
        return asdict(self)


def _ordered(acls: Iterable[AclSpec]) -> tuple[AclSpec, ...]:
    return tuple(sorted(acls, key=lambda a: (a.direction, a.priority, a.id)))


class Planner:
    """Plans requests that take programmed state to desired state.

    Stages: (1) sets added or grown, (2) per endpoint one Add of its new ACLs,
    (3) per endpoint one Remove of its stale ACLs, (4) sets that lose members
    updated, and sets no longer needed deleted. Set values are never empty.
    With ``acl_update_mode="replace"`` stages 2 and 3 become
    one Update per changed endpoint carrying its full list (also used in merge
    mode where an id is programmed with other content, e.g. after adoption);
    emptying an endpoint is always a Remove (an Update replaces only the policy
    types it carries, so an empty one would change nothing).
    Programmed state changes only on ``acknowledge(request, True)``, so every
    plan retries whatever is still different.
    """

    def __init__(self, acl_update_mode: AclUpdateMode = "merge") -> None:
        if acl_update_mode not in ("merge", "replace"):
            raise ValueError(
                f"acl_update_mode: expected 'merge' or 'replace', got {acl_update_mode!r}"
            )
        self.mode = acl_update_mode
        self.counters = PlanCounters()
        self._desired: dict[ResourceKey, dict[str, AclSpec]] = {}
        self._programmed: dict[ResourceKey, dict[str, AclSpec]] = {}
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

    def set_programmed_endpoint(self, key: ResourceKey, acls: Iterable[AclSpec] | None) -> None:
        """Adopt what HNS really has on one endpoint (None: no such HNS endpoint)."""
        found = {a.id: a for a in acls or ()}
        if found:
            self._programmed[key] = found
        else:
            self._programmed.pop(key, None)
        self._dirty.add(key)

    def set_programmed_sets(self, sets: Iterable[IpSetSpec]) -> None:
        """Adopt the SetPolicies HNS really has on the network."""
        before = set(self._programmed_sets)
        self._programmed_sets = {s.id: s for s in sets}
        self._dirty_sets |= before | set(self._programmed_sets)

    def desired(self, key: ResourceKey) -> Mapping[str, AclSpec]:
        return self._desired.get(key, {})

    def programmed(self, key: ResourceKey) -> Mapping[str, AclSpec]:
        return self._programmed.get(key, {})

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
        have = self._programmed.get(key, {})
        added = [a for i, a in want.items() if (h := have.get(i)) is not a and h != a]
        stale = [a for i, a in have.items() if (w := want.get(i)) is not a and w != a]
        if not added and not stale:
            return None, None
        if want and (self.mode == "replace" or any(a.id in have for a in added)):
            return EndpointAclRequest(key, RequestType.UPDATE, _ordered(want.values())), None
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
        programmed = self._programmed.setdefault(key, {})
        if request.request_type is RequestType.REMOVE:
            for acl in request.acls:
                programmed.pop(acl.id, None)
            counters.acls_removed += len(request.acls)
        else:
            if request.request_type is RequestType.UPDATE:
                counters.acls_removed += len(programmed)
                programmed.clear()
            programmed.update((a.id, a) for a in request.acls)
            counters.acls_written += len(request.acls)
        if not programmed:
            del self._programmed[key]
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
