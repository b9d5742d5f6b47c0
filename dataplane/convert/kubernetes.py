"""Kubernetes core objects (Namespace, Pod, ServiceAccount) to model resources."""

from __future__ import annotations

from datetime import UTC, datetime

from dataplane.convert.fields import Field
from dataplane.convert.identity import ObjectIdentity
from dataplane.convert.labels import read_labels, shared_labels
from dataplane.convert.nets import read_ip
from dataplane.convert.protocols import read_k8s_protocol
from dataplane.model import Delete, NamedPort, Namespace, ServiceAccount, WorkloadEndpoint
from dataplane.model.labels import Labels
from dataplane.model.wellknown import CALICO_NAME_LABEL, K8S_NAMESPACE_NAME_LABEL

FINISHED_POD_PHASES = frozenset({"Succeeded", "Failed"})
DEFAULT_SERVICE_ACCOUNT = "default"


def convert_namespace(identity: ObjectIdentity, obj: Field) -> Namespace:
    """A Namespace, with the ``kubernetes.io/metadata.name`` label the API server sets
    (unless given) and Calico's ``projectcalico.org/name`` (always its name)."""
    name = identity.key.name
    labels = read_labels(obj.get("metadata").get("labels"))
    named = {K8S_NAMESPACE_NAME_LABEL: name, **labels, CALICO_NAME_LABEL: name}
    return Namespace(name=name, labels=_with(labels, named))


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
    """
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
