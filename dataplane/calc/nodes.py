"""Each node's VTEP, combined from its Kubernetes Node and its Calico Node.

The two objects of one node have separate keys, so neither replaces the other in any
order; this is the one place that decides what the route resolver sees. A Calico
Node's VTEP (its spec, the record Felix reads) wins over the one in a Kubernetes Node's
Calico annotations; either stands alone when the other object is missing or has none.
"""

from __future__ import annotations

from dataplane.model import CalicoNode, Node, Vtep


class NodeVteps:
    """The VTEP recorded by each object of each node, and the one in force."""

    __slots__ = ("_calico", "_kubernetes")

    def __init__(self) -> None:
        self._kubernetes: dict[str, Vtep] = {}
        self._calico: dict[str, Vtep] = {}

    def set_kubernetes(self, name: str, node: Node | None) -> Vtep | None:
        """Record a Kubernetes Node (None: deleted); the node's VTEP in force now."""
        _store(self._kubernetes, name, node.vtep if node is not None else None)
        return self.vtep(name)

    def set_calico(self, name: str, node: CalicoNode | None) -> Vtep | None:
        """Record a Calico Node (None: deleted); the node's VTEP in force now."""
        _store(self._calico, name, node.vtep if node is not None else None)
        return self.vtep(name)

    def vtep(self, name: str) -> Vtep | None:
        """The Calico Node's VTEP, else the Kubernetes Node's, else None."""
        calico = self._calico.get(name)
        return calico if calico is not None else self._kubernetes.get(name)

    def vteps(self) -> dict[str, Vtep]:
        """Every node's VTEP in force."""
        names = self._kubernetes.keys() | self._calico.keys()
        return {name: vtep for name in names if (vtep := self.vtep(name)) is not None}


def _store(table: dict[str, Vtep], name: str, vtep: Vtep | None) -> None:
    if vtep is None:
        table.pop(name, None)
    else:
        table[name] = vtep
