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
    ``nodes``: the members are instead the addresses of the Nodes whose labels
    match (admin policies' ``nodes`` peers).

    The graph activates keys without ``nets`` (``rule_scanner``); a key with
    ``nets`` is a view the compiler cuts from the active key without them.
    """

    selector: Selector
    nets: tuple[str, ...] | None = None
    named_port: tuple[str, int] | None = None
    nodes: bool = False

    @property
    def canonical(self) -> str:
        nets = "*" if self.nets is None else ",".join(sorted(self.nets))
        port = "" if self.named_port is None else f"{self.named_port[0]}/{self.named_port[1]}"
        return f"{self.selector}|{nets}|{port}" + ("|nodes" if self.nodes else "")

    @property
    def id(self) -> str:
        """Stable short id, the same in every process for the same key."""
        digest = hashlib.blake2b(self.canonical.encode(), digest_size=8).hexdigest()
        return f"s-{digest}"


@dataclass(frozen=True, slots=True)
class IpSetDelta:
    """Membership change of one active set since the last flush."""

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

    Fields are listed in application order: sets that became active (with
    their members), membership changes of sets that were and stay active,
    policy (re)definitions, endpoint changes, endpoint and policy removals,
    then sets no longer active. ``policies`` holds only policies that apply
    to some local endpoint; the active sets are exactly those their rules
    read (``rule_scanner.policy_set_keys``), so a policy's sets are active
    from the delta that sends it until the one that removes it.
    ``routes_added``/``routes_removed`` are the overlay routes that changed (a
    route whose VTEP moved is removed and added); they are independent of the rest.
    """

    ipsets_activated: Mapping[IpSetKey, frozenset[Member]] = field(default_factory=dict)
    ipsets: tuple[IpSetDelta, ...] = ()
    policies: Mapping[ResourceKey, Policy] = field(default_factory=dict)
    endpoints: Mapping[ResourceKey, EndpointPolicies] = field(default_factory=dict)
    endpoints_removed: frozenset[ResourceKey] = frozenset()
    policies_removed: frozenset[ResourceKey] = frozenset()
    ipsets_deactivated: frozenset[IpSetKey] = frozenset()
    in_sync: bool = False
    routes_added: frozenset[Route] = frozenset()
    routes_removed: frozenset[Route] = frozenset()

    def __bool__(self) -> bool:
        return bool(
            self.routes_added
            or self.routes_removed
            or self.ipsets_activated
            or self.ipsets
            or self.ipsets_deactivated
            or self.policies
            or self.endpoints
            or self.endpoints_removed
            or self.policies_removed
        )
