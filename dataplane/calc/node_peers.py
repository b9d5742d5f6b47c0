"""Rules with ``nodes`` peers, enforced fail-closed while Node objects cannot be read.

A ``nodes`` peer (cluster-admin policies) matches the addresses of the Nodes whose
labels match. When the Node objects cannot be read, those addresses are unknown:
matching nothing would let a Deny (or Pass) rule stop denying. So while any Node
collection is unreadable, every rule with a ``nodes`` peer is enforced as the
stand-in of a rule that cannot be read (``fail_closed_rule``): an Allow allows
nothing, a Deny or Pass denies everything in its direction. Other rules, and
policies without ``nodes`` peers, are untouched. The stand-ins carry the reason, so
each selected endpoint's status, the fail-closed gauge and the log report them.
"""

from __future__ import annotations

import dataclasses

from dataplane.model import Policy, ResourceKey, Rule
from dataplane.model.policy import fail_closed_rule


def uses_nodes(rule: Rule) -> bool:
    """Whether a rule has a ``nodes`` peer."""
    return rule.source.node_selector is not None or rule.destination.node_selector is not None


class NodePeerGuard:
    """The policies with ``nodes`` peers as written, and the Node collections unreadable
    now; gives the version of a policy to enforce."""

    __slots__ = ("_policies", "_unreadable")

    def __init__(self) -> None:
        self._policies: dict[ResourceKey, Policy] = {}
        self._unreadable: set[str] = set()

    @property
    def unreadable(self) -> frozenset[str]:
        """The Node collections that cannot be read now."""
        return frozenset(self._unreadable)

    def enforced(self, policy: Policy) -> Policy:
        """The version of ``policy`` to enforce now (remembered when it has ``nodes``
        peers, to be enforced anew when readability changes)."""
        if not any(uses_nodes(rule) for rule in policy.ingress + policy.egress):
            self._policies.pop(policy.key, None)
            return policy
        self._policies[policy.key] = policy
        return self._current(policy)

    def forget(self, key: ResourceKey) -> None:
        """A policy was deleted."""
        self._policies.pop(key, None)

    def set_unreadable(self, collection: str, unreadable: bool) -> list[Policy]:
        """Record whether a Node collection can be read; the policies whose enforced
        version changed, in that version."""
        if unreadable == (collection in self._unreadable):
            return []
        if unreadable:
            self._unreadable.add(collection)
        else:
            self._unreadable.discard(collection)
        return [self._current(policy) for policy in self._policies.values()]

    def _current(self, policy: Policy) -> Policy:
        if not self._unreadable:
            return policy
        unreadable = ", ".join(sorted(self._unreadable))
        reason = f"nodes peer cannot be evaluated: the Node objects cannot be read ({unreadable})"
        return dataclasses.replace(
            policy,
            ingress=_blinded(policy.ingress, reason),
            egress=_blinded(policy.egress, reason),
        )


def _blinded(rules: tuple[Rule, ...], reason: str) -> tuple[Rule, ...]:
    return tuple(
        fail_closed_rule(rule.action, reason, rule.origin) if uses_nodes(rule) else rule
        for rule in rules
    )
