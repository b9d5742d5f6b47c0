"""``HcnClient``: the async face of ``HcnApi`` (worker threads under a capacity limiter)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from dataplane.hns._backend import dll_available
from dataplane.hns.api import HcnApi
from dataplane.hns.features import HnsFeatures, HnsVersion
from dataplane.hns.schema import EndpointInfo, ModifyRequest, NetworkInfo, Policy

T = TypeVar("T")


class HcnClient:
    """Async HNS calls for anyio (asyncio or trio).

    Each call runs ``HcnApi`` in a worker thread; at most ``max_concurrency`` run at
    once. ``async with HcnClient(...)`` closes the cached handles on exit.
    """

    def __init__(
        self, backend: str = "auto", *, max_concurrency: int = 8, api: HcnApi | None = None
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1, not {max_concurrency}")
        self.api = api if api is not None else HcnApi(backend)
        self.max_concurrency = max_concurrency
        self._limiter: anyio.CapacityLimiter | None = None

    @staticmethod
    def dll_available() -> bool:
        """Whether the real HNS (computenetwork.dll) can be used on this machine."""
        return dll_available()

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._limiter is None:  # created lazily: it needs a running event loop
            self._limiter = anyio.CapacityLimiter(self.max_concurrency)
        return await anyio.to_thread.run_sync(
            functools.partial(fn, *args, **kwargs), limiter=self._limiter
        )

    async def __aenter__(self) -> HcnClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        with anyio.CancelScope(shield=True):
            await self._run(self.api.close)

    # -- networks ---------------------------------------------------------------------------

    async def enumerate_networks(self, filter: Mapping[str, Any] | None = None) -> list[str]:
        return await self._run(self.api.enumerate_networks, filter)

    async def create_network(self, name: str, type: str = "L2Bridge", id: str | None = None) -> str:
        return await self._run(self.api.create_network, name, type, id)

    async def query_network(self, id: str) -> NetworkInfo:
        return await self._run(self.api.query_network, id)

    async def modify_network(self, id: str, request: ModifyRequest) -> None:
        await self._run(self.api.modify_network, id, request)

    async def delete_network(self, id: str) -> None:
        await self._run(self.api.delete_network, id)

    # -- endpoints --------------------------------------------------------------------------

    async def enumerate_endpoints(self, network_id: str | None = None) -> list[str]:
        return await self._run(self.api.enumerate_endpoints, network_id)

    async def create_endpoint(
        self,
        network_id: str,
        name: str,
        ip_addresses: Iterable[str],
        prefix_length: int = 24,
        *,
        prefix_length_v6: int = 64,
        id: str | None = None,
        policies: Sequence[Policy] = (),
    ) -> str:
        return await self._run(
            self.api.create_endpoint,
            network_id,
            name,
            list(ip_addresses),
            prefix_length,
            prefix_length_v6=prefix_length_v6,
            id=id,
            policies=policies,
        )

    async def query_endpoint(self, id: str) -> EndpointInfo:
        return await self._run(self.api.query_endpoint, id)

    async def list_endpoints(self, network_id: str | None = None) -> list[EndpointInfo]:
        return await self._run(self.api.list_endpoints, network_id)

    async def modify_endpoint(self, id: str, request: ModifyRequest) -> None:
        await self._run(self.api.modify_endpoint, id, request)

    async def delete_endpoint(self, id: str) -> None:
        await self._run(self.api.delete_endpoint, id)

    # -- service ----------------------------------------------------------------------------

    async def version(self) -> HnsVersion:
        return await self._run(self.api.version)

    async def features(self) -> HnsFeatures:
        return await self._run(lambda: self.api.features)
