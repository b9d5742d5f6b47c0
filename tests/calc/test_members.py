"""What one endpoint or network set contributes to one address set."""

from __future__ import annotations

from dataplane.calc import IpSetKey
from dataplane.calc.members import host_cidr, intersect, members_of
from dataplane.model import NamedPort, NetworkSet, Protocol, WorkloadEndpoint
from dataplane.selector import ALL

_ENDPOINT = WorkloadEndpoint(
    "ns",
    "pod",
    "node",
    ("10.0.0.5", "fd00::5"),
    ports=(
        NamedPort("http", Protocol.TCP, 8080),
        NamedPort("http", Protocol.UDP, 8081),
        NamedPort("dns", Protocol.UDP, 53),
    ),
)


def test_endpoint_addresses_become_host_cidrs_of_their_family() -> None:
    assert host_cidr("10.0.0.5") == "10.0.0.5/32"
    assert host_cidr("fd00::5") == "fd00::5/128"
    assert members_of(_ENDPOINT, IpSetKey(ALL)) == {"10.0.0.5/32", "fd00::5/128"}


def test_nets_filter_keeps_only_addresses_inside_a_filter_net() -> None:
    assert members_of(_ENDPOINT, IpSetKey(ALL, nets=("10.0.0.0/24",))) == {"10.0.0.5/32"}
    assert members_of(_ENDPOINT, IpSetKey(ALL, nets=("fd00::/64",))) == {"fd00::5/128"}
    assert members_of(_ENDPOINT, IpSetKey(ALL, nets=("192.168.0.0/16",))) == frozenset()


def test_network_set_nets_are_intersected_with_the_filter_not_dropped() -> None:
    network_set = NetworkSet(
        "", "ext", ("10.0.0.0/8", "10.1.2.0/24", "192.168.0.0/16", "fd00::/16")
    )
    key = IpSetKey(ALL, nets=("10.1.0.0/16", "fd00:1::/32"))
    assert members_of(network_set, key) == {"10.1.0.0/16", "10.1.2.0/24", "fd00:1::/32"}
    assert members_of(network_set, IpSetKey(ALL)) == set(network_set.nets)


def test_intersection_of_overlapping_cidrs_is_the_smaller_one() -> None:
    assert intersect("10.0.0.0/8", ("10.2.0.0/16",)) == ("10.2.0.0/16",)
    assert intersect("10.2.3.0/24", ("10.2.0.0/16",)) == ("10.2.3.0/24",)
    assert intersect("10.2.3.0/24", ("10.3.0.0/16", "fd00::/8")) == ()


def test_named_port_sets_pair_addresses_with_the_port_of_that_name_and_protocol() -> None:
    http = IpSetKey(ALL, named_port=("http", Protocol.TCP))
    assert members_of(_ENDPOINT, http) == {("10.0.0.5/32", 8080), ("fd00::5/128", 8080)}
    filtered = IpSetKey(ALL, nets=("fd00::/64",), named_port=("http", Protocol.UDP))
    assert members_of(_ENDPOINT, filtered) == {("fd00::5/128", 8081)}
    missing = IpSetKey(ALL, named_port=("metrics", Protocol.TCP))
    assert members_of(_ENDPOINT, missing) == frozenset()


def test_network_sets_contribute_nothing_to_named_port_sets() -> None:
    network_set = NetworkSet("", "ext", ("10.0.0.0/8",))
    assert members_of(network_set, IpSetKey(ALL, named_port=("http", Protocol.TCP))) == set()
