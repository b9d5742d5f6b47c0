"""Overlay routes: remote nodes' IPAM blocks in VXLAN pools, through their nodes' VTEPs."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from dataplane.calc.counters import CalcCounters
from dataplane.model import IpamBlock, IpPool, Route, Vtep

DEFAULT_VNI = 4096


@dataclass(frozen=True, slots=True)
class _Net:
    """A parsed CIDR, for containment tests without re-parsing."""

    version: int
    address: int
    length: int

    @classmethod
    def parse(cls, cidr: str) -> _Net:
        net = ipaddress.ip_network(cidr)
        return cls(net.version, int(net.network_address), net.prefixlen)

    def within(self, outer: _Net) -> bool:
        if self.version != outer.version or self.length < outer.length:
            return False
        shift = (32 if self.version == 4 else 128) - outer.length
        return self.address >> shift == outer.address >> shift


@dataclass(frozen=True, slots=True)
class RouteChanges:
    """Routes to add and to remove (a route whose VTEP changed is in both)."""

    added: frozenset[Route] = frozenset()
    removed: frozenset[Route] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)

    def then(self, later: RouteChanges) -> RouteChanges:
        """These changes followed by ``later``, netted (an add then a remove cancels)."""
        added = (self.added - later.removed) | (later.added - self.removed)
        removed = (self.removed - later.added) | (later.removed - self.added)
        return RouteChanges(frozenset(added), frozenset(removed))


class RouteResolver:
    """One route per IPAM block that is affine to another node, lies in a VXLAN pool and
    whose node has a VTEP (sans-IO, incremental).

    A block or node update re-resolves only the prefixes it touches (blocks by
    node and by prefix are indexed); a pool update re-resolves the blocks inside
    it. When several blocks share a prefix, the first by name that yields a
    route wins. ``take_changes`` hands out what changed since the last call.
    """

    def __init__(self, node_name: str, vni: int, counters: CalcCounters) -> None:
        self.node_name = node_name
        self.vni = vni
        self._counters = counters
        self._pools: dict[str, tuple[IpPool, _Net]] = {}
        self._nets: dict[str, _Net] = {}  # the parsed prefix of every block
        self._blocks: dict[str, IpamBlock] = {}
        self._blocks_by_node: dict[str, set[str]] = {}
        self._blocks_by_prefix: dict[str, set[str]] = {}
        self._vteps: dict[str, Vtep] = {}
        self._dirty: set[str] = set()
        self._routes: dict[str, Route] = {}

    # -- input ------------------------------------------------------------------

    def set_pool(self, name: str, pool: IpPool | None) -> None:
        old = self._pools.pop(name, None)
        new = (pool, _Net.parse(pool.cidr)) if pool is not None else None
        if new is not None:
            self._pools[name] = new
        if (old[0] if old else None) == pool:
            return
        nets = [entry[1] for entry in (old, new) if entry is not None]
        for prefix in self._blocks_by_prefix:
            self._counters.route_blocks_scanned += 1
            if any(self._nets[prefix].within(net) for net in nets):
                self._dirty.add(prefix)

    def set_block(self, name: str, block: IpamBlock | None) -> None:
        old = self._blocks.pop(name, None)
        if old is not None:
            _discard(self._blocks_by_node, old.node, name)
            _discard(self._blocks_by_prefix, old.cidr, name)
            if old.cidr not in self._blocks_by_prefix:
                del self._nets[old.cidr]
            self._dirty.add(old.cidr)
        if block is not None:
            self._blocks[name] = block
            self._blocks_by_node.setdefault(block.node, set()).add(name)
            self._blocks_by_prefix.setdefault(block.cidr, set()).add(name)
            if block.cidr not in self._nets:
                self._nets[block.cidr] = _Net.parse(block.cidr)
            self._dirty.add(block.cidr)

    def set_vtep(self, name: str, vtep: Vtep | None) -> None:
        """A node's VTEP in force (None: it has none)."""
        if self._vteps.get(name) == vtep:
            return
        if vtep is None:
            del self._vteps[name]
        else:
            self._vteps[name] = vtep
        self._dirty.update(self._blocks[b].cidr for b in self._blocks_by_node.get(name, ()))

    # -- output -----------------------------------------------------------------

    def take_changes(self) -> RouteChanges:
        """Routes added and removed since the last call."""
        added: set[Route] = set()
        removed: set[Route] = set()
        for prefix in self._dirty:
            self._counters.routes_resolved += 1
            new = self._resolve_prefix(prefix)
            old = self._routes.get(prefix)
            if old == new:
                continue
            if old is not None:
                removed.add(old)
                del self._routes[prefix]
            if new is not None:
                added.add(new)
                self._routes[prefix] = new
        self._dirty.clear()
        return RouteChanges(frozenset(added), frozenset(removed))

    @property
    def routes(self) -> Mapping[str, Route]:
        """Every route as of the last ``take_changes``, by prefix."""
        return MappingProxyType(self._routes)

    @property
    def has_vxlan_pool(self) -> bool:
        """Whether any IP pool uses VXLAN (what Felix's VXLAN auto-detection keys on)."""
        return any(pool.vxlan for pool, _ in self._pools.values())

    def unrouted(self) -> dict[str, str]:
        """Why each block of another node without a route has none, by block name (a
        full scan: for status and explanations, not for the hot path)."""
        reasons: dict[str, str] = {}
        for name in sorted(self._blocks):
            block = self._blocks[name]
            if block.node == self.node_name:
                continue  # local pods need no route
            reason = self._problem(block)
            if reason is None and self._routes.get(block.cidr, None) is None:
                reason = "another block with the same prefix is routed"
            elif reason is None and self._routes[block.cidr].node != block.node:
                reason = f"prefix routed to node {self._routes[block.cidr].node} by another block"
            if reason is not None:
                reasons[name] = reason
        return reasons

    def borrowed(self) -> dict[str, tuple[str, ...]]:
        """Addresses of each block allocated on another node than the block's (not
        routable on Windows: no /32 routes), as ``address (node)``, by block name."""
        return {
            name: tuple(f"{b.address} (node {b.node})" for b in block.borrowed)
            for name, block in sorted(self._blocks.items())
            if block.borrowed
        }

    # -- resolution ---------------------------------------------------------------

    def _resolve_prefix(self, prefix: str) -> Route | None:
        for name in sorted(self._blocks_by_prefix.get(prefix, ())):
            block = self._blocks[name]
            if self._problem(block) is None:
                vtep = self._vteps[block.node]
                return Route(block.cidr, block.node, vtep.provider_address, vtep.mac, self.vni)
        return None

    def _problem(self, block: IpamBlock) -> str | None:
        """Why a block gets no route, or None when it does."""
        if block.deleted:
            return "block is being deleted"
        if not block.node:
            return "block has no host affinity"
        if block.node == self.node_name:
            return "block is local to this node"
        net = self._nets[block.cidr]
        if net.version != 4:
            return "IPv6 blocks have no VXLAN route on Windows"
        pool = self._pool_of(net)
        if pool is None:
            return "block is in no IP pool"
        if not pool.vxlan:
            return f"IP pool {pool.name} does not use VXLAN"
        if block.node not in self._vteps:
            return f"node {block.node} has no VTEP (unknown node or missing VXLAN address)"
        return None

    def _pool_of(self, net: _Net) -> IpPool | None:
        """The most specific pool containing ``net`` (pools are few; ties by name)."""
        best: IpPool | None = None
        best_len = -1
        for name in sorted(self._pools):
            pool, pool_net = self._pools[name]
            if net.within(pool_net) and pool_net.length > best_len:
                best, best_len = pool, pool_net.length
        return best


def _discard(index: dict[str, set[str]], key: str, name: str) -> None:
    names = index.get(key)
    if names is not None:
        names.discard(name)
        if not names:
            del index[key]
