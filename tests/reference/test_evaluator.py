"""The reference evaluator against hand-written expectations from SEMANTICS.md."""

from __future__ import annotations

from dataplane.model import (
    Action,
    Delete,
    Direction,
    EntityMatch,
    IcmpMatch,
    Kind,
    Labels,
    NamedPort,
    NamedPortRef,
    Namespace,
    NetworkSet,
    Policy,
    PortRange,
    Protocol,
    Rule,
    ServiceAccount,
    Tier,
    Upsert,
    WorkloadEndpoint,
)
from dataplane.selector import parse
from tests.reference import Cluster, allowed, verdict

TCP, UDP, ICMP = Protocol.TCP, Protocol.UDP, Protocol.ICMP
IN, OUT = Direction.INGRESS, Direction.EGRESS
ALLOW, DENY, PASS, LOG = Action.ALLOW, Action.DENY, Action.PASS, Action.LOG


def pod(
    ns: str,
    name: str,
    ip: str,
    *,
    ports: tuple[NamedPort, ...] = (),
    sa: str = "",
    **labels: str,
) -> WorkloadEndpoint:
    return WorkloadEndpoint(ns, name, "n1", (ip,), Labels(labels), ports, sa)


def namespace(name: str, **labels: str) -> Namespace:
    return Namespace(name, Labels(labels))


def k8s(
    ns: str,
    name: str,
    selector: str = "all()",
    *,
    ingress: tuple[Rule, ...] | None = None,
    egress: tuple[Rule, ...] | None = None,
) -> Policy:
    types = {IN} if ingress is not None else set()
    if egress is not None:
        types.add(OUT)
    return Policy(
        Kind.K8S_NETWORK_POLICY,
        ns,
        name,
        parse(selector),
        frozenset(types),
        ingress or (),
        egress or (),
        order=1000.0,
    )


def calico(
    ns: str,
    name: str,
    selector: str = "all()",
    *,
    ingress: tuple[Rule, ...] | None = None,
    egress: tuple[Rule, ...] | None = None,
    tier: str = "default",
    order: float | None = None,
    namespace_selector: str | None = None,
) -> Policy:
    types = {IN} if ingress is not None else set()
    if egress is not None:
        types.add(OUT)
    kind = Kind.NETWORK_POLICY if ns else Kind.GLOBAL_NETWORK_POLICY
    return Policy(
        kind,
        ns,
        name,
        parse(selector),
        frozenset(types),
        ingress or (),
        egress or (),
        tier=tier,
        order=order,
        namespace_selector=parse(namespace_selector) if namespace_selector else None,
    )


def side(**fields: object) -> EntityMatch:
    for key in ("selector", "not_selector", "namespace_selector", "service_account_selector"):
        if isinstance(fields.get(key), str):
            fields[key] = parse(str(fields[key]))
    return EntityMatch(**fields)  # type: ignore[arg-type]


X, Y = namespace("x", env="prod"), namespace("y", env="dev")
XA = pod("x", "a", "10.0.0.1", app="a")
XB = pod("x", "b", "10.0.0.2", app="b")
YA = pod("y", "a", "10.0.1.1", app="a")
BASE = (X, Y, XA, XB, YA)


def cluster(*extra: object, hosts: tuple[str, ...] = ()) -> Cluster:
    return Cluster.of([*BASE, *extra], hosts)  # type: ignore[list-item]


def test_no_policy_allows_everything() -> None:
    c = cluster()
    assert allowed(c, XA, XB, TCP, 80)
    assert allowed(c, XA, "8.8.8.8", UDP, 53)
    assert verdict(c, IN, XA, "8.8.8.8", TCP, 80).reason == "no policy"


def test_isolation_is_per_direction() -> None:
    c = cluster(k8s("x", "deny-in", "app == 'a'", ingress=()))
    assert not verdict(c, IN, XA, XB, TCP, 80).allowed
    assert verdict(c, OUT, XA, XB, TCP, 80).allowed
    assert verdict(c, IN, XB, XA, TCP, 80).allowed
    assert not allowed(c, XB, XA, TCP, 80)
    assert allowed(c, XA, XB, TCP, 80)


def test_policies_union_their_allows() -> None:
    from_b = Rule(ALLOW, source=side(selector="app == 'b'"))
    tcp80 = Rule(ALLOW, protocol=TCP, destination=side(ports=(PortRange(80, 80),)))
    c = cluster(k8s("x", "p1", "app == 'a'", ingress=(from_b,)), k8s("x", "p2", ingress=(tcp80,)))
    assert allowed(c, XB, XA, UDP, 53)
    assert allowed(c, YA, XA, TCP, 80)
    assert not allowed(c, YA, XA, TCP, 81)


def test_pod_selector_is_limited_to_the_policy_namespace() -> None:
    from_app_a = Rule(ALLOW, source=side(selector="app == 'a'"))
    c = cluster(k8s("x", "p", "app == 'b'", ingress=(from_app_a,)))
    assert allowed(c, XA, XB, TCP, 80)
    assert not allowed(c, YA, XB, TCP, 80)


def test_namespace_selector_alone_and_with_pod_selector() -> None:
    from_dev = Rule(ALLOW, source=side(namespace_selector="env == 'dev'"))
    c = cluster(k8s("x", "p", "app == 'b'", ingress=(from_dev,)))
    assert allowed(c, YA, XB, TCP, 80)
    assert not allowed(c, XA, XB, TCP, 80)
    both = Rule(ALLOW, source=side(namespace_selector="env == 'dev'", selector="app == 'b'"))
    c = cluster(k8s("x", "p", "app == 'b'", ingress=(both,)))
    assert not allowed(c, YA, XB, TCP, 80)


def test_ip_block_with_except_matches_pod_addresses() -> None:
    block = Rule(ALLOW, source=side(nets=("10.0.0.0/16",), not_nets=("10.0.1.0/24",)))
    c = cluster(k8s("x", "p", "app == 'a'", ingress=(block,)))
    assert allowed(c, XB, XA, TCP, 80)
    assert not allowed(c, YA, XA, TCP, 80)
    assert allowed(c, "10.0.5.5", XA, TCP, 80)
    assert not allowed(c, "192.168.0.1", XA, TCP, 80)


def test_named_port_resolves_against_each_destination() -> None:
    web1 = pod("x", "w1", "10.0.0.11", ports=(NamedPort("http", TCP, 80),), app="w")
    web2 = pod("x", "w2", "10.0.0.12", ports=(NamedPort("http", TCP, 8080),), app="w")
    bare = pod("x", "w3", "10.0.0.13", app="w")
    to_http = Rule(ALLOW, protocol=TCP, destination=side(ports=(NamedPortRef("http"),)))
    c = cluster(web1, web2, bare, k8s("x", "in", "app == 'w'", ingress=(to_http,)))
    assert allowed(c, XA, web1, TCP, 80)
    assert not allowed(c, XA, web1, TCP, 8080)
    assert allowed(c, XA, web2, TCP, 8080)
    assert not allowed(c, XA, web2, TCP, 80)
    assert not allowed(c, XA, bare, TCP, 80)
    egress = cluster(web1, k8s("x", "out", "app == 'a'", egress=(to_http,)))
    assert allowed(egress, XA, web1, TCP, 80)
    assert not allowed(egress, XA, "10.9.9.9", TCP, 80)


def test_named_port_requires_matching_protocol() -> None:
    dns = pod("x", "dns", "10.0.0.53", ports=(NamedPort("dns", UDP, 53),))
    rule = Rule(ALLOW, protocol=TCP, destination=side(ports=(NamedPortRef("dns"),)))
    c = cluster(dns, k8s("x", "p", ingress=(rule,)))
    assert not allowed(c, XA, dns, TCP, 53)


def test_port_ranges_are_inclusive() -> None:
    rule = Rule(ALLOW, protocol=TCP, destination=side(ports=(PortRange(80, 90),)))
    c = cluster(k8s("x", "p", "app == 'a'", ingress=(rule,)))
    assert allowed(c, XB, XA, TCP, 80) and allowed(c, XB, XA, TCP, 90)
    assert not allowed(c, XB, XA, TCP, 91)
    assert not allowed(c, XB, XA, UDP, 85)


def test_deny_before_allow_by_order_and_log_continues() -> None:
    deny = calico("x", "deny", ingress=(Rule(LOG), Rule(DENY, protocol=TCP)), order=10)
    allow = calico("x", "allow", ingress=(Rule(ALLOW),), order=20)
    c = cluster(deny, allow)
    assert not allowed(c, XB, XA, TCP, 80)
    assert allowed(c, XB, XA, UDP, 53)
    reordered = cluster(calico("x", "deny", ingress=(Rule(DENY, protocol=TCP),), order=30), allow)
    assert allowed(reordered, XB, XA, TCP, 80)


def test_missing_order_sorts_last_and_ties_break_by_name() -> None:
    first = calico("x", "aaa", ingress=(Rule(DENY),), order=None)
    second = calico("x", "bbb", ingress=(Rule(ALLOW),), order=5)
    assert allowed(cluster(first, second), XB, XA, TCP, 80)
    a = calico("x", "aaa", ingress=(Rule(DENY),), order=5)
    assert not allowed(cluster(a, second), XB, XA, TCP, 80)


def test_tier_default_deny_and_pass() -> None:
    tier = Tier("security", order=10)
    guard = calico("", "security.guard", ingress=(Rule(PASS, protocol=TCP),), tier="security")
    c = cluster(tier, guard)
    assert allowed(c, XB, XA, TCP, 80)
    udp = verdict(c, IN, XA, XB, UDP, 53)
    assert not udp.allowed and "default deny" in udp.reason
    passing = cluster(Tier("security", order=10, default_action=PASS), guard)
    assert allowed(passing, XB, XA, UDP, 53)


def test_pass_jumps_to_the_next_tier_in_order() -> None:
    early = Tier("early", order=1)
    late = Tier("late", order=2)
    pass_all = calico("", "early.p", ingress=(Rule(PASS),), tier="early")
    deny_tcp = calico("", "late.d", ingress=(Rule(DENY, protocol=TCP),), tier="late")
    k8s_allow = k8s("x", "allow", ingress=(Rule(ALLOW),))
    c = cluster(early, late, pass_all, deny_tcp, k8s_allow)
    assert not allowed(c, XB, XA, TCP, 80)
    udp = verdict(c, IN, XA, XB, UDP, 53)
    assert not udp.allowed and udp.reason == "tier late: default deny"
    swapped = cluster(Tier("early", order=3), late, pass_all, deny_tcp)
    assert not allowed(swapped, XB, XA, TCP, 80)


def test_pass_out_of_last_tier_falls_to_profile_allow() -> None:
    c = cluster(calico("x", "p", ingress=(Rule(PASS),)))
    assert verdict(c, IN, XA, XB, TCP, 80).reason == "passed to profile"
    assert allowed(c, XB, XA, TCP, 80)


def test_not_selector_in_namespaced_policy_stays_in_namespace() -> None:
    rule = Rule(ALLOW, source=side(not_selector="app == 'b'"))
    c = cluster(calico("x", "p", ingress=(rule,)))
    assert not allowed(c, XB, XA, TCP, 80)
    assert not allowed(c, YA, XB, TCP, 80)
    assert allowed(c, XA, XB, TCP, 80)
    assert not allowed(c, "192.168.1.1", XA, TCP, 80)


def test_not_selector_in_global_policy_is_a_negation() -> None:
    rule = Rule(ALLOW, source=side(not_selector="app == 'b'"))
    c = cluster(calico("", "p", ingress=(rule,)))
    assert allowed(c, YA, XA, TCP, 80)
    assert allowed(c, "192.168.1.1", XA, TCP, 80)
    assert not allowed(c, XB, XA, TCP, 80)


def test_not_selector_excludes_addresses_any_matching_set_holds() -> None:
    blocked = NetworkSet("", "blocked", ("10.0.0.0/24",), Labels({"app": "b"}))
    rule = Rule(ALLOW, source=side(selector="has(app)", not_selector="app == 'b'"))
    c = cluster(blocked, calico("", "p", "app == 'b'", ingress=(rule,)))
    assert not allowed(c, XA, XB, TCP, 80)
    assert allowed(c, YA, XB, TCP, 80)


def test_selectors_match_network_sets_and_namespace_scoping() -> None:
    ext = NetworkSet("", "ext", ("192.168.0.0/16",), Labels({"role": "ext"}))
    local = NetworkSet("x", "near", ("172.16.0.0/12",), Labels({"role": "ext"}))
    rule = Rule(ALLOW, source=side(selector="role == 'ext'"))
    c_global = cluster(ext, local, calico("", "p", ingress=(rule,)))
    assert allowed(c_global, "192.168.3.3", XA, TCP, 80)
    assert allowed(c_global, "172.16.3.3", XA, TCP, 80)
    c_ns = cluster(ext, local, calico("y", "p", ingress=(rule,)))
    assert not allowed(c_ns, "192.168.3.3", YA, TCP, 80)
    assert not allowed(c_ns, "172.16.3.3", YA, TCP, 80)
    c_x = cluster(ext, local, calico("x", "p", ingress=(rule,)))
    assert allowed(c_x, "172.16.3.3", XA, TCP, 80)
    global_only = Rule(ALLOW, source=side(namespace_selector="global()"))
    c_g = cluster(ext, local, calico("x", "g", ingress=(global_only,)))
    assert allowed(c_g, "192.168.3.3", XA, TCP, 80)
    assert not allowed(c_g, "172.16.3.3", XA, TCP, 80)
    assert not allowed(c_g, XB, XA, TCP, 80)


def test_not_ports_not_protocol_and_ip_version() -> None:
    not80 = Rule(ALLOW, protocol=TCP, destination=side(not_ports=(PortRange(80, 80),)))
    c = cluster(calico("x", "p", "app == 'a'", ingress=(not80,)))
    assert not allowed(c, XB, XA, TCP, 80)
    assert allowed(c, XB, XA, TCP, 81)
    assert not allowed(c, XB, XA, UDP, 81)
    not_udp = Rule(ALLOW, not_protocol=UDP)
    c = cluster(calico("x", "p", "app == 'a'", ingress=(not_udp,)))
    assert allowed(c, XB, XA, TCP, 53) and not allowed(c, XB, XA, UDP, 53)
    v6 = pod("x", "v6", "fd00::1", app="a")
    only6 = Rule(ALLOW, ip_version=6)
    c = cluster(v6, calico("x", "p", "app == 'a'", ingress=(only6,)))
    assert allowed(c, "fd00::9", v6, TCP, 80)
    assert not allowed(c, XB, XA, TCP, 80)


def test_icmp_type_and_code() -> None:
    echo = IcmpMatch(8, 0)
    ping = Rule(ALLOW, protocol=ICMP, icmp=IcmpMatch(8))
    c = cluster(calico("x", "p", "app == 'a'", ingress=(ping,)))
    assert allowed(c, XB, XA, ICMP, None, icmp=echo)
    assert not allowed(c, XB, XA, ICMP, None, icmp=IcmpMatch(3, 1))
    assert not allowed(c, XB, XA, ICMP, None)
    not_echo = Rule(ALLOW, protocol=ICMP, not_icmp=IcmpMatch(8, 0))
    c = cluster(calico("x", "p", "app == 'a'", ingress=(not_echo,)))
    assert not allowed(c, XB, XA, ICMP, None, icmp=echo)
    assert allowed(c, XB, XA, ICMP, None, icmp=IcmpMatch(8, 1))


def test_global_policy_namespace_selector() -> None:
    gnp = calico("", "g", ingress=(), namespace_selector="env == 'dev'")
    c = cluster(gnp)
    assert not allowed(c, XA, YA, TCP, 80)
    assert allowed(c, YA, XA, TCP, 80)


def test_service_accounts() -> None:
    sa = ServiceAccount("x", "robot", Labels({"kind": "bot"}))
    bot = pod("x", "bot", "10.0.0.9", sa="robot")
    by_name = Rule(ALLOW, source=side(service_account_names=("robot",)))
    c = cluster(sa, bot, calico("x", "p", "app == 'a'", ingress=(by_name,)))
    assert allowed(c, bot, XA, TCP, 80) and not allowed(c, XB, XA, TCP, 80)
    by_labels = Rule(ALLOW, source=side(service_account_selector="kind == 'bot'"))
    c = cluster(sa, bot, calico("x", "p", "app == 'a'", ingress=(by_labels,)))
    assert allowed(c, bot, XA, TCP, 80) and not allowed(c, XB, XA, TCP, 80)


def test_host_traffic_reaches_isolated_pods() -> None:
    c = cluster(k8s("x", "deny", ingress=()), hosts=("10.0.0.254",))
    assert allowed(c, "10.0.0.254", XA, TCP, 10250)
    assert not allowed(c, "10.0.0.253", XA, TCP, 10250)


def test_both_ends_must_allow() -> None:
    deny_out = k8s("x", "out", "app == 'b'", egress=())
    deny_in = k8s("y", "in", ingress=())
    c = cluster(deny_out, deny_in)
    assert not allowed(c, XB, XA, TCP, 80)
    assert not allowed(c, XA, YA, TCP, 80)
    assert allowed(c, XA, XB, TCP, 80)


def test_inherited_namespace_labels_reach_policy_selectors() -> None:
    gnp = calico("", "g", "pcns.env == 'prod'", ingress=())
    c = cluster(gnp)
    assert not allowed(c, YA, XA, TCP, 80)
    assert allowed(c, XA, YA, TCP, 80)


def test_updates_evolve_the_cluster() -> None:
    c = cluster(k8s("x", "deny", ingress=()))
    relabelled = c.apply(Upsert(pod("x", "a", "10.0.0.1", app="z")))
    assert not allowed(relabelled, XB, XA, TCP, 80)
    cleared = relabelled.apply(Delete(k8s("x", "deny").key))
    assert allowed(cleared, XB, XA, TCP, 80)
    assert not allowed(c, XB, XA, TCP, 80)
