"""The typed update stream that sources produce and the core consumes."""

from __future__ import annotations

from dataclasses import dataclass

from dataplane.model.keys import ResourceKey
from dataplane.model.node import CalicoNode, Node, UnreadableNodes
from dataplane.model.policy import Policy
from dataplane.model.resources import (
    Namespace,
    NetworkSet,
    Profile,
    ServiceAccount,
    Tier,
    WorkloadEndpoint,
)
from dataplane.model.routes import IpamBlock, IpPool

Resource = (
    Namespace
    | ServiceAccount
    | WorkloadEndpoint
    | NetworkSet
    | Tier
    | Profile
    | Policy
    | IpPool
    | IpamBlock
    | Node
    | CalicoNode
    | UnreadableNodes
)


@dataclass(frozen=True, slots=True)
class Upsert:
    """Create or replace one resource."""

    value: Resource

    @property
    def key(self) -> ResourceKey:
        return self.value.key


@dataclass(frozen=True, slots=True)
class Delete:
    """Remove one resource (deleting an unknown key is a no-op)."""

    key: ResourceKey


@dataclass(frozen=True, slots=True)
class InSync:
    """The source has delivered a complete snapshot of its datastore."""


Update = Upsert | Delete | InSync
