"""Explain's words for where an ACL came from: the engine's label, plus the admin rule."""

from __future__ import annotations

import re
from collections.abc import Mapping

from dataplane.model import ADMIN_POLICY_KINDS, Direction, Policy, ResourceKey

_RULE_LABEL = re.compile(r"(?P<key>.+) (?P<direction>Ingress|Egress) rule (?P<index>\d+)")


def admin_rule(label: str, policies: Mapping[ResourceKey, Policy]) -> str | None:
    """For a label naming a cluster-admin policy's rule (``AdminNetworkPolicy(guard)
    Ingress rule 3``), the rule as written, its action, tier and priority; else None."""
    found = _RULE_LABEL.match(label)
    if found is None:
        return None
    policy = next(
        (p for k, p in policies.items() if k.kind in ADMIN_POLICY_KINDS and str(k) == found["key"]),
        None,
    )
    if policy is None:
        return None
    rules = policy.rules(Direction(found["direction"]))
    index = int(found["index"])
    if index >= len(rules):
        return None
    rule = rules[index]
    priority = "baseline" if policy.order is None else f"priority {policy.order:g}"
    return (
        f"{policy.kind} {policy.name} {rule.origin}: {rule.action} (tier {policy.tier}, {priority})"
    )
