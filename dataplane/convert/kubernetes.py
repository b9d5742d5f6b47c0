"""Kubernetes core objects (Namespace, Node, Pod, ServiceAccount) to model resources."""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime
from functools import partial
from typing import Any

from dataplane.convert.fail_closed import attempt
from dataplane.convert.fields import Field
from dataplane.convert.identity import ObjectIdentity
from dataplane.convert.labels import read_labels, shared_labels, valid_labels
from dataplane.convert.nets import read_ip
from dataplane.convert.protocols import K8S_PROTOCOLS, read_k8s_protocol
from dataplane.convert.routes import k8s_node_vtep
from dataplane.errors import ValidationError
from dataplane.model import Delete, NamedPort, Namespace, Node, ServiceAccount, WorkloadEndpoint
from dataplane.model.labels import Labels
from dataplane.model.wellknown import CALICO_NAME_LABEL, K8S_NAMESPACE_NAME_LABEL

FINISHED_POD_PHASES = frozenset({"Succeeded", "Failed"})
DEFAULT_SERVICE_ACCOUNT = "default"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
# An IPv4 address already in canonical form (no leading zeros): its own canonical string.
_CANONICAL_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


def convert_namespace(identity: ObjectIdentity, obj: Field) -> Namespace:
    """A Namespace, with the ``kubernetes.io/metadata.name`` label the API server sets
    (unless given) and Calico's ``projectcalico.org/name`` (always its name)."""
    name = identity.key.name
    labels = read_labels(obj.get("metadata").get("labels"))
    named = {K8S_NAMESPACE_NAME_LABEL: name, **labels, CALICO_NAME_LABEL: name}
    return Namespace(name=name, labels=_with(labels, named))


def convert_node(identity: ObjectIdentity, obj: Field) -> Node:
    """A Node: its labels, the IP addresses of ``status.addresses`` (host names skipped)
    and its VTEP from Calico's annotations.

    Only the labels must be readable. An address entry that cannot be read is left
    out, and Calico annotations that cannot be read leave the node without VTEP; each
    is one of ``Node.problems`` (reported), and the node's other facts still count:
    rejecting the whole node would let a Deny to ``nodes`` stop matching its addresses.
    """
    problems: list[ValidationError] = []
    addresses: list[str] = []
    for entry in attempt(lambda: obj.get("status").get("addresses").items(), problems) or ():
        address = attempt(partial(_node_address, entry), problems)
        if address is not None:
            addresses.append(address)
    labels = read_labels(obj.get("metadata").get("labels"))
    vtep = attempt(lambda: k8s_node_vtep(identity, obj), problems)
    return Node(
        name=identity.key.name,
        labels=labels,
        addresses=tuple(dict.fromkeys(addresses)),
        vtep=vtep,
        problems=tuple(f"{error} (left out)" for error in problems),
    )


def _node_address(entry: Field) -> str | None:
    """One ``status.addresses`` entry's IP (None for a host name)."""
    address = entry.get("address")
    text = address.text("")
    if not text or not _looks_like_ip(text):
        return None
    return read_ip(address)


def _looks_like_ip(text: str) -> bool:
    """An address entry that is an IP (``Hostname``/``InternalDNS`` entries are names)."""
    return ":" in text or text.replace(".", "").isdigit()


def convert_service_account(identity: ObjectIdentity, obj: Field) -> ServiceAccount:
    """A ServiceAccount with its labels and Calico's ``projectcalico.org/name``."""
    labels = read_labels(obj.get("metadata").get("labels"))
    named = {**labels, CALICO_NAME_LABEL: identity.key.name}
    return ServiceAccount(
        namespace=identity.key.namespace, name=identity.key.name, labels=_with(labels, named)
    )


def _with(labels: Labels, wanted: dict[str, str]) -> Labels:
    """``labels`` itself when it already is ``wanted``, else ``wanted`` shared."""
    return labels if labels == wanted else shared_labels(wanted)


def convert_pod(identity: ObjectIdentity, obj: Field) -> WorkloadEndpoint | Delete:
    """A Pod as a workload endpoint, or a Delete of its key when it is not one.

    A pod is not an endpoint while it has no IP, once it has finished
    (Succeeded/Failed) and when it uses the host's network.

    Most pods are read by ``_plain_pod`` straight from the parsed JSON; a pod
    it cannot vouch for (an unexpected type or value anywhere it reads) goes
    through ``_checked_pod``, which gives the same result or the error.
    """
    plain = _plain_pod(identity, obj.value)
    return _checked_pod(identity, obj) if plain is None else plain


def _plain_pod(identity: ObjectIdentity, obj: dict[str, Any]) -> WorkloadEndpoint | Delete | None:
    """The conversion of a pod whose fields all have the expected types and valid
    values, read without ``Field`` wrappers; None when anything is not so."""
    spec, status = _plain_object(obj.get("spec")), _plain_object(obj.get("status"))
    if spec is None:
        return None
    host_network = spec.get("hostNetwork")
    if host_network is True:
        return Delete(identity.key)
    if (host_network is not None and host_network is not False) or status is None:
        return None
    phase = status.get("phase")
    if not _is_text(phase):
        return None
    if phase in FINISHED_POD_PHASES:
        return Delete(identity.key)
    addresses = _plain_addresses(status)
    if addresses is None:
        return None
    if not addresses:
        return Delete(identity.key)
    node = spec.get("nodeName")
    account, legacy_account = spec.get("serviceAccountName"), spec.get("serviceAccount")
    metadata = obj["metadata"]
    labels, created = metadata.get("labels"), metadata.get("creationTimestamp")
    if not (_is_text(node) and _is_text(account) and _is_text(legacy_account)):
        return None
    if not _is_text(created):
        return None
    if labels is not None and type(labels) is not dict:
        return None
    checked_labels = valid_labels(labels or {})
    ports = _plain_named_ports(spec.get("containers"))
    if checked_labels is None or ports is None:
        return None
    return WorkloadEndpoint(
        namespace=identity.key.namespace,
        name=identity.key.name,
        node=node or "",
        addresses=addresses,
        labels=checked_labels,
        ports=ports,
        service_account=account or legacy_account or DEFAULT_SERVICE_ACCOUNT,
        created=created or "",
        deleting=metadata.get("deletionTimestamp") is not None,
    )


def _plain_object(value: Any) -> dict[str, Any] | None:
    """An object field as a dict (empty when missing); None when it is not an object."""
    if value is None:
        return {}
    return value if type(value) is dict else None


def _is_text(value: Any) -> bool:
    """A string or missing: what ``Field.text("")`` reads without an error."""
    return value is None or type(value) is str


def _plain_addresses(status: dict[str, Any]) -> tuple[str, ...] | None:
    """``_pod_addresses`` for plain values; None when one is not."""
    entries = status.get("podIPs")
    if entries:
        if type(entries) is not list:
            return None
        found = []
        for entry in entries:
            ip = _plain_ip(entry.get("ip")) if type(entry) is dict else None
            if ip is None:
                return None
            found.append(ip)
        return tuple(dict.fromkeys(found))
    if entries is not None and type(entries) is not list:
        return None
    pod_ip = status.get("podIP")
    if not pod_ip:
        return () if _is_text(pod_ip) else None
    ip = _plain_ip(pod_ip)
    return None if ip is None else (ip,)


def _plain_ip(text: Any) -> str | None:
    """The canonical form of a valid IP address string, else None."""
    if type(text) is not str or "%" in text:
        return None
    if _CANONICAL_IPV4.fullmatch(text):
        return text
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _plain_objects(value: Any) -> list[dict[str, Any]] | None:
    """The objects of a list field, missing elements skipped (a missing list has none);
    None when the field is not a list or an element is not an object."""
    if value is None:
        return []
    if type(value) is not list:
        return None
    found = [element for element in value if element is not None]
    return found if all(type(element) is dict for element in found) else None


def _plain_named_ports(containers: Any) -> tuple[NamedPort, ...] | None:
    """``_named_ports`` for plain values; None when one is not."""
    plain_containers = _plain_objects(containers)
    if plain_containers is None:
        return None
    ports: list[NamedPort] = []
    for container in plain_containers:
        declared = _plain_objects(container.get("ports"))
        if declared is None:
            return None
        for port in declared:
            name = port.get("name")
            if not name:
                if _is_text(name):
                    continue
                return None
            protocol_name, number = port.get("protocol", "TCP"), port.get("containerPort")
            if type(name) is not str or type(protocol_name) is not str:
                return None
            protocol = K8S_PROTOCOLS.get(protocol_name)
            if protocol is None or type(number) is not int:
                return None
            if not 1 <= number <= 65535:
                return None
            ports.append(NamedPort(name=name, protocol=protocol, port=number))
    return tuple(dict.fromkeys(ports))


def _checked_pod(identity: ObjectIdentity, obj: Field) -> WorkloadEndpoint | Delete:
    """``convert_pod`` field by field, raising the ValidationError of the first bad one."""
    spec, status = obj.get("spec"), obj.get("status")
    if spec.get("hostNetwork").boolean(False):
        return Delete(identity.key)
    if status.get("phase").text("") in FINISHED_POD_PHASES:
        return Delete(identity.key)
    addresses = _pod_addresses(status)
    if not addresses:
        return Delete(identity.key)
    service_account = (
        spec.get("serviceAccountName").text("")
        or spec.get("serviceAccount").text("")
        or DEFAULT_SERVICE_ACCOUNT
    )
    metadata = obj.get("metadata")
    return WorkloadEndpoint(
        namespace=identity.key.namespace,
        name=identity.key.name,
        node=spec.get("nodeName").text(""),
        addresses=addresses,
        labels=read_labels(metadata.get("labels")),
        ports=_named_ports(spec),
        service_account=service_account,
        created=_timestamp(metadata.get("creationTimestamp")),
        deleting=not metadata.get("deletionTimestamp").missing,
    )


def _timestamp(field: Field) -> str:
    """An RFC 3339 time as ``YYYY-MM-DDTHH:MM:SSZ`` (YAML may have read it as a datetime)."""
    if isinstance(field.value, datetime):
        moment = field.value
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return field.text("")


def _pod_addresses(status: Field) -> tuple[str, ...]:
    """Canonical pod IPs from ``status.podIPs`` (else ``status.podIP``), without repeats."""
    entries = status.get("podIPs").items()
    if entries:
        found = [read_ip(entry.get("ip")) for entry in entries]
    else:
        pod_ip = status.get("podIP")
        found = [read_ip(pod_ip)] if pod_ip.text("") else []
    return tuple(dict.fromkeys(found))


def _named_ports(spec: Field) -> tuple[NamedPort, ...]:
    """The named container ports, in declaration order, without repeats."""
    ports: list[NamedPort] = []
    for container in spec.get("containers").items():
        for port in container.get("ports").items():
            name = port.get("name").text("")
            if not name:
                continue
            ports.append(
                NamedPort(
                    name=name,
                    protocol=read_k8s_protocol(port.get("protocol")),
                    port=port.get("containerPort").integer_in(1, 65535),
                )
            )
    return tuple(dict.fromkeys(ports))
