"""Kubernetes nodes: the labels and addresses that ``nodes`` peers of admin policies select."""

from __future__ import annotations

from dataclasses import dataclass

from dataplane.model.keys import Kind, ResourceKey
from dataplane.model.labels import EMPTY_LABELS, Labels


@dataclass(frozen=True, slots=True)
class Node:
    """A cluster node: its labels and the IP addresses in ``status.addresses`` (canonical)."""

    name: str
    labels: Labels = EMPTY_LABELS
    addresses: tuple[str, ...] = ()

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(Kind.NODE, "", self.name)
