"""``HcnClient``: the async face of ``HcnApi``, derived from it (worker threads under a limiter)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Concatenate, Generic, ParamSpec, TypeVar, overload

import anyio
import anyio.to_thread

from dataplane.hns._backend import dll_available
from dataplane.hns.api import HcnApi
from dataplane.hns.features import HnsFeatures

T = TypeVar("T")
P = ParamSpec("P")


class _InThread(Generic[P, T]):
    """An ``HcnApi`` method as a coroutine method of ``HcnClient``, with the same signature."""

    def __init__(self, method: Callable[Concatenate[HcnApi, P], T]) -> None:
        self._method = method
        self.__doc__ = method.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        if name != self._method.__name__:
            raise TypeError(f"HcnClient.{name} must wrap HcnApi.{name}")

    @overload
    def __get__(self, client: None, owner: type) -> _InThread[P, T]: ...
    @overload
    def __get__(self, client: HcnClient, owner: type) -> Callable[P, Awaitable[T]]: ...
    def __get__(
        self, client: HcnClient | None, owner: type
    ) -> _InThread[P, T] | Callable[P, Awaitable[T]]:
        if client is None:
            return self
        bound: Callable[P, T] = getattr(client.api, self._method.__name__)  # overrides count

        @functools.wraps(self._method)
        async def run(*args: P.args, **kwargs: P.kwargs) -> T:
            return await client.run(functools.partial(bound, *args, **kwargs))

        return run


class HcnClient:
    """Async HNS calls for anyio (asyncio or trio): ``HcnApi``'s methods as coroutines.

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

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` in a worker thread under the client's capacity limiter."""
        if self._limiter is None:  # created lazily: it needs a running event loop
            self._limiter = anyio.CapacityLimiter(self.max_concurrency)
        return await anyio.to_thread.run_sync(fn, limiter=self._limiter)

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
            await self.run(self.api.close)

    async def features(self) -> HnsFeatures:
        """``HcnApi.features`` (a property there: one version call)."""
        return await self.run(lambda: self.api.features)

    enumerate_networks = _InThread(HcnApi.enumerate_networks)
    create_network = _InThread(HcnApi.create_network)
    query_network = _InThread(HcnApi.query_network)
    modify_network = _InThread(HcnApi.modify_network)
    delete_network = _InThread(HcnApi.delete_network)
    enumerate_endpoints = _InThread(HcnApi.enumerate_endpoints)
    create_endpoint = _InThread(HcnApi.create_endpoint)
    query_endpoint = _InThread(HcnApi.query_endpoint)
    list_endpoints = _InThread(HcnApi.list_endpoints)
    modify_endpoint = _InThread(HcnApi.modify_endpoint)
    delete_endpoint = _InThread(HcnApi.delete_endpoint)
    version = _InThread(HcnApi.version)
