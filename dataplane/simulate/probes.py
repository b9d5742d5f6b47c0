"""Probes: the kinds of connection a reachability check tries."""

from __future__ import annotations

from dataclasses import dataclass

from dataplane.model import Protocol

_ICMP_ECHO = {4: (Protocol.ICMP, 8), 6: (Protocol.ICMPV6, 128)}
_PORT_PROTOCOLS = ("TCP", "UDP", "SCTP")


class ProbeError(ValueError):
    """A probe was not written as ``PORT/PROTOCOL`` or ``ICMP``."""


@dataclass(frozen=True, slots=True)
class Probe:
    """One kind of connection to try: a port and protocol, or an ICMP echo (port None)."""

    protocol: str
    port: int | None

    @classmethod
    def parse(cls, text: str) -> Probe:
        """``80/TCP``, ``53/udp``, ``80`` (TCP) or ``icmp``."""
        if text.strip().upper() == "ICMP":
            return cls("ICMP", None)
        port_text, _, protocol = text.strip().partition("/")
        protocol = (protocol or "TCP").upper()
        if protocol not in _PORT_PROTOCOLS:
            raise ProbeError(f"probe {text!r}: protocol must be one of TCP, UDP, SCTP (or ICMP)")
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ProbeError(f"probe {text!r}: port must be a number from 1 to 65535")
        return cls(protocol, int(port_text))

    def __str__(self) -> str:
        return self.protocol if self.port is None else f"{self.port}/{self.protocol}"

    def protocol_number(self, ip_version: int) -> int:
        """The IANA protocol number (ICMP becomes ICMPv6 over IPv6)."""
        if self.port is None:
            return _ICMP_ECHO[ip_version][0]
        return Protocol.BY_NAME[self.protocol]


DEFAULT_PROBES = (Probe("TCP", 80),)
