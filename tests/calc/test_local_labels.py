"""LocalLabels: interned selector labels whose interner stays bounded under churn."""

from __future__ import annotations

from dataplane.calc.local_labels import LocalLabels
from dataplane.model import Kind, ResourceKey


def _key(i: int) -> ResourceKey:
    return ResourceKey(Kind.WORKLOAD_ENDPOINT, "ns", f"pod-{i}")


def test_equal_maps_are_shared() -> None:
    store = LocalLabels()
    first = store.set(_key(1), {"app": "web"})
    second = store.set(_key(2), {"app": "web"})
    assert first is second and store[_key(2)] is first
    assert set(store) == {_key(1), _key(2)} and len(store) == 2 and _key(1) in store
    assert store.pop(_key(1)) == {"app": "web"} and _key(1) not in store


def test_interner_is_rebuilt_from_live_maps_under_churn() -> None:
    store = LocalLabels()
    for i in range(10_000):  # one endpoint whose labels change every time
        store.set(_key(0), {"hash": str(i)})
    assert store.shared_maps <= 2 * len(store) + 256 + 1
    assert store[_key(0)] == {"hash": "9999"}
