"""AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy to model Policies.

As Calico enforces them: Admin-tier policies go to the ``adminnetworkpolicy``
tier (order 1000, default Pass) at order = priority, Baseline-tier ones to the
``baselineadminnetworkpolicy`` tier (order 10000000, default Pass). Rules keep
their list order; ``Accept`` is ``Allow``.

Fail-closed, as the API defines it: a peer or port entry that sets no field we
know cannot be understood. In an Allow rule it matches nothing; a Deny or Pass
rule holding one becomes a Deny of every peer (on the rule's other ports). Each
case is a note on the policy. FQDN peers (``domainNames``, Allow only) cannot be
enforced at L4 and match nothing, with a note. ``nodes`` peers match the
addresses of the Node objects whose labels match.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from dataplane.convert.admin_peers import (
    read_peer,
    read_subject,
    read_v1alpha1_port,
    read_v1alpha2_protocol,
)
from dataplane.convert.fields import Field
from dataplane.convert.identity import ObjectIdentity
from dataplane.convert.ports import PortGroup, port_groups
from dataplane.errors import ValidationError
from dataplane.model import (
    ADMIN_TIER,
    ANY_ENTITY,
    BASELINE_TIER,
    Action,
    Direction,
    EntityMatch,
    NamedPortRef,
    Policy,
    Port,
    Rule,
)
from dataplane.selector import ALL

BASELINE_NAME = "default"
MAX_RULE_NAME = 100
_INGRESS_PEERS = ("namespaces", "pods")
_EGRESS_PEERS = ("namespaces", "pods", "networks")


@dataclass(frozen=True, slots=True)
class _Schema:
    """What differs between the three kinds."""

    spec_fields: tuple[str, ...]
    actions: Mapping[str, Action]
    max_rules: int
    ports_field: str
    egress_extra: tuple[str, ...]
    namespaces_required: bool
    """v1alpha1 requires ``pods.namespaceSelector``; v1alpha2 defaults it to all."""


_ANP = _Schema(
    ("priority", "subject", "ingress", "egress"),
    MappingProxyType({"Allow": Action.ALLOW, "Deny": Action.DENY, "Pass": Action.PASS}),
    100,
    "ports",
    ("nodes", "domainNames"),
    namespaces_required=True,
)
_BANP = _Schema(
    ("subject", "ingress", "egress"),
    MappingProxyType({"Allow": Action.ALLOW, "Deny": Action.DENY}),
    100,
    "ports",
    ("nodes",),
    namespaces_required=True,
)
_CNP = _Schema(
    ("tier", "priority", "subject", "ingress", "egress"),
    MappingProxyType({"Accept": Action.ALLOW, "Deny": Action.DENY, "Pass": Action.PASS}),
    25,
    "protocols",
    ("nodes", "domainNames"),
    namespaces_required=False,
)
_CNP_TIERS = MappingProxyType({"Admin": ADMIN_TIER.name, "Baseline": BASELINE_TIER.name})
_DIRECTIONS = ((Direction.INGRESS, "ingress"), (Direction.EGRESS, "egress"))


def convert_admin_network_policy(identity: ObjectIdentity, obj: Field) -> Policy:
    """An AdminNetworkPolicy: the admin tier, order = ``priority`` (0..1000)."""
    return _converted(identity, obj, _ANP, _admin_placement)


def convert_baseline_admin_network_policy(identity: ObjectIdentity, obj: Field) -> Policy:
    """The BaselineAdminNetworkPolicy singleton ``default``: the baseline tier, after
    every Baseline-tier ClusterNetworkPolicy (no order)."""
    if identity.key.name != BASELINE_NAME:
        raise (
            obj.get("metadata")
            .get("name")
            .error(f"a BaselineAdminNetworkPolicy must be named {BASELINE_NAME!r}")
        )
    return _converted(identity, obj, _BANP, _baseline_placement)


def convert_cluster_network_policy(identity: ObjectIdentity, obj: Field) -> Policy:
    """A ClusterNetworkPolicy: ``tier`` Admin or Baseline, order = ``priority``."""
    return _converted(identity, obj, _CNP, _cluster_placement)


Placement = tuple[str, float | None]


def _admin_placement(spec: Field) -> Placement:
    return ADMIN_TIER.name, float(spec.get("priority").integer_in(0, 1000))


def _baseline_placement(spec: Field) -> Placement:
    return BASELINE_TIER.name, None


def _cluster_placement(spec: Field) -> Placement:
    tier_field = spec.get("tier")
    tier = _CNP_TIERS.get(tier_field.text())
    if tier is None:
        raise tier_field.error(f"unknown tier {tier_field.value!r} (expected Admin or Baseline)")
    return tier, float(spec.get("priority").integer_in(0, 1000))


def _converted(
    identity: ObjectIdentity,
    obj: Field,
    schema: _Schema,
    placement: Callable[[Field], Placement],
) -> Policy:
    """The policy; when its spec, subject or placement cannot be read, a stand-in that
    denies everything for every pod it could select, first in the tier it could be in."""
    spec = obj.get("spec")
    try:
        if spec.missing:
            raise spec.error("missing required field")
        spec.known(schema.spec_fields)
        tier, order = placement(spec)
        subject = read_subject(spec.get("subject"), namespaces_required=schema.namespaces_required)
    except ValidationError as error:
        return _unreadable(identity, spec, schema, error)
    reader = _RuleReader(identity.label, schema)
    rules = {
        direction: reader.direction(spec.get(name), direction) for direction, name in _DIRECTIONS
    }
    return Policy(
        kind=identity.key.kind,
        namespace="",
        name=identity.key.name,
        selector=subject.selector,
        namespace_selector=subject.namespace_selector,
        types=_types(spec),
        ingress=rules[Direction.INGRESS],
        egress=rules[Direction.EGRESS],
        tier=tier,
        order=order,
        notes=tuple(reader.notes),
    )


def _types(spec: Field) -> frozenset[Direction]:
    """The directions with rules (a policy without ingress rules does not affect
    ingress); both when the rule lists cannot be read."""
    found = set()
    for direction, name in _DIRECTIONS:
        value = spec.get(name).value if isinstance(spec.value, dict) else None
        if value is None:
            continue
        if not isinstance(value, list) or value:
            found.add(direction)
    return frozenset(found) if isinstance(spec.value, dict) else frozenset(Direction)


def _unreadable(
    identity: ObjectIdentity, spec: Field, schema: _Schema, error: ValidationError
) -> Policy:
    """Deny everything, both ways the policy has rules for, for every pod it could select
    (its subject when readable, else all), first in its tier (the admin tier when that
    cannot be read either)."""
    try:
        subject = read_subject(spec.get("subject"), namespaces_required=schema.namespaces_required)
        selector, namespaces = subject.selector, subject.namespace_selector
    except ValidationError:
        selector, namespaces = ALL, ALL
    baseline = schema is _BANP or (
        isinstance(spec.value, dict) and spec.value.get("tier") == "Baseline"
    )
    types = _types(spec)
    deny = (Rule(Action.DENY, origin="(unreadable policy, fail-closed)"),)
    note = (
        f"{identity.label}: {error.field}: {error.message}: the policy cannot be read: "
        "it denies everything to and from every pod it could select (fail-closed)"
    )
    return Policy(
        kind=identity.key.kind,
        namespace="",
        name=identity.key.name,
        selector=selector,
        namespace_selector=namespaces,
        types=types,
        ingress=deny if Direction.INGRESS in types else (),
        egress=deny if Direction.EGRESS in types else (),
        tier=BASELINE_TIER.name if baseline else ADMIN_TIER.name,
        order=None if schema is _BANP else 0.0,
        notes=(note,),
    )


class _RuleReader:
    """Reads one policy's rules, collecting fail-closed notes."""

    def __init__(self, label: str, schema: _Schema) -> None:
        self.label = label
        self.schema = schema
        self.notes: list[str] = []

    def direction(self, field: Field, direction: Direction) -> tuple[Rule, ...]:
        """A direction's rule list; a rule (or the list) that fails validation is
        enforced fail-closed: an Allow allows nothing, anything else denies everything."""
        try:
            entries = field.items()
            if len(entries) > self.schema.max_rules:
                raise field.error(
                    f"at most {self.schema.max_rules} rules are allowed, got {len(entries)}"
                )
        except ValidationError as error:
            return self._invalid(field, None, error)
        rules: list[Rule] = []
        for entry in entries:
            try:
                rules.extend(self.rules(entry, direction))
            except ValidationError as error:
                action = entry.value.get("action") if isinstance(entry.value, dict) else None
                known = self.schema.actions.get(action) if isinstance(action, str) else None
                rules.extend(self._invalid(entry, known, error))
        return tuple(rules)

    def _invalid(
        self, field: Field, action: Action | None, error: ValidationError
    ) -> tuple[Rule, ...]:
        where = f"{self.label}: {error.field}: {error.message}"
        if action is Action.ALLOW:
            self.notes.append(f"{where}: the invalid Allow rule allows nothing (fail-closed)")
            return ()
        self.notes.append(f"{where}: the invalid rule denies everything (fail-closed)")
        origin = f"{field.path.removeprefix('spec.')} (invalid, fail-closed)"
        return (Rule(Action.DENY, origin=origin),)

    def rules(self, entry: Field, direction: Direction) -> list[Rule]:
        """One rule entry as model rules: one per peer entity and protocol."""
        schema = self.schema
        ingress = direction is Direction.INGRESS
        peers_name = "from" if ingress else "to"
        entry.known(("name", "action", peers_name, schema.ports_field))
        name = entry.get("name").text("")
        if len(name) > MAX_RULE_NAME:
            raise entry.get("name").error(f"at most {MAX_RULE_NAME} characters")
        action_field = entry.get("action")
        action = schema.actions.get(action_field.text())
        if action is None:
            expected = ", ".join(schema.actions)
            raise action_field.error(f"unknown action {action_field.value!r} (expected {expected})")
        origin = (
            f"{entry.path.removeprefix('spec.')} {name!r}"
            if name
            else entry.path.removeprefix("spec.")
        )
        groups, ports_understood, named = self._ports(entry.get(schema.ports_field), action)
        peers, peers_understood = self._peers(entry.get(peers_name), direction, action, named)
        if action is Action.ALLOW:  # what is not understood allows nothing
            return _rules(action, peers, groups, ingress, origin)
        if ports_understood and peers_understood:
            return _rules(action, peers, groups, ingress, origin)
        # A Deny or Pass rule that cannot be fully understood denies all it could match.
        if not ports_understood:
            groups = [(None, ())]
        if not peers_understood:
            peers = [ANY_ENTITY]
        return _rules(Action.DENY, peers, groups, ingress, f"{origin} (fail-closed)")

    def _note(self, where: str, what: str, action: Action) -> None:
        effect = "matches nothing" if action is Action.ALLOW else "denies every peer"
        self.notes.append(f"{where}: {what}: the {action} rule {effect} (fail-closed)")

    def _ports(self, field: Field, action: Action) -> tuple[list[PortGroup], bool, bool]:
        """(port groups of the entries understood, every entry understood, any named
        port); no ports field: every port."""
        if field.missing:
            return [(None, ())], True, False
        entries = field.items()
        if not entries:
            raise field.error("at least one entry is required when given")
        if len(entries) > self.schema.max_rules:
            raise field.error(f"at most {self.schema.max_rules} entries are allowed")
        pairs: list[tuple[int, Port | None]] = []
        understood = True
        named = False
        for port in entries:
            read = (
                read_v1alpha1_port(port)
                if self.schema.ports_field == "ports"
                else read_v1alpha2_protocol(port)
            )
            if read is None:
                understood = False
                self._note(f"{self.label}: {port.path}", "port entry not understood", action)
                continue
            named = named or any(_is_named(p) for _, p in read)
            pairs.extend(read)
        return (port_groups(pairs) if pairs else []), understood, named

    def _peers(
        self, field: Field, direction: Direction, action: Action, named: bool
    ) -> tuple[list[EntityMatch], bool]:
        """(peer entities, every peer understood)."""
        entries = field.items()
        if not entries:
            raise field.error("at least one peer is required")
        if len(entries) > self.schema.max_rules:
            raise field.error(f"at most {self.schema.max_rules} peers are allowed")
        ingress = direction is Direction.INGRESS
        names = _INGRESS_PEERS if ingress else (*_EGRESS_PEERS, *self.schema.egress_extra)
        peers: list[EntityMatch] = []
        understood = True
        for peer in entries:
            at = f"{self.label}: {peer.path}"
            if not ingress and not peer.get("domainNames").missing and "domainNames" in names:
                peer.known(("domainNames",))
                if action is not Action.ALLOW:
                    raise peer.get("domainNames").error(
                        "domainNames is only allowed in Allow rules"
                    )
                for domain in peer.get("domainNames").items():
                    domain.text()
                self.notes.append(
                    f"{at}: domainNames cannot be enforced at L4: the peer matches nothing"
                    " (fail-closed)"
                )
                continue
            read = read_peer(peer, names, namespaces_required=self.schema.namespaces_required)
            if read is None:
                understood = False
                self._note(at, "peer not understood", action)
                continue
            if named and (read[0].nets or read[0].node_selector is not None):
                raise field.error("networks and nodes peers cannot be used with named ports")
            peers.extend(read)
        return peers, understood


def _is_named(port: Port | None) -> bool:
    return isinstance(port, NamedPortRef)


def _rules(
    action: Action, peers: list[EntityMatch], groups: list[PortGroup], ingress: bool, origin: str
) -> list[Rule]:
    rules: list[Rule] = []
    for peer in peers:
        for protocol, ports in groups:
            if ingress:
                source, destination = peer, EntityMatch(ports=ports)
            else:
                source = ANY_ENTITY
                destination = EntityMatch(
                    nets=peer.nets,
                    selector=peer.selector,
                    namespace_selector=peer.namespace_selector,
                    node_selector=peer.node_selector,
                    ports=ports,
                )
            rules.append(
                Rule(
                    action=action,
                    protocol=protocol,
                    source=source,
                    destination=destination,
                    origin=origin,
                )
            )
    return rules
