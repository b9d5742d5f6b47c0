"""Cluster nodes: the labels and addresses that ``nodes`` peers of admin policies select,
and the VXLAN tunnel endpoint that overlay routes lead to.

A node may be described twice: by its Kubernetes Node and by a Calico Node of the same
name. Each has its own key, so neither replaces the other; the calc graph combines them
(``dataplane.calc.nodes``).
"""

from __future__ import annotations

from dataclasses import dataclass

from dataplane.model.keys import Kind, ResourceKey
from dataplane.model.labels import EMPTY_LABELS, Labels
from dataplane.model.routes import Vtep


@dataclass(frozen=True, slots=True)
class Node:
    """A Kubernetes Node: its labels, the IP addresses in ``status.addresses``
    (canonical), and its VTEP from Calico's annotations when it has one.

    ``problems``: what could not be read (an address entry, Calico's annotations) and
    was left out, reported like a policy's unreadable parts; the rest still counts.
    """

    name: str
    labels: Labels = EMPTY_LABELS
    addresses: tuple[str, ...] = ()
    vtep: Vtep | None = None
    problems: tuple[str, ...] = ()

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(Kind.NODE, "", self.name)


@dataclass(frozen=True, slots=True)
class CalicoNode:
    """A Calico Node (``projectcalico.org/v3`` or ``crd.projectcalico.org/v1``): its VTEP
    when it has one. Its labels and addresses are not read (``nodes`` peers select
    Kubernetes Nodes)."""

    name: str
    vtep: Vtep | None = None

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(Kind.CALICO_NODE, "", self.name)


@dataclass(frozen=True, slots=True)
class UnreadableNodes:
    """The Node objects of ``collection`` cannot be read (forbidden, or not served): which
    addresses are nodes' is unknown, so rules with ``nodes`` peers are enforced
    fail-closed while this stands (see ``dataplane.calc.node_peers``)."""

    collection: str

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(Kind.UNREADABLE_NODES, "", self.collection)
