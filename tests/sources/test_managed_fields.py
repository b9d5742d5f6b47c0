"""Cutting managedFields out of API-server JSON: only where it is exactly that array."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from dataplane.sources.managed_fields import loads, strip_managed_fields

MANAGED = [
    {
        "manager": "kubelet",
        "operation": "Update",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:status": {'k:{"type":"Ready"}': {".": {}}, "f:podIP": {}}},
    }
]


def pod(**metadata: Any) -> dict[str, Any]:
    """A pod with ObjectMeta in the API server's (Go struct) order."""
    meta = {"name": "web-1", "namespace": "shop", "uid": "u", "resourceVersion": "7"}
    meta |= {"labels": {"app": "web"}, "managedFields": MANAGED} | metadata
    return {"metadata": meta, "spec": {"nodeName": "n1"}, "status": {"podIP": "10.0.0.1"}}


def without_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    return {**obj, "metadata": {k: v for k, v in obj["metadata"].items() if k != "managedFields"}}


def test_a_list_page_loses_every_managed_fields_array_and_nothing_else() -> None:
    items = [pod(), pod(name="web-2"), pod(name="web-3")]
    page = orjson.dumps({"kind": "PodList", "metadata": {"resourceVersion": "9"}, "items": items})
    stripped = strip_managed_fields(page)
    assert len(stripped) < len(page)
    assert orjson.loads(stripped)["items"] == [without_managed_fields(item) for item in items]


def test_a_watch_event_loses_its_managed_fields() -> None:
    line = orjson.dumps({"type": "ADDED", "object": {"kind": "Pod", **pod()}})
    assert loads(line)["object"] == {"kind": "Pod", **without_managed_fields(pod())}


@pytest.mark.parametrize(
    "obj",
    [
        # fields the converters read after managedFields: never cut
        {
            "metadata": {
                "name": "a",
                "managedFields": MANAGED,
                "labels": {"app": "web"},
                "finalizers": ["x"],
            },
            "spec": {},
        },
        # no spec after metadata: nothing marks where the array ends
        {"metadata": {"name": "web-1", "managedFields": MANAGED}, "status": {}},
        # markers inside a string are escaped, so they are not markers
        {"metadata": {"name": 'x,"managedFields":[ ]},"spec":'}, "spec": {}},
    ],
    ids=["read-fields-after-it", "no-spec", "markers-in-a-string"],
)
def test_anything_else_is_left_whole(obj: dict[str, Any]) -> None:
    data = orjson.dumps(obj)
    assert strip_managed_fields(data) is data
    assert loads(data) == obj


def test_a_cut_that_would_break_the_document_falls_back_to_parsing_it_whole() -> None:
    # A bare "spec" key inside managedFields (never written by the API server) makes
    # the end marker appear early; the cut text is not JSON, so the whole is parsed.
    data = b'{"metadata":{"name":"a","managedFields":[{"a":{"b":[1]},"spec":2}]},"spec":{}}'
    assert strip_managed_fields(data) != data
    assert loads(data) == orjson.loads(data)


@pytest.mark.parametrize(
    "key",
    ["name", "namespace", "labels", "annotations", "resourceVersion", "deletionTimestamp"],
)
def test_each_metadata_key_read_keeps_a_region_that_holds_it(key: str) -> None:
    """A key after managedFields, then an array ending metadata: the would-be region
    runs to that array's end and holds the key, so nothing is cut."""

    def document(metadata_key: str) -> bytes:
        metadata = {"uid": "u1", "managedFields": MANAGED, metadata_key: "x", "finalizers": ["f"]}
        return orjson.dumps({"metadata": metadata, "spec": {}})

    data = document(key)
    assert strip_managed_fields(data) is data
    near_miss = document(f"{key}Other")  # not a key read: the region is cut
    assert strip_managed_fields(near_miss) != near_miss
