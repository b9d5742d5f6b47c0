"""Which local endpoint owns an address that several local pods claim.

Two local pods with one IP map to one HNS endpoint: only one pod's policy can
be programmed there. The owner is the pod without a deletionTimestamp, then
the newest (creationTimestamp), then the first by namespace/name; the others
are shadowed (not programmed) until the conflict ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dataplane.model import ResourceKey, WorkloadEndpoint


@dataclass(frozen=True, slots=True)
class AddressConflict:
    """Local pods claiming one address; ``owner`` is programmed, ``shadowed`` are not.

    ``tied``: owner and runner-up have the same deletion state and creation
    time, so the name decided.
    """

    address: str
    owner: ResourceKey
    shadowed: tuple[ResourceKey, ...]
    tied: bool

    def describe(self) -> str:
        others = ", ".join(str(k) for k in self.shadowed)
        how = (
            "decided by name (same deletion state and creation time)"
            if self.tied
            else ("the pod not being deleted, then the newest, is programmed")
        )
        return (
            f"address {self.address} claimed by {self.owner} and {others}: "
            f"{self.owner} is programmed ({how}); {others} shadowed"
        )


class AddressClaims:
    """The local endpoints' addresses and, per address claimed twice, its owner."""

    __slots__ = ("_by_address", "_contested", "_endpoints")

    def __init__(self) -> None:
        self._endpoints: dict[ResourceKey, WorkloadEndpoint] = {}
        self._by_address: dict[str, set[ResourceKey]] = {}
        self._contested: set[str] = set()  # addresses with more than one claimant

    def claim(self, key: ResourceKey, endpoint: WorkloadEndpoint | None) -> set[ResourceKey]:
        """Record a local endpoint (None: gone or not local); returns every key whose
        ownership may have changed (``key`` and those sharing an address with it)."""
        affected = {key}
        old = self._endpoints.pop(key, None)
        for address in () if old is None else old.addresses:
            claimants = self._by_address[address]
            claimants.discard(key)
            affected |= claimants
            if len(claimants) < 2:
                self._contested.discard(address)
            if not claimants:
                del self._by_address[address]
        if endpoint is not None:
            self._endpoints[key] = endpoint
            for address in endpoint.addresses:
                claimants = self._by_address.setdefault(address, set())
                affected |= claimants
                claimants.add(key)
                if len(claimants) > 1:
                    self._contested.add(address)
        return affected

    def owns_all(self, key: ResourceKey) -> bool:
        """True when ``key`` is local and owns every address it claims."""
        endpoint = self._endpoints.get(key)
        if endpoint is None:
            return False
        return all(self._owner(a) == key for a in endpoint.addresses)

    def conflicts(self) -> Mapping[str, AddressConflict]:
        """Every address claimed by more than one local endpoint."""
        return {
            address: self._conflict(address, self._by_address[address])
            for address in sorted(self._contested)
        }

    def _owner(self, address: str) -> ResourceKey:
        claimants = self._by_address[address]
        if len(claimants) == 1:
            return next(iter(claimants))
        return self._ranked(claimants)[0]

    def _ranked(self, claimants: Iterable[ResourceKey]) -> list[ResourceKey]:
        ordered = sorted(claimants)
        ordered.sort(key=self._preference, reverse=True)  # stable: ties keep name order
        return ordered

    def _preference(self, key: ResourceKey) -> tuple[bool, str]:
        endpoint = self._endpoints[key]
        return (not endpoint.deleting, endpoint.created)

    def _conflict(self, address: str, claimants: set[ResourceKey]) -> AddressConflict:
        ranked = self._ranked(claimants)
        tied = self._preference(ranked[0]) == self._preference(ranked[1])
        return AddressConflict(address, ranked[0], tuple(ranked[1:]), tied)
