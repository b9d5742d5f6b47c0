"""Read what HNS really has programmed back into the planner's types."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from dataplane.compile.acls import is_own
from dataplane.model import ResourceKey
from dataplane.plan.requests import AclSpec, IpSetSpec

Policy = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class EndpointPolicies:
    """An HNS endpoint's policies as the agent sees them.

    ``acls``: ACLs we programmed (their id's hash matches their content);
    ``foreign``: every other ACL (no Id, edited, another tool's): the agent owns
    the endpoint's ACLs, so these are removed; ``others``: non-ACL policies
    (the CNI's OutBoundNAT, encapsulation, ...), kept verbatim.
    """

    acls: tuple[AclSpec, ...]
    foreign: tuple[Policy, ...]
    others: tuple[Policy, ...]


def split_policies(policies: Iterable[Policy]) -> EndpointPolicies:
    """Sort an endpoint's policy documents into ours, foreign ACLs and the rest."""
    acls: list[AclSpec] = []
    foreign: list[Policy] = []
    others: list[Policy] = []
    for policy in policies:
        if policy.get("Type") != "ACL":
            others.append(policy)
        elif (acl := acl_from_policy(policy)) is not None and is_own(acl):
            acls.append(acl)
        else:
            foreign.append(policy)
    return EndpointPolicies(tuple(acls), tuple(foreign), tuple(others))


def acl_from_policy(policy: Mapping[str, Any]) -> AclSpec | None:
    """The ``AclSpec`` for an HNS ``{"Type": "ACL", ...}`` policy document, else None.

    A malformed ACL (missing Id or priority) returns None (``split_policies``
    then counts it as foreign); it is never silently trusted.
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


class Adopter(Protocol):
    """What adopted endpoint state is handed to: ``Engine`` or ``Planner``."""

    def set_programmed_endpoint(
        self,
        key: ResourceKey,
        acls: Iterable[AclSpec] | None,
        *,
        others: Sequence[Policy] = (),
        foreign: Sequence[Policy] = (),
    ) -> None: ...


def adopt_endpoint(
    engine: Adopter, key: ResourceKey, policies: Iterable[Policy] | None
) -> EndpointPolicies | None:
    """Hand what HNS holds on one endpoint to ``engine`` (None: no HNS endpoint)."""
    if policies is None:
        engine.set_programmed_endpoint(key, None)
        return None
    found = split_policies(policies)
    engine.set_programmed_endpoint(key, found.acls, others=found.others, foreign=found.foreign)
    return found
