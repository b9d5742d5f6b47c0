"""Tiers, Pass flattening, default actions and catch-alls, checked on the simulator."""

from __future__ import annotations

import pytest

from dataplane.compile.flatten import tag
from dataplane.model import Action, IcmpMatch, Kind, Policy, PortRange, Rule
from tests.compile.harness import (
    ICMP,
    MODES,
    TCP,
    UDP,
    SimNode,
    allow,
    deny,
    namespace,
    netset,
    pass_,
    pod,
    policy,
    side,
    tier,
)

WEB = pod("web", "10.0.0.1", app="web")
CLIENT = pod("client", "10.5.0.7", node="node-2", app="client")
SECURITY = tier("security", 10)
LAST = tier("default", 1_000_000)


@pytest.fixture(params=MODES)
def node(request: pytest.FixtureRequest) -> SimNode:
    return SimNode(set_policy=request.param)


def gp(name: str, tier_name: str, order: float = 1, **rules: list[Rule]) -> Policy:
    return policy(
        name, "app == 'web'", tier=tier_name, order=order, kind=Kind.GLOBAL_NETWORK_POLICY, **rules
    )


def test_pass_with_selector_jumps_to_the_next_tier_exactly(node: SimNode) -> None:
    node.setup(
        namespace(),
        WEB,
        CLIENT,
        SECURITY,
        LAST,
        netset("as", ("10.5.0.0/16",), role="a"),
        gp("t1", "security", ingress=[pass_(source=side(selector="role == 'a'"))]),
        gp("t2", "default", ingress=[deny(source=side(selector="app == 'client'")), allow()]),
    )
    assert not node.allowed_in(WEB, "10.5.0.7")  # passed, then denied as a client pod
    assert node.allowed_in(WEB, "10.5.0.8")  # passed, then allowed
    assert not node.allowed_in(WEB, "10.6.0.1")  # not passed: security's default deny


def test_match_all_pass_ends_the_tier(node: SimNode) -> None:
    node.setup(
        namespace(),
        WEB,
        SECURITY,
        LAST,
        gp("t1", "security", ingress=[deny(source=side(nets=("10.1.0.0/16",))), pass_()]),
        gp("t1b", "security", order=2, ingress=[deny()]),
        gp("t2", "default", ingress=[allow(protocol=TCP)]),
    )
    assert not node.allowed_in(WEB, "10.1.0.1")
    assert node.allowed_in(WEB, "10.2.0.1", protocol=TCP)
    assert not node.allowed_in(WEB, "10.2.0.1", protocol=UDP)
    unreachable = tag(str(gp("t1b", "security").key))
    assert not any(a.id.startswith(unreachable) for a in node.acls(WEB))


def test_tier_default_pass_falls_through_and_last_tier_pass_allows(node: SimNode) -> None:
    node.setup(
        namespace(),
        WEB,
        tier("security", 10, Action.PASS),
        gp("t1", "security", ingress=[deny(source=side(nets=("10.1.0.0/16",)))]),
        gp("t2", "other", ingress=[pass_(source=side(nets=("10.2.0.0/16",)))]),
        tier("other", 20),
    )
    assert not node.allowed_in(WEB, "10.1.0.1")
    assert node.allowed_in(WEB, "10.2.0.1")  # passed out of the last tier: profile allow
    assert not node.allowed_in(WEB, "10.3.0.1")  # other's default deny


def test_pass_with_ports_is_intersected_with_later_rules(node: SimNode) -> None:
    node.setup(
        namespace(),
        WEB,
        SECURITY,
        LAST,
        gp(
            "t1",
            "security",
            ingress=[
                pass_(protocol=TCP, destination=side(ports=(PortRange(80, 90),))),
                allow(protocol=TCP),
            ],
        ),
        gp(
            "t2",
            "default",
            ingress=[
                deny(protocol=TCP, destination=side(ports=(PortRange(85, 100),))),
                allow(source=side(nets=("10.2.0.0/16",))),
            ],
        ),
    )
    assert node.allowed_in(WEB, "10.2.0.1", port=80)
    assert not node.allowed_in(WEB, "10.3.0.1", port=80)  # passed, not allowed in t2
    assert not node.allowed_in(WEB, "10.2.0.1", port=86)  # passed, denied in t2
    assert node.allowed_in(WEB, "10.3.0.1", port=95)  # not passed: t1 allows TCP


def test_pass_with_icmp_type_is_approximated_fail_closed(node: SimNode) -> None:
    node.setup(
        namespace(),
        WEB,
        SECURITY,
        LAST,
        gp("t1", "security", ingress=[pass_(protocol=ICMP, icmp=IcmpMatch(8)), allow()]),
        gp("t2", "default", ingress=[deny(source=side(nets=("10.1.0.0/16",))), allow()]),
    )
    assert not node.allowed_in(WEB, "10.1.0.1", protocol=ICMP, port=0, sport=0)
    # Every ICMP packet might be an echo request that passes into t2, whose default
    # deny is then widened to all ICMP: fail-closed (t2 would allow 10.2.0.1).
    assert not node.allowed_in(WEB, "10.2.0.1", protocol=ICMP, port=0, sport=0)
    assert node.allowed_in(WEB, "10.1.0.1", protocol=TCP)
    assert node.engine.counters()["fail_closed"] == 1


def test_pass_inlining_over_the_limit_becomes_a_deny_of_its_match() -> None:
    node = SimNode(max_inlined_acls=1)
    node.setup(
        namespace(),
        WEB,
        SECURITY,
        LAST,
        gp("t1", "security", ingress=[pass_(source=side(nets=("10.2.0.0/16",))), allow()]),
        gp("t2", "default", ingress=[allow(protocol=TCP), allow(protocol=UDP)]),
    )
    assert not node.allowed_in(WEB, "10.2.0.1")
    assert node.allowed_in(WEB, "10.3.0.1")
    status = node.engine.endpoint_status(WEB.key)
    assert status is not None and any("denied instead" in n for n in status.notes)


def test_policies_in_a_tier_run_in_order_and_status_lists_them(node: SimNode) -> None:
    node.setup(
        namespace(),
        WEB,
        SECURITY,
        gp("b", "security", order=2, ingress=[allow()]),
        gp("a", "security", order=1, ingress=[deny(source=side(nets=("10.1.0.0/16",)))]),
    )
    assert not node.allowed_in(WEB, "10.1.0.1")
    assert node.allowed_in(WEB, "10.2.0.1")
    status = node.engine.endpoint_status(WEB.key)
    assert status is not None
    assert [k.name for k in status.ingress] == ["a", "b"] and status.egress == ()
    assert status.acl_count == len(node.all_acls(WEB))
