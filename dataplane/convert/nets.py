"""Parsing IP addresses and CIDRs into canonical strings."""

from __future__ import annotations

import ipaddress

from dataplane.convert.fields import Field

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def read_network(field: Field) -> Network:
    """A required CIDR (or bare IP, as /32 or /128) with host bits masked off."""
    text = field.text()
    if "%" in text:
        raise field.error(f"bad CIDR {text!r}: zone indexes are not allowed")
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise field.error(f"bad CIDR {text!r}: {exc}") from None


def read_cidr(field: Field) -> str:
    """A required CIDR as its canonical string (``10.0.0.1/24`` -> ``10.0.0.0/24``)."""
    return str(read_network(field))


def read_ip(field: Field) -> str:
    """A required IP address (no prefix length) as its canonical string."""
    text = field.text()
    if "%" in text:
        raise field.error(f"bad IP address {text!r}: zone indexes are not allowed")
    try:
        return str(ipaddress.ip_address(text))
    except ValueError as exc:
        raise field.error(f"bad IP address {text!r}: {exc}") from None
