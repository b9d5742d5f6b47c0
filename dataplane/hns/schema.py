"""Typed HNS v2 JSON documents: requests we send (orjson) and answers we parse (strictly)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from dataplane.hns.errors import HnsProtocolError

SCHEMA_VERSION: Mapping[str, int] = {"Major": 2, "Minor": 0}
REQUEST_TYPES = frozenset({"Add", "Remove", "Update", "Refresh"})

Policy = Mapping[str, Any]  # {"Type": ..., "Settings": {...}}


def _dumps(doc: Mapping[str, Any]) -> str:
    return orjson.dumps(doc).decode()


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | dict) and not value)


def omit_empty(doc: Mapping[str, Any]) -> dict[str, Any]:
    """``doc`` without its empty members ("", null, [], {}), as hcsshim and Azure NPM send
    documents (Go's ``omitempty``). Numbers stay: a Host rule's ``Priority`` 0 is explicit."""
    return {key: value for key, value in doc.items() if not _is_empty(value)}


# Policies whose settings we write ourselves (the others, e.g. a CNI's OutBoundNAT, travel as read).
_OWN_POLICY_TYPES = frozenset({"ACL", "SetPolicy"})


def wire_policy(policy: Policy) -> Policy:
    """A policy as sent: ACL and SetPolicy settings without empty fields, others verbatim."""
    settings = policy.get("Settings")
    if policy.get("Type") not in _OWN_POLICY_TYPES or not isinstance(settings, Mapping):
        return policy
    return {**policy, "Settings": omit_empty(settings)}


def canonical_id(value: str) -> str:
    """A GUID in the lowercase, brace-less form HNS and hcsshim print."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise ValueError(f"not a GUID: {value!r}") from None


@dataclass(frozen=True, slots=True)
class QueryDocument:
    """The query argument of the Enumerate and Query calls; ``filter`` travels as a JSON string."""

    filter: Mapping[str, Any] | None = None
    flags: int = 0

    def to_json(self) -> str:
        filter_text = _dumps(self.filter) if self.filter else None
        return _dumps(
            omit_empty(
                {
                    "SchemaVersion": SCHEMA_VERSION,
                    "Flags": self.flags or None,
                    "Filter": filter_text,
                }
            )
        )


@dataclass(frozen=True, slots=True)
class IpConfiguration:
    ip_address: str
    prefix_length: int

    def to_doc(self) -> dict[str, Any]:
        return {"IpAddress": self.ip_address, "PrefixLength": self.prefix_length}


@dataclass(frozen=True, slots=True)
class NetworkSettings:
    """``HcnCreateNetwork`` settings."""

    name: str
    type: str = "L2Bridge"
    policies: tuple[Policy, ...] = ()

    def to_json(self) -> str:
        policies = [wire_policy(p) for p in self.policies]
        return _dumps(
            omit_empty(
                {
                    "SchemaVersion": SCHEMA_VERSION,
                    "Name": self.name,
                    "Type": self.type,
                    "Policies": policies,
                }
            )
        )


@dataclass(frozen=True, slots=True)
class EndpointSettings:
    """``HcnCreateEndpoint`` settings."""

    name: str
    network_id: str
    ip_configurations: tuple[IpConfiguration, ...] = ()
    policies: tuple[Policy, ...] = ()

    def to_json(self) -> str:
        return _dumps(
            omit_empty(
                {
                    "SchemaVersion": SCHEMA_VERSION,
                    "Name": self.name,
                    "HostComputeNetwork": self.network_id,
                    "IpConfigurations": [c.to_doc() for c in self.ip_configurations],
                    "Policies": [wire_policy(p) for p in self.policies],
                }
            )
        )


@dataclass(frozen=True, slots=True)
class ModifyRequest:
    """``HcnModifyEndpoint`` / ``HcnModifyNetwork`` settings: policies to Add, Remove,
    Update (endpoints: replaces every policy of the types given; networks: replaces each
    named SetPolicy) or Refresh."""

    resource_type: str = "Policy"
    request_type: str = "Add"
    policies: Sequence[Policy] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "request_type", str(self.request_type))
        object.__setattr__(self, "policies", tuple(self.policies))
        if self.request_type not in REQUEST_TYPES:
            raise ValueError(
                f"ModifyRequest.request_type: {self.request_type!r} "
                f"is not one of {sorted(REQUEST_TYPES)}"
            )

    @classmethod
    def of(cls, request_type: str, policies: Sequence[Policy]) -> ModifyRequest:
        """A ``Policy`` request."""
        return cls("Policy", request_type, policies)

    def to_json(self) -> str:
        """Empty fields omitted: an ``Update`` with no policies sends ``"Settings":{}``."""
        return _dumps(
            {
                "ResourceType": self.resource_type,
                "RequestType": self.request_type,
                "Settings": omit_empty({"Policies": [wire_policy(p) for p in self.policies]}),
            }
        )


@dataclass(frozen=True, slots=True)
class EndpointInfo:
    id: str
    name: str
    network_id: str
    ip_addresses: tuple[str, ...]
    state: int
    policies: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class NetworkInfo:
    id: str
    name: str
    type: str
    policies: tuple[dict[str, Any], ...]


class _Reader:
    """Field access on one HNS answer that names the call and field when something is off."""

    def __init__(self, call: str, text: str) -> None:
        self.call = call
        try:
            self.doc = orjson.loads(text)
        except orjson.JSONDecodeError as err:
            raise HnsProtocolError(call, "<document>", f"not JSON ({err})") from None

    def fail(self, field_name: str, detail: str) -> HnsProtocolError:
        return HnsProtocolError(self.call, field_name, detail)

    def object(self) -> dict[str, Any]:
        if not isinstance(self.doc, dict):
            raise self.fail("<document>", "not a JSON object")
        return self.doc

    def string(self, key: str, required: bool = True) -> str:
        value = self.object().get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            raise self.fail(key, "missing or not a string")
        return value

    def guid(self, key: str) -> str:
        try:
            return canonical_id(self.string(key))
        except ValueError:
            raise self.fail(key, "not a GUID") from None

    def integer(self, key: str, default: int) -> int:
        value = self.object().get(key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(key, "not an integer")
        return value

    def policies(self) -> tuple[dict[str, Any], ...]:
        value = self.object().get("Policies") or []
        if not isinstance(value, list) or not all(
            isinstance(p, dict) and isinstance(p.get("Type"), str) for p in value
        ):
            raise self.fail("Policies", "not a list of {Type, Settings} objects")
        return tuple(value)

    def addresses(self) -> tuple[str, ...]:
        value = self.object().get("IpConfigurations") or []
        if not isinstance(value, list) or not all(
            isinstance(c, dict) and isinstance(c.get("IpAddress"), str) for c in value
        ):
            raise self.fail("IpConfigurations", "not a list of {IpAddress, PrefixLength} objects")
        return tuple(c["IpAddress"] for c in value)


def parse_endpoint(text: str, call: str = "HcnQueryEndpointProperties") -> EndpointInfo:
    r = _Reader(call, text)
    return EndpointInfo(
        id=r.guid("ID"),
        name=r.string("Name", required=False),
        network_id=r.guid("HostComputeNetwork"),
        ip_addresses=r.addresses(),
        state=r.integer("State", 0),
        policies=r.policies(),
    )


def parse_network(text: str, call: str = "HcnQueryNetworkProperties") -> NetworkInfo:
    r = _Reader(call, text)
    return NetworkInfo(
        id=r.guid("ID"),
        name=r.string("Name", required=False),
        type=r.string("Type", required=False),
        policies=r.policies(),
    )


def parse_id_list(text: str, call: str) -> list[str]:
    """An Enumerate answer: a JSON array of GUID strings (``null`` or empty = none)."""
    if not text:
        return []
    r = _Reader(call, text)
    if r.doc is None:
        return []
    if not isinstance(r.doc, list) or not all(isinstance(i, str) for i in r.doc):
        raise r.fail("<document>", "not a JSON array of GUID strings")
    try:
        return [canonical_id(i) for i in r.doc]
    except ValueError as err:
        raise r.fail("<document>", str(err)) from None


def parse_version(text: str, call: str = "HNSCall") -> tuple[int, int]:
    """The ``GET /globals/version`` answer: ``{"Success":true,"Output":{"Major":M,"Minor":m}}``."""
    r = _Reader(call, text)
    output = r.object().get("Output")
    if r.object().get("Success") is not True or not isinstance(output, dict):
        raise r.fail("Output", f"no version in {text[:200]!r}")
    major, minor = output.get("Major"), output.get("Minor")
    if not isinstance(major, int) or not isinstance(minor, int):
        raise r.fail("Output.Major/Minor", "not integers")
    return major, minor
