"""Calico v3 policy rules (and their source/destination matches) to model Rules."""

from __future__ import annotations

from types import MappingProxyType

from dataplane.convert.fields import Field
from dataplane.convert.nets import Network, read_network
from dataplane.convert.ports import read_calico_port
from dataplane.convert.protocols import read_calico_protocol
from dataplane.convert.selectors import read_calico_selector, read_rule_namespace_selector
from dataplane.model import Action, Direction, EntityMatch, IcmpMatch, Port, Protocol, Rule

_RULE_FIELDS = (
    "action",
    "protocol",
    "notProtocol",
    "icmp",
    "notICMP",
    "ipVersion",
    "source",
    "destination",
    "http",
    "metadata",
)
_ENTITY_FIELDS = (
    "nets",
    "notNets",
    "selector",
    "notSelector",
    "namespaceSelector",
    "ports",
    "notPorts",
    "serviceAccounts",
    "services",
)
_ICMP_FIELDS = ("type", "code")
_SERVICE_ACCOUNT_FIELDS = ("names", "selector")
_HTTP_FIELDS = ("methods", "paths")
_HTTP_PATH_FIELDS = ("exact", "prefix")
_ACTIONS = tuple(Action)
_ICMP_PROTOCOL_VERSIONS = MappingProxyType({Protocol.ICMP: 4, Protocol.ICMPV6: 6})


def read_rule(rule: Field, direction: Direction) -> Rule:
    """One Calico rule; every given match is kept, ``http`` only as a flag."""
    rule.known(_RULE_FIELDS)
    action = _read_action(rule.get("action"))
    protocol_field, not_protocol_field = rule.get("protocol"), rule.get("notProtocol")
    protocol = read_calico_protocol(protocol_field)
    not_protocol = read_calico_protocol(not_protocol_field)
    ip_version = _read_ip_version(rule.get("ipVersion"))
    for field, number in ((protocol_field, protocol), (not_protocol_field, not_protocol)):
        needed = _ICMP_PROTOCOL_VERSIONS.get(number or 0)
        if ip_version is not None and needed is not None and needed != ip_version:
            raise field.error(f"protocol {field.value} requires ipVersion {needed}")
    source = _read_entity(rule.get("source"), protocol)
    destination = _read_entity(rule.get("destination"), protocol)
    _check_net_versions(rule, ip_version)
    http = rule.get("http")
    if not http.missing:
        _check_http(http, action, protocol, direction)
    return Rule(
        action=action,
        protocol=protocol,
        not_protocol=not_protocol,
        icmp=_read_icmp(rule.get("icmp"), protocol),
        not_icmp=_read_icmp(rule.get("notICMP"), protocol),
        ip_version=ip_version,
        source=source,
        destination=destination,
        has_http_match=not http.missing,
    )


def _read_action(field: Field) -> Action:
    text = field.text()
    if text not in _ACTIONS:
        raise field.error(f"unknown action {text!r} (expected Allow, Deny, Pass or Log)")
    return Action(text)


def _read_ip_version(field: Field) -> int | None:
    version = field.optional_integer()
    if version is not None and version not in (4, 6):
        raise field.error(f"unknown ipVersion {version} (expected 4 or 6)")
    return version


def _read_icmp(field: Field, protocol: int | None) -> IcmpMatch | None:
    """``icmp``/``notICMP``: a type 0..254 and optional code 0..255, for ICMP protocols only."""
    if field.missing:
        return None
    field.known(_ICMP_FIELDS)
    if protocol not in _ICMP_PROTOCOL_VERSIONS:
        raise field.error("ICMP matches require protocol ICMP or ICMPv6")
    type_field, code_field = field.get("type"), field.get("code")
    if type_field.missing:
        if not code_field.missing:
            raise code_field.error("an ICMP code requires an ICMP type")
        raise type_field.error("missing required field")
    return IcmpMatch(
        type=type_field.integer_in(0, 254),
        code=None if code_field.missing else code_field.integer_in(0, 255),
    )


def _read_entity(entity: Field, protocol: int | None) -> EntityMatch:
    """A rule's source or destination match."""
    entity.known(_ENTITY_FIELDS)
    services = entity.get("services")
    if not services.missing:
        raise services.error("not supported: Kubernetes Service matches cannot be enforced here")
    accounts = entity.get("serviceAccounts").known(_SERVICE_ACCOUNT_FIELDS)
    return EntityMatch(
        nets=_read_nets(entity.get("nets")),
        not_nets=_read_nets(entity.get("notNets"), negated=True),
        selector=read_calico_selector(entity.get("selector")),
        not_selector=read_calico_selector(entity.get("notSelector")),
        namespace_selector=read_rule_namespace_selector(entity.get("namespaceSelector")),
        ports=_read_ports(entity.get("ports"), protocol),
        not_ports=_read_ports(entity.get("notPorts"), protocol),
        service_account_names=_read_names(accounts.get("names")),
        service_account_selector=read_calico_selector(accounts.get("selector")),
    )


def _read_nets(field: Field, *, negated: bool = False) -> tuple[str, ...]:
    nets: list[str] = []
    for entry in field.items():
        net = read_network(entry)
        if negated and net.prefixlen == 0:
            raise entry.error(f"{net} in notNets matches every address, so the rule never matches")
        nets.append(str(net))
    return tuple(dict.fromkeys(nets))


def _read_ports(field: Field, protocol: int | None) -> tuple[Port, ...]:
    entries = field.items()
    if entries and protocol not in Protocol.WITH_PORTS:
        raise field.error("ports require protocol TCP, UDP, SCTP or UDPLite")
    return tuple(dict.fromkeys(read_calico_port(entry) for entry in entries))


def _read_names(field: Field) -> tuple[str, ...]:
    names: list[str] = []
    for entry in field.items():
        name = entry.text()
        if not name:
            raise entry.error("must not be empty")
        names.append(name)
    return tuple(dict.fromkeys(names))


def _check_net_versions(rule: Field, ip_version: int | None) -> None:
    """All of a rule's nets are of one IP family, the one ``ipVersion`` names (if given)."""
    seen: Network | None = None
    for side in ("source", "destination"):
        for name in ("nets", "notNets"):
            for entry in rule.get(side).get(name).items():
                net = read_network(entry)
                if ip_version is not None and net.version != ip_version:
                    raise entry.error(
                        f"{net} is not an IPv{ip_version} CIDR (ipVersion {ip_version})"
                    )
                if seen is not None and net.version != seen.version:
                    raise entry.error(
                        f"rule mixes IPv{seen.version} ({seen}) and IPv{net.version} CIDRs"
                    )
                seen = seen or net


def _check_http(http: Field, action: Action, protocol: int | None, direction: Direction) -> None:
    """Validate an HTTP match (kept only as a flag: it cannot be enforced at L4)."""
    http.known(_HTTP_FIELDS)
    if action is not Action.ALLOW:
        raise http.error("HTTP matches are only valid on Allow rules")
    if direction is Direction.EGRESS:
        raise http.error("HTTP matches are not allowed in egress rules")
    if protocol not in (None, Protocol.TCP):
        raise http.error("HTTP matches require protocol TCP or no protocol")
    for method in http.get("methods").items():
        method.text()
    for path in http.get("paths").items():
        path.known(_HTTP_PATH_FIELDS)
        given = [path.get(name).optional_text() for name in _HTTP_PATH_FIELDS]
        if sum(value is not None for value in given) != 1:
            raise path.error("an HTTP path sets exactly one of exact or prefix")
