"""Pods decoded through the projection give what the full parse gives: the same events,
conversions and errors, whatever is changed anywhere in a realistic pod's JSON."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.kube_objects import ClusterLayout, pod
from dataplane.convert import convert
from dataplane.errors import ValidationError
from dataplane.model import Kind, ResourceKey
from dataplane.sources import kube_watcher
from dataplane.sources.describe import describe
from dataplane.sources.kube_api import status_from_object
from dataplane.sources.kube_errors import ApiResponseError, MalformedEventError
from dataplane.sources.kube_resources import KUBERNETES_RESOURCES
from dataplane.sources.kube_watcher import _list_parts
from dataplane.sources.pod_projection import load_pod_list
from dataplane.sources.reflector import INITIAL_EVENTS_END
from dataplane.sources.watch_events import LineSplitter, WatchEvent, parse_event, parse_pod_event
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.sources import objects
from tests.sources.recording_sink import model_state
from tests.sources.test_kubernetes import seed, watching
from tests.sources.test_watch_events import chunked

Path = tuple[str | int, ...]
_LAYOUT = ClusterLayout(pods=1000)
PODS = next(resource for resource in KUBERNETES_RESOURCES if resource.kind == "Pod")


# Values written as raw JSON text, and repeated keys, are marked inside the document by
# strings of private-use characters (which no generated text holds) that ``dump`` replaces.
_RAW_MARK, _REPEAT_MARK = "\ue000", "\ue001"
_RAW_TEXTS: list[tuple[bytes, bool]] = []
_RAW = re.compile(rb'"(?:\xee\x80\x80|\\ue000)(\d+)(?:\xee\x80\x80|\\ue000)"')
_REPEAT = re.compile(rb'"(?:\xee\x80\x81|\\ue001)\d+(?:\xee\x80\x81|\\ue001)')


def raw(text: bytes, rejected: bool = False) -> str:
    """A value written as the JSON ``text`` (``rejected``: orjson does not accept it)."""
    _RAW_TEXTS.append((text, rejected))
    return f"{_RAW_MARK}{len(_RAW_TEXTS) - 1}{_RAW_MARK}"


def repeated(key: str, occurrence: int) -> str:
    """A key written as ``key`` (so that an object can hold it twice)."""
    return f"{_REPEAT_MARK}{occurrence}{_REPEAT_MARK}{key}"


def dump(doc: Any, ascii_only: bool = False, clean: bool = False, spaced: bool = False) -> bytes:
    """JSON bytes of ``doc`` with its raw values and repeated keys; ``clean``: each raw
    value orjson rejects written as null."""

    def raw_text(match: re.Match[bytes]) -> bytes:
        text, rejected = _RAW_TEXTS[int(match[1])]
        return b"null" if clean and rejected else text

    separators = (", ", ": ") if spaced else (",", ":")
    text = json.dumps(doc, ensure_ascii=ascii_only, separators=separators).encode()
    return _REPEAT.sub(b'"', _RAW.sub(raw_text, text))


# -- documents ---------------------------------------------------------------------------


def realistic_pod(index: int) -> dict[str, Any]:
    """A bench pod as a watch event carries it, with the optional fields real pods have."""
    obj = {"kind": "Pod", "apiVersion": "v1", **pod(_LAYOUT, index)}
    obj["metadata"]["resourceVersion"] = str(1000 + index)
    spec, status = obj["spec"], obj["status"]
    spec["hostNetwork"] = False
    spec["serviceAccountName"] = spec["serviceAccount"] = "web"
    sidecar = copy.deepcopy(spec["containers"][0])
    sidecar["name"] = "metrics"
    sidecar["ports"] = [
        {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
        {"containerPort": 9091, "protocol": "UDP"},
        {"name": "dns", "containerPort": 53, "protocol": "UDP", "hostPort": 53},
    ]
    spec["containers"].append(sidecar)
    if index % 2:
        obj["metadata"]["deletionTimestamp"] = "2026-12-01T00:00:00Z"
        status["podIPs"].append({"ip": "fd00::" + format(index, "x")})
    return obj


def event(kind: str, obj: Any) -> dict[str, Any]:
    return {"type": kind, "object": obj}


BOOKMARK = event(
    "BOOKMARK",
    {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "2000", "annotations": {INITIAL_EVENTS_END: "true"}},
    },
)


def paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """The path of every value inside ``value`` (object members and array elements)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*prefix, index)
            yield from paths(item, (*prefix, index))


def container_at(doc: Any, path: Path) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


def delete(doc: Any, path: Path) -> None:
    del container_at(doc, path)[path[-1]]


def replace(doc: Any, path: Path, value: Any) -> None:
    container_at(doc, path)[path[-1]] = value


# -- outcomes ----------------------------------------------------------------------------


def conversion(obj: dict[str, Any]) -> tuple[Any, ...]:
    """What the watcher makes of an object: its name in reports and its update or error."""
    obj.setdefault("apiVersion", "v1")
    obj.setdefault("kind", "Pod")
    try:
        update: Any = convert(obj)
    except ValidationError as error:
        update = (type(error), error.resource, error.field, error.message)
    return describe(obj), update


def initial_events_end(found: WatchEvent) -> bool:
    annotations = found.obj["metadata"].get("annotations")
    return isinstance(annotations, dict) and annotations.get(INITIAL_EVENTS_END) == "true"


def event_outcome(parse: Callable[[str, bytes], WatchEvent], line: bytes) -> tuple[Any, ...]:
    try:
        found = parse("pods", line)
    except MalformedEventError as error:
        return ("malformed", str(error))
    if found.type == "ERROR":
        return ("error", found.obj)
    ended = initial_events_end(found) if found.type == "BOOKMARK" else False
    return (found.type, found.resource_version, ended, conversion(found.obj))


def assert_same_event_outcome(doc: Any, ascii_only: bool = False, spaced: bool = False) -> None:
    """The projected parse of ``doc`` as a watch line gives what the full parse gives.

    The one allowed difference: a token orjson rejects (invalid UTF-8, a number beyond
    a double) in a field nothing reads fails the full parse only; the projection then
    gives what the full parse gives once that token is null.
    """
    line = dump(doc, ascii_only, spaced=spaced)
    projected = event_outcome(parse_pod_event, line)
    full = event_outcome(parse_event, line)
    clean = dump(doc, ascii_only, clean=True, spaced=spaced)
    if projected != full and clean != line and full[0] == "malformed":
        full = event_outcome(parse_event, clean)
    assert projected == full, line


def page(*pods: dict[str, Any]) -> dict[str, Any]:
    """A pod list response as the API server writes it (items without kind)."""
    items = [
        {key: value for key, value in obj.items() if key not in ("kind", "apiVersion")}
        for obj in pods
    ]
    metadata = {"resourceVersion": "5000", "continue": "next-page", "remainingItemCount": 40}
    return {"kind": "PodList", "apiVersion": "v1", "metadata": metadata, "items": items}


def page_outcome(load: Callable[[bytes], Any], body: bytes) -> tuple[Any, ...]:
    """What the watcher makes of a list page: its token, version and items."""
    try:
        metadata, items = _list_parts(PODS.path, load(body))
    except orjson.JSONDecodeError as error:
        return ("not JSON", str(error))
    except ApiResponseError as error:
        return ("not a list", str(error))
    observed = [
        conversion(item) if isinstance(item, dict) else ("not an object", item) for item in items
    ]
    return metadata.get("continue"), metadata.get("resourceVersion"), observed


def assert_same_page_outcome(doc: Any) -> None:
    """``assert_same_event_outcome`` for a list page (read by ``load_pod_list``)."""
    body = dump(doc)
    projected, full = page_outcome(load_pod_list, body), page_outcome(orjson.loads, body)
    clean = dump(doc, clean=True)
    if projected != full and clean != body and full[0] == "not JSON":
        full = page_outcome(orjson.loads, clean)
    assert projected == full, body


# -- values a mutation writes ------------------------------------------------------------

ODD_RAW = [
    raw(b"1e400", rejected=True),
    raw(b"-1e400", rejected=True),
    raw(b'"bad \xff utf-8"', rejected=True),
    raw(b"1E2"),
    raw(b"-0"),
    raw(b"8080.0"),
    raw(b"0.1e1"),
    raw(b"9007199254740993.0"),
    raw(b"2.4703282292062328e-324"),
    raw(b"1e-400"),
    raw(b"1.7976931348623159e308", rejected=True),
    raw(b'"\\/x"'),
    raw(b"123456789012345678901234567890"),
    raw(b"18446744073709551615"),
    raw(b"18446744073709551616"),
    raw(b"-9223372036854775809"),
    raw(b'"\\u0068ttp"'),
    raw(b'"10.0.0.\\u0031"'),
    raw(b'"\\ud83d\\ude00"'),
    raw(b"[" * 1100 + b"]" * 1100, rejected=True),
]
ODD_TEXT = [
    "",
    "x",
    "http",
    "TCP",
    "UDP",
    "SCTP",
    "tcp",
    "ICMP",
    "Running",
    "Succeeded",
    "Failed",
    "10.1.2.3",
    "010.1.2.3",
    "10.1.2.3/32",
    "300.1.2.3",
    "fd00::1",
    "FD00:0::1",
    "::ffff:10.1.2.3",
    "fe80::1%eth0",
    "2026-12-01T00:00:00Z",
    "true",
    "a" * 64,
    "Ünïcode",
    "default",
    "ADDED",
    "MODIFIED",
    "DELETED",
    "BOOKMARK",
    "ERROR",
]
ODD_INTEGERS = [0, 1, 53, 65535, 65536, -1, 2**31, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63) - 1]
_TEXT_CHARS = st.characters(exclude_categories=("Cs", "Co"))  # no marks: see dump
JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(ODD_INTEGERS),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(ODD_TEXT),
    st.text(_TEXT_CHARS, max_size=8),
    st.sampled_from(ODD_RAW),
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["ip", "name", "protocol", "containerPort", "x"]), inner),
        st.dictionaries(st.text(_TEXT_CHARS, max_size=5), inner, max_size=3),
    ),
    max_leaves=6,
)
FIXED_VALUES = [None, True, False, "", "x", "UDP", "fd00::1", 7, 70000, 2**64, -1.5, [], {}]
FIXED_VALUES += [[None], [{}], ["x"], {"x": 1}, *ODD_RAW]


EVENTS = [event(kind, realistic_pod(1)) for kind in ("ADDED", "MODIFIED")]
EVENTS += [event("DELETED", realistic_pod(2)), BOOKMARK]


@st.composite
def mutated(draw: st.DrawFn, documents: list[Any]) -> Any:
    """One of ``documents`` with random changes anywhere in it."""
    doc = copy.deepcopy(draw(st.sampled_from(documents)))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        every = list(paths(doc))
        if not every:
            break
        path = draw(st.sampled_from(every))
        keys = sorted({step for step in (p[-1] for p in every) if isinstance(step, str)})
        operation = draw(st.sampled_from(["delete", "null", "replace", "add", "repeat"]))
        target = container_at(doc, path)
        if operation == "delete":
            delete(doc, path)
        elif operation == "null":
            replace(doc, path, None)
        elif operation == "replace":
            replace(doc, path, draw(JSON_VALUES))
        elif isinstance(target, dict):  # add or repeat a key of the object holding it
            key = draw(st.one_of(st.sampled_from(keys), st.text(_TEXT_CHARS, max_size=6)))
            value = draw(st.one_of(JSON_VALUES, st.just(copy.deepcopy(target.get(key)))))
            if operation == "add":
                target[key] = value
                continue
            # The key twice: JSON parsers keep the last one.
            twice = repeated(key, len(every))
            if draw(st.booleans()):
                target[twice] = value
            else:
                first = {twice: value, **target}
                target.clear()
                target.update(first)
    return doc


@given(doc=mutated(EVENTS), ascii_only=st.booleans(), spaced=st.booleans())
def test_a_changed_pod_event_decodes_and_converts_as_the_full_parse_does(
    doc: Any, ascii_only: bool, spaced: bool
) -> None:
    assert_same_event_outcome(doc, ascii_only, spaced)


_DELETE = object()


def changed(doc: Any, path: Path, value: Any) -> Any:
    """A copy of ``doc`` with the value at ``path`` replaced (or deleted: ``_DELETE``);
    only the objects along the path are copied."""
    if not path:
        return value
    step, rest = path[0], path[1:]
    copied = dict(doc) if isinstance(doc, dict) else list(doc)
    if not rest and value is _DELETE:
        del copied[step]
    else:
        copied[step] = changed(doc[step], rest, value)
    return copied


def single_changes(doc: Any, depth: int = 100) -> Iterator[Any]:
    """``doc`` with one change: every value (to ``depth``) deleted or replaced by each
    fixed value."""
    for path in [path for path in paths(doc) if len(path) <= depth]:
        for value in [_DELETE, *FIXED_VALUES]:
            yield changed(doc, path, value)


@pytest.mark.parametrize(
    "doc",
    [event("ADDED", realistic_pod(1)), BOOKMARK],
    ids=["pod", "bookmark"],
)
def test_every_single_change_decodes_and_converts_as_the_full_parse_does(doc: Any) -> None:
    for changed in single_changes(doc):
        assert_same_event_outcome(changed)


PAGES = [page(realistic_pod(1), realistic_pod(2)), page()]


@given(doc=mutated(PAGES))
def test_a_changed_list_page_decodes_and_converts_as_the_full_parse_does(doc: Any) -> None:
    assert_same_page_outcome(doc)


def test_every_single_change_to_a_list_page_decodes_and_converts_as_the_full_parse_does() -> None:
    # Inside an item, the pod decodes as in a watch event (tested above).
    for changed in single_changes(page(realistic_pod(1)), depth=3):
        assert_same_page_outcome(changed)


def test_a_realistic_pod_is_decoded_through_the_projection() -> None:
    line = orjson.dumps(event("ADDED", realistic_pod(1)))
    full, projected = parse_event("pods", line).obj, parse_pod_event("pods", line).obj
    assert "uid" in full["metadata"] and "uid" not in projected["metadata"]
    assert "volumes" in full["spec"] and "volumes" not in projected["spec"]
    body = orjson.dumps(page(realistic_pod(1)))
    item = load_pod_list(body)["items"][0]
    assert "conditions" in orjson.loads(body)["items"][0]["status"]
    assert "conditions" not in item["status"]


@pytest.mark.parametrize("kind", ["ADDED", "MODIFIED", "DELETED", "BOOKMARK"])
def test_each_event_type_gives_the_full_parse_event(kind: str) -> None:
    line = orjson.dumps(event(kind, realistic_pod(1)))
    assert event_outcome(parse_pod_event, line) == event_outcome(parse_event, line)
    assert parse_pod_event("pods", line).type == kind


def test_an_error_event_keeps_its_whole_status() -> None:
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
    status |= {"message": "too old resource version: 5 (90)", "reason": "Expired", "code": 410}
    line = orjson.dumps(event("ERROR", status))
    parsed = parse_pod_event("pods", line)
    assert (parsed.type, parsed.obj) == ("ERROR", status)
    error = status_from_object(PODS.path, parsed.obj)
    assert (error.status, error.reason, error.message) == (410, "Expired", status["message"])


MALFORMED_LINES = [
    b"{not json",
    b'{"type":"ADDED","object":{"metadata":{"resourceVersion":"7"}}',
    b'{"type":"ADDED","object":{"metadata":{"resourceVersion":"7"}},}',
    b'{"type":"ADDED","object":{"metadata":{"name":"\\ud800","resourceVersion":"7"}}}',
    b'{"type":"ADDED","object":{"metadata":{"name":"\xff","resourceVersion":"7"}}}',
    b"[1, 2]",
    b'{"type": "ADDED"}',
    b'{"type": "RENAMED", "object": {}}',
    b'{"type": ["ADDED"], "object": {}}',
    b'{"type": "DELETED", "object": {"metadata": {}}}',
    b'{"type": "DELETED", "object": {"metadata": {"resourceVersion": ""}}}',
    b'{"type": "MODIFIED", "object": {"metadata": {"resourceVersion": 5}}}',
]


@pytest.mark.parametrize("line", MALFORMED_LINES)
def test_a_malformed_line_is_reported_as_by_the_full_parse(line: bytes) -> None:
    with pytest.raises(MalformedEventError) as full:
        parse_event("pods", line)
    with pytest.raises(MalformedEventError) as projected:
        parse_pod_event("pods", line)
    assert str(projected.value) == str(full.value)


ERROR_LINE = orjson.dumps(
    event("ERROR", {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 410})
)
STREAM_LINES = st.one_of(
    mutated(EVENTS).map(dump),
    st.sampled_from([*MALFORMED_LINES, ERROR_LINE, b"", b" ", b"\r", b'\t{"type":"ADDED"}']),
)


@given(
    lines=st.lists(STREAM_LINES, max_size=5),
    ending=st.sampled_from([b"\n", b"\r\n"]),
    tail=st.sampled_from([b"", b"\r", dump(EVENTS[0])[:100]]),
    cuts=st.lists(st.integers(min_value=0, max_value=100_000)),
)
def test_a_watch_stream_in_any_chunks_gives_the_events_and_errors_of_its_lines(
    lines: list[bytes], ending: bytes, tail: bytes, cuts: list[int]
) -> None:
    """Each line, a view into the chunk holding it or joined across chunks, parses as
    the line alone: the same events, conversions and malformed-line errors, in order."""
    stream = b"".join(line + ending for line in lines) + tail
    *whole, rest = stream.split(b"\n")
    for parse in (parse_event, parse_pod_event):
        splitter = LineSplitter()
        found = [
            event_outcome(parse, line)
            for chunk in chunked(stream, cuts)
            for line in splitter.feed(chunk)
        ]
        assert found == [event_outcome(parse, line) for line in whole if line.strip()]
        assert splitter.pending == rest


def test_an_unread_field_is_checked_for_syntax_only() -> None:
    """The documented difference: a value orjson rejects where nothing reads."""
    obj = realistic_pod(1)
    obj["status"]["qosClass"] = raw(b'"bad \xff"', rejected=True)
    line = dump(event("ADDED", obj))
    with pytest.raises(MalformedEventError, match="not JSON"):
        parse_event("pods", line)
    assert event_outcome(parse_pod_event, line) == event_outcome(
        parse_event, dump(event("ADDED", realistic_pod(1)))
    )


@pytest.mark.anyio
async def test_the_watcher_decodes_pods_through_the_projection_and_other_kinds_whole() -> None:
    """Through the real source: the same odd unread value is skipped in a pod (which
    syncs) and makes a namespace's line malformed (parsed whole)."""
    odd = raw(b'"bad \xff"', rejected=True)
    pod_obj = objects.pod("shop", "odd", "10.0.9.9")
    pod_obj["metadata"]["resourceVersion"] = "900"
    pod_obj["status"]["qosClass"] = odd
    namespace_obj = objects.namespace("odd")
    namespace_obj["metadata"]["resourceVersion"] = "901"
    namespace_obj["status"] = {"phase": odd}
    async with FakeKubeApiServer() as server:
        seed(server)
        async with watching(server) as (source, sink):
            server.inject(dump(event("ADDED", pod_obj)) + b"\n", "pods")
            server.inject(dump(event("ADDED", namespace_obj)) + b"\n", "namespaces")
            key = ResourceKey(Kind.WORKLOAD_ENDPOINT, "shop", "odd")
            await sink.wait_until(lambda: key in sink.state)
            await sink.wait_until(lambda: sink.origins(MalformedEventError) != [])
            collections = source.status()["collections"]
    assert sink.state[key].addresses == ("10.0.9.9",)  # type: ignore[union-attr]
    assert collections["pods"]["malformed"] == 0
    assert collections["namespaces"]["malformed"] == 1
    assert sink.origins(MalformedEventError) == ["namespaces watch"]


@pytest.mark.anyio
async def test_the_watcher_lists_pods_through_the_projection(monkeypatch: Any) -> None:
    """List pages of pods are decoded by ``load_pod_list`` (watched here, not replaced)."""
    decoded: list[Any] = []

    def watched(body: bytes) -> Any:
        page = load_pod_list(body)
        decoded.extend(copy.deepcopy(page["items"]))
        return page

    monkeypatch.setattr(kube_watcher, "load_pod_list", watched)
    unread = objects.pod("shop", "with-volumes", "10.0.0.9")
    unread["spec"]["volumes"] = [{"name": "config", "configMap": {"name": "web"}}]
    async with FakeKubeApiServer() as server:
        seed(server)
        server.create(unread)
        async with watching(server) as (_, sink):
            assert sink.state == model_state(server.all_objects())
    assert len(decoded) == 6  # every pod, in pages of 2
    assert all("volumes" not in item["spec"] for item in decoded)
