"""The reference evaluator against hand-written expectations from SEMANTICS.md."""

from __future__ import annotations

from typing import Any, NamedTuple

from tests.conformance.manifests import (
    action,
    calico_policy,
    from_,
    global_policy,
    ip_block,
    labels,
    namespace_manifest,
    netpol,
    network_set,
    peer,
    port,
    tier,
    to,
)
from tests.reference import EGRESS, INGRESS, Cluster, Pod, allowed, verdict
from tests.reference.selectors import SelectorSyntaxError, calico, label_selector

TCP, UDP, ICMP = 6, 17, 1
Doc = dict[str, Any]


class Icmp(NamedTuple):
    type: int
    code: int | None = None


def pod_doc(
    ns: str, name: str, ip: str, *, ports: list[Doc] | None = None, sa: str = "", **lab: str
) -> Doc:
    spec: Doc = {"nodeName": "n1", "containers": [{"name": "c", "ports": ports or []}]}
    if sa:
        spec["serviceAccountName"] = sa
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": lab},
        "spec": spec,
        "status": {"phase": "Running", "podIP": ip},
    }


BASE = (
    namespace_manifest("x", env="prod"),
    namespace_manifest("y", env="dev"),
    pod_doc("x", "a", "10.0.0.1", app="a"),
    pod_doc("x", "b", "10.0.0.2", app="b"),
    pod_doc("y", "a", "10.0.1.1", app="a"),
)


def cluster(*extra: Doc, hosts: tuple[str, ...] = ()) -> Cluster:
    return Cluster.of([*BASE, *extra], hosts)


def p(c: Cluster, name: str) -> Pod:
    namespace, pod = name.split("/")
    return c.pod(namespace, pod)


def ok(
    c: Cluster, src: str, dst: str, protocol: int = TCP, dport: int | None = 80, **kw: Any
) -> bool:
    peer_src: Pod | str = p(c, src) if "/" in src else src
    peer_dst: Pod | str = p(c, dst) if "/" in dst else dst
    return allowed(c, peer_src, peer_dst, protocol, dport, **kw)


def test_selector_language() -> None:
    labels_ = {"app": "web", "tier": "front"}
    truth = {
        "app == 'web'": True,
        "app != 'web'": False,
        "missing != 'x'": True,
        "app in {'a', 'web'}": True,
        "missing not in {'a'}": True,
        "has(app) && !has(missing)": True,
        "app == 'x' || tier == \"front\"": True,
        "!(app == 'web')": False,
        "app contains 'e'": True,
        "app starts with 'w' && tier ends with 't'": True,
        "all()": True,
    }
    for text, expected in truth.items():
        selector = calico(text)
        assert selector is not None and selector.matches(labels_) is expected, text
    global_ = calico("global()")
    assert global_ is not None and global_.is_global
    try:
        calico("app ==")
    except SelectorSyntaxError:
        pass
    else:
        raise AssertionError("a broken selector must not parse")


def test_label_selector() -> None:
    spec = {
        "matchLabels": {"app": "a"},
        "matchExpressions": [{"key": "t", "operator": "NotIn", "values": ["x"]}],
    }
    assert label_selector(spec).matches({"app": "a"})
    assert not label_selector(spec).matches({"app": "a", "t": "x"})
    assert label_selector({}).matches({})
    exists = {"matchExpressions": [{"key": "t", "operator": "DoesNotExist"}]}
    assert label_selector(exists).matches({"app": "a"})


def test_no_policy_allows_everything() -> None:
    c = cluster()
    assert ok(c, "x/a", "x/b") and ok(c, "x/a", "8.8.8.8", UDP, 53)
    assert verdict(c, INGRESS, p(c, "x/a"), "8.8.8.8", TCP, 80).allowed


def test_isolation_is_per_direction() -> None:
    c = cluster(netpol("deny-in", labels(app="a"), ingress=[]))
    assert not verdict(c, INGRESS, p(c, "x/a"), p(c, "x/b"), TCP, 80).allowed
    assert verdict(c, EGRESS, p(c, "x/a"), p(c, "x/b"), TCP, 80).allowed
    assert not ok(c, "x/b", "x/a") and ok(c, "x/a", "x/b")


def test_policies_union_their_allows() -> None:
    from_b = netpol("p1", labels(app="a"), ingress=[from_(peer(pods=labels(app="b")))])
    tcp80 = netpol("p2", ingress=[from_(ports=[port(80)])])
    c = cluster(from_b, tcp80)
    assert ok(c, "x/b", "x/a", UDP, 53)
    assert ok(c, "y/a", "x/a", TCP, 80) and not ok(c, "y/a", "x/a", TCP, 81)


def test_pod_and_namespace_selectors() -> None:
    c = cluster(netpol("p", labels(app="b"), ingress=[from_(peer(pods=labels(app="a")))]))
    assert ok(c, "x/a", "x/b") and not ok(c, "y/a", "x/b")
    c = cluster(netpol("p", labels(app="b"), ingress=[from_(peer(namespaces=labels(env="dev")))]))
    assert ok(c, "y/a", "x/b") and not ok(c, "x/a", "x/b")
    both = peer(pods=labels(app="b"), namespaces=labels(env="dev"))
    c = cluster(netpol("p", labels(app="b"), ingress=[from_(both)]))
    assert not ok(c, "y/a", "x/b")


def test_kubernetes_peers_select_pods_not_network_sets() -> None:
    near = network_set("near", {"app": "a"}, ["172.16.0.0/12"], namespace="x")
    c = cluster(near, netpol("p", labels(app="b"), ingress=[from_(peer(pods=labels(app="a")))]))
    assert not ok(c, "172.16.0.1", "x/b")


def test_ip_block_with_except_matches_pod_addresses() -> None:
    c = cluster(
        netpol("p", labels(app="a"), ingress=[from_(ip_block("10.0.0.0/16", "10.0.1.0/24"))])
    )
    assert ok(c, "x/b", "x/a") and not ok(c, "y/a", "x/a")
    assert ok(c, "10.0.5.5", "x/a") and not ok(c, "192.168.0.1", "x/a")


def test_named_port_resolves_against_each_destination() -> None:
    web1 = pod_doc("x", "w1", "10.0.0.11", ports=[{"name": "http", "containerPort": 80}], app="w")
    web2 = pod_doc("x", "w2", "10.0.0.12", ports=[{"name": "http", "containerPort": 8080}], app="w")
    bare = pod_doc("x", "w3", "10.0.0.13", app="w")
    policy = netpol("in", labels(app="w"), ingress=[from_(ports=[port("http")])])
    c = cluster(web1, web2, bare, policy)
    assert ok(c, "x/a", "x/w1", TCP, 80) and not ok(c, "x/a", "x/w1", TCP, 8080)
    assert ok(c, "x/a", "x/w2", TCP, 8080) and not ok(c, "x/a", "x/w2", TCP, 80)
    assert not ok(c, "x/a", "x/w3", TCP, 80)
    egress = cluster(web1, netpol("out", labels(app="a"), egress=[to(ports=[port("http")])]))
    assert ok(egress, "x/a", "x/w1", TCP, 80) and not ok(egress, "x/a", "10.9.9.9", TCP, 80)


def test_named_port_requires_matching_protocol_and_ranges_are_inclusive() -> None:
    dns = pod_doc(
        "x", "dns", "10.0.0.53", ports=[{"name": "dns", "containerPort": 53, "protocol": "UDP"}]
    )
    c = cluster(dns, netpol("p", ingress=[from_(ports=[port("dns", "TCP")])]))
    assert not ok(c, "x/a", "x/dns", TCP, 53)
    c = cluster(netpol("p", labels(app="a"), ingress=[from_(ports=[port(80, end_port=90)])]))
    assert ok(c, "x/b", "x/a", TCP, 80) and ok(c, "x/b", "x/a", TCP, 90)
    assert not ok(c, "x/b", "x/a", TCP, 91) and not ok(c, "x/b", "x/a", UDP, 85)


def test_deny_before_allow_by_order_and_log_continues() -> None:
    deny = calico_policy("deny", order=10, ingress=[action("Log"), action("Deny", protocol="TCP")])
    allow = calico_policy("allow", order=20, ingress=[action("Allow")])
    c = cluster(deny, allow)
    assert not ok(c, "x/b", "x/a") and ok(c, "x/b", "x/a", UDP, 53)
    later = calico_policy("deny", order=30, ingress=[action("Deny", protocol="TCP")])
    assert ok(cluster(later, allow), "x/b", "x/a")


def test_missing_order_sorts_last_and_ties_break_by_name() -> None:
    first = calico_policy("aaa", ingress=[action("Deny")])
    second = calico_policy("bbb", order=5, ingress=[action("Allow")])
    assert ok(cluster(first, second), "x/b", "x/a")
    tied = calico_policy("aaa", order=5, ingress=[action("Deny")])
    assert not ok(cluster(tied, second), "x/b", "x/a")


def test_tier_default_deny_and_pass() -> None:
    guard = global_policy(
        "security.guard", tier="security", ingress=[action("Pass", protocol="TCP")]
    )
    c = cluster(tier("security", 10), guard)
    assert ok(c, "x/b", "x/a")
    udp = verdict(c, INGRESS, p(c, "x/a"), p(c, "x/b"), UDP, 53)
    assert not udp.allowed and "default deny" in udp.reason
    assert ok(cluster(tier("security", 10, "Pass"), guard), "x/b", "x/a", UDP, 53)


def test_pass_jumps_to_the_next_tier_and_out_of_the_last_to_the_profile() -> None:
    pass_all = global_policy("early.p", tier="early", ingress=[action("Pass")])
    deny_tcp = global_policy("late.d", tier="late", ingress=[action("Deny", protocol="TCP")])
    allow = netpol("allow", ingress=[from_()])
    c = cluster(tier("early", 1), tier("late", 2), pass_all, deny_tcp, allow)
    assert not ok(c, "x/b", "x/a")
    udp = verdict(c, INGRESS, p(c, "x/a"), p(c, "x/b"), UDP, 53)
    assert not udp.allowed and udp.reason == "tier late: default deny"
    c = cluster(calico_policy("p", ingress=[action("Pass")]))
    assert "profile" in verdict(c, INGRESS, p(c, "x/a"), p(c, "x/b"), TCP, 80).reason


def test_not_selector_in_namespaced_and_global_policies() -> None:
    rule = action("Allow", source={"notSelector": "app == 'b'"})
    c = cluster(calico_policy("p", ingress=[rule]))
    assert not ok(c, "x/b", "x/a") and not ok(c, "y/a", "x/b")
    assert ok(c, "x/a", "x/b") and not ok(c, "192.168.1.1", "x/a")
    c = cluster(global_policy("p", ingress=[rule]))
    assert ok(c, "y/a", "x/a") and ok(c, "192.168.1.1", "x/a") and not ok(c, "x/b", "x/a")


def test_not_selector_excludes_addresses_any_matching_set_holds() -> None:
    blocked = network_set("blocked", {"app": "b"}, ["10.0.0.0/24"])
    rule = action("Allow", source={"selector": "has(app)", "notSelector": "app == 'b'"})
    c = cluster(blocked, global_policy("p", selector="app == 'b'", ingress=[rule]))
    assert not ok(c, "x/a", "x/b") and ok(c, "y/a", "x/b")


def test_selectors_match_network_sets_and_namespace_scoping() -> None:
    ext = network_set("ext", {"role": "ext"}, ["192.168.0.0/16"])
    near = network_set("near", {"role": "ext"}, ["172.16.0.0/12"], namespace="x")
    rule = action("Allow", source={"selector": "role == 'ext'"})
    c = cluster(ext, near, global_policy("p", ingress=[rule]))
    assert ok(c, "192.168.3.3", "x/a") and ok(c, "172.16.3.3", "x/a")
    c = cluster(ext, near, calico_policy("p", "y", ingress=[rule]))
    assert not ok(c, "192.168.3.3", "y/a") and not ok(c, "172.16.3.3", "y/a")
    c = cluster(ext, near, calico_policy("p", "x", ingress=[rule]))
    assert ok(c, "172.16.3.3", "x/a")
    only_global = action("Allow", source={"namespaceSelector": "global()"})
    c = cluster(ext, near, calico_policy("g", "x", ingress=[only_global]))
    assert ok(c, "192.168.3.3", "x/a") and not ok(c, "172.16.3.3", "x/a")
    assert not ok(c, "x/b", "x/a")


def test_not_ports_not_protocol_and_ip_version() -> None:
    not80 = action("Allow", protocol="TCP", destination={"notPorts": [80]})
    c = cluster(calico_policy("p", selector="app == 'a'", ingress=[not80]))
    assert not ok(c, "x/b", "x/a") and ok(c, "x/b", "x/a", TCP, 81)
    assert not ok(c, "x/b", "x/a", UDP, 81)
    not_udp = action("Allow", notProtocol="UDP")
    c = cluster(calico_policy("p", selector="app == 'a'", ingress=[not_udp]))
    assert ok(c, "x/b", "x/a", TCP, 53) and not ok(c, "x/b", "x/a", UDP, 53)
    v6 = pod_doc("x", "v6", "fd00::1", app="a")
    c = cluster(
        v6, calico_policy("p", selector="app == 'a'", ingress=[action("Allow", ipVersion=6)])
    )
    assert ok(c, "fd00::9", "x/v6") and not ok(c, "x/b", "x/a")


def test_calico_port_ranges_and_named_ports() -> None:
    web = pod_doc("x", "w", "10.0.0.11", ports=[{"name": "http", "containerPort": 8080}], app="a")
    rule = action("Allow", protocol="TCP", destination={"ports": ["80:81", "http"]})
    c = cluster(web, calico_policy("p", selector="app == 'a'", ingress=[rule]))
    assert ok(c, "x/b", "x/w", TCP, 81) and ok(c, "x/b", "x/w", TCP, 8080)
    assert not ok(c, "x/b", "x/a", TCP, 8080) and not ok(c, "x/b", "x/w", TCP, 82)


def test_icmp_type_and_code() -> None:
    ping = action("Allow", protocol="ICMP", icmp={"type": 8})
    c = cluster(calico_policy("p", selector="app == 'a'", ingress=[ping]))
    assert ok(c, "x/b", "x/a", ICMP, None, icmp=Icmp(8, 0))
    assert not ok(c, "x/b", "x/a", ICMP, None, icmp=Icmp(3, 1))
    assert not ok(c, "x/b", "x/a", ICMP, None)
    not_echo = action("Allow", protocol="ICMP", notICMP={"type": 8, "code": 0})
    c = cluster(calico_policy("p", selector="app == 'a'", ingress=[not_echo]))
    assert not ok(c, "x/b", "x/a", ICMP, None, icmp=Icmp(8, 0))
    assert ok(c, "x/b", "x/a", ICMP, None, icmp=Icmp(8, 1))


def test_global_policy_namespace_selector_and_the_calico_name_label() -> None:
    c = cluster(global_policy("g", namespaceSelector="env == 'dev'", ingress=[]))
    assert not ok(c, "x/a", "y/a") and ok(c, "y/a", "x/a")
    by_name = global_policy("g", namespaceSelector="projectcalico.org/name == 'x'", ingress=[])
    c = cluster(by_name)
    assert not ok(c, "y/a", "x/a") and ok(c, "x/a", "y/a")


def test_service_accounts() -> None:
    sa = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "robot", "namespace": "x", "labels": {"kind": "bot"}},
    }
    bot = pod_doc("x", "bot", "10.0.0.9", sa="robot")
    by_name = action("Allow", source={"serviceAccounts": {"names": ["robot"]}})
    c = cluster(sa, bot, calico_policy("p", selector="app == 'a'", ingress=[by_name]))
    assert ok(c, "x/bot", "x/a") and not ok(c, "x/b", "x/a")
    by_labels = action("Allow", source={"serviceAccounts": {"selector": "kind == 'bot'"}})
    c = cluster(sa, bot, calico_policy("p", selector="app == 'a'", ingress=[by_labels]))
    assert ok(c, "x/bot", "x/a") and not ok(c, "x/b", "x/a")


def test_host_traffic_reaches_isolated_pods_and_both_ends_must_allow() -> None:
    c = cluster(netpol("deny", ingress=[]), hosts=("10.0.0.254",))
    assert ok(c, "10.0.0.254", "x/a", TCP, 10250) and not ok(c, "10.0.0.253", "x/a", TCP, 10250)
    deny_out = netpol("out", labels(app="b"), types=["Egress"])
    deny_in = netpol("in", namespace="y", ingress=[])
    c = cluster(deny_out, deny_in)
    assert not ok(c, "x/b", "x/a") and not ok(c, "x/a", "y/a") and ok(c, "x/a", "x/b")


def test_inherited_namespace_labels_reach_policy_selectors() -> None:
    c = cluster(global_policy("g", selector="pcns.env == 'prod'", ingress=[]))
    assert not ok(c, "y/a", "x/a") and ok(c, "x/a", "y/a")


def test_edits_evolve_the_cluster() -> None:
    deny = netpol("deny", ingress=[])
    c = cluster(deny)
    relabelled = c.apply("upsert", pod_doc("x", "a", "10.0.0.1", app="z"))
    assert not ok(relabelled, "x/b", "x/a")
    cleared = relabelled.apply("delete", deny)
    assert ok(cleared, "x/b", "x/a") and not ok(c, "x/b", "x/a")
