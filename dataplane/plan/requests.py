"""HNS objects the compiler wants and the requests the planner emits to get them."""

from __future__ import annotations

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
        """The ``{"Type": "ACL", "Settings": {...}}`` document HNS expects."""
        return {
            "Type": "ACL",
            "Settings": {
                "Id": self.id,
                "Protocols": self.protocols,
                "Action": self.action,
                "Direction": self.direction,
                "LocalAddresses": self.local_addresses,
                "RemoteAddresses": self.remote_addresses,
                "LocalPorts": self.local_ports,
                "RemotePorts": self.remote_ports,
                "RuleType": self.rule_type,
                "Priority": self.priority,
            },
        }


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

    With ``RequestType.UPDATE`` the list replaces every ACL on the endpoint.
    """

    endpoint: ResourceKey
    request_type: RequestType
    acls: tuple[AclSpec, ...]


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
