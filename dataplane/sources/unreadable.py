"""Fail-closed stand-ins for collections the agent cannot read.

A policy kind that cannot be read (an optional CRD answering 403) may hold
policies that deny traffic; "no policy" would be more permissive than the
cluster's. While it stays unreadable a deny-all policy applies to every local
endpoint, in a tier evaluated before every other, named after the collection
so that each endpoint's status says why it is denied.

The Nodes collection holds what ``nodes`` peers of cluster-admin policies match.
While it cannot be read (403, or 404: a Kubernetes API server always serves it)
an ``UnreadableNodes`` marker makes the calc graph enforce the rules with ``nodes``
peers fail-closed (``dataplane.calc.node_peers``); other policies are untouched.
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
    UnreadableNodes,
    Update,
    Upsert,
)
from dataplane.selector import ALL
from dataplane.sources.kube_resources import WatchedResource
from dataplane.sources.reflector import State

# ':' cannot occur in Kubernetes names: no real tier or policy can collide.
UNREADABLE_TIER = Tier(name="hns-dataplane:unreadable", order=-sys.float_info.max)
_DENY = (Rule(Action.DENY),)


def deny_all_policy(collection: str) -> Policy:
    """The stand-in for one unreadable policy collection (``plural.group``)."""
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


def fails_closed(resource: WatchedResource, state: State) -> bool:
    """Whether a collection in ``state`` calls for its fail-closed stand-in."""
    if resource.required_for_policy:
        return state is State.FORBIDDEN
    if resource.node_peers:
        return state in (State.FORBIDDEN, State.ABSENT)
    return False


def consequence(resource: WatchedResource) -> str:
    """What the stand-in of an unreadable collection does, for the log."""
    if resource.node_peers:
        return "rules with nodes peers are enforced fail-closed"
    return "every local endpoint is denied"


class UnreadableCollections:
    """The collections unreadable now, and the updates that keep stand-ins in step."""

    __slots__ = ("_names", "_policies")

    def __init__(self) -> None:
        self._names: set[str] = set()
        self._policies: set[str] = set()  # those whose stand-in is a deny-all policy

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._names)

    def set(self, resource: WatchedResource, state: State) -> list[Update]:
        """Record one collection's state; the updates a change of readability calls for."""
        name = resource.name
        unreadable = fails_closed(resource, state)
        if unreadable == (name in self._names):
            return []
        if unreadable:
            self._names.add(name)
        else:
            self._names.discard(name)
        if resource.node_peers:
            marker = UnreadableNodes(name)
            return [Upsert(marker)] if unreadable else [Delete(marker.key)]
        return self._set_policy(name, unreadable)

    def _set_policy(self, name: str, unreadable: bool) -> list[Update]:
        if unreadable:
            first = not self._policies
            self._policies.add(name)
            policy = Upsert(deny_all_policy(name))
            return [Upsert(UNREADABLE_TIER), policy] if first else [policy]
        self._policies.discard(name)
        removal: list[Update] = [Delete(deny_all_policy(name).key)]
        if not self._policies:
            removal.append(Delete(ResourceKey(Kind.TIER, "", UNREADABLE_TIER.name)))
        return removal
