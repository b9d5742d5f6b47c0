"""Flattened entries as HNS ACL specs with priorities, set references and stable ids."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from dataplane.compile import ports
from dataplane.compile.catalog import TermCatalog, set_id
from dataplane.compile.matches import Match
from dataplane.compile.terms import AddressTerm
from dataplane.plan.requests import AclSpec

RULE_TYPE = "Switch"


def acl_id(origin: str, fields: tuple[str, ...]) -> str:
    """``origin`` plus a short hash of every other field (in ``AclSpec`` order, priority
    as text, rule type last): equal content, equal id."""
    digest = hashlib.blake2b("|".join(fields).encode(), digest_size=4).hexdigest()
    return f"{origin}-{digest}"


@dataclass(slots=True)
class AclBuilder:
    """Builds one endpoint's ACLs, recording the sets they reference."""

    catalog: TermCatalog
    set_policy: bool
    max_addresses: int
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
        for remote_addresses, remote_ports in self._remotes(action, match, label):
            fields = (
                action,
                direction,
                str(priority),
                protocols,
                local_addresses,
                remote_addresses,
                local_ports,
                remote_ports,
                RULE_TYPE,
            )
            spec = AclSpec(
                acl_id(origin, fields),
                action,
                direction,
                priority,
                protocols,
                local_addresses,
                remote_addresses,
                local_ports,
                remote_ports,
                RULE_TYPE,
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

    def _chunks(self, cidrs: tuple[str, ...], remote_ports: str) -> list[tuple[str, str]]:
        size = self.max_addresses
        return [(",".join(cidrs[i : i + size]), remote_ports) for i in range(0, len(cidrs), size)]

    def _remotes(self, action: str, match: Match, label: str) -> list[tuple[str, str]]:
        term = match.remote
        numeric_ports = ports.text(match.remote_ports)
        if term.is_any:
            return [("", numeric_ports)]
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
            return self._chunks(term.cidrs, numeric_ports) if term.cidrs else [("", numeric_ports)]
        out: list[tuple[str, str]] = []
        for port, cidrs in value.groups:
            if port is None:
                group_ports = numeric_ports
            elif ports.contains(match.remote_ports, port):
                group_ports = str(port)
            else:
                continue
            if self.set_policy:
                out.append((self._reference(term, port), group_ports))
            else:
                out.extend(self._chunks(cidrs, group_ports))
        return out

    def _reference(self, term: AddressTerm, port: int | None) -> str:
        sid = set_id(term, port)
        self.catalog.register(sid, term, port)
        self.set_ids.add(sid)
        return sid
