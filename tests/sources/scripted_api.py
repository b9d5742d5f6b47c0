"""A stand-in for ``KubeApi`` that answers list requests from a script.

The watcher's list pipeline is tested against it where the HTTP fake cannot
help: holding one response back, failing one page in a chosen way, stalling a
body, and checking that no request is left open after a cancellation. Watch
requests are never answered (the listing is what these tests look at).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import anyio
import orjson

from tests.fakes.kube_apiserver import status_object

CHUNK = 64
"""Bytes per body chunk, so that every page arrives in several pieces."""


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to one list request.

    ``status`` and ``body`` as sent; ``open_error`` raised instead of any answer
    (a connection refused); ``body_error`` raised after the first chunk (a
    connection reset mid-body); ``hang_headers``: never answered;
    ``hang_body``: the first chunk, then silence.
    """

    body: bytes = b""
    status: int = 200
    open_error: Exception | None = None
    body_error: Exception | None = None
    hang_headers: bool = False
    hang_body: bool = False


def page(items: Sequence[dict[str, Any]], token: str = "", version: str = "10") -> Reply:
    """A list page: ``items`` (without apiVersion/kind, as the API server sends them)."""
    bare = [{k: v for k, v in item.items() if k not in ("apiVersion", "kind")} for item in items]
    metadata: dict[str, Any] = {"resourceVersion": version}
    if token:
        metadata["continue"] = token
    return Reply(orjson.dumps({"kind": "PodList", "metadata": metadata, "items": bare}))


def status(code: int, reason: str, message: str) -> Reply:
    return Reply(orjson.dumps(status_object(code, reason, message)), status=code)


class _Content:
    def __init__(self, api: ScriptedApi, reply: Reply) -> None:
        self._api = api
        self._reply = reply
        self._chunks = [reply.body[i : i + CHUNK] for i in range(0, len(reply.body), CHUNK)]
        self._sent = 0

    async def readany(self) -> bytes:
        await anyio.sleep(0)  # a chunk is a scheduling point, as on a socket
        if self._sent == 1 and self._reply.body_error is not None:
            raise self._reply.body_error
        if self._sent == 1 and self._reply.hang_body:
            await self._api.forever()
        if self._sent == len(self._chunks):
            return b""
        self._sent += 1
        self._api.log.append(("chunk", self._sent))
        return self._chunks[self._sent - 1]


class ScriptedResponse:
    """What ``open`` returns: the parts of ``aiohttp.ClientResponse`` the watcher uses."""

    def __init__(self, api: ScriptedApi, reply: Reply) -> None:
        self.status = reply.status
        self.reason = "OK" if reply.status == 200 else "Error"
        self.content = _Content(api, reply)
        self.closed = False
        self._body = reply.body

    async def read(self) -> bytes:
        return self._body

    def close(self) -> None:
        self.closed = True


class ScriptedApi:
    """Answers the n-th list request with ``replies[n]``; watches hang (``watched`` is set).

    ``log`` records each request (``("list", continue token)``, ``("watch", "")``) and
    each body chunk handed out, ``requests`` their parameters; ``in_flight`` counts the
    requests whose ``open`` has not returned; ``responses`` keeps every response
    returned, to check that each was closed.
    """

    def __init__(self, replies: Sequence[Reply]) -> None:
        self.replies = list(replies)
        self.log: list[tuple[str, Any]] = []
        self.responses: list[ScriptedResponse] = []
        self.requests: list[dict[str, str]] = []
        self.in_flight = 0
        self.watched = anyio.Event()

    async def open(self, path: str, params: Sequence[tuple[str, str]]) -> ScriptedResponse:
        query = dict(params)
        self.requests.append(query)
        self.in_flight += 1
        try:
            if query.get("watch") == "true":
                self.log.append(("watch", ""))
                self.watched.set()
                await self.forever()
            self.log.append(("list", query.get("continue", "")))
            reply = self.replies.pop(0)
            await anyio.sleep(0)
            if reply.open_error is not None:
                raise reply.open_error
            if reply.hang_headers:
                await self.forever()
            response = ScriptedResponse(self, reply)
            self.responses.append(response)
            return response
        finally:
            self.in_flight -= 1

    @staticmethod
    async def forever() -> NoReturn:
        await anyio.Event().wait()
        raise AssertionError("unreachable")
