"""What the compiler reports about one local endpoint, and its configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dataplane.compile.acls import SetSide
from dataplane.compile.priorities import HOST_RULE_PRIORITY
from dataplane.model import ResourceKey
from dataplane.plan.requests import AclSpec, IpSetSpec


@dataclass(frozen=True, slots=True)
class CompileConfig:
    """How policies are compiled for the HNS at hand.

    ``set_policy``: reference network SetPolicies (HNS >= 13.0) instead of
    inlining addresses; ``set_side``: where a set reference names the peer
    (``npm``: the packet's source in LocalAddresses; ``felix``: endpoint-relative).
    ``ipv6``: the node carries IPv6 traffic. ``max_inlined_acls``: above this, a
    Pass that needs inlining is compiled as a deny of its match instead
    (fail-closed). ``host_rules``: every endpoint carrying ACLs also gets a
    ``RuleType: Host`` allow per direction, at ``host_rule_priority``.
    """

    set_policy: bool = False
    ipv6: bool = True
    max_addresses_per_acl: int = 4000
    host_addresses: tuple[str, ...] = ()
    allow_host: bool = True
    max_inlined_acls: int = 1000
    set_side: SetSide = "npm"
    host_rules: bool = True
    host_rule_priority: int = HOST_RULE_PRIORITY

    def __post_init__(self) -> None:
        for name in ("max_addresses_per_acl", "max_inlined_acls"):
            if getattr(self, name) < 1:
                raise ValueError(f"CompileConfig.{name}: must be at least 1")
        if self.set_side not in ("npm", "felix"):
            raise ValueError(f"CompileConfig.set_side: 'npm' or 'felix', not {self.set_side!r}")


@dataclass(frozen=True, slots=True)
class EndpointStatus:
    """Policies per direction in evaluation order, ACL count and fail-closed notes."""

    ingress: tuple[ResourceKey, ...]
    egress: tuple[ResourceKey, ...]
    acl_count: int
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CompileResult:
    """Desired HNS state that changed in one ``apply``.

    ``endpoints``: full ACL map per recompiled endpoint (None: endpoint gone).
    ``sets``: SetPolicies created or changed (None: no longer needed).
    """

    endpoints: Mapping[ResourceKey, Mapping[str, AclSpec] | None] = field(default_factory=dict)
    sets: Mapping[str, IpSetSpec | None] = field(default_factory=dict)
