"""Calico Tier, NetworkSet and GlobalNetworkSet to model resources."""

from __future__ import annotations

from dataplane.convert.fields import Field
from dataplane.convert.identity import ObjectIdentity
from dataplane.convert.labels import read_labels
from dataplane.convert.nets import read_cidr
from dataplane.model import DEFAULT_TIER, Action, NetworkSet, Tier
from dataplane.model.wellknown import NAMESPACE_LABEL

_TIER_FIELDS = ("order", "defaultAction")
_TIER_DEFAULT_ACTIONS = (Action.DENY, Action.PASS)
_NETWORK_SET_FIELDS = ("nets",)


def convert_tier(identity: ObjectIdentity, obj: Field) -> Tier:
    """A Tier; the ``default`` tier's order is fixed (1000000) as in Calico."""
    spec = obj.get("spec").known(_TIER_FIELDS)
    name = identity.key.name
    order_field = spec.get("order")
    order = order_field.optional_number()
    if name == DEFAULT_TIER.name:
        if order is not None and order != DEFAULT_TIER.order:
            raise order_field.error(
                f"the default tier's order is fixed at {DEFAULT_TIER.order:.0f}"
            )
        order = DEFAULT_TIER.order
    action_field = spec.get("defaultAction")
    action = action_field.text(Action.DENY)
    if action not in _TIER_DEFAULT_ACTIONS:
        raise action_field.error(f"unknown default action {action!r} (expected Deny or Pass)")
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
