"""Which address sets are active: the ones the rules of the active policies read.

As Felix's RuleScanner does, the graph (not the compiler) decides which sets
to compute: each active policy's rules name a few keys, keys are ref-counted
over the policies, and a key is computed from the first policy naming it until
the last one stops. The compiler only ever reads sets the deltas activated.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from dataplane.calc.counters import CalcCounters
from dataplane.calc.delta import IpSetKey, Member
from dataplane.calc.ipsets import IpSetCalculator
from dataplane.calc.rule_selectors import address_selectors
from dataplane.model import Action, Direction, NamedPortRef, Policy, Protocol, ResourceKey, Rule
from dataplane.selector import ALL

DIRECTIONS = (Direction.INGRESS, Direction.EGRESS)
INACTIVE_SCANS = 1024
"""Scans of policies that stopped being active, kept for when they apply again."""


def _port_protocols(rule: Rule) -> tuple[int, ...]:
    """The protocols a rule's ports can be matched with (a port implies one)."""
    if rule.protocol is not None:
        return (rule.protocol,) if rule.protocol in Protocol.WITH_PORTS else ()
    return tuple(sorted(p for p in Protocol.WITH_PORTS if p != rule.not_protocol))


def rule_set_keys(policy: Policy, direction: Direction, rule: Rule) -> frozenset[IpSetKey]:
    """Every address set one rule of ``policy`` can read in ``direction``.

    Per side, the sets of its (namespace-scoped) positive selector and of its
    ``notSelector`` (``address_selectors``; the local side's are read when the
    endpoint's own labels do not settle it); per named port of the remote
    side, the (address, port) set of every endpoint declaring it, one per
    protocol the rule's ports can have. A Log rule reads nothing. Keys carry
    no ``nets``: the compiler cuts what it needs (a rule's nets, an endpoint's
    own addresses, an inlined Pass) from these sets.
    """
    if rule.action is Action.LOG:
        return frozenset()
    keys: set[IpSetKey] = set()
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


def _rules(policy: Policy, direction: Direction) -> tuple[Rule, ...]:
    """The rules of a direction the policy has (a direction it lacks reads nothing)."""
    return policy.rules(direction) if direction in policy.types else ()


def policy_set_keys(policy: Policy) -> frozenset[IpSetKey]:
    """Every address set the rules of ``policy`` can read (``rule_set_keys``)."""
    return frozenset().union(
        *(rule_set_keys(policy, d, rule) for d in DIRECTIONS for rule in _rules(policy, d))
    )


@dataclass(frozen=True, slots=True)
class _Scan:
    """One scanned policy version: the keys of each rule per direction, and all of them."""

    policy: Policy
    rule_keys: tuple[tuple[frozenset[IpSetKey], ...], ...]  # in DIRECTIONS order
    keys: frozenset[IpSetKey]


class RuleScanner:
    """Ref-counts the address sets of the active policies and (de)activates them.

    ``scan`` follows the current value of each policy that may have changed;
    an unchanged policy object is not scanned again, and a new version scans
    only the rules that differ from the previous version at the same index
    (as rendering does), so a flush costs the rules that really changed. The
    scans of the last policies that stopped being active are kept, so one
    applying again (a label flipping back) scans nothing.
    """

    def __init__(self, ipsets: IpSetCalculator, counters: CalcCounters) -> None:
        self._ipsets = ipsets
        self._counters = counters
        self._scanned: dict[ResourceKey, _Scan] = {}
        self._inactive: OrderedDict[ResourceKey, _Scan] = OrderedDict()
        self._refs: dict[IpSetKey, int] = {}

    def scan(
        self, policies: Mapping[ResourceKey, Policy | None]
    ) -> tuple[dict[IpSetKey, frozenset[Member]], frozenset[IpSetKey]]:
        """Take the current value of changed policies (None: no longer active).

        Returns the sets that became active with their members (ordered by set
        id) and the sets no longer read by any active policy. A set one policy
        drops and another picks up in the same scan stays active.
        """
        if not policies:
            return {}, frozenset()
        net: dict[IpSetKey, int] = {}
        for key, policy in policies.items():
            scanned = self._scanned.get(key)
            if scanned is None and policy is None:
                continue
            if scanned is not None and scanned.policy is policy:
                continue
            old = frozenset() if scanned is None else scanned.keys
            new: frozenset[IpSetKey] = frozenset()
            if policy is None:
                self._inactive[key] = self._scanned.pop(key)
                if len(self._inactive) > INACTIVE_SCANS:
                    self._inactive.popitem(last=False)
            else:
                previous = scanned or self._inactive.pop(key, None)
                rescanned = self._scanned[key] = self._scan(policy, previous)
                new = rescanned.keys
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

    def _scan(self, policy: Policy, previous: _Scan | None) -> _Scan:
        """The policy's keys, reusing those of rules equal to the previous version's."""
        if previous is not None and previous.policy is policy:
            return previous
        rule_keys = []
        for at, direction in enumerate(DIRECTIONS):
            old_rules = () if previous is None else _rules(previous.policy, direction)
            keys: list[frozenset[IpSetKey]] = []
            for index, rule in enumerate(_rules(policy, direction)):
                if index < len(old_rules) and (
                    old_rules[index] is rule or old_rules[index] == rule
                ):
                    assert previous is not None
                    keys.append(previous.rule_keys[at][index])
                else:
                    self._counters.rules_scanned += 1
                    keys.append(rule_set_keys(policy, direction, rule))
            rule_keys.append(tuple(keys))
        return _Scan(
            policy, tuple(rule_keys), frozenset().union(*(k for d in rule_keys for k in d))
        )


def _set_id(key: IpSetKey) -> str:
    return key.id
