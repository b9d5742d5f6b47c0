"""HNS objects the compiler wants and the requests the planner emits to get them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dataplane.model import ResourceKey


@dataclass(frozen=True, slots=True)
class AclSpec:
    """One HNS ACL policy, field for field (empty string = any)."""

    id: str
    action: str  # "Allow" | "Block"
    direction: str  # "In" | "Out"
    priority: int
    protocols: str = ""
    local_addresses: str = ""
    remote_addresses: str = ""
    local_ports: str = ""
    remote_ports: str = ""
    rule_type: str = "Switch"

    def to_policy(self) -> dict[str, Any]:
        """The ``{"Type": "ACL", "Settings": {...}}`` document HNS expects.

        Empty fields are omitted (as hcsshim and Azure NPM serialise them):
        an absent address, port or protocol field means any.
        """
        settings: dict[str, Any] = {"Id": self.id}
        optional = (
            ("Protocols", self.protocols),
            ("LocalAddresses", self.local_addresses),
            ("RemoteAddresses", self.remote_addresses),
            ("LocalPorts", self.local_ports),
            ("RemotePorts", self.remote_ports),
        )
        settings.update((name, value) for name, value in optional if value)
        settings.update(
            Action=self.action,
            Direction=self.direction,
            RuleType=self.rule_type,
            Priority=self.priority,
        )
        return {"Type": "ACL", "Settings": settings}


@dataclass(frozen=True, slots=True)
class IpSetSpec:
    """One network-level HNS SetPolicy (``IPSET``: values are CIDRs/IPs)."""

    id: str
    name: str
    values: tuple[str, ...]
    policy_type: str = "IPSET"

    def to_policy(self) -> dict[str, Any]:
        """The ``{"Type": "SetPolicy", "Settings": {...}}`` document HNS expects."""
        return {
            "Type": "SetPolicy",
            "Settings": {
                "Id": self.id,
                "Name": self.name,
                "PolicyType": self.policy_type,
                "Values": ",".join(self.values),
            },
        }


class RequestType(StrEnum):
    """HNS modify request types."""

    ADD = "Add"
    REMOVE = "Remove"
    UPDATE = "Update"


@dataclass(frozen=True, slots=True)
class NetworkSetRequest:
    """One ``HcnModifyNetwork`` call carrying SetPolicies."""

    request_type: RequestType
    sets: tuple[IpSetSpec, ...]


@dataclass(frozen=True, slots=True)
class EndpointAclRequest:
    """One ``HcnModifyEndpoint`` call carrying ACLs for one local endpoint.

    ``RequestType.UPDATE`` replaces the endpoint's WHOLE policy list, ACL or
    not: it carries ``others`` (the endpoint's non-ACL policies as HNS listed
    them, verbatim) first, then every ACL the endpoint keeps. An Update with
    no ACLs removes every ACL. ``others`` is empty for Add and Remove.
    """

    endpoint: ResourceKey
    request_type: RequestType
    acls: tuple[AclSpec, ...]
    others: tuple[Mapping[str, Any], ...] = ()

    def policies(self) -> list[Mapping[str, Any]]:
        """The request's policy documents, non-ACL policies first."""
        return [*self.others, *(acl.to_policy() for acl in self.acls)]


Request = NetworkSetRequest | EndpointAclRequest


@dataclass(frozen=True, slots=True)
class Plan:
    """Requests in stages: every request of a stage must succeed before the next
    stage starts; requests within one stage are independent of each other."""

    stages: tuple[tuple[Request, ...], ...] = ()

    @property
    def requests(self) -> tuple[Request, ...]:
        return tuple(r for stage in self.stages for r in stage)

    def __bool__(self) -> bool:
        return any(self.stages)
