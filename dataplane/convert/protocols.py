"""Reading protocol fields (Kubernetes names, Calico names or numbers) as IANA numbers."""

from __future__ import annotations

from types import MappingProxyType

from dataplane.convert.fields import Field
from dataplane.model import Protocol

K8S_PROTOCOLS = MappingProxyType({"TCP": Protocol.TCP, "UDP": Protocol.UDP, "SCTP": Protocol.SCTP})
CALICO_PROTOCOL_NAMES = ("TCP", "UDP", "ICMP", "ICMPv6", "SCTP", "UDPLite")


def read_k8s_protocol(field: Field) -> int:
    """A Kubernetes port protocol (``TCP`` when missing, else ``UDP`` or ``SCTP``)."""
    name = field.text("TCP")
    number = K8S_PROTOCOLS.get(name)
    if number is None:
        raise field.error(f"unknown protocol {name!r} (expected TCP, UDP or SCTP)")
    return number


def read_calico_protocol(field: Field) -> int | None:
    """A Calico protocol: a name (any case) or a number 1..255; None when missing."""
    if field.missing:
        return None
    if isinstance(field.value, str):
        number = Protocol.BY_NAME.get(field.value.upper())
        if number is None:
            expected = ", ".join(CALICO_PROTOCOL_NAMES)
            raise field.error(
                f"unknown protocol {field.value!r} (expected {expected} or a number 1..255)"
            )
        return number
    return field.integer_in(1, 255)
