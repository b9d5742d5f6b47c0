"""Immutable value types shared by every layer of the dataplane."""

from dataplane.model.keys import POLICY_KINDS, Kind, ResourceKey
from dataplane.model.labels import EMPTY_LABELS, LabelInterner, Labels
from dataplane.model.policy import (
    ANY_ENTITY,
    Direction,
    EntityMatch,
    IcmpMatch,
    NamedPortRef,
    Policy,
    Port,
    PortRange,
    Protocol,
    Rule,
)
from dataplane.model.resources import (
    DEFAULT_TIER,
    Action,
    NamedPort,
    Namespace,
    NetworkSet,
    Profile,
    ServiceAccount,
    Tier,
    WorkloadEndpoint,
)
from dataplane.model.updates import Delete, InSync, Resource, Update, Upsert

__all__ = [
    "ANY_ENTITY",
    "DEFAULT_TIER",
    "EMPTY_LABELS",
    "POLICY_KINDS",
    "Action",
    "Delete",
    "Direction",
    "EntityMatch",
    "IcmpMatch",
    "InSync",
    "Kind",
    "LabelInterner",
    "Labels",
    "NamedPort",
    "NamedPortRef",
    "Namespace",
    "NetworkSet",
    "Policy",
    "Port",
    "PortRange",
    "Profile",
    "Protocol",
    "Resource",
    "ResourceKey",
    "Rule",
    "ServiceAccount",
    "Tier",
    "Update",
    "Upsert",
    "WorkloadEndpoint",
]
