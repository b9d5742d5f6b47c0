"""The address claims index against a from-scratch reading of the same endpoints."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dataplane.calc.address_claims import AddressClaims
from dataplane.model import Kind, ResourceKey, WorkloadEndpoint

NAMES = ("a", "b", "c", "d")
ADDRESSES = ("10.0.0.1", "10.0.0.2", "fd00::1")

claims_steps = st.lists(
    st.tuples(
        st.sampled_from(NAMES),
        st.none() | st.lists(st.sampled_from(ADDRESSES), min_size=1, max_size=2, unique=True),
        st.sampled_from(("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")),
    ),
    max_size=30,
)


@given(claims_steps)
def test_conflicts_are_the_addresses_claimed_twice_after_every_change(
    steps: list[tuple[str, list[str] | None, str]],
) -> None:
    claims = AddressClaims()
    current: dict[str, WorkloadEndpoint] = {}
    for name, addresses, created in steps:
        key = ResourceKey(Kind.WORKLOAD_ENDPOINT, "x", name)
        if addresses is None:
            current.pop(name, None)
            claims.claim(key, None)
        else:
            current[name] = WorkloadEndpoint("x", name, "n1", tuple(addresses), created=created)
            claims.claim(key, current[name])
        claimants: dict[str, set[str]] = {}
        for endpoint in current.values():
            for address in endpoint.addresses:
                claimants.setdefault(address, set()).add(endpoint.name)
        conflicts = claims.conflicts()
        assert list(conflicts) == sorted(a for a, names in claimants.items() if len(names) > 1)
        for address, conflict in conflicts.items():
            named = {conflict.owner.name, *(k.name for k in conflict.shadowed)}
            assert named == claimants[address]
