"""The GET-only HTTP server behind /healthz, /readyz, /metrics and /status."""

import anyio
import pytest

from dataplane.http import HttpServer

pytestmark = pytest.mark.anyio


async def fetch(port: int, raw: bytes) -> bytes:
    async with await anyio.connect_tcp("127.0.0.1", port) as stream:
        await stream.send(raw)
        chunks = []
        try:
            while True:
                chunks.append(await stream.receive())
        except anyio.EndOfStream:
            pass
    return b"".join(chunks)


async def test_routes_methods_and_garbage() -> None:
    calls = []

    def ready() -> tuple[int, str, bytes]:
        calls.append(1)
        return 503, "text/plain", b"not ready\n"

    def broken() -> tuple[int, str, bytes]:
        raise RuntimeError("boom")

    server = HttpServer({"/readyz": ready, "/broken": broken})
    bound: list[int] = []
    async with anyio.create_task_group() as tg:

        async def started(port: int) -> None:
            bound.append(port)

        tg.start_soon(server.serve, "127.0.0.1", 0, started)
        while not bound:
            await anyio.sleep(0.01)
        port = bound[0]
        reply = await fetch(port, b"GET /readyz?x=1 HTTP/1.1\r\nHost: a\r\n\r\n")
        assert reply.startswith(b"HTTP/1.1 503 ") and reply.endswith(b"not ready\n")
        assert (await fetch(port, b"GET /nope HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 404")
        assert (await fetch(port, b"POST /readyz HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 405")
        assert (await fetch(port, b"garbage\r\n\r\n")).startswith(b"HTTP/1.1 400")
        assert (await fetch(port, b"GET /broken HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 500")
        assert len(calls) == 1, "only the valid GET reached the handler"
        tg.cancel_scope.cancel()
