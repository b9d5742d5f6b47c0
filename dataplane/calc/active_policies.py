"""Which policies select which local endpoints, and what each change makes dirty."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set

from dataplane.calc.buckets import Buckets
from dataplane.calc.counters import CalcCounters
from dataplane.calc.delta import TierPolicies
from dataplane.calc.label_index import LabelIndex
from dataplane.calc.resolver import placement, resolve_directions
from dataplane.calc.rule_selectors import policy_endpoint_selector
from dataplane.model import DEFAULT_TIER, Labels, Policy, ResourceKey, Tier
from dataplane.selector import Selector

RESOLUTIONS = 4096
"""Tier resolutions kept (one per distinct set of selectors matching a local endpoint)."""

Resolution = tuple[tuple[TierPolicies, ...], tuple[TierPolicies, ...]]


class ActivePolicies:
    """Policies, tiers and the local endpoints each policy's selector matches.

    Equal endpoint selectors are registered once and shared by their policies.
    A namespaced policy can only select endpoints of its own namespace, so it
    stays *dormant* (stored, no selector built or registered) until a local
    endpoint appears in that namespace; from then on it is registered for good.
    Every change marks the endpoints whose tier/policy lists may differ and the
    policies whose activeness or definition may differ; ``take_dirty_*`` hands
    them to the flush. A policy is active when it has a direction and its
    selector matches at least one local endpoint.

    Endpoints matched by the same selectors share one tier resolution, kept
    until a policy's selector, tier, order or directions or a tier changes
    (an edit of rules alone keeps it).
    """

    def __init__(self, local_labels: Mapping[ResourceKey, Labels], counters: CalcCounters) -> None:
        self._counters = counters
        self.index: LabelIndex[ResourceKey] = LabelIndex(
            local_labels.__getitem__, local_labels.keys, self, counters
        )
        self.tiers: dict[str, Tier] = {}
        self._policies: dict[ResourceKey, Policy] = {}
        self._selector_of: dict[ResourceKey, Selector] = {}
        self._policies_by_selector: Buckets[Selector, ResourceKey] = Buckets()
        self._policies_by_tier: dict[str, set[ResourceKey]] = {}
        self._dormant: dict[str, set[ResourceKey]] = {}
        self._awake_namespaces: set[str] = set()
        self._endpoint_selectors: dict[ResourceKey, set[Selector]] = {}
        self._dirty_endpoints: set[ResourceKey] = set()
        self._dirty_policies: set[ResourceKey] = set()
        self._resolutions: dict[frozenset[Selector], Resolution] = {}

    # -- policies and tiers -----------------------------------------------------

    def set_policy(self, policy: Policy) -> None:
        """Add or replace a policy."""
        key = policy.key
        old = self._policies.get(key)
        if old is not None and (old is policy or old == policy):
            return
        self._policies[key] = policy
        if policy.namespace and policy.namespace not in self._awake_namespaces:
            self._dormant.setdefault(policy.namespace, set()).add(key)
            return
        self._mark_policy(key)
        selector = policy_endpoint_selector(policy)
        if old is None:
            self._attach(key, selector, placement(policy)[0])
            return
        old_tier = placement(old)[0]
        if self._selector_of[key] != selector or old_tier != placement(policy)[0]:
            self._detach(key, old_tier)
            self._attach(key, selector, placement(policy)[0])
        elif placement(old) != placement(policy) or old.types != policy.types:
            self._resolutions.clear()
            self._mark_endpoints(self.index.matches(selector))

    def delete_policy(self, key: ResourceKey) -> None:
        """Forget a policy (no-op when unknown)."""
        old = self._policies.pop(key, None)
        if old is None:
            return
        dormant = self._dormant.get(key.namespace)
        if dormant is not None and key in dormant:
            dormant.discard(key)
            if not dormant:
                del self._dormant[key.namespace]
            return
        self._mark_policy(key)
        self._detach(key, placement(old)[0])

    def set_tier(self, tier: Tier) -> None:
        """Add or replace a tier (re-resolves the endpoints of its policies)."""
        if self.tiers.get(tier.name) == tier:
            return
        self.tiers[tier.name] = tier
        self._tier_changed(tier.name)

    def delete_tier(self, name: str) -> None:
        """Forget a tier (its policies fall back to the implicit or fail-closed tier)."""
        if self.tiers.pop(name, None) is not None:
            self._tier_changed(name)

    def missing_tiers(self) -> dict[str, tuple[ResourceKey, ...]]:
        """Tiers named by registered policies that do not exist (the implicit
        ``default`` always does), with those policies in key order."""
        return {
            name: tuple(sorted(keys))
            for name, keys in sorted(self._policies_by_tier.items())
            if name not in self.tiers and name != DEFAULT_TIER.name
        }

    # -- local endpoints --------------------------------------------------------

    def add_endpoint(self, key: ResourceKey, labels: Labels) -> None:
        """A local endpoint appeared (its labels must already be readable by the index)."""
        self._endpoint_selectors[key] = set()
        self._mark_endpoint(key)
        self.index.add_item(key, labels)
        if key.namespace not in self._awake_namespaces:
            self._wake(key.namespace)

    def update_endpoint(
        self, key: ResourceKey, old: Labels, new: Labels, changed: Set[str] | None = None
    ) -> None:
        """A local endpoint changed (value and/or selector labels; ``changed``: the label
        keys that may differ, when known)."""
        self._mark_endpoint(key)
        self.index.update_item(key, old, new, changed)

    def remove_endpoint(self, key: ResourceKey, labels: Labels) -> None:
        """A local endpoint is gone (deleted or moved off this node)."""
        self._mark_endpoint(key)
        self.index.remove_item(key, labels)
        del self._endpoint_selectors[key]

    # -- reads ------------------------------------------------------------------

    def _policies_of(self, endpoint: ResourceKey) -> list[tuple[ResourceKey, Policy]]:
        """Every policy whose selector matches a local endpoint, with its key (the
        instance filed here, so keys stay identical from one resolution to the next)."""
        by_selector = self._policies_by_selector
        policies = self._policies
        return [
            (key, policies[key])
            for selector in self._endpoint_selectors[endpoint]
            for key in by_selector.get(selector)
        ]

    def resolved(self, endpoint: ResourceKey) -> Resolution:
        """A local endpoint's ingress and egress tiers with their policies, in order."""
        selectors = frozenset(self._endpoint_selectors[endpoint])
        found = self._resolutions.get(selectors)
        if found is None:
            if len(self._resolutions) >= RESOLUTIONS:
                self._resolutions.clear()
            self._counters.tier_orderings += 1
            found = resolve_directions(self._policies_of(endpoint), self.tiers)
            self._resolutions[selectors] = found
        return found

    def active_policy(self, key: ResourceKey) -> Policy | None:
        """The policy if it applies to at least one local endpoint, else None."""
        policy = self._policies.get(key)
        selector = self._selector_of.get(key)
        if policy is None or selector is None or not policy.types:
            return None
        return policy if self.index.matches(selector) else None

    def take_dirty_endpoints(self) -> set[ResourceKey]:
        """Endpoints marked since the last call."""
        dirty, self._dirty_endpoints = self._dirty_endpoints, set()
        return dirty

    def take_dirty_policies(self) -> set[ResourceKey]:
        """Policies marked since the last call."""
        dirty, self._dirty_policies = self._dirty_policies, set()
        return dirty

    # -- MatchListener ----------------------------------------------------------

    def matched(self, selector: Selector, item: ResourceKey) -> None:
        """A local endpoint now matches a policy selector."""
        self._endpoint_selectors[item].add(selector)
        self._mark_endpoint(item)
        if len(self.index.matches(selector)) == 1:
            self._mark_policies(self._policies_by_selector.get(selector))

    def unmatched(self, selector: Selector, item: ResourceKey) -> None:
        """A local endpoint no longer matches a policy selector."""
        self._endpoint_selectors[item].discard(selector)
        self._mark_endpoint(item)
        if not self.index.matches(selector):
            self._mark_policies(self._policies_by_selector.get(selector))

    # -- internals --------------------------------------------------------------

    def _attach(self, key: ResourceKey, selector: Selector, tier: str) -> None:
        self._resolutions.clear()
        self._selector_of[key] = selector
        in_tier = self._policies_by_tier.get(tier)
        if in_tier is None:
            in_tier = self._policies_by_tier[tier] = set()
        in_tier.add(key)
        if self.index.add_selector(selector):
            for endpoint in self.index.matches(selector):
                self._endpoint_selectors[endpoint].add(selector)
        self._policies_by_selector.add(selector, key)
        self._mark_endpoints(self.index.matches(selector))

    def _detach(self, key: ResourceKey, tier: str) -> None:
        self._resolutions.clear()
        selector = self._selector_of.pop(key)
        in_tier = self._policies_by_tier[tier]
        in_tier.discard(key)
        if not in_tier:
            del self._policies_by_tier[tier]
        self._policies_by_selector.discard(selector, key)
        matches = list(self.index.matches(selector))
        self._mark_endpoints(matches)
        if self.index.remove_selector(selector):
            for endpoint in matches:
                self._endpoint_selectors[endpoint].discard(selector)

    def _wake(self, namespace: str) -> None:
        """Register the dormant policies of a namespace that now has a local endpoint."""
        self._awake_namespaces.add(namespace)
        for key in sorted(self._dormant.pop(namespace, ())):
            policy = self._policies[key]
            self._mark_policy(key)
            self._attach(key, policy_endpoint_selector(policy), placement(policy)[0])

    def _tier_changed(self, name: str) -> None:
        self._resolutions.clear()
        for key in self._policies_by_tier.get(name, ()):
            self._mark_endpoints(self.index.matches(self._selector_of[key]))

    def _mark_endpoint(self, key: ResourceKey) -> None:
        if key not in self._dirty_endpoints:
            self._dirty_endpoints.add(key)
            self._counters.endpoints_dirtied += 1

    def _mark_endpoints(self, keys: Iterable[ResourceKey]) -> None:
        for key in keys:
            self._mark_endpoint(key)

    def _mark_policy(self, key: ResourceKey) -> None:
        if key not in self._dirty_policies:
            self._dirty_policies.add(key)
            self._counters.policies_dirtied += 1

    def _mark_policies(self, keys: Iterable[ResourceKey]) -> None:
        for key in keys:
            self._mark_policy(key)
