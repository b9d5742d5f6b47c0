"""Calico NetworkPolicy and GlobalNetworkPolicy to a model Policy."""

from __future__ import annotations

from dataplane.convert.calico_rules import read_rule
from dataplane.convert.fields import Field
from dataplane.convert.identity import ObjectIdentity
from dataplane.convert.policy_types import listed_policy_types
from dataplane.convert.selectors import read_calico_selector
from dataplane.model import DEFAULT_TIER, Direction, Kind, Policy, Rule
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
    labels endpoints inherit from their service account.
    """
    is_global = identity.key.kind is Kind.GLOBAL_NETWORK_POLICY
    spec = obj.get("spec").known(_GLOBAL_SPEC_FIELDS if is_global else _SPEC_FIELDS)
    namespace_selector = None
    if is_global:
        for name in _HOST_ENDPOINT_ONLY:
            if spec.get(name).boolean(False):
                raise spec.get(name).error(
                    "not supported: such policies apply to host endpoints only"
                )
        spec.get("applyOnForward").boolean(False)
        namespace_selector = read_calico_selector(spec.get("namespaceSelector"))
    _check_performance_hints(spec.get("performanceHints"))
    ingress = tuple(read_rule(rule, Direction.INGRESS) for rule in spec.get("ingress").items())
    egress = tuple(read_rule(rule, Direction.EGRESS) for rule in spec.get("egress").items())
    return Policy(
        kind=identity.key.kind,
        namespace=identity.key.namespace,
        name=identity.key.name,
        selector=_endpoint_selector(spec),
        types=_policy_types(spec.get("types"), ingress, egress),
        ingress=ingress,
        egress=egress,
        tier=spec.get("tier").text(DEFAULT_TIER.name) or DEFAULT_TIER.name,
        order=spec.get("order").optional_number(),
        namespace_selector=namespace_selector,
    )


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
