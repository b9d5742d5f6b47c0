"""EndpointMap: pods matched to HNS endpoints by address."""

from dataplane.apply.endpoint_map import EndpointMap, HnsEndpointRef
from dataplane.model import WorkloadEndpoint


def pod(name: str, *addresses: str) -> WorkloadEndpoint:
    return WorkloadEndpoint(namespace="ns", name=name, node="n1", addresses=addresses)


def test_maps_by_any_address_and_reports_changes() -> None:
    a, b = pod("a", "10.0.0.1"), pod("b", "fd00::2", "10.0.0.2")
    pods = {a.key: a, b.key: b}
    emap = EndpointMap()
    change = emap.refresh(pods, [HnsEndpointRef("e1", ("10.0.0.1",))])
    assert change.mapped == {a.key: "e1"} and not change.unmapped
    assert emap.pending(pods) == [b.key]

    change = emap.refresh(
        pods, [HnsEndpointRef("e1", ("10.0.0.1",)), HnsEndpointRef("e2", ("10.0.0.2",))]
    )
    assert change.mapped == {b.key: "e2"}, "only the newly mapped pod is reported"
    assert emap.pending(pods) == []


def test_recreated_endpoint_is_reported_and_vanished_one_unmapped() -> None:
    a, b = pod("a", "10.0.0.1"), pod("b", "10.0.0.2")
    pods = {a.key: a, b.key: b}
    emap = EndpointMap()
    emap.refresh(pods, [HnsEndpointRef("e1", ("10.0.0.1",)), HnsEndpointRef("e2", ("10.0.0.2",))])
    change = emap.refresh(pods, [HnsEndpointRef("e9", ("10.0.0.1",))])
    assert change.mapped == {a.key: "e9"}
    assert change.unmapped == {b.key}
    assert emap.id_of(b.key) is None


def test_identical_listing_changes_nothing() -> None:
    a = pod("a", "10.0.0.1")
    emap = EndpointMap()
    listing = [HnsEndpointRef("e1", ("10.0.0.1",))]
    emap.refresh({a.key: a}, listing)
    assert not emap.refresh({a.key: a}, listing)


def test_forget_drops_mapping_so_next_refresh_remaps() -> None:
    a = pod("a", "10.0.0.1")
    emap = EndpointMap()
    listing = [HnsEndpointRef("e1", ("10.0.0.1",))]
    emap.refresh({a.key: a}, listing)
    emap.forget(a.key)
    assert emap.refresh({a.key: a}, listing).mapped == {a.key: "e1"}
