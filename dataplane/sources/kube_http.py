"""The HTTP session to the API server, built from a kubernetes-asyncio ``Configuration``."""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from kubernetes_asyncio import client

from dataplane import __version__

USER_AGENT = f"hns-dataplane/{__version__}"

# aiohttp stops reading a response once twice this much waits unread (default 64 KiB):
# with 2 MiB, the next part of a large list or WatchList keeps arriving while the
# watcher converts the last (256 KiB measured the same within noise at 10k pods).
READ_BUFFER = 2**21


def tls_context(configuration: client.Configuration) -> ssl.SSLContext | None:
    """The TLS context ``configuration`` asks for; None for an http server, or when
    aiohttp's default (the system's CAs, loaded once when aiohttp is imported) is it.

    With ``ssl_ca_cert`` only that CA is trusted. ``verify_ssl=False`` checks neither
    the certificate nor the host name; ``disable_strict_ssl_verification`` clears
    ``VERIFY_X509_STRICT``; ``cert_file``/``key_file`` are presented to the server.
    """
    if urlsplit(configuration.host).scheme.lower() != "https":
        return None
    customised = (
        configuration.ssl_ca_cert
        or configuration.cert_file
        or not configuration.verify_ssl
        or configuration.disable_strict_ssl_verification
    )
    if not customised:
        return None
    if configuration.verify_ssl:
        context = ssl.create_default_context(cafile=configuration.ssl_ca_cert)
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if configuration.cert_file:
        context.load_cert_chain(configuration.cert_file, keyfile=configuration.key_file)
    if configuration.disable_strict_ssl_verification:
        context.verify_flags &= ~ssl.VERIFY_X509_STRICT
    context.set_alpn_protocols(["http/1.1"])
    return context


def open_session(
    configuration: client.Configuration, connections: int, connect_timeout: float
) -> aiohttp.ClientSession:
    """A session for ``configuration``'s server (close it when done).

    At most ``connections`` connections, no proxy from the environment, and no
    timeout but ``connect_timeout`` (to connect, or to wait for a pooled connection).
    """
    context = tls_context(configuration)
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections, ssl=True if context is None else context),
        headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        timeout=aiohttp.ClientTimeout(
            total=None, connect=connect_timeout, sock_connect=connect_timeout
        ),
        trust_env=False,
        read_bufsize=READ_BUFFER,
    )


def request_options(configuration: client.Configuration) -> dict[str, Any]:
    """The per-request aiohttp arguments ``configuration`` asks for: proxy, TLS server name."""
    options: dict[str, Any] = {}
    if configuration.proxy:
        options["proxy"] = configuration.proxy
    if configuration.proxy_headers:
        options["proxy_headers"] = configuration.proxy_headers
    if configuration.tls_server_name:
        options["server_hostname"] = configuration.tls_server_name
    return options


async def auth_headers(configuration: client.Configuration) -> dict[str, str]:
    """The credentials to send now (``auth_settings`` runs the token refresh hook)."""
    bearer = (await configuration.auth_settings()).get("BearerToken")
    if bearer is None or bearer["value"] is None:
        return {}
    return {bearer["key"]: bearer["value"]}
