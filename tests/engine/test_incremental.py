"""Incremental compiling: what a change rebuilds (counters) and that reuse never changes output."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataplane.convert import convert
from dataplane.engine import Engine, EngineConfig
from dataplane.model import (
    Action,
    Delete,
    InSync,
    Kind,
    Labels,
    Policy,
    PortRange,
    Rule,
    UnreadableNodes,
    Update,
    Upsert,
)
from dataplane.plan import NetworkSetRequest, RequestType
from dataplane.plan.requests import AclSpec, IpSetSpec
from tests.compile.harness import (
    TCP,
    UDP,
    SimNode,
    allow,
    deny,
    namespace,
    pass_,
    pod,
    policy,
    side,
    tier,
)
from tests.e2e.pipeline import apply_edits
from tests.reference.strategies import (
    HOST_ADDRESS,
    LOCAL_NODE,
    RandomCluster,
    cluster_edit,
    random_clusters,
)

WEB1 = pod("web1", "10.0.0.1", app="web", tier="front")
WEB2 = pod("web2", "10.0.0.2", app="web", tier="front")
DB = pod("db", "10.0.0.3", app="db")
CLIENT = pod("client", "10.0.1.1", node="node-2", app="client")
SECURITY = tier("security", 10)
LAST = tier("default", 1_000_000)


def gp(
    name: str,
    tier_name: str,
    ingress: list[Rule] | None = None,
    egress: list[Rule] | None = None,
) -> Policy:
    return policy(
        name, "app == 'web'", ingress, egress, tier=tier_name, kind=Kind.GLOBAL_NETWORK_POLICY
    )


BLOCKLIST = gp(
    "blocklist", "security", ingress=[deny(source=side(nets=("10.66.0.0/16",))), pass_()]
)
DNS = gp("dns", "default", egress=[allow(protocol=UDP, destination=side(nets=("10.96.0.10/32",)))])
FRONT = policy("front", "tier == 'front'", ingress=[allow(source=side(nets=("10.9.0.0/16",)))])
MULTI = policy(
    "multi",
    "app == 'web'",
    ingress=[
        allow(protocol=TCP, source=side(selector="app == 'client'")),
        allow(protocol=TCP, source=side(nets=("10.7.0.0/16",))),
        deny(source=side(nets=("10.8.0.0/16",))),
    ],
)
CLUSTER = (namespace(), WEB1, WEB2, DB, CLIENT, SECURITY, LAST, BLOCKLIST, DNS, FRONT, MULTI)
COUNTED = (
    "policy_renders",
    "rules_rendered",
    "rules_resolved",
    "endpoint_compiles",
    "segments_rebuilt",
)


def costs(node: SimNode, *updates: Update | object) -> dict[str, int]:
    """Counter increments for programming ``updates``."""
    before = node.engine.counters()
    node.apply(*updates)
    node.sync()
    after = node.engine.counters()
    return {name: after[name] - before[name] for name in COUNTED}


def edit_rule(base: Policy, index: int, rule: Rule) -> Policy:
    rules = list(base.ingress)
    rules[index] = rule
    return dataclasses.replace(base, ingress=tuple(rules))


@pytest.mark.parametrize("set_policy", [True, False], ids=["setpolicy", "inline"])
def test_one_rule_edit_rebuilds_one_segment_per_endpoint(set_policy: bool) -> None:
    node = SimNode(set_policy=set_policy)
    node.setup(*CLUSTER)
    before = {ep.key: node.acls(ep) for ep in (WEB1, WEB2, DB)}
    edited = edit_rule(MULTI, 1, allow(protocol=TCP, source=side(nets=("10.17.0.0/16",))))
    assert costs(node, edited) == {
        "policy_renders": 1,
        "rules_rendered": 1,
        "rules_resolved": 2,
        "endpoint_compiles": 2,
        "segments_rebuilt": 2,
    }
    assert node.acls(DB) == before[DB.key]
    for ep in (WEB1, WEB2):
        after = node.acls(ep)
        assert [a.remote_addresses for a in before[ep.key] if a not in after] == ["10.7.0.0/16"]
        assert [a.remote_addresses for a in after if a not in before[ep.key]] == ["10.17.0.0/16"]
        assert node.allowed_in(ep, "10.17.0.5") and not node.allowed_in(ep, "10.7.0.5")


def test_a_policy_applying_again_is_not_rendered_again() -> None:
    node = SimNode(set_policy=True)
    node.setup(namespace(), WEB1, CLIENT, FRONT, MULTI)
    before = node.acls(WEB1)
    away = dataclasses.replace(WEB1, labels=Labels({"app": "web"}))
    assert costs(node, away)["policy_renders"] == 0
    assert not node.allowed_in(WEB1, "10.9.0.5")
    back = costs(node, WEB1)
    assert back["policy_renders"] == back["rules_rendered"] == back["rules_resolved"] == 0
    assert back["segments_rebuilt"] == 1  # front's rules, at the priority it had
    assert node.acls(WEB1) == before


def test_a_policy_applying_again_resolves_rules_reading_labels_that_changed_meanwhile() -> None:
    to_blue = allow(protocol=TCP, destination=side(selector="color == 'blue'"))
    front = policy("front", "tier == 'front'", ingress=[allow(protocol=UDP), to_blue])
    node = SimNode(set_policy=True)
    node.setup(namespace(), WEB1, CLIENT, front, MULTI)
    assert not node.allowed_in(WEB1, "10.33.0.1", protocol=TCP)
    costs(node, dataclasses.replace(WEB1, labels=Labels({"app": "web"})))  # multi stays
    blue_again = dataclasses.replace(WEB1, labels=Labels({**WEB1.labels, "color": "blue"}))
    back = costs(node, blue_again)
    assert back["rules_resolved"] == 2  # set aside when it left, dropped when labels changed
    assert node.allowed_in(WEB1, "10.33.0.1", protocol=TCP)
    assert node.allowed_in(WEB1, "10.33.0.1", protocol=UDP)


def test_a_label_no_rule_reads_rebuilds_nothing() -> None:
    node = SimNode(set_policy=True)
    node.setup(*CLUSTER)
    before = node.acls(WEB1)
    recoloured = dataclasses.replace(WEB1, labels=Labels({**WEB1.labels, "color": "blue"}))
    spent = costs(node, recoloured)
    assert spent["rules_resolved"] == spent["segments_rebuilt"] == spent["policy_renders"] == 0
    assert node.acls(WEB1) == before


def test_a_label_change_resolves_again_only_the_rules_with_a_local_selector() -> None:
    to_blue = allow(protocol=TCP, destination=side(selector="color == 'blue'"))
    local = policy("local", "app == 'web'", ingress=[allow(protocol=UDP), to_blue])
    node = SimNode(set_policy=True)
    node.setup(*CLUSTER, local)
    assert not node.allowed_in(WEB1, "10.33.0.1", protocol=TCP)
    blue = dataclasses.replace(WEB1, labels=Labels({**WEB1.labels, "color": "blue"}))
    spent = costs(node, blue)
    assert spent["rules_resolved"] == 1
    assert spent["segments_rebuilt"] == 1
    assert node.allowed_in(WEB1, "10.33.0.1", protocol=TCP)


def test_an_edit_behind_an_inlined_pass_rebuilds_the_inlined_copy_too() -> None:
    gate = gp(
        "gate",
        "security",
        ingress=[
            pass_(source=side(nets=("10.5.0.0/16",))),
            deny(source=side(nets=("10.6.0.0/16",))),
        ],
    )
    port_80 = allow(protocol=TCP, destination=side(ports=(PortRange(80, 80),)))
    later = gp("later", "default", ingress=[port_80])
    node = SimNode(set_policy=True)
    node.setup(namespace(), WEB1, tier("security", 10, Action.PASS), LAST, gate, later)
    assert node.allowed_in(WEB1, "10.5.0.1", port=80)
    port_8080 = allow(protocol=TCP, destination=side(ports=(PortRange(8080, 8080),)))
    spent = costs(node, edit_rule(later, 0, port_8080))
    assert spent["segments_rebuilt"] == 2  # later's own rules and their copy under the Pass
    assert node.allowed_in(WEB1, "10.5.0.1", port=8080)
    assert not node.allowed_in(WEB1, "10.5.0.1", port=80)
    assert not node.allowed_in(WEB1, "10.6.0.1", port=8080)
    assert node.allowed_in(WEB1, "10.7.0.1", port=8080)


def test_inline_membership_change_rebuilds_only_the_segments_using_the_set() -> None:
    node = SimNode(set_policy=False)
    node.setup(*CLUSTER)
    joining = pod("client2", "10.0.1.2", node="node-2", app="client")
    spent = costs(node, joining)
    assert spent["endpoint_compiles"] == 2  # web1, web2 (multi reads app == 'client')
    assert spent["segments_rebuilt"] == 2
    assert node.allowed_in(WEB1, "10.0.1.2") and node.allowed_in(WEB2, "10.0.1.2")


# -- reuse never changes what is programmed ---------------------------------------------


def _normalized(acls: Iterable[AclSpec]) -> list[tuple[object, ...]]:
    """ACLs with priorities as ranks per direction and ids without their priority hash:
    a fresh engine may place blocks elsewhere, never in another order."""
    ranks = {
        direction: {
            p: n
            for n, p in enumerate(sorted({a.priority for a in acls if a.direction == direction}))
        }
        for direction in ("In", "Out")
    }
    return sorted(
        (
            a.id.rsplit("-", 1)[0],
            ranks[a.direction][a.priority],
            *dataclasses.astuple(dataclasses.replace(a, id="", priority=0)),
        )
        for a in acls
    )


class Programmed:
    """An engine with every request acknowledged, and the sets it asked for."""

    def __init__(self, config: EngineConfig, updates: Iterable[Update]) -> None:
        self.engine = Engine(LOCAL_NODE, config)
        self.sets: dict[str, IpSetSpec] = {}
        self.step(updates)

    def step(self, updates: Iterable[Update]) -> None:
        self.engine.apply(updates)
        for stage in self.engine.plan().stages:
            for request in stage:
                if isinstance(request, NetworkSetRequest):
                    for spec in request.sets:
                        if request.request_type is RequestType.REMOVE:
                            del self.sets[spec.id]
                        else:
                            self.sets[spec.id] = spec
                self.engine.acknowledge(request, True)

    def state(self) -> tuple[Mapping[str, object], Mapping[str, IpSetSpec]]:
        endpoints = {
            str(key): (
                _normalized(self.engine.planner.desired(key).values()),
                self.engine.endpoint_status(key),
            )
            for key in self.engine.local_endpoints()
        }
        return endpoints, self.sets


CONFIGS = {
    "setpolicy": EngineConfig(set_policy=True, host_addresses=(HOST_ADDRESS,)),
    "inline": EngineConfig(
        set_policy=False, host_addresses=(HOST_ADDRESS,), max_addresses_per_acl=3
    ),
    "v4-small-inline": EngineConfig(set_policy=True, ipv6=False, max_inlined_acls=4),
}


@pytest.mark.parametrize("config", list(CONFIGS), ids=list(CONFIGS))
@settings(max_examples=max(10, settings().max_examples // 2))
@given(cluster=random_clusters(), data=st.data())
def test_incremental_output_equals_a_fresh_compile(
    cluster: RandomCluster, data: st.DataObject, config: str
) -> None:
    manifests = list(cluster.manifests)
    incremental = Programmed(CONFIGS[config], [*(convert(m) for m in manifests), InSync()])
    for number in range(data.draw(st.integers(1, 4), label="steps")):
        manifests, updates = apply_edits(
            manifests, data.draw(cluster_edit(manifests), label=f"edit {number}")
        )
        incremental.step(updates)
        fresh = Programmed(CONFIGS[config], [*(convert(m) for m in manifests), InSync()])
        assert incremental.state() == fresh.state(), f"after edit {number}"


@settings(max_examples=max(10, settings().max_examples // 2))
@given(cluster=random_clusters(calico=False), data=st.data())
def test_nodes_readability_changes_equal_a_fresh_compile(
    cluster: RandomCluster, data: st.DataObject
) -> None:
    """Edits interleaved with the Nodes becoming unreadable and readable again: the
    incremental output equals a fresh compile of the same manifests, with the marker
    when it stands."""
    marker = UnreadableNodes("nodes")
    config = CONFIGS["setpolicy"]
    manifests = list(cluster.manifests)
    unreadable = data.draw(st.booleans(), label="unreadable at start")
    start: list[Update] = [Upsert(marker)] if unreadable else []
    incremental = Programmed(config, [*start, *(convert(m) for m in manifests), InSync()])
    for number in range(data.draw(st.integers(1, 4), label="steps")):
        if data.draw(st.booleans(), label=f"toggle {number}"):
            unreadable = not unreadable
            updates: list[Update] = [Upsert(marker) if unreadable else Delete(marker.key)]
        else:
            edits = data.draw(cluster_edit(manifests), label=f"edit {number}")
            manifests, updates = apply_edits(manifests, edits)
        incremental.step(updates)
        now: list[Update] = [Upsert(marker)] if unreadable else []
        fresh = Programmed(config, [*now, *(convert(m) for m in manifests), InSync()])
        assert incremental.state() == fresh.state(), f"after step {number}"


def test_a_set_both_selected_and_excluded_is_released_once_when_the_pod_goes() -> None:
    # selector: all() with notSelector: all() reads the same calc-graph set twice.
    rule = allow(protocol=TCP, source=side(selector="all()", not_selector="all()"))
    gnp = policy("g", "all()", ingress=[rule], kind=Kind.GLOBAL_NETWORK_POLICY)
    web = pod("web", "10.0.0.1", app="web")
    node = SimNode()
    node.setup(namespace(), web, gnp)
    assert not node.allowed_in(web, "10.0.9.9"), "nothing is outside all()"
    node.apply(Delete(web.key))
    node.sync()
    assert node.engine.graph.ipsets.active() == frozenset(), "the policy's set went with it"
