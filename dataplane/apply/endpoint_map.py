"""Which HNS endpoint belongs to which local pod (HNS has no events: matched by IP)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dataplane.model import ResourceKey, WorkloadEndpoint


@dataclass(frozen=True, slots=True)
class HnsEndpointRef:
    """The part of an HNS endpoint the mapper needs."""

    id: str
    ip_addresses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MappingChange:
    """Result of one refresh: pods that gained, changed or lost their HNS endpoint."""

    mapped: dict[ResourceKey, str]
    unmapped: frozenset[ResourceKey]

    def __bool__(self) -> bool:
        return bool(self.mapped or self.unmapped)


class EndpointMap:
    """Maps local pods to HNS endpoint ids by IP address, remembering the last answer."""

    def __init__(self) -> None:
        self._ids: dict[ResourceKey, str] = {}

    def refresh(
        self,
        pods: Mapping[ResourceKey, WorkloadEndpoint],
        hns_endpoints: Iterable[HnsEndpointRef],
    ) -> MappingChange:
        """Recompute the mapping from a full HNS listing; return what changed."""
        by_ip: dict[str, str] = {}
        for ref in hns_endpoints:
            for ip in ref.ip_addresses:
                by_ip[ip] = ref.id
        current: dict[ResourceKey, str] = {}
        for key, pod in pods.items():
            found = next((by_ip[a] for a in pod.addresses if a in by_ip), None)
            if found is not None:
                current[key] = found
        mapped = {k: v for k, v in current.items() if self._ids.get(k) != v}
        unmapped = frozenset(self._ids.keys() - current.keys())
        self._ids = current
        return MappingChange(mapped, unmapped)

    def forget(self, key: ResourceKey) -> None:
        """Drop one pod's mapping (its HNS endpoint was found deleted)."""
        self._ids.pop(key, None)

    def id_of(self, key: ResourceKey) -> str | None:
        return self._ids.get(key)

    @property
    def ids(self) -> Mapping[ResourceKey, str]:
        return self._ids

    def pending(self, pods: Iterable[ResourceKey]) -> list[ResourceKey]:
        """Local pods that have no HNS endpoint yet."""
        return [k for k in pods if k not in self._ids]
