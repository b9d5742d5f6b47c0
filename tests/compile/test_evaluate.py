"""Address terms evaluated against set members, checked by brute force over 64 addresses."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from dataplane.calc.delta import IpSetKey, Member
from dataplane.compile.cidrs import AddressSet
from dataplane.compile.evaluate import TermValue, evaluate, patched
from dataplane.compile.terms import address_term, intersect_terms
from dataplane.selector import parse

KEYS = [IpSetKey(parse(f"k == '{i}'")) for i in range(3)]
NAMED = IpSetKey(parse("all()"), None, ("http", 6))

host = st.integers(0, 63).map(lambda i: f"10.0.0.{i}/32")
net = st.builds(
    lambda prefix, i: str(ipaddress.ip_network(f"10.0.0.{i}/{prefix}", strict=False)),
    st.integers(27, 31),
    st.integers(0, 63),
)
plain_members = st.frozensets(st.one_of(host, host, net), max_size=8)
named_members = st.frozensets(st.tuples(host, st.sampled_from((80, 8080))), max_size=8)


def addresses(cidrs: tuple[str, ...] | list[str] | frozenset[str]) -> set[int]:
    return {int(a) for c in cidrs for a in ipaddress.ip_network(c)}


@settings(max_examples=200)
@given(
    st.lists(plain_members, min_size=3, max_size=3),
    named_members,
    st.lists(st.sampled_from([0, 1, 2, 3]), min_size=1, max_size=3, unique=True),
    st.lists(st.sampled_from([0, 1, 2]), max_size=2, unique=True),
)
def test_terms_evaluate_exactly(
    plain: list[frozenset[str]],
    named: frozenset[tuple[str, int]],
    chosen: list[int],
    refused: list[int],
) -> None:
    members: dict[IpSetKey, frozenset[Member]] = {k: plain[i] for i, k in enumerate(KEYS)}
    members[NAMED] = frozenset(named)
    sets = tuple(NAMED if i == 3 else KEYS[i] for i in chosen)
    excluded = tuple(KEYS[i] for i in refused)
    value = evaluate(None, sets, excluded, members.__getitem__, True, 10_000)
    expected: dict[int | None, set[int]] = {}
    base = int(ipaddress.ip_address("10.0.0.0"))
    inside = set(range(base, base + 64))
    for key in sets:
        if key is not NAMED:
            inside &= addresses(members[key])
    for key in excluded:
        inside -= addresses(members[key])
    if NAMED in sets:
        for cidr, port in named:
            found = addresses([cidr]) & inside
            if found:
                expected.setdefault(port, set()).update(found)
    elif inside:
        expected[None] = inside
    assert {port: addresses(cidrs) for port, cidrs in value.groups} == expected


def test_complement_over_the_limit_overflows_only_without_sets() -> None:
    members: dict[IpSetKey, frozenset[Member]] = {KEYS[0]: frozenset({"10.0.0.1/32"})}
    complement = evaluate(("0.0.0.0/0",), (), (KEYS[0],), members.__getitem__, False, 8)
    assert complement.overflow and complement.groups == ()
    within = evaluate(("0.0.0.0/0",), (), (KEYS[0],), members.__getitem__, False, 32)
    assert not within.overflow and len(within.groups[0][1]) == 32


def test_static_cidrs_fold_into_set_keys_and_intersections_stay_exact() -> None:
    term = address_term(AddressSet.of(["10.0.0.0/8"]), (KEYS[0],))
    assert term is not None and term.cidrs is None and term.sets[0].nets == ("10.0.0.0/8",)
    assert term.direct_key == term.sets[0]
    narrower = address_term(AddressSet.of(["10.1.0.0/16", "192.168.0.0/16"]))
    assert narrower is not None
    both = intersect_terms(term, narrower)
    assert both is not None and both.sets[0].nets == ("10.1.0.0/16",)
    elsewhere = address_term(AddressSet.of(["172.16.0.0/12"]))
    assert elsewhere is not None and intersect_terms(narrower, elsewhere) is None


v6_host = st.integers(0, 63).map(lambda i: f"fd00::{i:x}/128")
mixed_members = st.frozensets(
    st.one_of(host, net, v6_host, st.tuples(host, st.sampled_from((80, 8080)))), max_size=10
)


@settings(max_examples=300)
@given(mixed_members, mixed_members, st.booleans())
def test_a_patched_one_set_value_is_the_value_of_the_new_members(
    old: frozenset[Member], new: frozenset[Member], ipv6: bool
) -> None:
    def value_of(members: frozenset[Member]) -> TermValue:
        return evaluate(None, (NAMED,), (), {NAMED: members}.__getitem__, ipv6, 10_000)

    before = value_of(old)
    assert patched(before, new - old, old - new, ipv6) == value_of(new)


def test_patching_a_removal_the_value_does_not_hold_asks_for_evaluation() -> None:
    value = evaluate(None, (KEYS[0],), (), {KEYS[0]: frozenset({"10.0.0.1/32"})}.get, False, 10)
    assert patched(value, frozenset(), frozenset({"10.0.0.2/32"}), False) is None
    assert patched(value, frozenset(), frozenset({("10.0.0.1/32", 80)}), False) is None
