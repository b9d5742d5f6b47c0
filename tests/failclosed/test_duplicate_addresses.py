"""Two local pods with one IP: the right one is programmed, and it is said (input 3)."""

from __future__ import annotations

from typing import Any

from dataplane.calc import CalcGraph
from dataplane.convert import convert
from dataplane.engine import Engine
from dataplane.model import Delete, InSync, Kind, ResourceKey
from tests.conformance.manifests import namespace_manifest, netpol, pod_manifest

NODE = "n1"


def pod(name: str, created: str, deleting: bool = False, app: str = "x") -> dict[str, Any]:
    doc = pod_manifest(name, "x", {"app": app}, node=NODE, ips=["10.0.0.9"])
    doc["metadata"]["creationTimestamp"] = created
    if deleting:
        doc["metadata"]["deletionTimestamp"] = "2026-01-03T00:00:00Z"
    return doc


def key(name: str) -> ResourceKey:
    return ResourceKey(Kind.WORKLOAD_ENDPOINT, "x", name)


def local(graph: CalcGraph) -> set[ResourceKey]:
    graph.flush()
    return set(graph.local_endpoints())


def feed(graph: CalcGraph, *docs: dict[str, Any]) -> None:
    for doc in docs:
        graph.apply(convert(doc))


def test_the_newest_pod_owns_the_address_and_the_old_one_returns_when_it_goes() -> None:
    graph = CalcGraph(NODE)
    feed(graph, pod("old", "2026-01-01T00:00:00Z"), pod("new", "2026-01-02T00:00:00Z"))
    assert local(graph) == {key("new")}
    (conflict,) = graph.address_conflicts().values()
    assert (conflict.owner, conflict.shadowed, conflict.tied) == (key("new"), (key("old"),), False)
    graph.apply(Delete(key("new")))
    assert local(graph) == {key("old")}
    assert not graph.address_conflicts()


def test_a_pod_being_deleted_loses_to_an_older_one_that_is_not() -> None:
    graph = CalcGraph(NODE)
    feed(graph, pod("old", "2026-01-01T00:00:00Z"), pod("new", "2026-01-02T00:00:00Z", True))
    assert local(graph) == {key("old")}


def test_tie_is_decided_by_name_and_said() -> None:
    graph = CalcGraph(NODE)
    feed(graph, pod("b", "2026-01-01T00:00:00Z"), pod("a", "2026-01-01T00:00:00Z"))
    assert local(graph) == {key("a")}
    assert "decided by name" in next(iter(graph.address_conflicts().values())).describe()


def test_the_protected_pod_is_programmed_not_the_open_one() -> None:
    """The leftover (old, being deleted, no policy) must not overwrite the new pod's ACLs."""
    engine = Engine(NODE)
    docs = [
        namespace_manifest("x"),
        netpol("lock", {"matchLabels": {"app": "db"}}, ingress=[]),
        pod("leftover", "2026-01-01T00:00:00Z", deleting=True, app="web"),
        pod("db", "2026-01-02T00:00:00Z", app="db"),
    ]
    engine.apply([*(convert(d) for d in docs), InSync()])
    plan = engine.plan()
    assert plan is not None
    assert set(engine.local_endpoints()) == {key("db")}
    status = engine.endpoint_status(key("db"))
    assert status is not None and status.ingress
    (warning,) = engine.take_warnings()
    assert "10.0.0.9" in warning and "x/db" in warning and "x/leftover" in warning
    assert engine.take_warnings() == (), "reported once"
    engine.apply([Delete(key("leftover"))])
    assert engine.warnings() == ()


def test_pods_carry_their_creation_and_deletion_times_whichever_way_they_were_read() -> None:
    import datetime

    from dataplane.model import WorkloadEndpoint

    as_text = pod("p", "2026-01-02T03:04:05Z", deleting=True)
    as_datetime = pod("p", "2026-01-02T03:04:05Z")  # as YAML reads an unquoted time
    as_datetime["metadata"]["creationTimestamp"] = datetime.datetime(
        2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC
    )
    first, second = convert(as_text), convert(as_datetime)
    assert isinstance(first.value, WorkloadEndpoint) and isinstance(second.value, WorkloadEndpoint)  # type: ignore[union-attr]
    assert (first.value.created, first.value.deleting) == ("2026-01-02T03:04:05Z", True)  # type: ignore[union-attr]
    assert (second.value.created, second.value.deleting) == ("2026-01-02T03:04:05Z", False)  # type: ignore[union-attr]
