"""A small HTTP/1.1 server for /healthz, /readyz, /metrics and /status (GET only)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

import anyio
from anyio.abc import Listener, SocketStream

log = logging.getLogger(__name__)

Handler = Callable[[], tuple[int, str, bytes]]

_REASONS = {
    200: "OK",
    404: "Not Found",
    405: "Method Not Allowed",
    400: "Bad Request",
    503: "Service Unavailable",
    500: "Internal Server Error",
}
_MAX_HEAD = 16 * 1024


async def _read_head(stream: SocketStream) -> bytes | None:
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        if len(buffer) > _MAX_HEAD:
            return None
        chunk = await stream.receive(4096)
        if not chunk:
            return None
        buffer += chunk
    return buffer.split(b"\r\n\r\n", 1)[0]


def _response(status: int, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


class HttpServer:
    """Serves fixed routes; each handler returns (status, content type, body)."""

    def __init__(self, routes: Mapping[str, Handler]) -> None:
        self._routes = dict(routes)

    async def _handle(self, stream: SocketStream) -> None:
        async with stream:
            try:
                with anyio.fail_after(10):
                    head = await _read_head(stream)
                    reply = self._dispatch(head)
                    await stream.send(reply)
            except (TimeoutError, anyio.EndOfStream, anyio.BrokenResourceError, OSError):
                return

    def _dispatch(self, head: bytes | None) -> bytes:
        if head is None:
            return _response(400, "text/plain", b"bad request\n")
        parts = head.split(b"\r\n", 1)[0].split()
        if len(parts) != 3:
            return _response(400, "text/plain", b"bad request\n")
        method, target = parts[0].decode("latin-1"), parts[1].decode("latin-1")
        handler = self._routes.get(target.split("?", 1)[0])
        if handler is None:
            return _response(404, "text/plain", b"not found\n")
        if method != "GET":
            return _response(405, "text/plain", b"only GET\n")
        try:
            status, content_type, body = handler()
        except Exception:
            log.exception("handler for %s failed", target)
            return _response(500, "text/plain", b"internal error\n")
        return _response(status, content_type, body)

    async def serve(
        self, host: str, port: int, started: Callable[[int], Awaitable[None] | None] | None = None
    ) -> None:
        """Listen until cancelled; ``started`` receives the bound port."""
        listener = await anyio.create_tcp_listener(local_host=host, local_port=port)
        bound = listener.extra(anyio.abc.SocketAttribute.local_port)
        if started is not None:
            result = started(bound)
            if result is not None:
                await result
        await self.serve_listener(listener)

    async def serve_listener(self, listener: Listener[SocketStream]) -> None:
        """Serve on a listener bound beforehand (so a busy port fails early) until
        cancelled; closes it."""
        sockname = listener.extra(anyio.abc.SocketAttribute.local_address)
        log.info("serving health, readiness, metrics and status on %s", sockname)
        async with listener:
            await listener.serve(self._handle)
