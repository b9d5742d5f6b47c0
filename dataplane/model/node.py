"""Cluster nodes: the labels and addresses that ``nodes`` peers of admin policies select,
and the VXLAN tunnel endpoint that overlay routes lead to."""

from __future__ import annotations

from dataclasses import dataclass

from dataplane.model.keys import Kind, ResourceKey
from dataplane.model.labels import EMPTY_LABELS, Labels
from dataplane.model.routes import Vtep


@dataclass(frozen=True, slots=True)
class Node:
    """A cluster node: its labels and the IP addresses in ``status.addresses`` (canonical)
    of a Kubernetes Node, and its VTEP when it has one (Kubernetes or Calico Node)."""

    name: str
    labels: Labels = EMPTY_LABELS
    addresses: tuple[str, ...] = ()
    vtep: Vtep | None = None

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(Kind.NODE, "", self.name)
