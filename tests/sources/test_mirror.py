"""ObjectMirror: emit only real changes; invalid versions keep the last valid one."""

from __future__ import annotations

from typing import Any

from dataplane.convert import ObjectIdentity, convert, convert_identified, identify, resource_key
from dataplane.model import Delete, Kind, ResourceKey, Upsert
from dataplane.sources.mirror import ObjectMirror, Observation
from tests.sources.objects import k8s_policy, namespace, pod


class Reports(list[tuple[str, Exception]]):
    def __call__(self, origin: str, error: Exception) -> None:
        self.append((origin, error))


def seen(obj: dict[str, Any], version: str) -> Observation:
    return Observation(identify(obj), version, obj, f"origin of {version}")


def test_new_object_is_upserted_and_the_same_version_is_not_converted_again() -> None:
    calls: list[tuple[ObjectIdentity, Any]] = []

    def counting_convert(identity: ObjectIdentity, obj: Any) -> Upsert | Delete:
        calls.append((identity, obj))
        return convert_identified(identity, obj)

    mirror = ObjectMirror(counting_convert, Reports())
    obj = namespace("shop")
    first = seen(obj, "1")
    assert mirror.observe(first) == convert(obj)
    assert mirror.observe(seen(obj, "1")) is None
    assert calls == [(first.identity, obj)]
    assert calls[0][0] is first.identity, "converted with the identity the source found"


def test_new_version_with_the_same_model_emits_nothing() -> None:
    mirror = ObjectMirror(convert_identified, Reports())
    annotated = pod("shop", "web", "10.0.0.1")
    mirror.observe(seen(annotated, "1"))
    annotated["metadata"]["annotations"] = {"status": "changed"}
    assert mirror.observe(seen(annotated, "2")) is None


def test_invalid_version_is_reported_and_keeps_the_last_valid_one() -> None:
    reports = Reports()
    mirror = ObjectMirror(convert_identified, reports)
    mirror.observe(seen(k8s_policy("shop", "p", port=80), "1"))
    assert mirror.observe(seen(k8s_policy("shop", "p", port=70000), "2")) is None
    assert [origin for origin, _ in reports] == ["origin of 2"]
    assert mirror.observe(seen(k8s_policy("shop", "p", port=80), "3")) is None, "unchanged"
    fixed = k8s_policy("shop", "p", port=81)
    assert mirror.observe(seen(fixed, "4")) == convert(fixed)


def test_deleting_an_invalid_object_emits_delete() -> None:
    mirror = ObjectMirror(convert_identified, Reports())
    bad = k8s_policy("shop", "p", port=70000)
    mirror.observe(seen(bad, "1"))
    key = ResourceKey(Kind.K8S_NETWORK_POLICY, "shop", "p")
    assert mirror.forget(key) == Delete(key)
    assert mirror.forget(key) is None


def test_object_that_converts_to_delete_emits_delete_only_after_an_upsert() -> None:
    mirror = ObjectMirror(convert_identified, Reports())
    pending = pod("shop", "web", "10.0.0.1")
    del pending["status"]["podIP"]
    key = ResourceKey(Kind.WORKLOAD_ENDPOINT, "shop", "web")
    assert mirror.observe(seen(pending, "1")) is None, "no IP yet: nothing to delete"
    assert isinstance(mirror.observe(seen(pod("shop", "web", "10.0.0.1"), "2")), Upsert)
    assert mirror.observe(seen(pending, "3")) == Delete(key)
    assert mirror.forget(key) is None, "already deleted downstream"


def test_resync_emits_deletes_for_vanished_and_updates_for_changed_only() -> None:
    mirror = ObjectMirror(convert_identified, Reports())
    kept, changed, gone = namespace("kept"), namespace("changed"), namespace("gone")
    mirror.resync([seen(kept, "1"), seen(changed, "2"), seen(gone, "3")])
    renewed, added = namespace("changed", team="x"), namespace("added")
    updates = mirror.resync([seen(kept, "1"), seen(renewed, "4"), seen(added, "5")])
    assert updates == [Delete(resource_key(gone)), convert(renewed), convert(added)]
    assert len(mirror) == 3


def test_a_listing_in_pieces_deletes_what_it_did_not_name() -> None:
    mirror = ObjectMirror(convert_identified, Reports())
    kept, dropped = namespace("kept"), namespace("dropped")
    mirror.resync([seen(kept, "1"), seen(dropped, "2")])
    mirror.begin_listing()
    assert mirror.observe(seen(kept, "1")) is None
    assert mirror.end_listing() == [Delete(resource_key(dropped))]
    assert mirror.clear() == [Delete(resource_key(kept))]
    assert len(mirror) == 0


def test_a_verifying_listing_converts_objects_whose_version_looks_unchanged() -> None:
    mirror = ObjectMirror(convert_identified, Reports())
    mirror.resync([seen(namespace("shop", team="a"), "7")])
    changed = namespace("shop", team="b")  # restored etcd: same version, other content
    mirror.begin_listing()
    assert mirror.observe(seen(changed, "7")) is None
    mirror.begin_listing(verify=True)
    assert mirror.observe(seen(changed, "7")) == convert(changed)
    assert mirror.end_listing() == []


def test_touch_counts_a_known_version_as_listed_without_converting() -> None:
    mirror = ObjectMirror(convert_identified, Reports())
    kept, dropped = namespace("kept"), namespace("dropped")
    mirror.resync([seen(kept, "1"), seen(dropped, "2")])
    mirror.begin_listing()
    assert mirror.touch(resource_key(kept), "1")
    assert not mirror.touch(resource_key(dropped), "3")  # another version: observe it
    assert mirror.end_listing() == [Delete(resource_key(dropped))]
    mirror.begin_listing(verify=True)
    assert not mirror.touch(resource_key(kept), "1")
