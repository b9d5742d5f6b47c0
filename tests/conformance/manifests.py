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


# Cluster-admin policies (policy.networking.k8s.io)

ADMIN_V1ALPHA1 = "policy.networking.k8s.io/v1alpha1"
ADMIN_V1ALPHA2 = "policy.networking.k8s.io/v1alpha2"


def admin_policy(
    name: str,
    priority: int,
    subject: Doc,
    *,
    ingress: list[Doc] | None = None,
    egress: list[Doc] | None = None,
) -> Doc:
    """A v1alpha1 AdminNetworkPolicy."""
    spec = _given({"priority": priority, "subject": subject, "ingress": ingress, "egress": egress})
    return {
        "apiVersion": ADMIN_V1ALPHA1,
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": name},
        "spec": spec,
    }


def baseline_policy(
    subject: Doc,
    *,
    ingress: list[Doc] | None = None,
    egress: list[Doc] | None = None,
    name: str = "default",
) -> Doc:
    """The v1alpha1 BaselineAdminNetworkPolicy (a singleton named ``default``)."""
    return {
        "apiVersion": ADMIN_V1ALPHA1,
        "kind": "BaselineAdminNetworkPolicy",
        "metadata": {"name": name},
        "spec": _given({"subject": subject, "ingress": ingress, "egress": egress}),
    }


def cluster_policy(
    name: str,
    tier: str,
    priority: int,
    subject: Doc,
    *,
    ingress: list[Doc] | None = None,
    egress: list[Doc] | None = None,
) -> Doc:
    """A v1alpha2 ClusterNetworkPolicy in ``tier`` (Admin or Baseline)."""
    spec = _given(
        {
            "tier": tier,
            "priority": priority,
            "subject": subject,
            "ingress": ingress,
            "egress": egress,
        }
    )
    return {
        "apiVersion": ADMIN_V1ALPHA2,
        "kind": "ClusterNetworkPolicy",
        "metadata": {"name": name},
        "spec": spec,
    }


def namespaces(name: str) -> Doc:
    """A subject or peer: every pod of the namespace called ``name``."""
    return {"namespaces": labels(**{NAME_LABEL: name})}


def all_namespaces() -> Doc:
    """A subject or peer: every pod of every namespace."""
    return {"namespaces": {}}


def pods(namespace: str, pod_name: str) -> Doc:
    """A subject or peer: the pods called ``pod_name`` in the namespace ``namespace``."""
    return {
        "pods": {
            "namespaceSelector": labels(**{NAME_LABEL: namespace}),
            "podSelector": pod(pod_name),
        }
    }


def networks(*cidrs: str) -> Doc:
    """An egress peer by CIDRs."""
    return {"networks": list(cidrs)}


def admin_rule(
    verb: str, *peers: Doc, ports: list[Doc] | None = None, protocols: list[Doc] | None = None
) -> Doc:
    """An admin rule: ``verb``, its peers (the caller puts them under ``from``/``to``),
    v1alpha1 ``ports`` or v1alpha2 ``protocols``."""
    return _given({"action": verb, "peers": list(peers), "ports": ports, "protocols": protocols})


def ingress_rule(rule: Doc) -> Doc:
    """An ``admin_rule`` as an ingress rule (peers under ``from``)."""
    return {("from" if key == "peers" else key): value for key, value in rule.items()}


def egress_rule(rule: Doc) -> Doc:
    """An ``admin_rule`` as an egress rule (peers under ``to``)."""
    return {("to" if key == "peers" else key): value for key, value in rule.items()}


def port_number(number: int, protocol: str | None = None) -> Doc:
    """A v1alpha1 ``portNumber`` entry."""
    return {"portNumber": _given({"protocol": protocol, "port": number})}


def port_range(start: int, end: int, protocol: str | None = None) -> Doc:
    """A v1alpha1 ``portRange`` entry (inclusive)."""
    return {"portRange": _given({"protocol": protocol, "start": start, "end": end})}


def named_port(name: str) -> Doc:
    """A v1alpha1 ``namedPort`` entry."""
    return {"namedPort": name}


def destination_port(protocol: str, number: int) -> Doc:
    """A v1alpha2 ``protocols`` entry: ``protocol`` (tcp, udp, sctp) to port ``number``."""
    return {protocol: {"destinationPort": {"number": number}}}


def node_manifest(name: str, labels: Mapping[str, str], *addresses: str) -> Doc:
    """A Node with ``labels`` and ``addresses`` (InternalIP entries, plus its host name)."""
    entries = [{"type": "InternalIP", "address": a} for a in addresses]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": dict(labels)},
        "status": {"addresses": [*entries, {"type": "Hostname", "address": name}]},
    }
