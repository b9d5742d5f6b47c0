"""A faithful delta consumer: rebuilds the graph's state, active sets included, from deltas."""

from __future__ import annotations

from dataplane.calc import Delta, EndpointPolicies, IpSetKey, Member
from dataplane.model import Policy, ResourceKey


class Consumer:
    """What a compiler knows after applying every delta in order."""

    def __init__(self) -> None:
        self.endpoints: dict[ResourceKey, EndpointPolicies] = {}
        self.policies: dict[ResourceKey, Policy] = {}
        self.sets: dict[IpSetKey, set[Member]] = {}

    def apply(self, delta: Delta) -> None:
        for key, members in delta.ipsets_activated.items():
            assert key not in self.sets, f"{key.id} activated twice"
            assert key.nets is None, "the graph activates unfiltered sets only"
            self.sets[key] = set(members)
        for change in delta.ipsets:
            assert change.added or change.removed, "empty ip set delta"
            assert not change.added & change.removed
            assert change.key not in delta.ipsets_activated
            members = self.sets[change.key]
            assert not change.added & members and change.removed <= members, "not a real change"
            members |= change.added
            members -= change.removed
        for key, policy in delta.policies.items():
            assert self.policies.get(key) != policy, f"{key} re-sent unchanged"
            self.policies[key] = policy
        for key, endpoint in delta.endpoints.items():
            assert self.endpoints.get(key) != endpoint, f"{key} re-sent unchanged"
            self.endpoints[key] = endpoint
        for key in delta.endpoints_removed:
            assert key not in delta.endpoints
            del self.endpoints[key]
        for key in delta.policies_removed:
            assert key not in delta.policies
            del self.policies[key]
        for key in delta.ipsets_deactivated:
            del self.sets[key]
        self._check_references()

    def _check_references(self) -> None:
        """Every policy an endpoint names was sent and not removed."""
        for endpoint in self.endpoints.values():
            for tiers in (endpoint.ingress, endpoint.egress):
                for tier in tiers:
                    for key in tier.policies:
                        assert key in self.policies, f"{key} used before it was sent"
