"""Reading port fields: Kubernetes port/endPort pairs and Calico port strings."""

from __future__ import annotations

import re

from dataplane.convert.fields import Field
from dataplane.convert.names import port_name_problem
from dataplane.model import NamedPortRef, Port, PortRange

_CALICO_NUMBER = re.compile(r"[0-9]+")
_CALICO_RANGE = re.compile(r"([0-9]+):([0-9]+)")
_CALICO_PORT_NAME = re.compile(r"[a-zA-Z0-9_.-]{1,128}")
_DASHED_RANGE = re.compile(r"[0-9]+-[0-9]+")
MAX_PORT = 65535

# One protocol's ports within a rule: (protocol or None for all, ports or () for all).
PortGroup = tuple[int | None, tuple[Port, ...]]


def read_k8s_port(port: Field, end_port: Field) -> Port | None:
    """A NetworkPolicyPort's ``port`` and ``endPort``; None means every port.

    ``port`` is a number 1..65535 or a named port; ``endPort`` needs a numeric
    ``port`` and must not be below it.
    """
    if port.missing:
        if not end_port.missing:
            raise end_port.error("endPort requires port")
        return None
    if isinstance(port.value, str):
        problem = port_name_problem(port.value)
        if problem:
            raise port.error(problem)
        if not end_port.missing:
            raise end_port.error("endPort cannot be used with a named port")
        return NamedPortRef(port.value)
    first = port.integer_in(1, MAX_PORT)
    if end_port.missing:
        return PortRange(first, first)
    last = end_port.integer_in(1, MAX_PORT)
    if last < first:
        raise end_port.error(f"endPort {last} is less than port {first}")
    return PortRange(first, last)


def read_calico_port(field: Field) -> Port:
    """A Calico port: a number, a ``"first:last"`` range or a port name."""
    if not isinstance(field.value, str):
        number = field.integer_in(0, MAX_PORT)
        return PortRange(number, number)
    text = field.value
    if _CALICO_NUMBER.fullmatch(text):
        number = _port_number(field, text)
        return PortRange(number, number)
    bounds = _CALICO_RANGE.fullmatch(text)
    if bounds:
        first, last = _port_number(field, bounds[1]), _port_number(field, bounds[2])
        if first > last:
            raise field.error(f"bad port range {text!r}: {first} is greater than {last}")
        return PortRange(first, last)
    if _DASHED_RANGE.fullmatch(text):
        raise field.error(f"bad port {text!r}: write a port range as 'first:last'")
    if not _CALICO_PORT_NAME.fullmatch(text):
        raise field.error(
            f"bad port {text!r}: expected a number, a range 'first:last' or a port name "
            "(letters, digits, '_', '.', '-')"
        )
    return NamedPortRef(text)


def _port_number(field: Field, digits: str) -> int:
    significant = digits.lstrip("0") or "0"
    if len(significant) > len(str(MAX_PORT)) or int(significant) > MAX_PORT:
        raise field.error(f"out of range: port {digits} is not in 0..{MAX_PORT}")
    return int(significant)


def port_groups(pairs: list[tuple[int, Port | None]]) -> list[PortGroup]:
    """(protocol, port) pairs grouped by protocol in first-seen order, repeats dropped;
    a None port (every port of the protocol) absorbs the others; no pairs: all ports."""
    if not pairs:
        return [(None, ())]
    by_protocol: dict[int, list[Port] | None] = {}
    for protocol, port in pairs:
        if port is None:
            by_protocol[protocol] = None
            continue
        listed = by_protocol.setdefault(protocol, [])
        if listed is not None and port not in listed:
            listed.append(port)
    return [(protocol, tuple(listed or ())) for protocol, listed in by_protocol.items()]
