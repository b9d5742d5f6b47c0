"""How a rule side's selector fields become one endpoint selector (Calico scoping)."""

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
    ALL,
    GLOBAL,
    Selector,
    conjunction,
    has_label,
    label_equals,
    label_in,
    negation,
    prefixed,
)


@dataclass(frozen=True, slots=True)
class SideSelectors:
    """The endpoint selectors one rule side implies.

    ``positive`` (when not None): the side matches only addresses of endpoints
    and network sets it selects. ``negative`` (only when ``positive`` is None):
    the side matches every address except those of what it selects. Both None:
    the side is not selector-limited (nets and ports only).
    """

    positive: Selector | None
    negative: Selector | None


NOT_SELECTOR_LIMITED = SideSelectors(None, None)


def namespace_scope(namespace_selector: Selector) -> Selector:
    """Endpoint selector for "in a namespace whose labels match ``namespace_selector``"."""
    if namespace_selector == GLOBAL:
        return negation(has_label(NAMESPACE_LABEL))
    return conjunction(
        has_label(NAMESPACE_LABEL), prefixed(namespace_selector, NAMESPACE_LABEL_PREFIX)
    )


def side_selectors(policy: Policy, side: EntityMatch) -> SideSelectors:
    """Combine a side's selector fields with the policy's namespace scoping.

    In a namespaced policy, a side that uses any selector field is limited to
    the policy's namespace unless it has a namespaceSelector. A ``notSelector``
    with nothing positive in a global policy stays a negation.
    """
    if not side.uses_selector:
        return NOT_SELECTOR_LIMITED
    terms: list[Selector] = []
    if side.namespace_selector is not None:
        terms.append(namespace_scope(side.namespace_selector))
    elif policy.namespace:
        terms.append(label_equals(NAMESPACE_LABEL, policy.namespace))
    if side.selector is not None:
        terms.append(side.selector)
    if side.service_account_names:
        terms.append(label_in(SERVICE_ACCOUNT_LABEL, side.service_account_names))
    if side.service_account_selector is not None:
        terms.append(prefixed(side.service_account_selector, SERVICE_ACCOUNT_LABEL_PREFIX))
    if not terms and side.not_selector is not None:
        return SideSelectors(None, side.not_selector)
    if side.not_selector is not None:
        terms.append(negation(side.not_selector))
    return SideSelectors(conjunction(*terms) if terms else ALL, None)


def policy_endpoint_selector(policy: Policy) -> Selector:
    """The selector over endpoint selector-labels for the endpoints a policy applies to."""
    terms: list[Selector] = []
    if policy.namespace:
        terms.append(label_equals(NAMESPACE_LABEL, policy.namespace))
    elif policy.namespace_selector is not None:
        terms.append(namespace_scope(policy.namespace_selector))
    terms.append(policy.selector)
    return conjunction(*terms)
