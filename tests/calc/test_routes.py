"""The route resolver: unit cases, and incremental routes equal to a from-scratch computation."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from dataplane.calc import CalcGraph, IpSetKey
from dataplane.model import (
    Action,
    CalicoNode,
    Delete,
    Direction,
    EntityMatch,
    IpamBlock,
    IpPool,
    Kind,
    Labels,
    Node,
    Policy,
    Resource,
    ResourceKey,
    Route,
    Rule,
    Upsert,
    Vtep,
    VxlanMode,
    WorkloadEndpoint,
)
from dataplane.selector import ALL, parse

LOCAL = "local"
VNI = 4096
VTEP_A = Vtep("172.16.0.1", "10.244.9.0", "00-15-5D-00-00-01")
VTEP_B = Vtep("172.16.0.2", "10.244.9.64", "00-15-5D-00-00-02")


def _routes_after(*updates: Upsert | Delete) -> dict[str, Route]:
    graph = CalcGraph(LOCAL)
    graph.apply_all(updates)
    graph.flush()
    return dict(graph.routes.routes)


def test_one_route_per_remote_block_with_a_vtep() -> None:
    routes = _routes_after(
        Upsert(IpPool("pool", "10.244.0.0/16", VxlanMode.ALWAYS)),
        Upsert(Node("b", vtep=VTEP_B)),
        Upsert(Node(LOCAL, vtep=VTEP_A)),
        Upsert(IpamBlock("blk-b", "10.244.3.0/26", "b")),
        Upsert(IpamBlock("blk-local", "10.244.4.0/26", LOCAL)),
        Upsert(IpamBlock("blk-none", "10.244.5.0/26", "")),
        Upsert(IpamBlock("blk-gone", "10.244.6.0/26", "c")),
        Upsert(IpamBlock("blk-deleted", "10.244.7.0/26", "b", deleted=True)),
        Upsert(IpamBlock("blk-outside", "10.9.0.0/26", "b")),
    )
    assert routes == {
        "10.244.3.0/26": Route("10.244.3.0/26", "b", "172.16.0.2", "00-15-5D-00-00-02", VNI)
    }


def test_non_vxlan_pool_and_reasons() -> None:
    graph = CalcGraph(LOCAL)
    graph.apply_all(
        [
            Upsert(IpPool("pool", "10.244.0.0/16", VxlanMode.NEVER)),
            Upsert(Node("b", vtep=VTEP_B)),
            Upsert(IpamBlock("blk-b", "10.244.3.0/26", "b")),
            Upsert(IpamBlock("blk-c", "10.244.4.0/26", "c")),
        ]
    )
    delta = graph.flush()
    assert not delta.routes_added and not graph.routes.routes
    assert graph.routes.unrouted() == {
        "blk-b": "IP pool pool does not use VXLAN",
        "blk-c": "IP pool pool does not use VXLAN",
    }
    graph.apply(Upsert(IpPool("pool", "10.244.0.0/16", VxlanMode.CROSS_SUBNET)))
    delta = graph.flush()
    assert {r.prefix for r in delta.routes_added} == {"10.244.3.0/26"}
    assert graph.routes.unrouted() == {
        "blk-c": "node c has no VTEP (unknown node or missing VXLAN address)"
    }


def test_vtep_change_replaces_the_route_and_node_delete_removes_it() -> None:
    graph = CalcGraph(LOCAL)
    graph.apply_all(
        [
            Upsert(IpPool("pool", "10.244.0.0/16", VxlanMode.ALWAYS)),
            Upsert(Node("b", vtep=VTEP_A)),
            Upsert(IpamBlock("blk", "10.244.3.0/26", "b")),
        ]
    )
    (first,) = graph.flush().routes_added
    graph.apply(Upsert(Node("b", vtep=VTEP_B)))
    delta = graph.flush()
    assert delta.routes_removed == {first}
    (second,) = delta.routes_added
    assert second.provider_address == VTEP_B.provider_address
    graph.apply(Delete(ResourceKey(Node("b").key.kind, "", "b")))
    delta = graph.flush()
    assert delta.routes_removed == {second} and not delta.routes_added
    assert not graph.flush()


def test_borrowed_addresses_are_reported_not_routed() -> None:
    from dataplane.model import BorrowedAddress

    graph = CalcGraph(LOCAL)
    block = IpamBlock("blk", "10.244.3.0/26", "b", borrowed=(BorrowedAddress("10.244.3.7", "c"),))
    graph.apply(Upsert(block))
    graph.flush()
    assert graph.routes.borrowed() == {"blk": ("10.244.3.7 (node c)",)}


def test_node_event_cost_follows_its_blocks() -> None:
    graph = CalcGraph(LOCAL)
    graph.apply(Upsert(IpPool("pool", "10.0.0.0/8", VxlanMode.ALWAYS)))
    for n in range(50):
        graph.apply(Upsert(Node(f"n{n}", vtep=VTEP_A)))
        for b in range(4):
            graph.apply(Upsert(IpamBlock(f"n{n}-{b}", f"10.{n}.{b}.0/26", f"n{n}")))
    graph.flush()
    before = graph.counters.routes_resolved
    graph.apply(Upsert(Node("n7", vtep=VTEP_B)))
    delta = graph.flush()
    assert graph.counters.routes_resolved - before == 4
    assert len(delta.routes_added) == len(delta.routes_removed) == 4


# -- the property: any sequence, any order, equals a from-scratch computation --------------

POOLS = [
    IpPool(name, cidr, mode)
    for name, cidr in (("p0", "10.0.0.0/8"), ("p1", "10.1.0.0/16"), ("p1", "fd00::/48"))
    for mode in (VxlanMode.ALWAYS, VxlanMode.CROSS_SUBNET, VxlanMode.NEVER)
] + [IpPool("p0", "10.0.0.0/8", VxlanMode.ALWAYS, routed=False)]
BLOCKS = [
    IpamBlock(name, cidr, node, deleted)
    for name, cidr in (
        ("b0", "10.1.0.0/26"),
        ("b1", "10.1.0.64/26"),
        ("b1", "10.1.0.0/26"),
        ("b2", "10.2.0.0/26"),
        ("b3", "fd00::/122"),
    )
    for node in ("", LOCAL, "n1", "n2", "n1", "n2", "ghost")
    for deleted in (False, False, False, True)
]
NODES = [
    node(name, vtep=vtep)
    for node in (Node, CalicoNode)
    for name in (LOCAL, "n1", "n2")
    for vtep in (None, VTEP_A, VTEP_B, VTEP_A)
]
resources = st.sampled_from(POOLS) | st.sampled_from(BLOCKS) | st.sampled_from(NODES)
ops = st.one_of(
    resources.map(Upsert),
    resources.map(Upsert),
    resources.map(lambda r: Delete(r.key)),
    st.just("flush"),
)


def _reference(objects: dict[ResourceKey, Resource]) -> dict[str, Route]:
    """Routes from the objects by the rules, written plainly (no resolver code)."""
    pool_list = [o for o in objects.values() if isinstance(o, IpPool)]
    # A Calico Node's VTEP wins over the one a Kubernetes Node's annotations record.
    vteps = {o.name: o.vtep for o in objects.values() if isinstance(o, Node) and o.vtep}
    vteps |= {o.name: o.vtep for o in objects.values() if isinstance(o, CalicoNode) and o.vtep}
    routes: dict[str, Route] = {}
    for block in sorted(
        (o for o in objects.values() if isinstance(o, IpamBlock)), key=lambda b: b.name
    ):
        net = ipaddress.ip_network(block.cidr)
        if block.deleted or block.node in ("", LOCAL) or net.version != 4:
            continue
        containing = [
            p
            for p in pool_list
            if ipaddress.ip_network(p.cidr).version == 4
            and net.subnet_of(ipaddress.ip_network(p.cidr))  # type: ignore[arg-type]
        ]
        if not containing:
            continue
        pool = min(containing, key=lambda p: (-ipaddress.ip_network(p.cidr).prefixlen, p.name))
        if pool.vxlan_mode is VxlanMode.NEVER or not pool.routed or block.node not in vteps:
            continue
        vtep = vteps[block.node]
        routes.setdefault(
            block.cidr, Route(block.cidr, block.node, vtep.provider_address, vtep.mac, VNI)
        )
    return routes


@settings(max_examples=500, deadline=None)
@given(st.lists(ops, min_size=8, max_size=60))
def test_programmed_routes_equal_a_from_scratch_computation(sequence: list) -> None:
    graph = CalcGraph(LOCAL)
    objects: dict[ResourceKey, Resource] = {}
    programmed: set[Route] = set()

    def flush() -> None:
        delta = graph.flush()
        assert delta.routes_removed <= programmed, "removing a route never added"
        assert not (delta.routes_added & programmed), "adding a route twice"
        programmed.difference_update(delta.routes_removed)
        programmed.update(delta.routes_added)
        assert {r.prefix: r for r in programmed} == _reference(objects)
        assert len({r.prefix for r in programmed}) == len(programmed)

    for op in sequence:
        if op == "flush":
            flush()
        elif isinstance(op, Upsert):
            objects[op.key] = op.value
            graph.apply(op)
        else:
            objects.pop(op.key, None)
            graph.apply(op)
    flush()
    assert not graph.flush()


def test_one_node_update_feeds_both_its_route_and_the_nodes_peer_sets() -> None:
    """A Node is a route target (its VTEP) and a ``nodes`` peer (labels, addresses):
    an upsert or delete reaches both."""
    infra = parse("role == 'infra'")
    anchor = WorkloadEndpoint("ns", "anchor", LOCAL, ("10.244.4.2",), Labels({"app": "a"}))
    to_nodes = Rule(Action.DENY, destination=EntityMatch(node_selector=infra))
    reader = Policy(
        Kind.GLOBAL_NETWORK_POLICY,
        "",
        "to-nodes",
        ALL,
        frozenset({Direction.EGRESS}),
        egress=(to_nodes,),
    )
    node = Node("b", Labels({"role": "infra"}), ("172.16.0.2",), vtep=VTEP_B)
    nodes_set = IpSetKey(infra, nodes=True)
    graph = CalcGraph(LOCAL)
    graph.apply_all(
        [
            Upsert(IpPool("pool", "10.244.0.0/16", VxlanMode.ALWAYS)),
            Upsert(IpamBlock("blk-b", "10.244.3.0/26", "b")),
            Upsert(anchor),
            Upsert(reader),
            Upsert(node),
        ]
    )
    graph.flush()
    assert set(graph.routes.routes) == {"10.244.3.0/26"}
    assert graph.ipsets.members(nodes_set) == frozenset({"172.16.0.2/32"})
    graph.apply(Delete(node.key))
    graph.flush()
    assert graph.routes.routes == {}
    assert graph.ipsets.members(nodes_set) == frozenset()
