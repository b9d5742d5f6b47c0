"""Reaching the Kubernetes API server: client configuration, JSON GETs and watch streams."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from kubernetes_asyncio import client, config

from dataplane.sources.kube_errors import ApiResponseError, ApiStatusError

Params = Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class ClusterAccess:
    """How to reach the API server.

    ``server`` (an URL, no credentials) wins; then ``kubeconfig`` (with optional
    ``context``); with neither, the in-cluster service account when running in
    a pod, else the default kubeconfig (``~/.kube/config``).
    """

    server: str | None = None
    kubeconfig: str | None = None
    context: str | None = None


async def open_api_client(access: ClusterAccess) -> client.ApiClient:
    """An ``ApiClient`` configured from ``access`` (close it when done)."""
    configuration = client.Configuration()
    if access.server is not None:
        configuration.host = access.server.rstrip("/")
    elif access.kubeconfig is not None or "KUBERNETES_SERVICE_HOST" not in os.environ:
        await config.load_kube_config(
            config_file=access.kubeconfig,
            context=access.context,
            client_configuration=configuration,
            persist_config=False,
        )
    else:
        config.load_incluster_config(client_configuration=configuration)
    return client.ApiClient(configuration)


class KubeApi:
    """GET requests returning JSON, and streamed watch responses."""

    __slots__ = ("_client", "_connect_timeout", "_request_timeout")

    def __init__(self, api_client: client.ApiClient, request_timeout: float) -> None:
        self._client = api_client
        self._request_timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._connect_timeout = aiohttp.ClientTimeout(
            total=None, connect=request_timeout, sock_connect=request_timeout
        )

    async def get_json(self, path: str, params: Params) -> Any:
        """The decoded body of a successful GET; raises ``ApiStatusError`` otherwise."""
        response = await self._send(path, params, self._request_timeout)
        async with response:
            body = await response.read()
            if response.status != 200:
                raise _status_error(path, response.status, response.reason, body)
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise ApiResponseError(path, f"body is not JSON: {error}") from None

    @asynccontextmanager
    async def stream(self, path: str, params: Params) -> AsyncIterator[aiohttp.StreamReader]:
        """The body of a successful streaming GET, closed (or released at its end) on exit."""
        response = await self._send(path, params, self._connect_timeout)
        try:
            if response.status != 200:
                raise _status_error(path, response.status, response.reason, await response.read())
            yield response.content
        finally:
            if response.content.at_eof():
                response.release()
            else:
                response.close()

    async def _send(
        self, path: str, params: Params, timeout: aiohttp.ClientTimeout
    ) -> aiohttp.ClientResponse:
        response: aiohttp.ClientResponse = await self._client.call_api(
            path,
            "GET",
            query_params=list(params),
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
            _preload_content=False,
            _request_timeout=timeout,
        )
        return response


def _status_error(path: str, status: int, reason: str | None, body: bytes) -> ApiStatusError:
    """An ``ApiStatusError`` from an HTTP error, using the Status object in the body if any."""
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError:
        decoded = None
    if isinstance(decoded, dict):
        return status_from_object(path, decoded, default_code=status)
    return ApiStatusError(path, status, reason or "", body[:200].decode("utf-8", "replace"))


def status_from_object(path: str, status: dict[str, Any], default_code: int = 0) -> ApiStatusError:
    """An ``ApiStatusError`` from a Kubernetes ``Status`` object."""
    code = status.get("code")
    return ApiStatusError(
        path,
        code if isinstance(code, int) else default_code,
        str(status.get("reason", "")),
        str(status.get("message", "")),
    )
