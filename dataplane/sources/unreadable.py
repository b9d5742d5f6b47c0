"""Fail-closed stand-ins for policy collections the agent is not allowed to read.

A policy kind that cannot be read (an optional CRD answering 403) may hold
policies that deny traffic; "no policy" would be more permissive than the
cluster's. While it stays unreadable a deny-all policy applies to every local
endpoint, in a tier evaluated before every other, named after the collection
so that each endpoint's status says why it is denied.
"""

from __future__ import annotations

import sys

from dataplane.model import (
    Action,
    Delete,
    Direction,
    Kind,
    Policy,
    ResourceKey,
    Rule,
    Tier,
    Update,
    Upsert,
)
from dataplane.selector import ALL

# ':' cannot occur in Kubernetes names: no real tier or policy can collide.
UNREADABLE_TIER = Tier(name="hns-dataplane:unreadable", order=-sys.float_info.max)
_DENY = (Rule(Action.DENY),)


def deny_all_policy(collection: str) -> Policy:
    """The stand-in for one unreadable collection (``plural.group``)."""
    return Policy(
        kind=Kind.GLOBAL_NETWORK_POLICY,
        namespace="",
        name=f"hns-dataplane:unreadable:{collection}",
        selector=ALL,
        types=frozenset({Direction.INGRESS, Direction.EGRESS}),
        ingress=_DENY,
        egress=_DENY,
        tier=UNREADABLE_TIER.name,
        order=0.0,
    )


class UnreadableCollections:
    """The policy collections unreadable now, and the updates that keep stand-ins in step."""

    __slots__ = ("_names",)

    def __init__(self) -> None:
        self._names: set[str] = set()

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._names)

    def set(self, collection: str, unreadable: bool) -> list[Update]:
        """Record one collection's readability; the updates the change calls for."""
        if unreadable == (collection in self._names):
            return []
        if unreadable:
            first = not self._names
            self._names.add(collection)
            policy = Upsert(deny_all_policy(collection))
            return [Upsert(UNREADABLE_TIER), policy] if first else [policy]
        self._names.discard(collection)
        removal: list[Update] = [Delete(deny_all_policy(collection).key)]
        if not self._names:
            removal.append(Delete(ResourceKey(Kind.TIER, "", UNREADABLE_TIER.name)))
        return removal
