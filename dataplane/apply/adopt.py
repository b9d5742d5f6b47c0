"""Read what HNS really has programmed back into the planner's types."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dataplane.plan.requests import AclSpec, IpSetSpec


def acl_from_policy(policy: Mapping[str, Any]) -> AclSpec | None:
    """The ``AclSpec`` for an HNS ``{"Type": "ACL", ...}`` policy document, else None.

    A malformed ACL (missing Id or priority) returns None: the planner then
    sees it as absent and programs the desired ACL next to it, and the next
    resync shows it again; it is never silently trusted.
    """
    if policy.get("Type") != "ACL":
        return None
    settings = policy.get("Settings")
    if not isinstance(settings, Mapping):
        return None
    acl_id, priority = settings.get("Id"), settings.get("Priority")
    if not isinstance(acl_id, str) or not acl_id or not isinstance(priority, int):
        return None
    return AclSpec(
        id=acl_id,
        action=str(settings.get("Action", "")),
        direction=str(settings.get("Direction", "")),
        priority=priority,
        protocols=str(settings.get("Protocols", "") or ""),
        local_addresses=str(settings.get("LocalAddresses", "") or ""),
        remote_addresses=str(settings.get("RemoteAddresses", "") or ""),
        local_ports=str(settings.get("LocalPorts", "") or ""),
        remote_ports=str(settings.get("RemotePorts", "") or ""),
        rule_type=str(settings.get("RuleType", "Switch") or "Switch"),
    )


def ipset_from_policy(policy: Mapping[str, Any]) -> IpSetSpec | None:
    """The ``IpSetSpec`` for an HNS ``{"Type": "SetPolicy", ...}`` document, else None."""
    if policy.get("Type") != "SetPolicy":
        return None
    settings = policy.get("Settings")
    if not isinstance(settings, Mapping):
        return None
    set_id, values = settings.get("Id"), settings.get("Values", "")
    if not isinstance(set_id, str) or not set_id or not isinstance(values, str):
        return None
    return IpSetSpec(
        id=set_id,
        name=str(settings.get("Name", "")),
        values=tuple(v for v in values.split(",") if v),
        policy_type=str(settings.get("PolicyType", "IPSET")),
    )


def acls_of(policies: Iterable[Mapping[str, Any]]) -> list[AclSpec]:
    """Every well-formed ACL among an endpoint's policies."""
    return [acl for acl in map(acl_from_policy, policies) if acl is not None]


def ipsets_of(policies: Iterable[Mapping[str, Any]]) -> list[IpSetSpec]:
    """Every well-formed SetPolicy among a network's policies."""
    return [s for s in map(ipset_from_policy, policies) if s is not None]
