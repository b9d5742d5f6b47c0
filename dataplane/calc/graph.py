"""The calculation graph: wires the stages from updates in to one Delta per flush."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from dataplane.calc.active_policies import ActivePolicies
from dataplane.calc.address_claims import AddressClaims, AddressConflict
from dataplane.calc.counters import CalcCounters
from dataplane.calc.delta import Delta, EndpointPolicies
from dataplane.calc.ipsets import IpSetCalculator
from dataplane.calc.local_labels import LocalLabels
from dataplane.calc.node_peers import NodePeerGuard
from dataplane.calc.nodes import NodeVteps
from dataplane.calc.routes import DEFAULT_VNI, RouteResolver
from dataplane.calc.rule_scanner import RuleScanner
from dataplane.calc.selector_labels import SelectorLabeler, changed_keys
from dataplane.calc.sequencer import DeltaSequencer
from dataplane.model import (
    POLICY_KINDS,
    CalicoNode,
    Delete,
    InSync,
    IpamBlock,
    IpPool,
    Kind,
    Labels,
    Namespace,
    NetworkSet,
    Node,
    Policy,
    Profile,
    Resource,
    ResourceKey,
    ServiceAccount,
    Tier,
    UnreadableNodes,
    Update,
    Upsert,
    WorkloadEndpoint,
)
from dataplane.model.wellknown import (
    NAMESPACE_LABEL,
    NAMESPACE_LABEL_PREFIX,
    SERVICE_ACCOUNT_LABEL_PREFIX,
)

Item = WorkloadEndpoint | NetworkSet | Node


class CalcGraph:
    """Incremental policy calculation for one node (sans-IO, single-threaded).

    Feed ``apply`` typed updates; ``flush`` returns what changed since the last
    flush, including which address sets are active (those the active policies'
    rules read) and their membership changes. The read accessors give the state
    the emitted deltas describe (as of the last flush); ``ipsets`` reads the
    active sets' members.
    """

    def __init__(self, node_name: str, vni: int = DEFAULT_VNI) -> None:
        self.node_name = node_name
        self.counters = CalcCounters()
        self.routes = RouteResolver(node_name, vni, self.counters)
        self._vteps = NodeVteps()
        self._node_peers = NodePeerGuard()
        self._labeler = SelectorLabeler()
        self._items: dict[ResourceKey, Item] = {}
        self._local_labels = LocalLabels()
        self._claims = AddressClaims()
        self.ipsets = IpSetCalculator(self._items, self._item_labels, self.counters)
        self._active = ActivePolicies(self._local_labels, self.counters)
        self._scanner = RuleScanner(self.ipsets, self.counters)
        self._sequencer = DeltaSequencer()
        self._saw_in_sync = False
        self._in_sync = False

    # -- input ------------------------------------------------------------------

    def apply(self, update: Update) -> None:
        """Apply one update (deleting an unknown key is a no-op)."""
        match update:
            case Upsert(value=value):
                self._upsert(value)
            case Delete(key=key):
                self._delete(key)
            case InSync():
                self._saw_in_sync = True

    def apply_all(self, updates: Iterable[Update]) -> None:
        """Apply updates in order."""
        for update in updates:
            self.apply(update)

    def flush(self) -> Delta:
        """Everything that changed since the last flush, in application order."""
        local = self._local_labels
        endpoints = {
            key: self._resolve(key) if key in local else None
            for key in self._active.take_dirty_endpoints()
        }
        policies = {
            key: self._active.active_policy(key) for key in self._active.take_dirty_policies()
        }
        activated, deactivated = self._scanner.scan(policies)
        changed = self.ipsets.take_deltas()
        self._in_sync = self._in_sync or self._saw_in_sync
        delta = self._sequencer.sequence(
            activated, changed, deactivated, endpoints, policies, self._in_sync
        )
        routes = self.routes.take_changes()
        if routes:
            delta = dataclasses.replace(
                delta, routes_added=routes.added, routes_removed=routes.removed
            )
        return delta

    # -- reads (as of the last flush) ---------------------------------------------

    @property
    def in_sync(self) -> bool:
        """True from the first flush after an ``InSync`` update on."""
        return self._in_sync

    def local_endpoints(self) -> Mapping[ResourceKey, EndpointPolicies]:
        """Every local endpoint with its tiers and policies."""
        return self._sequencer.endpoints

    def endpoint_policies(self, key: ResourceKey) -> EndpointPolicies | None:
        """One local endpoint's tiers and policies (None when not local)."""
        return self._sequencer.endpoints.get(key)

    def active_policies(self) -> Mapping[ResourceKey, Policy]:
        """Every policy that applies to at least one local endpoint."""
        return self._sequencer.policies

    def policy(self, key: ResourceKey) -> Policy | None:
        """An active policy's definition (None when not active)."""
        return self._sequencer.policies.get(key)

    # -- dispatch -------------------------------------------------------------------

    def _upsert(self, value: Resource) -> None:
        match value:
            case WorkloadEndpoint():
                self._set_endpoint(value.key, value)
            case NetworkSet():
                self._set_item(value.key, value)
            case Node():  # both a ``nodes`` peer address set and a route target
                self._set_item(value.key, value)
                self.routes.set_vtep(value.name, self._vteps.set_kubernetes(value.name, value))
            case CalicoNode():
                self.routes.set_vtep(value.name, self._vteps.set_calico(value.name, value))
            case Policy():
                self._active.set_policy(self._node_peers.enforced(value))
            case UnreadableNodes():
                self._set_nodes_readable(value.collection, False)
            case Namespace():
                self._set_namespace(value.name, value.labels)
            case ServiceAccount():
                self._set_service_account(value.namespace, value.name, value.labels)
            case Tier():
                self._active.set_tier(value)
            case Profile():
                pass  # Kubernetes profiles only allow; their labels reach us as pcns./pcsa.
            case IpPool():
                self.routes.set_pool(value.name, value)
            case IpamBlock():
                self.routes.set_block(value.name, value)
            case _:
                raise TypeError(f"CalcGraph cannot apply a {type(value).__name__}")

    def _delete(self, key: ResourceKey) -> None:
        kind = key.kind
        if kind is Kind.WORKLOAD_ENDPOINT:
            self._set_endpoint(key, None)
        elif kind is Kind.NETWORK_SET or kind is Kind.GLOBAL_NETWORK_SET:
            self._set_item(key, None)
        elif kind is Kind.NODE:
            self._set_item(key, None)
            self.routes.set_vtep(key.name, self._vteps.set_kubernetes(key.name, None))
        elif kind is Kind.CALICO_NODE:
            self.routes.set_vtep(key.name, self._vteps.set_calico(key.name, None))
        elif kind in POLICY_KINDS:
            self._node_peers.forget(key)
            self._active.delete_policy(key)
        elif kind is Kind.NAMESPACE:
            self._set_namespace(key.name, None)
        elif kind is Kind.SERVICE_ACCOUNT:
            self._set_service_account(key.namespace, key.name, None)
        elif kind is Kind.TIER:
            self._active.delete_tier(key.name)
        elif kind is Kind.IP_POOL:
            self.routes.set_pool(key.name, None)
        elif kind is Kind.IPAM_BLOCK:
            self.routes.set_block(key.name, None)
        elif kind is Kind.UNREADABLE_NODES:
            self._set_nodes_readable(key.name, True)

    def _set_nodes_readable(self, collection: str, readable: bool) -> None:
        """While Node objects cannot be read, rules with ``nodes`` peers are enforced
        fail-closed (``NodePeerGuard``): each affected policy is set anew."""
        for policy in self._node_peers.set_unreadable(collection, not readable):
            self._active.set_policy(policy)

    @property
    def unreadable_nodes(self) -> frozenset[str]:
        """The Node collections that cannot be read now (``nodes`` peers fail closed)."""
        return self._node_peers.unreadable

    # -- endpoints and network sets ------------------------------------------------------

    def _item_labels(self, key: ResourceKey) -> dict[str, str]:
        item = self._items[key]
        if isinstance(item, WorkloadEndpoint):
            return self._labeler.endpoint(item)
        if isinstance(item, Node):
            return dict(item.labels)
        return self._labeler.network_set(item)

    def _set_item(
        self, key: ResourceKey, new: Item | None
    ) -> tuple[Item | None, dict[str, str] | None]:
        """Store an endpoint or network set and keep the cluster index current.

        Returns the old item and the new one's selector labels when they were
        computed on the way (None otherwise).
        """
        old = self._items.get(key)
        if old == new:
            return old, None
        index = self.ipsets.index
        labels: dict[str, str] | None = None
        if old is None:
            self._items[key] = new  # type: ignore[assignment]
            labels = self._item_labels(key)
            index.add_item(key, labels)
        elif new is None or _members_differ(old, new):
            index.remove_item(key, self._item_labels(key))
            del self._items[key]
            if new is not None:
                self._items[key] = new
                labels = self._item_labels(key)
                index.add_item(key, labels)
        elif _labels_differ(old, new):
            before = self._item_labels(key)
            self._items[key] = new
            labels = self._item_labels(key)
            index.update_item(key, before, labels)
        else:
            self._items[key] = new
        return old, labels

    def _set_endpoint(self, key: ResourceKey, new: WorkloadEndpoint | None) -> None:
        old, computed = self._set_item(key, new)
        if old == new:
            return
        is_local = new is not None and new.node == self.node_name
        affected = self._claims.claim(key, new if is_local else None)
        if len(affected) == 1:  # the usual case: no other local pod shares its addresses
            self._sync_local(key, computed)
            return
        for other in sorted(affected):
            self._sync_local(other, computed if other == key else None)

    def _sync_local(self, key: ResourceKey, computed: dict[str, str] | None) -> None:
        """Make ``key`` a policy target iff it is local and owns every address it claims
        (a pod shadowed by another claiming its address is not programmed)."""
        was_local = key in self._local_labels
        if not self._claims.owns_all(key):
            if was_local:
                self._active.remove_endpoint(key, self._local_labels.pop(key))
            return
        previous = self._local_labels.get(key)
        labels = self._local_labels.set(key, computed or self._item_labels(key))
        if previous is None:
            self._active.add_endpoint(key, labels)
        else:
            self._active.update_endpoint(key, previous, labels)

    def missing_tiers(self) -> Mapping[str, tuple[ResourceKey, ...]]:
        """Tiers that policies which may apply here name but that do not exist (Felix
        sorts them last and still enforces them: so does the resolver)."""
        return self._active.missing_tiers()

    def address_conflicts(self) -> Mapping[str, AddressConflict]:
        """Addresses claimed by more than one local pod, with the one programmed."""
        return self._claims.conflicts()

    # -- namespaces and service accounts ---------------------------------------------------

    def _set_namespace(self, name: str, labels: Labels | None) -> None:
        changed = changed_keys(self._labeler.namespace(name), labels, NAMESPACE_LABEL_PREFIX)
        if not changed:
            self._labeler.set_namespace(name, labels)
            return
        members = list(self.ipsets.index.items_with(NAMESPACE_LABEL, name))
        before = [self._item_labels(key) for key in members]
        self._labeler.set_namespace(name, labels)
        self._relabel(members, before, changed)

    def _set_service_account(self, namespace: str, name: str, labels: Labels | None) -> None:
        old = self._labeler.service_account(namespace, name)
        changed = changed_keys(old, labels, SERVICE_ACCOUNT_LABEL_PREFIX)
        if not changed:
            self._labeler.set_service_account(namespace, name, labels)
            return
        members = [
            key
            for key in self.ipsets.index.items_with(NAMESPACE_LABEL, namespace)
            if isinstance(item := self._items[key], WorkloadEndpoint)
            and item.service_account == name
        ]
        before = [self._item_labels(key) for key in members]
        self._labeler.set_service_account(namespace, name, labels)
        self._relabel(members, before, changed)

    def _relabel(
        self, keys: list[ResourceKey], before: list[dict[str, str]], changed: frozenset[str]
    ) -> None:
        """Parent labels changed (``changed``: the inherited keys): update each item's
        matches (and local endpoints')."""
        index = self.ipsets.index
        self.counters.items_relabelled += len(keys)
        for key, old in zip(keys, before, strict=True):
            new = self._item_labels(key)
            index.update_item(key, old, new, changed)
            previous = self._local_labels.get(key)
            if previous is not None:
                labels = self._local_labels.set(key, new)
                self._active.update_endpoint(key, previous, labels, changed)

    # -- flush --------------------------------------------------------------------------

    def _resolve(self, key: ResourceKey) -> EndpointPolicies:
        self.counters.endpoints_resolved += 1
        endpoint = self._items[key]
        assert isinstance(endpoint, WorkloadEndpoint)
        ingress, egress = self._active.resolved(key)
        return EndpointPolicies(
            endpoint=endpoint,
            selector_labels=self._local_labels[key],
            ingress=ingress,
            egress=egress,
        )


def _labels_differ(old: Item, new: Item) -> bool:
    """Whether an item's own label inputs changed (labels or service account)."""
    if old.labels != new.labels:
        return True
    return getattr(old, "service_account", "") != getattr(new, "service_account", "")


def _members_differ(old: Item, new: Item) -> bool:
    """Whether an item's set contributions (not its labels) changed."""
    if isinstance(old, WorkloadEndpoint) and isinstance(new, WorkloadEndpoint):
        return old.addresses != new.addresses or old.ports != new.ports
    if isinstance(old, NetworkSet) and isinstance(new, NetworkSet):
        return old.nets != new.nets
    if isinstance(old, Node) and isinstance(new, Node):
        return old.addresses != new.addresses
    return True
