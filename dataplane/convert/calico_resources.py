"""Calico Tier, NetworkSet and GlobalNetworkSet to model resources."""

from __future__ import annotations

from dataplane.convert.fields import Field
from dataplane.convert.identity import ObjectIdentity
from dataplane.convert.labels import read_labels
from dataplane.convert.nets import read_cidr
from dataplane.model import ADMIN_TIER, BASELINE_TIER, BUILTIN_TIERS, Action, NetworkSet, Tier
from dataplane.model.wellknown import NAMESPACE_LABEL

_TIER_FIELDS = ("order", "defaultAction")
_TIER_DEFAULT_ACTIONS = (Action.DENY, Action.PASS)
_NETWORK_SET_FIELDS = ("nets",)


_FIXED_ACTION_TIERS = (ADMIN_TIER.name, BASELINE_TIER.name)


def convert_tier(identity: ObjectIdentity, obj: Field) -> Tier:
    """A Tier; a built-in tier's order is fixed as in Calico (``default`` 1000000,
    ``adminnetworkpolicy`` 1000, ``baselineadminnetworkpolicy`` 10000000), and so is
    the default action (Pass) of the two cluster-admin tiers."""
    spec = obj.get("spec").known(_TIER_FIELDS)
    name = identity.key.name
    builtin = BUILTIN_TIERS.get(name)
    order_field = spec.get("order")
    order = order_field.optional_number()
    if builtin is not None:
        if order is not None and order != builtin.order:
            raise order_field.error(f"the {name} tier's order is fixed at {builtin.order:.0f}")
        order = builtin.order
    action_field = spec.get("defaultAction")
    action = action_field.text(builtin.default_action if builtin else Action.DENY)
    if action not in _TIER_DEFAULT_ACTIONS:
        raise action_field.error(f"unknown default action {action!r} (expected Deny or Pass)")
    if builtin is not None and name in _FIXED_ACTION_TIERS and action != builtin.default_action:
        raise action_field.error(
            f"the {name} tier's default action is fixed at {builtin.default_action}"
        )
    return Tier(name=name, order=order, default_action=Action(action))


def convert_network_set(identity: ObjectIdentity, obj: Field) -> NetworkSet:
    """A NetworkSet (namespaced) or GlobalNetworkSet (namespace "")."""
    spec = obj.get("spec").known(_NETWORK_SET_FIELDS)
    labels_field = obj.get("metadata").get("labels")
    labels = read_labels(labels_field)
    if NAMESPACE_LABEL in labels:
        raise labels_field.get(NAMESPACE_LABEL).error(
            f"{NAMESPACE_LABEL} is reserved and cannot be set on a network set"
        )
    nets = tuple(dict.fromkeys(read_cidr(entry) for entry in spec.get("nets").items()))
    return NetworkSet(
        namespace=identity.key.namespace, name=identity.key.name, nets=nets, labels=labels
    )
