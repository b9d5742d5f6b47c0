"""A rule side's selectors with IP-set semantics: a scoped positive set minus a notSelector set.

Calico matches a side's selectors on addresses: the address must be in the
set of what the (namespace-scoped) selector picks and not in the set of what
the ``notSelector`` picks (which is not namespace-scoped). Sets hold endpoint
addresses and network-set CIDRs, so a network set can put a pod's address in
(or out of) a set whatever the pod's own labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from dataplane.calc.rule_selectors import scoped_selector
from dataplane.model import EntityMatch, Policy
from dataplane.model.wellknown import NAMESPACE_LABEL
from dataplane.selector import Selector, label_equals


@dataclass(frozen=True, slots=True)
class AddressSelectors:
    """``positive``: addresses must be in its set (None: no limit); ``excluded``: must not."""

    positive: Selector | None
    excluded: Selector | None


NO_SELECTORS = AddressSelectors(None, None)


def address_selectors(policy: Policy, side: EntityMatch) -> AddressSelectors:
    """The positive (scoped) and excluded (``notSelector``) selectors of one side."""
    if not side.uses_selector:
        return NO_SELECTORS
    positive = scoped_selector(policy, side)
    if positive is None and policy.namespace:
        positive = label_equals(NAMESPACE_LABEL, policy.namespace)
    return AddressSelectors(positive, side.not_selector)
