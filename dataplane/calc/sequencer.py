"""Turning the current state of dirty things into one net, ordered Delta."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeVar

from dataplane.calc.delta import Delta, EndpointPolicies, IpSetDelta, IpSetKey, Member
from dataplane.model import Policy, ResourceKey

V = TypeVar("V")


class DeltaSequencer:
    """Remembers what earlier deltas said and emits only real differences.

    ``endpoints`` and ``policies`` are the consumer's view: the state that
    accumulating every emitted delta gives. Changes that cancel out between
    two flushes (an add then a delete, a value then back) emit nothing.
    """

    __slots__ = ("_endpoints", "_policies")

    def __init__(self) -> None:
        self._endpoints: dict[ResourceKey, EndpointPolicies] = {}
        self._policies: dict[ResourceKey, Policy] = {}

    @property
    def endpoints(self) -> Mapping[ResourceKey, EndpointPolicies]:
        """Every local endpoint as last emitted."""
        return MappingProxyType(self._endpoints)

    @property
    def policies(self) -> Mapping[ResourceKey, Policy]:
        """Every active policy as last emitted."""
        return MappingProxyType(self._policies)

    def sequence(
        self,
        activated: Mapping[IpSetKey, frozenset[Member]],
        ipsets: tuple[IpSetDelta, ...],
        deactivated: frozenset[IpSetKey],
        endpoints: Mapping[ResourceKey, EndpointPolicies | None],
        policies: Mapping[ResourceKey, Policy | None],
        in_sync: bool,
    ) -> Delta:
        """The delta from the last emitted state to the given current values (None: absent).

        The set changes (activations with members, membership changes,
        deactivations) are already net: the rule scanner and the set calculator
        keep their own state. Mappings in the delta are ordered by key.
        """
        changed_policies, policies_removed = _diff(self._policies, policies)
        changed_endpoints, endpoints_removed = _diff(self._endpoints, endpoints)
        return Delta(
            ipsets_activated=activated,
            ipsets=ipsets,
            policies=changed_policies,
            endpoints=changed_endpoints,
            endpoints_removed=endpoints_removed,
            policies_removed=policies_removed,
            ipsets_deactivated=deactivated,
            in_sync=in_sync,
        )


def _diff(
    emitted: dict[ResourceKey, V], current: Mapping[ResourceKey, V | None]
) -> tuple[dict[ResourceKey, V], frozenset[ResourceKey]]:
    """Changed values and removed keys of ``current`` against ``emitted`` (which it updates)."""
    changed: list[ResourceKey] = []
    removed: set[ResourceKey] = set()
    for key, value in current.items():
        previous = emitted.get(key)
        if value is None:
            if previous is not None:
                del emitted[key]
                removed.add(key)
        elif previous is None or (previous is not value and previous != value):
            emitted[key] = value
            changed.append(key)
    changed.sort()
    return {key: emitted[key] for key in changed}, frozenset(removed)
