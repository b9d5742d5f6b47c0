"""Reaching the Kubernetes API server: client configuration, JSON GETs and watch streams."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from kubernetes_asyncio import client, config

from dataplane.sources.kube_errors import ApiStatusError
from dataplane.sources.kube_http import auth_headers, open_session, request_options

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


async def load_configuration(access: ClusterAccess) -> client.Configuration:
    """The kubernetes-asyncio ``Configuration`` of ``access``: server, TLS files, proxy,
    credentials (an in-cluster one re-reads its rotated token when it is due)."""
    configuration = client.Configuration()
    if access.server is not None:
        configuration.host = access.server
    elif access.kubeconfig is not None or "KUBERNETES_SERVICE_HOST" not in os.environ:
        await config.load_kube_config(
            config_file=access.kubeconfig,
            context=access.context,
            client_configuration=configuration,
            persist_config=False,
        )
    else:
        config.load_incluster_config(client_configuration=configuration)
    return configuration


class KubeApi:
    """GET requests to the API server; the caller reads (and closes) each response.

    Owns its aiohttp session (``open_session``): use it as an async context manager.
    No aiohttp timeout applies beyond ``connect_timeout``: the reflector's header and
    idle deadlines bound every request.
    """

    __slots__ = ("_configuration", "_host", "_options", "_session")

    def __init__(
        self, configuration: client.Configuration, connections: int, connect_timeout: float
    ) -> None:
        self._configuration = configuration
        self._host = (configuration.host or "").rstrip("/")
        self._options = request_options(configuration)
        self._session = open_session(configuration, connections, connect_timeout)

    async def __aenter__(self) -> KubeApi:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._session.close()

    async def open(self, path: str, params: Params) -> aiohttp.ClientResponse:
        """Send a GET and return once the response headers arrived (any status)."""
        return await self._session.get(
            self._host + path,
            params=params,
            headers=await auth_headers(self._configuration),
            **self._options,
        )


def error_of(path: str, status: int, reason: str | None, body: bytes) -> ApiStatusError:
    """The ``ApiStatusError`` of a non-200 answer, using the body's Status object if any."""
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
