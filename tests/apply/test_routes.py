"""The sans-IO route reconciler: adoption, diffing, one request per route, retries, errors."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dataplane.apply.routes import RouteReconciler, RouteRequest, RouteSpec
from dataplane.calc import RouteChanges
from dataplane.model import Route

R1 = Route("10.244.3.0/26", "b", "172.16.0.13", "00-15-5D-11-22-33", 4096)
R2 = Route("10.244.4.0/26", "c", "172.16.0.14", "00-15-5D-11-22-44", 4096)


def policy(route: Route, **override: Any) -> dict[str, Any]:
    settings = RouteSpec.of(route).settings() | override
    return {"Type": "RemoteSubnetRoute", "Settings": settings}


def reconciler(*routes: Route, listed: list[dict[str, Any]] | None = None) -> RouteReconciler:
    r = RouteReconciler()
    r.update(RouteChanges(frozenset(routes)))
    r.adopt("vxlan0", "Overlay", listed or [])
    return r


def describe(requests: list[RouteRequest]) -> list[tuple[str, str]]:
    return [(q.request_type, q.settings["DestinationPrefix"]) for q in requests]


def ack_all(r: RouteReconciler, requests: list[RouteRequest]) -> None:
    for request in requests:
        r.acknowledge(request, None)


def test_nothing_is_requested_before_the_network_is_listed() -> None:
    r = RouteReconciler()
    r.update(RouteChanges(frozenset({R1})))
    assert r.requests() == []
    r.adopt("vxlan0", "Overlay", [])
    assert describe(r.requests()) == [("Add", R1.prefix)]


def test_routes_already_there_are_adopted_without_requests() -> None:
    # HNS may report the MAC in lower case: still the same route.
    listed = [policy(R1, DistributedRouterMacAddress="00-15-5d-11-22-33"), policy(R2)]
    r = reconciler(R1, R2, listed=listed)
    assert r.requests() == []
    assert [s["prefix"] for s in r.status()["programmed"]] == [R1.prefix, R2.prefix]


def test_foreign_stale_and_malformed_routes_are_removed_as_listed() -> None:
    stale = policy(R1, ProviderAddress="172.16.0.99")
    junk = {"Type": "RemoteSubnetRoute", "Settings": {"DestinationPrefix": "nonsense"}}
    other = {"Type": "SetPolicy", "Settings": {"Id": "s"}}
    r = reconciler(R1, listed=[stale, junk, other])
    requests = r.requests()
    assert [q.request_type for q in requests] == ["Remove", "Remove", "Add"]
    removed = sorted((dict(q.settings) for q in requests[:2]), key=str)
    assert removed == sorted([stale["Settings"], junk["Settings"]], key=str)
    ack_all(r, requests)
    assert r.requests() == []


def test_one_request_per_change_and_a_moved_vtep_is_remove_then_add() -> None:
    r = reconciler(R1)
    ack_all(r, r.requests())
    moved = Route(R1.prefix, "b", "172.16.0.50", R1.mac, 4096)
    r.update(RouteChanges(frozenset({R2, moved}), frozenset({R1})))
    assert describe(r.requests()) == [
        ("Remove", R1.prefix),
        ("Add", R1.prefix),
        ("Add", R2.prefix),
    ]


def test_a_failed_request_is_retried_once_and_reported() -> None:
    r = reconciler(R1, R2)
    first, second = r.requests()
    r.acknowledge(first, "HcnModifyNetwork failed: 0x803b0020")
    r.acknowledge(second, None)
    status = r.status()
    assert status["failed"] == {
        f"{R1.prefix} via {R1.provider_address} ({R1.mac}, VNI 4096)": (
            "HcnModifyNetwork failed: 0x803b0020"
        )
    }
    assert [s["prefix"] for s in status["programmed"]] == [R2.prefix]
    (retry,) = r.requests()
    assert retry == first
    r.acknowledge(retry, None)
    assert r.requests() == [] and r.status()["failed"] == {}


def test_a_network_that_is_not_overlay_is_an_error_and_nothing_is_touched() -> None:
    r = RouteReconciler()
    r.update(RouteChanges(frozenset({R1})))
    r.adopt("l2", "L2Bridge", [policy(R2)])
    assert "not 'Overlay'" in r.error and r.requests() == []
    assert r.status()["error"] == r.error
    r.update(RouteChanges(removed=frozenset({R1})))
    assert r.error == ""


def test_resync_after_drift_re_adds_what_went_missing() -> None:
    r = reconciler(R1, R2)
    ack_all(r, r.requests())
    r.adopt("vxlan0", "Overlay", [policy(R2)])  # someone removed R1
    assert describe(r.requests()) == [("Add", R1.prefix)]


def test_missing_network_stops_requests() -> None:
    r = reconciler(R1)
    r.no_network("no HNS network matches 'vxlan'")
    assert r.requests() == [] and r.error == "no HNS network matches 'vxlan'"


# -- property: any listing, any changes, any failures: converges with one request per difference


def _route(i: int, provider: int) -> Route:
    return Route(f"10.244.{i}.0/26", f"n{i}", f"172.16.0.{provider}", "00-15-5D-00-00-01", 4096)


routes_strategy = (
    st.sets(st.builds(_route, st.integers(0, 5), st.integers(1, 2)), max_size=6)
    .map(lambda rs: {r.prefix: r for r in rs}.values())
    .map(frozenset)
)


@settings(max_examples=200, deadline=None)
@given(
    listed=routes_strategy,
    first=routes_strategy,
    second=routes_strategy,
    failures=st.lists(st.booleans(), max_size=20),
)
def test_requests_are_exactly_the_differences_and_converge(
    listed: frozenset[Route],
    first: frozenset[Route],
    second: frozenset[Route],
    failures: list[bool],
) -> None:
    r = RouteReconciler()
    r.update(RouteChanges(first))
    r.adopt("vxlan0", "Overlay", [policy(route) for route in listed])
    held = {RouteSpec.of(route) for route in listed}
    outcomes = iter(failures)

    def drain() -> None:
        for _ in range(10):
            requests = r.requests()
            if not requests:
                return
            for request in requests:
                failed = next(outcomes, False)
                r.acknowledge(request, "failed" if failed else None)
                if not failed:
                    spec = request.key
                    assert isinstance(spec, RouteSpec)
                    (held.add if request.request_type == "Add" else held.remove)(spec)

    want = {RouteSpec.of(route) for route in first}
    first_requests = r.requests()
    assert len(first_requests) == len(want ^ held), "one request per difference"
    for request in first_requests:
        failed = next(outcomes, False)
        r.acknowledge(request, "failed" if failed else None)
        if not failed:
            (held.add if request.request_type == "Add" else held.remove)(request.key)  # type: ignore[arg-type]
    drain()
    assert held == want
    r.update(RouteChanges(second - first, first - second))
    drain()
    assert held == {RouteSpec.of(route) for route in second}
    assert r.status()["failed"] == {} and r.status()["pending"] == []
