"""What the calculation graph hands to the compiler on each flush."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from dataplane.model import Action, Labels, Policy, ResourceKey, Route, WorkloadEndpoint
from dataplane.selector import Selector

# A plain set member is a CIDR string ("10.0.0.5/32", "10.1.0.0/16", "fd00::5/128").
# A named-port set member is (CIDR string, port number).
Member = str | tuple[str, int]


@dataclass(frozen=True, slots=True)
class IpSetKey:
    """Identity of one computed address set.

    Members are the addresses of every workload endpoint (as /32 or /128) and
    the nets of every network set whose selector labels match ``selector``,
    in the whole cluster. ``nets`` (when not None) keeps only the part of each
    member inside one of those CIDRs (a network-set net is intersected, not
    dropped). ``named_port`` = (name, protocol) keeps only workload endpoints
    that declare that named port and makes members (CIDR, port) pairs.
    """

    selector: Selector
    nets: tuple[str, ...] | None = None
    named_port: tuple[str, int] | None = None

    @property
    def canonical(self) -> str:
        nets = "*" if self.nets is None else ",".join(sorted(self.nets))
        port = "" if self.named_port is None else f"{self.named_port[0]}/{self.named_port[1]}"
        return f"{self.selector}|{nets}|{port}"

    @property
    def id(self) -> str:
        """Stable short id, the same in every process for the same key."""
        digest = hashlib.blake2b(self.canonical.encode(), digest_size=8).hexdigest()
        return f"s-{digest}"


@dataclass(frozen=True, slots=True)
class IpSetDelta:
    """Membership change of one acquired set since the last flush (or its acquire)."""

    key: IpSetKey
    added: frozenset[Member]
    removed: frozenset[Member]


@dataclass(frozen=True, slots=True)
class TierPolicies:
    """The policies of one tier that apply to an endpoint in one direction, in order."""

    tier: str
    default_action: Action
    policies: tuple[ResourceKey, ...]


@dataclass(frozen=True, slots=True)
class EndpointPolicies:
    """Everything the compiler needs about one local endpoint.

    ``selector_labels`` are the labels selectors see (own labels, inherited
    ``pcns.``/``pcsa.`` labels and the ``projectcalico.org/*`` labels).
    ``ingress``/``egress`` list only tiers with at least one policy applying
    to the endpoint for that direction, in evaluation order.
    """

    endpoint: WorkloadEndpoint
    selector_labels: Labels
    ingress: tuple[TierPolicies, ...]
    egress: tuple[TierPolicies, ...]


@dataclass(frozen=True, slots=True)
class Delta:
    """One flush of the graph, in the order a consumer must apply it.

    Fields are listed in application order: set membership changes, policy
    (re)definitions, endpoint changes, then endpoint and policy removals.
    ``policies`` holds only policies that apply to some local endpoint.
    ``routes_added``/``routes_removed`` are the overlay routes that changed (a
    route whose VTEP moved is removed and added); they are independent of the rest.
    """

    ipsets: tuple[IpSetDelta, ...] = ()
    policies: Mapping[ResourceKey, Policy] = field(default_factory=dict)
    endpoints: Mapping[ResourceKey, EndpointPolicies] = field(default_factory=dict)
    endpoints_removed: frozenset[ResourceKey] = frozenset()
    policies_removed: frozenset[ResourceKey] = frozenset()
    in_sync: bool = False
    routes_added: frozenset[Route] = frozenset()
    routes_removed: frozenset[Route] = frozenset()

    def __bool__(self) -> bool:
        return bool(
            self.routes_added
            or self.routes_removed
            or self.ipsets
            or self.policies
            or self.endpoints
            or self.endpoints_removed
            or self.policies_removed
        )
