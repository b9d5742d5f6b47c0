"""Builders for the scenarios' policy manifests: policies, peers, ports and rules as data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml

Doc = dict[str, Any]

NAME_LABEL = "kubernetes.io/metadata.name"


class _PlainDumper(yaml.SafeDumper):
    """Writes a value used twice in full, not as an anchor and alias."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _given(fields: Mapping[str, Any]) -> Doc:
    """The fields whose value is not None."""
    return {key: value for key, value in fields.items() if value is not None}


def yaml_docs(*docs: Doc) -> str:
    """Manifests as multi-document YAML (a step's ``apply`` or ``delete``); each document
    starts with ``---``, so two such texts join by ``+``."""
    return yaml.dump_all(docs, Dumper=_PlainDumper, sort_keys=False, explicit_start=True)


# Kubernetes namespaces and pods


def namespace_manifest(name: str, **labels: str) -> Doc:
    """A Namespace labelled with its name (``kubernetes.io/metadata.name``) and ``labels``."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {NAME_LABEL: name, **labels}},
    }


def pod_manifest(
    name: str,
    namespace: str,
    labels: Mapping[str, str],
    *,
    node: str,
    ips: Sequence[str],
    ports: list[Doc] | None = None,
    container: str = "c",
    phase: str | None = None,
) -> Doc:
    """A Pod on ``node`` with addresses ``ips`` (the first is ``podIP``) and one
    container serving ``ports`` (None: no ports field)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {"nodeName": node, "containers": [_given({"name": container, "ports": ports})]},
        "status": _given({"phase": phase, "podIP": ips[0], "podIPs": [{"ip": ip} for ip in ips]}),
    }


# Kubernetes NetworkPolicy


def labels(**match: str) -> Doc:
    """A label selector by ``matchLabels``."""
    return {"matchLabels": match}


def pod(name: str) -> Doc:
    """The selector of the base cluster's pods called ``name`` (label ``pod``)."""
    return labels(pod=name)


def expression(key: str, operator: str, *values: str) -> Doc:
    """A label selector by one ``matchExpressions`` entry (no values for Exists/DoesNotExist)."""
    requirement: Doc = {"key": key, "operator": operator}
    if values:
        requirement["values"] = list(values)
    return {"matchExpressions": [requirement]}


def peer(*, pods: Doc | None = None, namespaces: Doc | None = None) -> Doc:
    """A peer by pod and/or namespace selector (both given: pods in those namespaces)."""
    return _given({"namespaceSelector": namespaces, "podSelector": pods})


def in_namespace(name: str, pods: Doc | None = None) -> Doc:
    """A peer in the namespace called ``name`` (optionally only the pods ``pods`` selects)."""
    return peer(pods=pods, namespaces=labels(**{NAME_LABEL: name}))


def ip_block(cidr: str, *excepted: str) -> Doc:
    """A peer by CIDR, less the ``excepted`` CIDRs."""
    block: Doc = {"cidr": cidr}
    if excepted:
        block["except"] = list(excepted)
    return {"ipBlock": block}


def port(
    number: int | str | None = None, protocol: str | None = None, end_port: int | None = None
) -> Doc:
    """A NetworkPolicyPort: a number or name, a protocol, an end of range (each optional)."""
    return _given({"protocol": protocol, "port": number, "endPort": end_port})


def _rule(side: str, peers: tuple[Doc, ...], ports: list[Doc] | None) -> Doc:
    rule: Doc = {side: list(peers)} if peers else {}
    if ports is not None:
        rule["ports"] = ports
    return rule


def from_(*peers: Doc, ports: list[Doc] | None = None) -> Doc:
    """An ingress rule: from any of ``peers`` (none: anywhere), on ``ports`` (None: any)."""
    return _rule("from", peers, ports)


def to(*peers: Doc, ports: list[Doc] | None = None) -> Doc:
    """An egress rule: to any of ``peers`` (none: anywhere), on ``ports`` (None: any)."""
    return _rule("to", peers, ports)


def netpol(
    name: str,
    pods: Doc | None = None,
    *,
    types: list[str] | None = None,
    ingress: list[Doc] | None = None,
    egress: list[Doc] | None = None,
    namespace: str = "x",
) -> Doc:
    """A Kubernetes NetworkPolicy selecting ``pods`` (None: all); None leaves a field out."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": _given(
            {
                "podSelector": {} if pods is None else pods,
                "policyTypes": types,
                "ingress": ingress,
                "egress": egress,
            }
        ),
    }


# Calico v3


def _calico(kind: str, metadata: Doc, spec: Mapping[str, Any]) -> Doc:
    return {
        "apiVersion": "projectcalico.org/v3",
        "kind": kind,
        "metadata": metadata,
        "spec": dict(spec),
    }


def global_policy(name: str, **spec: Any) -> Doc:
    """A Calico GlobalNetworkPolicy; ``spec`` holds its fields as written."""
    return _calico("GlobalNetworkPolicy", {"name": name}, spec)


def calico_policy(name: str, namespace: str = "x", **spec: Any) -> Doc:
    """A Calico (namespaced) NetworkPolicy; ``spec`` holds its fields as written."""
    return _calico("NetworkPolicy", {"name": name, "namespace": namespace}, spec)


def tier(name: str, order: int, default_action: str | None = None) -> Doc:
    """A Calico Tier at ``order`` (with a ``defaultAction`` when given)."""
    return _calico(
        "Tier", {"name": name}, _given({"order": order, "defaultAction": default_action})
    )


def network_set(
    name: str, labels: Mapping[str, str], nets: list[str], namespace: str | None = None
) -> Doc:
    """A Calico NetworkSet (or GlobalNetworkSet without a namespace) labelled ``labels``."""
    metadata: Doc = {"name": name, "labels": dict(labels)}
    if namespace is None:
        return _calico("GlobalNetworkSet", metadata, {"nets": nets})
    return _calico("NetworkSet", {**metadata, "namespace": namespace}, {"nets": nets})


def action(verb: str, **fields: Any) -> Doc:
    """A Calico rule: ``verb`` (Allow, Deny, Pass, Log) and its match fields."""
    return {"action": verb, **fields}
