"""Single churn events on a generated cluster, each paired with its inverse."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bench.generator import Cluster
from bench.workloads import pod_address
from dataplane.calc.rule_selectors import policy_endpoint_selector, scoped_selector
from dataplane.model import (
    ADMIN_POLICY_KINDS,
    Action,
    Delete,
    Direction,
    Labels,
    Policy,
    PortRange,
    Protocol,
    Rule,
    Update,
    Upsert,
    WorkloadEndpoint,
)
from dataplane.model.wellknown import (
    K8S_NAMESPACE_NAME_LABEL,
    K8S_ORCHESTRATOR,
    NAMESPACE_LABEL,
    NAMESPACE_LABEL_PREFIX,
    ORCHESTRATOR_LABEL,
    SERVICE_ACCOUNT_LABEL,
)

EDITED_PORT = 9999
SCALED_POD_NODE = "node-scaled"
# The API server sets it to the namespace's name; it never changes.
IMMUTABLE_NAMESPACE_LABEL = NAMESPACE_LABEL_PREFIX + K8S_NAMESPACE_NAME_LABEL


@dataclass(frozen=True, slots=True)
class ChurnEvent:
    """A change and its inverse; alternating them keeps the cluster in a steady state."""

    name: str
    forward: tuple[Update, ...]
    backward: tuple[Update, ...]

    def steps(self) -> Iterator[tuple[Update, ...]]:
        """forward, backward, forward, ... forever."""
        return itertools.cycle((self.forward, self.backward))


def selector_labels(cluster: Cluster, endpoint: WorkloadEndpoint) -> dict[str, str]:
    """The labels selectors see on an endpoint (own, ``pcns.`` and Calico's own labels)."""
    labels = {
        NAMESPACE_LABEL_PREFIX + key: value
        for key, value in cluster.namespace(endpoint.namespace).labels.items()
    }
    labels.update(endpoint.labels)
    labels[NAMESPACE_LABEL] = endpoint.namespace
    labels[ORCHESTRATOR_LABEL] = K8S_ORCHESTRATOR
    if endpoint.service_account:
        labels[SERVICE_ACCOUNT_LABEL] = endpoint.service_account
    return labels


def _local_targets(cluster: Cluster) -> Iterator[tuple[Policy, WorkloadEndpoint]]:
    """(policy, local endpoint it applies to), namespaced policies first, in key order."""
    labelled: dict[str, list[tuple[WorkloadEndpoint, dict[str, str]]]] = {}
    for endpoint in sorted(cluster.local_endpoints(), key=lambda e: e.key):
        labels = selector_labels(cluster, endpoint)
        labelled.setdefault(endpoint.namespace, []).append((endpoint, labels))
    everywhere = [pair for pairs in labelled.values() for pair in pairs]
    for policy in sorted(cluster.policies, key=lambda p: (p.namespace == "", p.key)):
        selector = policy_endpoint_selector(policy)
        candidates = labelled.get(policy.namespace, []) if policy.namespace else everywhere
        for endpoint, labels in candidates:
            if selector.matches(labels):
                yield policy, endpoint


def _rules_of(policy: Policy) -> Iterator[tuple[Direction, int, Rule]]:
    for direction in sorted(policy.types):
        for index, rule in enumerate(policy.rules(direction)):
            yield direction, index, rule


def label_churn(cluster: Cluster) -> ChurnEvent:
    """A local pod's ``app`` label flips to a canary value (its policies change) and back."""
    _, endpoint = next((p, e) for p, e in _local_targets(cluster) if "app" in p.selector.label_keys)
    flipped = dataclasses.replace(
        endpoint, labels=Labels({**endpoint.labels, "app": endpoint.labels["app"] + "-canary"})
    )
    return ChurnEvent("label", (Upsert(flipped),), (Upsert(endpoint),))


def pod_churn(cluster: Cluster) -> ChurnEvent:
    """A remote pod that joins an address set some local endpoint's rules use is added,
    then deleted: a new replica (on another node) of a pod already in that set."""
    local = cluster.local_endpoints()
    candidates = [e for e in cluster.endpoints if e.node != cluster.node_name] + list(local)
    for policy, _ in _local_targets(cluster):
        for direction, _, rule in _rules_of(policy):
            side = rule.source if direction is Direction.INGRESS else rule.destination
            selector = scoped_selector(policy, side)
            if selector is None or rule.action is not Action.ALLOW:
                continue
            member = next(
                (e for e in candidates if selector.matches(selector_labels(cluster, e))), None
            )
            if member is not None:
                added = dataclasses.replace(
                    member,
                    name=f"{member.name}-scaled",
                    node=SCALED_POD_NODE,
                    addresses=(pod_address(len(cluster.endpoints)),),
                )
                return ChurnEvent("pod", (Upsert(added),), (Delete(added.key),))
    raise LookupError("no remote pod is a member of a set used by a local endpoint")


def _edited(rule: Rule) -> Rule:
    """The rule with its first destination port replaced by ``EDITED_PORT``."""
    protocol = rule.protocol if rule.protocol in Protocol.WITH_PORTS else Protocol.TCP
    ports = (PortRange(EDITED_PORT, EDITED_PORT), *rule.destination.ports[1:])
    return dataclasses.replace(
        rule, protocol=protocol, destination=dataclasses.replace(rule.destination, ports=ports)
    )


def policy_churn(cluster: Cluster) -> ChurnEvent:
    """One Allow rule of a policy applying to a local endpoint gets a new port, and back."""
    for policy, _ in _local_targets(cluster):
        for direction, index, rule in _rules_of(policy):
            if rule.action is Action.ALLOW:
                listed = list(policy.rules(direction))
                listed[index] = _edited(rule)
                rules = tuple(listed)
                edited = (
                    dataclasses.replace(policy, ingress=rules)
                    if direction is Direction.INGRESS
                    else dataclasses.replace(policy, egress=rules)
                )
                return ChurnEvent("policy", (Upsert(edited),), (Upsert(policy),))
    raise LookupError("no policy with an Allow rule applies to a local endpoint")


def _namespace_label_read_by_rules(cluster: Cluster) -> tuple[str, str] | None:
    """(namespace, label) such that changing the label moves the namespace's pods out of
    an address set some local endpoint's rules use."""
    for policy, _ in _local_targets(cluster):
        for direction, _, rule in _rules_of(policy):
            side = rule.source if direction is Direction.INGRESS else rule.destination
            selector = scoped_selector(policy, side)
            if selector is None:
                continue
            keys = sorted(
                k
                for k in selector.label_keys
                if k.startswith(NAMESPACE_LABEL_PREFIX) and k != IMMUTABLE_NAMESPACE_LABEL
            )
            if not keys:
                continue
            for endpoint in cluster.endpoints:
                if selector.matches(selector_labels(cluster, endpoint)):
                    return endpoint.namespace, keys[0].removeprefix(NAMESPACE_LABEL_PREFIX)
    return None


def namespace_churn(cluster: Cluster) -> ChurnEvent:
    """A namespace label that a rule's namespaceSelector reads changes, and back.

    When no rule in use reads namespace labels (the isolated shape), the
    namespace of a local pod changes its ``tenant`` label instead.
    """
    found = _namespace_label_read_by_rules(cluster)
    if found is None:
        found = min(cluster.local_endpoints(), key=lambda e: e.key).namespace, "tenant"
    name, key = found
    namespace = cluster.namespace(name)
    changed = dataclasses.replace(
        namespace, labels=Labels({**namespace.labels, key: namespace.labels[key] + "-reorg"})
    )
    return ChurnEvent("namespace", (Upsert(changed),), (Upsert(namespace),))


def _local_admin_policy(cluster: Cluster) -> Policy:
    """The first admin policy with a priority that applies to a local endpoint."""
    for policy, _ in _local_targets(cluster):
        if policy.kind in ADMIN_POLICY_KINDS and policy.order is not None:
            return policy
    raise LookupError("no admin policy with a priority applies to a local endpoint")


def admin_priority_churn(cluster: Cluster) -> ChurnEvent:
    """An admin policy applying locally moves to the back of its tier (priority 1000)
    and back: its endpoints' order of evaluation changes."""
    policy = _local_admin_policy(cluster)
    moved = dataclasses.replace(policy, order=1000.0)
    return ChurnEvent("admin_priority", (Upsert(moved),), (Upsert(policy),))


def admin_rule_churn(cluster: Cluster) -> ChurnEvent:
    """The first rule of an admin policy applying locally gets a port, and back."""
    policy = _local_admin_policy(cluster)
    for direction, index, rule in _rules_of(policy):
        listed = list(policy.rules(direction))
        listed[index] = _edited(rule)
        field = "ingress" if direction is Direction.INGRESS else "egress"
        edited = dataclasses.replace(policy, **{field: tuple(listed)})
        return ChurnEvent("admin_rule", (Upsert(edited),), (Upsert(policy),))
    raise LookupError(f"{policy.key} has no rules")


CHURN_EVENTS: Mapping[str, Callable[[Cluster], ChurnEvent]] = MappingProxyType(
    {
        "label": label_churn,
        "pod": pod_churn,
        "policy": policy_churn,
        "namespace": namespace_churn,
        "admin_priority": admin_priority_churn,
        "admin_rule": admin_rule_churn,
    }
)
"""Every event; the admin ones need a cluster with admin policies (LookupError otherwise)."""
