"""Flattened entries as HNS ACL specs with priorities, set references and stable ids."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Literal

from dataplane.compile import ports
from dataplane.compile.catalog import TermCatalog, set_id
from dataplane.compile.matches import Match
from dataplane.compile.terms import AddressTerm
from dataplane.plan.requests import AclSpec

RULE_TYPE = "Switch"
SetSide = Literal["npm", "felix"]
"""Where an ACL names a peer set: ``npm``: the packet's source in ``LocalAddresses`` and
its destination in ``RemoteAddresses`` whatever the direction (Azure NPM's layout);
``felix``: endpoint-relative like literal addresses (Remote = the peer)."""


def _digest(fields: tuple[str, ...]) -> str:
    return hashlib.blake2b("|".join(fields).encode(), digest_size=4).hexdigest()


def _content(spec: AclSpec) -> tuple[str, ...]:
    return (
        spec.action,
        spec.direction,
        str(spec.priority),
        spec.protocols,
        spec.local_addresses,
        spec.remote_addresses,
        spec.local_ports,
        spec.remote_ports,
        spec.rule_type,
    )


def make_acl(
    origin: str,
    action: str,
    direction: str,
    priority: int,
    protocols: str = "",
    local_addresses: str = "",
    remote_addresses: str = "",
    local_ports: str = "",
    remote_ports: str = "",
    rule_type: str = RULE_TYPE,
) -> AclSpec:
    """An ACL whose id is ``origin`` plus a short hash of every other field: equal
    content, equal id; any change, a new id."""
    spec = AclSpec(
        "",
        action,
        direction,
        priority,
        protocols,
        local_addresses,
        remote_addresses,
        local_ports,
        remote_ports,
        rule_type,
    )
    return dataclasses.replace(spec, id=f"{origin}-{_digest(_content(spec))}")


def is_own(spec: AclSpec) -> bool:
    """Whether an ACL read from HNS is one this compiler made, unchanged: its id's hash
    matches its content (anything else on a managed endpoint is foreign)."""
    origin, sep, digest = spec.id.rpartition("-")
    return bool(sep and origin) and digest == _digest(_content(spec))


@dataclass(slots=True)
class AclBuilder:
    """Builds one endpoint's ACLs, recording the sets they reference."""

    catalog: TermCatalog
    set_policy: bool
    max_addresses: int
    set_side: SetSide = "npm"
    acls: dict[str, AclSpec] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    set_ids: set[str] = field(default_factory=set)
    overflowed: list[str] = field(default_factory=list)

    def add(
        self, action: str, direction: str, priority: int, match: Match, origin: str, label: str
    ) -> None:
        """Add the ACLs for one entry (none when its addresses are empty right now)."""
        local_addresses = self._local(match.local)
        if local_addresses is None:
            return
        protocols = "" if match.protocol is None else str(match.protocol)
        local_ports = ports.text(match.local_ports)
        # npm layout: an ingress rule's peer sets name the packet's source, in Local.
        peer_in_local = self.set_side == "npm" and direction == "In"
        # Such a set cannot share the field with the endpoint's own literal addresses:
        # that ACL inlines the peers instead.
        inline = peer_in_local and bool(local_addresses)
        for peer, remote_ports, is_set in self._remotes(action, match, label, inline):
            local, remote = (peer, "") if is_set and peer_in_local else (local_addresses, peer)
            spec = make_acl(
                origin,
                action,
                direction,
                priority,
                protocols,
                local,
                remote,
                local_ports,
                remote_ports,
            )
            self.acls[spec.id] = spec
            self.origins[spec.id] = label

    def _local(self, term: AddressTerm) -> str | None:
        """The endpoint's addresses a rule applies to ("": all; None: none right now)."""
        if term.is_any:
            return ""
        if term.is_static:
            assert term.cidrs is not None
            return ",".join(term.cidrs)
        groups = self.catalog.value(term).groups
        return ",".join(groups[0][1]) if groups else None

    def _chunks(self, cidrs: tuple[str, ...], remote_ports: str) -> list[tuple[str, str, bool]]:
        size = self.max_addresses
        return [
            (",".join(cidrs[i : i + size]), remote_ports, False) for i in range(0, len(cidrs), size)
        ]

    def _remotes(
        self, action: str, match: Match, label: str, inline: bool
    ) -> list[tuple[str, str, bool]]:
        """(peer addresses, remote ports, whether the peer is a set reference) per ACL."""
        term = match.remote
        numeric_ports = ports.text(match.remote_ports)
        if term.is_any:
            return [("", numeric_ports, False)]
        if term.is_static:
            assert term.cidrs is not None
            return self._chunks(term.cidrs, numeric_ports)
        value = self.catalog.value(term)
        if value.overflow:
            self.overflowed.append(
                f"{label} ({action}): complement of a selector exceeds "
                f"{self.max_addresses} addresses: {'dropped' if action == 'Allow' else 'widened'}"
            )
            if action == "Allow":
                return []
            if term.cidrs:
                return self._chunks(term.cidrs, numeric_ports)
            return [("", numeric_ports, False)]
        references = self.set_policy and not inline
        if self.set_policy and inline:
            self.catalog.inline(term)
        out: list[tuple[str, str, bool]] = []
        for port, cidrs in value.groups:
            if port is None:
                group_ports = numeric_ports
            elif ports.contains(match.remote_ports, port):
                group_ports = str(port)
            else:
                continue
            if references:
                out.append((self._reference(term, port), group_ports, True))
            else:
                out.extend(self._chunks(cidrs, group_ports))
        return out

    def _reference(self, term: AddressTerm, port: int | None) -> str:
        sid = set_id(term, port)
        self.catalog.register(sid, term, port)
        self.set_ids.add(sid)
        return sid
