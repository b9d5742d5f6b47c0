"""Which address sets are active: the ones the rules of the active policies read.

As Felix's RuleScanner does, the graph (not the compiler) decides which sets
to compute: each active policy's rules name a few keys, keys are ref-counted
over the policies, and a key is computed from the first policy naming it until
the last one stops. The compiler only ever reads sets the deltas activated.
"""

from __future__ import annotations

from collections.abc import Mapping

from dataplane.calc.counters import CalcCounters
from dataplane.calc.delta import IpSetKey, Member
from dataplane.calc.ipsets import IpSetCalculator
from dataplane.calc.rule_selectors import address_selectors
from dataplane.model import Action, Direction, NamedPortRef, Policy, Protocol, ResourceKey, Rule
from dataplane.selector import ALL


def _port_protocols(rule: Rule) -> tuple[int, ...]:
    """The protocols a rule's ports can be matched with (a port implies one)."""
    if rule.protocol is not None:
        return (rule.protocol,) if rule.protocol in Protocol.WITH_PORTS else ()
    return tuple(sorted(p for p in Protocol.WITH_PORTS if p != rule.not_protocol))


def policy_set_keys(policy: Policy) -> frozenset[IpSetKey]:
    """Every address set the rules of ``policy`` can read, in the directions it has.

    Per rule side, the sets of its (namespace-scoped) positive selector and of
    its ``notSelector`` (``address_selectors``; the local side's are read when
    the endpoint's own labels do not settle it); per named port of the remote
    side, the (address, port) set of every endpoint declaring it, one per
    protocol the rule's ports can have. Log rules read nothing. Keys carry no
    ``nets``: the compiler cuts what it needs (a rule's nets, an endpoint's own
    addresses, an inlined Pass) from these sets.
    """
    keys: set[IpSetKey] = set()
    for direction in (Direction.INGRESS, Direction.EGRESS):
        for rule in policy.rules(direction) if direction in policy.types else ():
            if rule.action is Action.LOG:
                continue
            for side in (rule.source, rule.destination):
                selectors = address_selectors(policy, side)
                if selectors.positive is not None:
                    keys.add(IpSetKey(selectors.positive))
                if selectors.excluded is not None:
                    keys.add(IpSetKey(selectors.excluded))
            remote = rule.source if direction is Direction.INGRESS else rule.destination
            named = {port.name for port in remote.ports if isinstance(port, NamedPortRef)}
            for protocol in _port_protocols(rule) if named else ():
                keys.update(IpSetKey(ALL, None, (name, protocol)) for name in named)
    return frozenset(keys)


class RuleScanner:
    """Ref-counts the address sets of the active policies and (de)activates them.

    ``scan`` follows the current value of each policy that may have changed;
    an unchanged policy object is not scanned again, so a flush costs the
    policies that really changed (each scanned in its number of rules).
    """

    def __init__(self, ipsets: IpSetCalculator, counters: CalcCounters) -> None:
        self._ipsets = ipsets
        self._counters = counters
        self._scanned: dict[ResourceKey, tuple[Policy, frozenset[IpSetKey]]] = {}
        self._refs: dict[IpSetKey, int] = {}

    def scan(
        self, policies: Mapping[ResourceKey, Policy | None]
    ) -> tuple[dict[IpSetKey, frozenset[Member]], frozenset[IpSetKey]]:
        """Take the current value of changed policies (None: no longer active).

        Returns the sets that became active with their members (ordered by set
        id) and the sets no longer read by any active policy. A set one policy
        drops and another picks up in the same scan stays active.
        """
        net: dict[IpSetKey, int] = {}
        for key, policy in policies.items():
            scanned = self._scanned.get(key)
            if scanned is None and policy is None:
                continue
            if scanned is not None and scanned[0] is policy:
                continue
            old = frozenset() if scanned is None else scanned[1]
            new: frozenset[IpSetKey] = frozenset()
            if policy is None:
                del self._scanned[key]
            else:
                self._counters.policies_scanned += 1
                new = policy_set_keys(policy)
                self._scanned[key] = (policy, new)
            for set_key in new - old:
                net[set_key] = net.get(set_key, 0) + 1
            for set_key in old - new:
                net[set_key] = net.get(set_key, 0) - 1
        activated: dict[IpSetKey, frozenset[Member]] = {}
        deactivated: set[IpSetKey] = set()
        for set_key in sorted((k for k, change in net.items() if change), key=_set_id):
            before = self._refs.get(set_key, 0)
            after = before + net[set_key]
            if after:
                self._refs[set_key] = after
            else:
                del self._refs[set_key]
            if not before:
                self._counters.sets_activated += 1
                activated[set_key] = self._ipsets.activate(set_key)
            elif not after:
                self._ipsets.deactivate(set_key)
                deactivated.add(set_key)
        return activated, frozenset(deactivated)


def _set_id(key: IpSetKey) -> str:
    return key.id
