"""How selector fields of policies and rule sides become endpoint selectors (Calico scoping)."""

from __future__ import annotations

from dataclasses import dataclass

from dataplane.model import EntityMatch, Policy
from dataplane.model.wellknown import (
    NAMESPACE_LABEL,
    NAMESPACE_LABEL_PREFIX,
    SERVICE_ACCOUNT_LABEL,
    SERVICE_ACCOUNT_LABEL_PREFIX,
)
from dataplane.selector import (
    GLOBAL,
    Selector,
    conjunction,
    has_label,
    label_equals,
    label_in,
    negation,
    prefixed,
)


def namespace_scope(namespace_selector: Selector) -> Selector:
    """Endpoint selector for "in a namespace whose labels match ``namespace_selector``"."""
    if namespace_selector == GLOBAL:
        return negation(has_label(NAMESPACE_LABEL))
    return conjunction(
        has_label(NAMESPACE_LABEL), prefixed(namespace_selector, NAMESPACE_LABEL_PREFIX)
    )


def scoped_selector(policy: Policy, side: EntityMatch) -> Selector | None:
    """The selector of a side's positive selector fields, with namespace scoping.

    In a namespaced policy, a side that uses any selector field is limited to the
    policy's namespace unless it has a namespaceSelector. None when the side has
    no positive selector field (``notSelector`` is the caller's: it excludes
    addresses and is not namespace-scoped).
    """
    terms: list[Selector] = []
    if side.namespace_selector is not None:
        terms.append(namespace_scope(side.namespace_selector))
    if side.selector is not None:
        terms.append(side.selector)
    if side.service_account_names:
        terms.append(label_in(SERVICE_ACCOUNT_LABEL, side.service_account_names))
    if side.service_account_selector is not None:
        terms.append(prefixed(side.service_account_selector, SERVICE_ACCOUNT_LABEL_PREFIX))
    if not terms:
        return None
    if side.namespace_selector is None and policy.namespace:
        terms.insert(0, label_equals(NAMESPACE_LABEL, policy.namespace))
    return conjunction(*terms)


def policy_endpoint_selector(policy: Policy) -> Selector:
    """The selector over endpoint selector-labels for the endpoints a policy applies to."""
    terms: list[Selector] = []
    if policy.namespace:
        terms.append(label_equals(NAMESPACE_LABEL, policy.namespace))
    elif policy.namespace_selector is not None:
        terms.append(namespace_scope(policy.namespace_selector))
    terms.append(policy.selector)
    return conjunction(*terms)


@dataclass(frozen=True, slots=True)
class AddressSelectors:
    """``positive``: addresses must be in its set (None: no limit); ``excluded``: must not."""

    positive: Selector | None
    excluded: Selector | None


NO_SELECTORS = AddressSelectors(None, None)


def address_selectors(policy: Policy, side: EntityMatch) -> AddressSelectors:
    """A rule side's selectors with IP-set semantics, as Calico matches them on addresses.

    The address must be in the set of what the (namespace-scoped) positive
    selector picks and not in the set of what the ``notSelector`` picks (not
    namespace-scoped). Sets hold endpoint addresses and network-set CIDRs, so
    a network set can put a pod's address in (or out of) a set whatever the
    pod's own labels.
    """
    if not side.uses_selector:
        return NO_SELECTORS
    positive = scoped_selector(policy, side)
    if positive is None and policy.namespace:
        positive = label_equals(NAMESPACE_LABEL, policy.namespace)
    return AddressSelectors(positive, side.not_selector)
