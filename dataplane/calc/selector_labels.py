"""The labels selectors see on endpoints and network sets: own plus inherited ones."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from dataplane.model import Labels, NetworkSet, WorkloadEndpoint
from dataplane.model.wellknown import (
    K8S_ORCHESTRATOR,
    NAMESPACE_LABEL,
    NAMESPACE_LABEL_PREFIX,
    ORCHESTRATOR_LABEL,
    SERVICE_ACCOUNT_LABEL,
    SERVICE_ACCOUNT_LABEL_PREFIX,
)


@lru_cache(maxsize=16384)
def prefixed_labels(labels: Labels, prefix: str) -> tuple[tuple[str, str], ...]:
    """``labels`` with ``prefix`` put before every key (shared between equal maps)."""
    return tuple((prefix + key, value) for key, value in labels.items())


def changed_keys(old: Labels | None, new: Labels | None, prefix: str) -> frozenset[str]:
    """The prefixed keys whose value differs between two parent label maps."""
    before: Mapping[str, str] = old or {}
    after: Mapping[str, str] = new or {}
    return frozenset(
        prefix + key for key in before.keys() | after.keys() if before.get(key) != after.get(key)
    )


class SelectorLabeler:
    """Holds namespace and service-account labels and composes selector labels.

    Composition order (later wins): inherited ``pcns.``/``pcsa.`` labels, the
    object's own labels, then ``projectcalico.org/namespace``,
    ``projectcalico.org/orchestrator`` and ``projectcalico.org/serviceaccount``.
    The maps it returns are fresh dicts owned by the caller.
    """

    __slots__ = ("_namespaces", "_service_accounts")

    def __init__(self) -> None:
        self._namespaces: dict[str, Labels] = {}
        self._service_accounts: dict[tuple[str, str], Labels] = {}

    def namespace(self, name: str) -> Labels | None:
        """A namespace's labels (None when unknown or unlabelled)."""
        return self._namespaces.get(name)

    def service_account(self, namespace: str, name: str) -> Labels | None:
        """A service account's labels (None when unknown or unlabelled)."""
        return self._service_accounts.get((namespace, name))

    def set_namespace(self, name: str, labels: Labels | None) -> frozenset[str]:
        """Set (None: forget) a namespace's labels; returns the ``pcns.`` keys that changed."""
        old = self._namespaces.pop(name, None)
        if labels:
            self._namespaces[name] = labels
        return changed_keys(old, labels, NAMESPACE_LABEL_PREFIX)

    def set_service_account(
        self, namespace: str, name: str, labels: Labels | None
    ) -> frozenset[str]:
        """Set (None: forget) a service account's labels; returns the changed ``pcsa.`` keys."""
        old = self._service_accounts.pop((namespace, name), None)
        if labels:
            self._service_accounts[(namespace, name)] = labels
        return changed_keys(old, labels, SERVICE_ACCOUNT_LABEL_PREFIX)

    def endpoint(self, endpoint: WorkloadEndpoint) -> dict[str, str]:
        """The selector labels of a workload endpoint."""
        labels: dict[str, str] = {}
        if (namespace := self._namespaces.get(endpoint.namespace)) is not None:
            labels.update(prefixed_labels(namespace, NAMESPACE_LABEL_PREFIX))
        account = endpoint.service_account
        if account and (sa := self._service_accounts.get((endpoint.namespace, account))):
            labels.update(prefixed_labels(sa, SERVICE_ACCOUNT_LABEL_PREFIX))
        labels.update(endpoint.labels)
        labels[NAMESPACE_LABEL] = endpoint.namespace
        labels[ORCHESTRATOR_LABEL] = K8S_ORCHESTRATOR
        if account:
            labels[SERVICE_ACCOUNT_LABEL] = account
        return labels

    def network_set(self, network_set: NetworkSet) -> dict[str, str]:
        """The selector labels of a network set (only namespaced ones inherit)."""
        if not network_set.namespace:
            return dict(network_set.labels)
        labels: dict[str, str] = {}
        if (namespace := self._namespaces.get(network_set.namespace)) is not None:
            labels.update(prefixed_labels(namespace, NAMESPACE_LABEL_PREFIX))
        labels.update(network_set.labels)
        labels[NAMESPACE_LABEL] = network_set.namespace
        return labels
