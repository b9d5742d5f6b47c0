"""API-server pod JSON decoded into only the fields the dataplane reads of a pod.

A pod is ~6.6 KB of JSON (probes, env, volumes, managedFields, statuses) of
which the pod converter reads a few fields. msgspec decodes into the typed
projection below and skips every other field in C, checking only its JSON
syntax, without building Python objects for it.

The projection is the list of what is read: ``convert.identity.identify``
(apiVersion, kind, metadata.name/namespace), ``convert.kubernetes.convert_pod``
(``_plain_pod`` and ``_checked_pod``: metadata.labels/creationTimestamp/
deletionTimestamp, spec.nodeName/hostNetwork/serviceAccountName/serviceAccount,
spec.containers[].ports[].name/protocol/containerPort, status.phase/podIP/
podIPs[].ip), the watcher (metadata.resourceVersion; metadata.annotations of
the bookmark that ends the initial events) and ``describe``. A converter that
reads another pod field must read it here too: tests/sources/
test_pod_projection.py compares every conversion with the full parse.

What the projection accepts, it decodes exactly as ``orjson.loads`` would
(same keys, same values; absent keys stay absent): objects are ``TypedDict``s
with ``total=False``, every leaf is a JSON scalar (an integer only within
int64: orjson makes a float of one beyond 64 bits). Anything else, where the
converters read, is a msgspec error and the caller parses the whole JSON as
before, so an unexpected shape gets exactly today's result or error. Unread
fields are checked for JSON syntax only (invalid UTF-8 inside a string or a
number beyond a double no longer fail the line): they cannot change what
the dataplane enforces.
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict, cast

import msgspec
import orjson

Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
Scalar = Int64 | float | str | bool | None
"""A JSON leaf as orjson decodes it; an integer beyond int64 fails (orjson: a float past
64 bits)."""


class ObjectMeta(TypedDict, total=False):
    name: Scalar
    namespace: Scalar
    resourceVersion: Scalar
    labels: dict[str, Scalar] | None
    annotations: dict[str, Scalar] | None
    creationTimestamp: Scalar
    deletionTimestamp: Scalar


class ContainerPort(TypedDict, total=False):
    name: Scalar
    protocol: Scalar
    containerPort: Scalar


class Container(TypedDict, total=False):
    ports: list[ContainerPort | None] | None


class PodSpec(TypedDict, total=False):
    nodeName: Scalar
    hostNetwork: Scalar
    serviceAccountName: Scalar
    serviceAccount: Scalar
    containers: list[Container | None] | None


class PodIP(TypedDict, total=False):
    ip: Scalar


class PodStatus(TypedDict, total=False):
    phase: Scalar
    podIP: Scalar
    podIPs: list[PodIP | None] | None


class Pod(TypedDict, total=False):
    apiVersion: Scalar
    kind: Scalar
    metadata: ObjectMeta | None
    spec: PodSpec | None
    status: PodStatus | None


class PodEvent(TypedDict, total=False):
    type: str
    object: Pod | None


# ``continue`` is a Python keyword: the functional form names it.
ListMeta = TypedDict("ListMeta", {"continue": Scalar, "resourceVersion": Scalar}, total=False)


class PodList(TypedDict, total=False):
    metadata: ListMeta | None
    items: list[Pod | None] | None


# A decode that cannot be the projection of the JSON: parse it whole instead.
# msgspec raises RecursionError past Python's recursion limit (orjson's own is
# 1024 levels) and UnicodeDecodeError for invalid UTF-8 in a string it keeps.
_NOT_PROJECTED = (msgspec.MsgspecError, RecursionError, UnicodeDecodeError)
_EVENT = msgspec.json.Decoder(PodEvent)
_LIST = msgspec.json.Decoder(PodList)


def project_event(line: bytes | memoryview) -> PodEvent | None:
    """The projection of a pod watch event; None when ``line`` does not decode into it."""
    try:
        return _EVENT.decode(line)
    except _NOT_PROJECTED:
        return None


def load_pod_list(body: bytes) -> Any:
    """A pod list response as ``orjson.loads`` parses it, as far as the dataplane reads
    it: its projection, else (it does not decode into one) the whole JSON."""
    try:
        return cast(dict[str, Any], _LIST.decode(body))
    except _NOT_PROJECTED:
        return orjson.loads(body)
