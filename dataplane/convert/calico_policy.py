"""Calico NetworkPolicy and GlobalNetworkPolicy to a model Policy."""

from __future__ import annotations

from dataplane.convert.calico_rules import read_rule
from dataplane.convert.fail_closed import (
    attempt,
    child,
    invalid_rule,
    readable_action,
    rules_or_stand_in,
)
from dataplane.convert.fields import Field
from dataplane.convert.identity import ObjectIdentity
from dataplane.convert.policy_types import listed_policy_types
from dataplane.convert.selectors import read_calico_selector
from dataplane.errors import ValidationError
from dataplane.model import DEFAULT_TIER, Action, Direction, Kind, Policy, Rule
from dataplane.model.wellknown import SERVICE_ACCOUNT_LABEL_PREFIX
from dataplane.selector import ALL, Selector, conjunction, prefixed

_SPEC_FIELDS = (
    "tier",
    "order",
    "selector",
    "types",
    "ingress",
    "egress",
    "serviceAccountSelector",
    "performanceHints",
)
_GLOBAL_SPEC_FIELDS = (
    *_SPEC_FIELDS,
    "namespaceSelector",
    "doNotTrack",
    "preDNAT",
    "applyOnForward",
)
_HOST_ENDPOINT_ONLY = ("doNotTrack", "preDNAT")
_PERFORMANCE_HINTS = ("AssumeNeededOnEveryNode",)


def convert_calico_policy(identity: ObjectIdentity, obj: Field) -> Policy:
    """A Calico (Global)NetworkPolicy, named as given.

    ``serviceAccountSelector`` is folded into ``selector`` over the ``pcsa.``
    labels endpoints inherit from their service account. An invalid rule is
    enforced fail-closed; when anything outside the rules cannot be read, the
    policy selects all it could select and denies, for its directions (both
    when those cannot be read). Policies for host endpoints only (doNotTrack,
    preDNAT) are rejected whole: they never apply to workloads.
    """
    is_global = identity.key.kind is Kind.GLOBAL_NETWORK_POLICY
    spec = obj.get("spec")
    if is_global:
        for name in _HOST_ENDPOINT_ONLY:
            if child(spec, name).value is True:
                raise child(spec, name).error(
                    "not supported: such policies apply to host endpoints only"
                )
    ingress = rules_or_stand_in(child(spec, "ingress"), _ingress_rule, _action)
    egress = rules_or_stand_in(child(spec, "egress"), _egress_rule, _action)
    problems: list[ValidationError] = []
    selector = attempt(lambda: _endpoint_selector(spec), problems)
    namespace_selector = (
        attempt(lambda: read_calico_selector(spec.get("namespaceSelector")), problems)
        if is_global
        else None
    )
    types = attempt(lambda: _policy_types(spec.get("types"), ingress, egress), problems)
    tier = attempt(lambda: spec.get("tier").text(DEFAULT_TIER.name) or DEFAULT_TIER.name, problems)
    order = attempt(lambda: spec.get("order").optional_number(), problems)
    attempt(lambda: _check_spec(spec, is_global), problems)
    if problems:
        types = types or frozenset(Direction)
        deny = invalid_rule(None, problems[0])
        ingress = (deny,) if Direction.INGRESS in types else ()
        egress = (deny,) if Direction.EGRESS in types else ()
    return Policy(
        kind=identity.key.kind,
        namespace=identity.key.namespace,
        name=identity.key.name,
        selector=selector or ALL,
        types=types or frozenset(Direction),
        ingress=ingress,
        egress=egress,
        tier=tier or DEFAULT_TIER.name,
        order=order,
        namespace_selector=namespace_selector,
    )


def _action(rule: Field) -> Action | None:
    return readable_action(rule.get("action"))


def _ingress_rule(rule: Field) -> list[Rule]:
    return [read_rule(rule, Direction.INGRESS)]


def _egress_rule(rule: Field) -> list[Rule]:
    return [read_rule(rule, Direction.EGRESS)]


def _check_spec(spec: Field, is_global: bool) -> None:
    """The spec is an object of known fields with valid flags and hints."""
    spec.known(_GLOBAL_SPEC_FIELDS if is_global else _SPEC_FIELDS)
    if is_global:
        for name in (*_HOST_ENDPOINT_ONLY, "applyOnForward"):
            spec.get(name).boolean(False)
    _check_performance_hints(spec.get("performanceHints"))


def _endpoint_selector(spec: Field) -> Selector:
    selector = read_calico_selector(spec.get("selector"))
    if selector is None:
        selector = ALL
    by_account = read_calico_selector(spec.get("serviceAccountSelector"))
    if by_account is None:
        return selector
    return conjunction(selector, prefixed(by_account, SERVICE_ACCOUNT_LABEL_PREFIX))


def _policy_types(
    field: Field, ingress: tuple[Rule, ...], egress: tuple[Rule, ...]
) -> frozenset[Direction]:
    """Explicit ``types``, else Calico's defaulting.

    Calico defaults an empty or missing ``types`` to Egress alone when there
    are egress rules and no ingress rules, to both when there are both, and
    to Ingress otherwise (including a policy with no rules).
    """
    listed = listed_policy_types(field, reject_duplicates=True)
    if listed:
        return listed
    if egress and not ingress:
        return frozenset({Direction.EGRESS})
    if egress:
        return frozenset({Direction.INGRESS, Direction.EGRESS})
    return frozenset({Direction.INGRESS})


def _check_performance_hints(field: Field) -> None:
    for entry in field.items():
        hint = entry.text()
        if hint not in _PERFORMANCE_HINTS:
            raise entry.error(
                f"unknown performance hint {hint!r} (expected AssumeNeededOnEveryNode)"
            )
