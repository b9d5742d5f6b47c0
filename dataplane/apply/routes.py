"""Overlay routes on the pod network (sans-IO): desired routes and HNS listings in, requests out."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from dataplane.calc import RouteChanges
from dataplane.hns import ModifyRequest
from dataplane.model import Route

ROUTE_POLICY = "RemoteSubnetRoute"
OVERLAY = "Overlay"


@dataclass(frozen=True, slots=True, order=True)
class RouteSpec:
    """A ``RemoteSubnetRoute`` as HNS holds it, in canonical form (MAC dashed, upper case)."""

    prefix: str
    provider_address: str
    mac: str
    vni: int

    @classmethod
    def of(cls, route: Route) -> RouteSpec:
        return cls(route.prefix, route.provider_address, route.mac.upper(), route.vni)

    def settings(self) -> dict[str, Any]:
        return {
            "DestinationPrefix": self.prefix,
            "IsolationId": self.vni,
            "ProviderAddress": self.provider_address,
            "DistributedRouterMacAddress": self.mac,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix,
            "provider_address": self.provider_address,
            "mac": self.mac,
            "vni": self.vni,
        }


# A route HNS holds whose settings are not a well-formed route: known by its settings' JSON.
RouteKey = RouteSpec | str


def spec_of(settings: Any) -> RouteSpec | None:
    """The canonical route of a ``RemoteSubnetRoute``'s Settings, None when malformed."""
    if not isinstance(settings, Mapping):
        return None
    prefix, provider = settings.get("DestinationPrefix"), settings.get("ProviderAddress")
    mac, vni = settings.get("DistributedRouterMacAddress"), settings.get("IsolationId")
    if not (isinstance(prefix, str) and isinstance(provider, str) and isinstance(mac, str)):
        return None
    if not isinstance(vni, int) or isinstance(vni, bool):
        return None
    try:
        network = ipaddress.ip_network(prefix)
        address = ipaddress.ip_address(provider)
    except ValueError:
        return None
    return RouteSpec(str(network), str(address), mac.replace(":", "-").upper(), vni)


@dataclass(frozen=True, slots=True)
class RouteRequest:
    """One network modify request: ``Add`` or ``Remove`` of one route (``settings`` as sent)."""

    request_type: str
    key: RouteKey
    settings: Mapping[str, Any] = field(compare=False)

    def to_modify_request(self) -> ModifyRequest:
        policy = {"Type": ROUTE_POLICY, "Settings": dict(self.settings)}
        return ModifyRequest.of(self.request_type, [policy])


class RouteReconciler:
    """Keeps a network's ``RemoteSubnetRoute`` policies equal to the desired routes.

    ``update`` takes the route changes of the core; ``adopt`` the network as listed
    (at start and at every resync: routes already there are adopted, foreign or stale
    ones removed); ``requests`` gives one request per route to add or remove;
    ``acknowledge`` reports each outcome (a failed route is retried on the next
    ``requests``). Nothing is requested before the first ``adopt``, nor while the
    network is not ``Overlay`` and routes are wanted (``error`` says why).
    """

    def __init__(self) -> None:
        self._desired: dict[RouteSpec, Route] = {}
        self._programmed: dict[RouteKey, Mapping[str, Any]] = {}
        self._dirty: set[RouteKey] = set()
        self._failed: dict[RouteKey, str] = {}
        self._network_type: str | None = None
        self.network = ""
        self.problem = ""

    # -- inputs -------------------------------------------------------------------

    def update(self, changes: RouteChanges) -> None:
        for route in changes.removed:
            spec = RouteSpec.of(route)
            self._desired.pop(spec, None)
            self._dirty.add(spec)
        for route in changes.added:
            spec = RouteSpec.of(route)
            self._desired[spec] = route
            self._dirty.add(spec)

    def adopt(self, name: str, network_type: str, policies: Iterable[Mapping[str, Any]]) -> None:
        """The network as HNS lists it now: its type and every policy."""
        self.network, self._network_type, self.problem = name, network_type, ""
        programmed: dict[RouteKey, Mapping[str, Any]] = {}
        for policy in policies:
            if policy.get("Type") != ROUTE_POLICY:
                continue
            settings = policy.get("Settings")
            spec = spec_of(settings)
            key: RouteKey = spec if spec is not None else _raw_key(settings)
            programmed[key] = settings if isinstance(settings, Mapping) else {}
        self._dirty |= self._programmed.keys() | programmed.keys() | self._desired.keys()
        self._programmed = programmed

    def no_network(self, problem: str) -> None:
        """The network could not be found or read: nothing is requested until it is."""
        self._network_type, self.problem = None, problem

    # -- outputs ------------------------------------------------------------------

    @property
    def error(self) -> str:
        """Why no route is programmed now ("" when nothing stops it)."""
        if self.problem:
            return self.problem
        if self._network_type is not None and self._network_type != OVERLAY and self._desired:
            return (
                f"HNS network {self.network!r} is of type {self._network_type!r}, not "
                f"{OVERLAY!r}: {len(self._desired)} VXLAN routes wanted, none programmed"
            )
        return ""

    def requests(self) -> list[RouteRequest]:
        """One request per route to remove or add (removals first), in a stable order."""
        if self._network_type is None or self.error:
            return []
        removes: list[RouteRequest] = []
        adds: list[RouteRequest] = []
        for key in sorted(self._dirty, key=_sort_key):
            wanted = isinstance(key, RouteSpec) and key in self._desired
            held = self._programmed.get(key)
            if held is not None and not wanted:
                removes.append(RouteRequest("Remove", key, held))
            elif held is None and wanted:
                assert isinstance(key, RouteSpec)
                adds.append(RouteRequest("Add", key, key.settings()))
            else:
                self._failed.pop(key, None)  # settled without a request
        self._dirty.clear()
        return removes + adds

    def acknowledge(self, request: RouteRequest, error: str | None) -> None:
        """A request's outcome: None when HNS did it, else the error (retried next time)."""
        if error is not None:
            self._failed[request.key] = error
            self._dirty.add(request.key)
            return
        self._failed.pop(request.key, None)
        if request.request_type == "Add":
            self._programmed[request.key] = request.settings
        else:
            self._programmed.pop(request.key, None)

    def status(self) -> dict[str, Any]:
        """Routes programmed, pending and failed (with the error), and what stops them."""
        programmed = sorted(k for k in self._desired if k in self._programmed)
        pending = sorted(
            k for k in self._desired if k not in self._programmed and k not in self._failed
        )
        failed = {
            _describe(key): error
            for key, error in sorted(self._failed.items(), key=lambda item: _sort_key(item[0]))
        }
        return {
            "network": self.network,
            "error": self.error,
            "programmed": [spec.to_json() for spec in programmed],
            "pending": [spec.to_json() for spec in pending],
            "failed": failed,
        }

    @property
    def programmed_count(self) -> int:
        return sum(1 for key in self._desired if key in self._programmed)


def _raw_key(settings: Any) -> str:
    return orjson.dumps(settings, option=orjson.OPT_SORT_KEYS).decode()


def _describe(key: RouteKey) -> str:
    if isinstance(key, str):
        return key
    return f"{key.prefix} via {key.provider_address} ({key.mac}, VNI {key.vni})"


def _sort_key(key: RouteKey) -> tuple[str, str]:
    """Routes by prefix (then the rest), malformed ones by their settings' JSON."""
    if isinstance(key, str):
        return key, ""
    return key.prefix, f"{key.provider_address} {key.mac} {key.vni}"
