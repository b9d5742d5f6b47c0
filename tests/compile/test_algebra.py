"""CIDR and port set algebra against brute force over small address spaces."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from dataplane.compile import ports
from dataplane.compile.cidrs import AddressSet
from dataplane.model import PortRange

# CIDRs inside 10.0.0.0/26 so that brute force over 64 addresses is exact.
small_cidr = st.builds(
    lambda prefix, offset: str(
        ipaddress.ip_network(f"10.0.0.{(offset << (32 - prefix)) % 64}/{prefix}", strict=False)
    ),
    st.integers(26, 32),
    st.integers(0, 63),
)
cidr_lists = st.lists(small_cidr, max_size=5)


def addresses(cidrs: tuple[str, ...] | list[str]) -> set[int]:
    return {int(a) for c in cidrs for a in ipaddress.ip_network(c)}


@settings(max_examples=150)
@given(cidr_lists, cidr_lists)
def test_address_set_operations_match_brute_force(a: list[str], b: list[str]) -> None:
    sa, sb = AddressSet.of(a), AddressSet.of(b)
    assert addresses((sa & sb).cidrs()) == addresses(a) & addresses(b)
    assert addresses((sa | sb).cidrs()) == addresses(a) | addresses(b)
    assert addresses((sa - sb).cidrs()) == addresses(a) - addresses(b)
    assert bool(sa) == bool(a)


def test_cidrs_are_minimal_and_families_are_separate() -> None:
    merged = AddressSet.of(["10.0.0.0/25", "10.0.0.128/25", "fd00::/65", "fd00::8000:0:0:0/65"])
    assert merged.cidrs() == ("10.0.0.0/24", "fd00::/64")
    v4_only = AddressSet.of(["0.0.0.0/0"]) - AddressSet.of(["10.0.0.0/8"])
    assert len(v4_only.cidrs()) == 8
    assert not (AddressSet.of(["::/0"]) & AddressSet.of(["0.0.0.0/0"]))
    assert AddressSet.of(["10.0.0.0/8"]).contains("10.1.2.3/32")
    assert not AddressSet.of(["10.0.0.0/8"]).contains("11.1.2.3")


port_ranges = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 40)).map(lambda t: PortRange(min(t), max(t))),
    max_size=4,
)


def port_numbers(ranges: tuple[PortRange, ...] | None, top: int = 65535) -> set[int]:
    if ranges is None:
        return set(range(top + 1))
    return {p for r in ranges for p in range(r.first, min(r.last, top) + 1)}


@settings(max_examples=150)
@given(port_ranges, port_ranges)
def test_port_operations_match_brute_force(a: list[PortRange], b: list[PortRange]) -> None:
    na, nb = ports.normalize(a), ports.normalize(b)
    assert port_numbers(ports.intersect(na, nb)) == port_numbers(na) & port_numbers(nb)
    assert port_numbers(ports.complement(na), 40) == set(range(41)) - port_numbers(na)
    assert all(ports.contains(na, p) == (p in port_numbers(na)) for p in range(41))


def test_port_text() -> None:
    assert ports.text(None) == ""
    assert ports.text(ports.ALL_PORTS) == ""
    ranges = ports.normalize([PortRange(8000, 8080), PortRange(80, 80), PortRange(81, 82)])
    assert ports.text(ranges) == "80-82,8000-8080"
    assert ports.complement([PortRange(0, 79), PortRange(81, 65535)]) == (PortRange(80, 80),)
