"""``HcnApi``: the synchronous, typed, thread-safe HNS client with cached handles."""

from __future__ import annotations

import contextlib
import ipaddress
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

from dataplane.hns._backend import load_backend
from dataplane.hns._calls import Handle, HcnCalls
from dataplane.hns.errors import (
    HCN_E_ENDPOINT_NOT_FOUND,
    HCN_E_NETWORK_NOT_FOUND,
    HnsError,
    is_not_found,
    is_stale_handle,
)
from dataplane.hns.features import HnsFeatures, HnsVersion
from dataplane.hns.schema import (
    EndpointInfo,
    EndpointSettings,
    IpConfiguration,
    ModifyRequest,
    NetworkInfo,
    NetworkSettings,
    Policy,
    QueryDocument,
    canonical_id,
    parse_endpoint,
    parse_id_list,
    parse_network,
    parse_version,
)

T = TypeVar("T")
_QUERY = QueryDocument().to_json()


class _HandleCache:
    """Open handles by object id; opened outside the lock (a racing open closes its own)."""

    def __init__(
        self,
        open_: Callable[[uuid.UUID], Handle],
        close: Callable[[Handle], None],
        not_found: int,
    ) -> None:
        self._open = open_
        self._close = close
        self._not_found = not_found
        self._lock = threading.Lock()
        self._handles: dict[str, Handle] = {}

    def get(self, object_id: str) -> Handle:
        with self._lock:
            handle = self._handles.get(object_id)
        if handle is not None:
            return handle
        fresh = self._open(uuid.UUID(object_id))
        return self.put(object_id, fresh)

    def put(self, object_id: str, handle: Handle) -> Handle:
        """Cache handle unless another is cached already (then close handle and return that one)."""
        with self._lock:
            current = self._handles.setdefault(object_id, handle)
        if current is not handle:
            self._close_quietly(handle)
        return current

    def drop(self, object_id: str, handle: Handle | None = None) -> None:
        """Forget (and close) the cached handle, only if it is still ``handle`` when given."""
        with self._lock:
            current = self._handles.get(object_id)
            if current is None or (handle is not None and current is not handle):
                return
            del self._handles[object_id]
        self._close_quietly(current)

    def call(self, object_id: str, fn: Callable[[Handle], T]) -> T:
        """Run fn with the cached handle; on a stale handle reopen once and retry."""
        handle = self.get(object_id)
        try:
            return fn(handle)
        except HnsError as err:
            if not (is_stale_handle(err) or err.hresult == self._not_found):
                raise
        self.drop(object_id, handle)
        return fn(self.get(object_id))

    def close_all(self) -> None:
        with self._lock:
            handles = list(self._handles.values())
            self._handles.clear()
        for handle in handles:
            self._close_quietly(handle)

    def __len__(self) -> int:
        with self._lock:
            return len(self._handles)

    def _close_quietly(self, handle: Handle) -> None:
        with contextlib.suppress(HnsError):  # already invalid: object deleted or HNS restarted
            self._close(handle)


class HcnApi:
    """Synchronous, typed HNS calls; safe to share between threads.

    Handles of networks and endpoints are opened once and cached, so a modify or query
    costs one HCN call; a stale handle (object re-created, HNS restarted) is reopened
    once. ``backend``: ``"auto"`` (the DLL on Windows, the simulator elsewhere),
    ``"dll"`` or ``"sim"``; ``library``: off Windows, the simulator built as a shared
    library for the ``dll`` backend to load (the test suite's way to run the DLL code).
    """

    def __init__(self, backend: str = "auto", *, library: str | None = None) -> None:
        self._calls = HcnCalls(load_backend(backend, library))
        self._networks = _HandleCache(
            self._calls.open_network, self._calls.close_network, HCN_E_NETWORK_NOT_FOUND
        )
        self._endpoints = _HandleCache(
            self._calls.open_endpoint, self._calls.close_endpoint, HCN_E_ENDPOINT_NOT_FOUND
        )

    @property
    def backend(self) -> str:
        """``"dll"`` or ``"sim"``."""
        return str(self._calls.backend.kind)

    @property
    def open_handles(self) -> int:
        return len(self._networks) + len(self._endpoints)

    # -- networks ---------------------------------------------------------------------------

    def enumerate_networks(self, filter: Mapping[str, Any] | None = None) -> list[str]:
        """Network ids, optionally filtered (``ID``, ``Name``, ``Type``)."""
        text = self._calls.enumerate_networks(QueryDocument(filter).to_json())
        return parse_id_list(text, "HcnEnumerateNetworks")

    def create_network(self, name: str, type: str = "L2Bridge", id: str | None = None) -> str:
        network_id = canonical_id(id) if id else str(uuid.uuid4())
        settings = NetworkSettings(name, type).to_json()
        handle = self._calls.create_network(uuid.UUID(network_id), settings)
        self._networks.put(network_id, handle)
        return network_id

    def query_network(self, id: str) -> NetworkInfo:
        text = self._networks.call(
            canonical_id(id), lambda h: self._calls.query_network_properties(h, _QUERY)
        )
        return parse_network(text)

    def modify_network(self, id: str, request: ModifyRequest) -> None:
        settings = request.to_json()
        self._networks.call(canonical_id(id), lambda h: self._calls.modify_network(h, settings))

    def delete_network(self, id: str) -> None:
        network_id = canonical_id(id)
        self._calls.delete_network(uuid.UUID(network_id))
        self._networks.drop(network_id)

    # -- endpoints --------------------------------------------------------------------------

    def enumerate_endpoints(self, network_id: str | None = None) -> list[str]:
        """Endpoint ids, optionally only those of one network."""
        query = QueryDocument({"VirtualNetwork": canonical_id(network_id)} if network_id else None)
        return parse_id_list(
            self._calls.enumerate_endpoints(query.to_json()), "HcnEnumerateEndpoints"
        )

    def create_endpoint(
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
        """Create an endpoint; ``prefix_length`` is for IPv4, ``prefix_length_v6`` for IPv6;
        ``policies`` are created with it (as a CNI plugin puts its OutBoundNAT there)."""
        network = canonical_id(network_id)
        endpoint_id = canonical_id(id) if id else str(uuid.uuid4())
        configs = tuple(
            IpConfiguration(
                a, prefix_length if ipaddress.ip_address(a).version == 4 else prefix_length_v6
            )
            for a in ip_addresses
        )
        settings = EndpointSettings(name, network, configs, tuple(policies)).to_json()
        handle = self._networks.call(
            network, lambda h: self._calls.create_endpoint(h, uuid.UUID(endpoint_id), settings)
        )
        self._endpoints.put(endpoint_id, handle)
        return endpoint_id

    def query_endpoint(self, id: str) -> EndpointInfo:
        text = self._endpoints.call(
            canonical_id(id), lambda h: self._calls.query_endpoint_properties(h, _QUERY)
        )
        return parse_endpoint(text)

    def list_endpoints(self, network_id: str | None = None) -> list[EndpointInfo]:
        """Every endpoint (of one network) with its properties, skipping ones deleted meanwhile."""
        infos = []
        for endpoint_id in self.enumerate_endpoints(network_id):
            try:
                infos.append(self.query_endpoint(endpoint_id))
            except HnsError as err:
                if not is_not_found(err):
                    raise
                self._endpoints.drop(endpoint_id)
        return infos

    def modify_endpoint(self, id: str, request: ModifyRequest) -> None:
        settings = request.to_json()
        self._endpoints.call(canonical_id(id), lambda h: self._calls.modify_endpoint(h, settings))

    def delete_endpoint(self, id: str) -> None:
        endpoint_id = canonical_id(id)
        self._calls.delete_endpoint(uuid.UUID(endpoint_id))
        self._endpoints.drop(endpoint_id)

    # -- service ----------------------------------------------------------------------------

    def version(self) -> HnsVersion:
        """The HNS version, read the way hcsshim does (``HNSCall GET /globals/version``)."""
        major, minor = parse_version(self._calls.hns_call("GET", "/globals/version", ""))
        return HnsVersion(major, minor)

    @property
    def features(self) -> HnsFeatures:
        """Features enabled by the current HNS version (one version call)."""
        return HnsFeatures.for_version(self.version())

    def close(self) -> None:
        """Close every cached handle (the API stays usable; handles reopen on demand)."""
        self._endpoints.close_all()
        self._networks.close_all()

    def __enter__(self) -> HcnApi:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
