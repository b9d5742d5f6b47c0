"""Value types for policies and their rules (Kubernetes and Calico share one model)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from dataplane.model.keys import Kind, ResourceKey
from dataplane.model.resources import Action

if TYPE_CHECKING:
    from dataplane.selector import Selector


class Direction(StrEnum):
    """Traffic direction relative to the endpoint a policy selects."""

    INGRESS = "Ingress"
    EGRESS = "Egress"


class Protocol:
    """IANA protocol numbers the policy languages name."""

    ICMP = 1
    TCP = 6
    UDP = 17
    ICMPV6 = 58
    SCTP = 132
    UDPLITE = 136

    BY_NAME = {"ICMP": 1, "TCP": 6, "UDP": 17, "ICMPV6": 58, "SCTP": 132, "UDPLITE": 136}
    WITH_PORTS = frozenset({6, 17, 132, 136})


@dataclass(frozen=True, slots=True)
class PortRange:
    """An inclusive range of port numbers (a single port has ``first == last``)."""

    first: int
    last: int

    def __str__(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


@dataclass(frozen=True, slots=True)
class NamedPortRef:
    """A port given by name; it resolves against the destination endpoint's ports."""

    name: str


Port = PortRange | NamedPortRef


@dataclass(frozen=True, slots=True)
class IcmpMatch:
    """ICMP type and optional code (code requires type)."""

    type: int
    code: int | None = None


@dataclass(frozen=True, slots=True)
class EntityMatch:
    """One side (source or destination) of a rule, with Calico semantics.

    All given fields must match. ``namespace_selector`` is evaluated against
    namespace labels; the scoping of selectors to the policy's namespace is the
    consumer's job (see docs/semantics.md). Nets are canonical CIDR strings.
    ``node_selector`` (admin policies' ``nodes`` peers) picks the addresses of
    the nodes whose labels match; it is not a pod selector.
    """

    nets: tuple[str, ...] = ()
    not_nets: tuple[str, ...] = ()
    selector: Selector | None = None
    not_selector: Selector | None = None
    namespace_selector: Selector | None = None
    ports: tuple[Port, ...] = ()
    not_ports: tuple[Port, ...] = ()
    service_account_names: tuple[str, ...] = ()
    service_account_selector: Selector | None = None
    node_selector: Selector | None = None

    @property
    def uses_selector(self) -> bool:
        """True when any selector-like field is set (which namespace-limits the side)."""
        return (
            self.selector is not None
            or self.not_selector is not None
            or self.namespace_selector is not None
            or bool(self.service_account_names)
            or self.service_account_selector is not None
        )


ANY_ENTITY = EntityMatch()


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of a policy; every given match must hold (AND).

    ``origin``: the rule of the object it was converted from, when that is not
    simply its index (admin policies: ``ingress[1] "deny-from-y"``), for ``explain``.
    ``invalid`` (the validation error) marks a rule that could not be read: it
    is enforced fail-closed, an Allow allowing nothing and a Deny denying
    everything, whatever its matches say (see docs/resources.md).
    """

    action: Action
    protocol: int | None = None
    not_protocol: int | None = None
    icmp: IcmpMatch | None = None
    not_icmp: IcmpMatch | None = None
    ip_version: int | None = None
    source: EntityMatch = ANY_ENTITY
    destination: EntityMatch = ANY_ENTITY
    has_http_match: bool = False
    origin: str = ""
    invalid: str | None = None


def fail_closed_rule(action: Action | None, reason: str, origin: str = "") -> Rule:
    """The stand-in of a rule that cannot be enforced as written (``reason``): an Allow
    or Log matches nothing; any other action (None: unreadable) is a Deny of everything
    (a Pass might have skipped to a tier that denies)."""
    kept = action if action in (Action.ALLOW, Action.LOG) else Action.DENY
    return Rule(action=kept, origin=origin, invalid=reason)


@dataclass(frozen=True, slots=True)
class Policy:
    """A Kubernetes NetworkPolicy, Calico (Global)NetworkPolicy or cluster-admin policy.

    ``namespace`` is "" for global policies. For namespaced kinds ``selector``
    applies within ``namespace`` only. Kubernetes policies live in the
    ``default`` tier with order 1000 and only ``Allow`` rules. ``notes`` says
    what conversion enforced fail-closed (reported like the compiler's notes).
    """

    kind: Kind
    namespace: str
    name: str
    selector: Selector
    types: frozenset[Direction]
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()
    tier: str = "default"
    order: float | None = None
    namespace_selector: Selector | None = None
    notes: tuple[str, ...] = ()

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(self.kind, self.namespace, self.name)

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        """The rules for one direction."""
        return self.ingress if direction is Direction.INGRESS else self.egress

    @property
    def problems(self) -> tuple[str, ...]:
        """Why parts of this policy could not be read (empty when it is valid)."""
        return tuple(r.invalid for r in self.ingress + self.egress if r.invalid is not None)
