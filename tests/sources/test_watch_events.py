"""Watch stream parsing: line reassembly and event validation."""

from __future__ import annotations

import itertools

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataplane.sources.kube_errors import MalformedEventError
from dataplane.sources.watch_events import LineSplitter, parse_event, peek_added


def chunked(stream: bytes, cuts: list[int]) -> list[bytes]:
    """``stream`` cut at the points ``cuts`` name (modulo its length)."""
    points = sorted({cut % (len(stream) + 1) for cut in cuts} | {0, len(stream)})
    return [stream[start:end] for start, end in itertools.pairwise(points)]


_NO_NEWLINE = st.binary().filter(lambda b: b"\n" not in b)
# Blank lines (empty or whitespace as bytes.isspace has it) and lines that only start so.
_SPACED = st.sampled_from([b"", b" ", b"\r", b"\t \x0b\x0c", b" {}", b"\r{}\r", b"\x0c{"])


@given(
    lines=st.lists(st.one_of(_NO_NEWLINE, _SPACED)),
    tail=st.one_of(_NO_NEWLINE, _SPACED),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000)),
)
def test_splitter_returns_every_non_blank_line_whatever_the_chunking(
    lines: list[bytes], tail: bytes, cuts: list[int]
) -> None:
    stream = b"".join(line + b"\n" for line in lines) + tail
    splitter = LineSplitter()
    seen = [bytes(line) for chunk in chunked(stream, cuts) for line in splitter.feed(chunk)]
    assert seen == [line for line in lines if line and not line.isspace()]
    assert splitter.pending == tail


def test_splitter_keeps_a_partial_line_pending() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b'{"a":1}\n{"b"') == [b'{"a":1}']
    assert splitter.pending == b'{"b"'
    assert splitter.feed(b":2}\n\n") == [b'{"b":2}']
    assert splitter.pending == b""


def test_a_line_within_one_chunk_is_a_view_into_it() -> None:
    splitter = LineSplitter()
    chunk = b'{"a":1}\n{"b":2}\n{"c"'
    first, second = splitter.feed(chunk)
    assert isinstance(first, memoryview) and first.obj is chunk
    assert (bytes(first), bytes(second)) == (b'{"a":1}', b'{"b":2}')


def test_parse_event_reads_type_object_and_version() -> None:
    event = parse_event("pods", b'{"type":"ADDED","object":{"metadata":{"resourceVersion":"7"}}}')
    assert (event.type, event.resource_version) == ("ADDED", "7")


def test_error_event_needs_no_version() -> None:
    event = parse_event("pods", b'{"type":"ERROR","object":{"kind":"Status","code":410}}')
    assert (event.type, event.obj["code"], event.resource_version) == ("ERROR", 410, "")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"type": "ADDED"}', "missing object"),
        (b'{"type": "ADDED", "object": "pod"}', "missing object"),
        (b'{"type": "RENAMED", "object": {}}', "unknown event type"),
        (b'{"object": {}}', "unknown event type"),
        (b'{"type": "DELETED", "object": {"metadata": {}}}', "resourceVersion"),
        (
            b'{"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": 5}}}',
            "resourceVersion",
        ),
    ],
)
def test_malformed_lines_raise_naming_the_resource(line: bytes, problem: str) -> None:
    with pytest.raises(MalformedEventError, match=problem) as info:
        parse_event("pods", line)
    assert info.value.resource == "pods"
    assert str(info.value).startswith("pods watch: ")


def go_ordered_pod(**metadata: str) -> bytes:
    """A watch line as the API server writes it: ObjectMeta fields in Go's order."""
    meta = {"name": "web-1", "generateName": "web-", "namespace": "shop", "uid": "u-1"}
    meta |= {"resourceVersion": "42", "creationTimestamp": "2026-01-01T00:00:00Z"}
    meta |= metadata
    obj = {"kind": "Pod", "apiVersion": "v1", "metadata": meta, "spec": {}}
    return orjson.dumps({"type": "ADDED", "object": obj})


def test_peek_reads_the_identity_and_version_of_a_go_ordered_added_event() -> None:
    assert peek_added(go_ordered_pod(), namespaced=True) == ("shop", "web-1", "42")
    namespace = b'{"type":"ADDED","object":{"kind":"Namespace","apiVersion":"v1",'
    namespace += b'"metadata":{"name":"shop","uid":"u","resourceVersion":"7"}}}'
    assert peek_added(namespace, namespaced=False) == ("", "shop", "7")


@pytest.mark.parametrize(
    "line",
    [
        go_ordered_pod().replace(b'"ADDED"', b'"MODIFIED"'),
        go_ordered_pod(name='we"b'),  # an escape in the name
        orjson.dumps(  # another field order: parsed, never guessed
            {
                "type": "ADDED",
                "object": {
                    "metadata": {"name": "web-1", "labels": {"resourceVersion": "1"}},
                },
            }
        ),
        b'{"type":"ADDED","object":{"metadata":{"name":"web-1","uid":"u","resourceVersion":"1"}}}',
    ],
    ids=["modified", "escaped", "other-order", "no-namespace"],
)
def test_peek_gives_up_on_anything_else(line: bytes) -> None:
    assert peek_added(line, namespaced=True) is None
