"""CalcGraph end to end: local endpoints, active policies, tiers and the delta contract."""

from __future__ import annotations

from dataclasses import replace

from dataplane.calc import CalcGraph, TierPolicies
from dataplane.model import (
    Action,
    Delete,
    Direction,
    InSync,
    Kind,
    Labels,
    Namespace,
    Policy,
    Profile,
    ResourceKey,
    Rule,
    ServiceAccount,
    Tier,
    Upsert,
    WorkloadEndpoint,
)
from dataplane.selector import parse

INGRESS = frozenset({Direction.INGRESS})
POD = WorkloadEndpoint("ns", "pod", "local", ("10.0.0.1",), Labels({"app": "web"}), (), "sa")
WEB = Policy(Kind.NETWORK_POLICY, "ns", "web", parse("app == 'web'"), INGRESS, order=10.0)


def _graph(*values: object) -> CalcGraph:
    graph = CalcGraph("local")
    graph.apply_all(Upsert(v) for v in values)  # type: ignore[arg-type]
    return graph


def test_local_endpoint_with_its_policy_is_emitted_with_the_policy() -> None:
    graph = _graph(POD, WEB, replace(POD, name="remote", node="other"))
    delta = graph.flush()
    assert delta.policies == {WEB.key: WEB}
    assert list(delta.endpoints) == [POD.key]
    endpoint = delta.endpoints[POD.key]
    assert endpoint.endpoint == POD
    assert endpoint.ingress == (TierPolicies("default", Action.DENY, (WEB.key,)),)
    assert endpoint.egress == ()
    assert endpoint.selector_labels["projectcalico.org/serviceaccount"] == "sa"
    assert graph.endpoint_policies(POD.key) == endpoint
    assert graph.policy(WEB.key) == WEB


def test_policy_without_local_endpoints_is_not_active() -> None:
    graph = _graph(replace(POD, node="other"), WEB)
    delta = graph.flush()
    assert delta.policies == {} and delta.endpoints == {}
    assert graph.policy(WEB.key) is None


def test_policy_leaves_when_its_last_endpoint_stops_matching() -> None:
    graph = _graph(POD, WEB)
    graph.flush()
    graph.apply(Upsert(replace(POD, labels=Labels({"app": "db"}))))
    delta = graph.flush()
    assert delta.policies_removed == {WEB.key}
    assert delta.endpoints[POD.key].ingress == ()


def test_rule_edit_of_an_active_policy_re_emits_only_the_policy() -> None:
    graph = _graph(POD, WEB)
    graph.flush()
    graph.apply(Upsert(replace(WEB)))  # an equal copy
    assert not graph.flush()
    edited = replace(WEB, ingress=(Rule(Action.ALLOW),))
    graph.apply(Upsert(edited))
    delta = graph.flush()
    assert delta.policies == {WEB.key: edited} and delta.endpoints == {}


def test_endpoint_moving_off_the_node_is_removed_and_back_is_re_added() -> None:
    graph = _graph(POD, WEB)
    graph.flush()
    graph.apply(Upsert(replace(POD, node="other")))
    delta = graph.flush()
    assert delta.endpoints_removed == {POD.key} and delta.policies_removed == {WEB.key}
    assert graph.local_endpoints() == {}
    graph.apply(Upsert(POD))
    assert list(graph.flush().endpoints) == [POD.key]


def test_tier_changes_reorder_and_unknown_tiers_fail_closed() -> None:
    in_t1 = Policy(Kind.GLOBAL_NETWORK_POLICY, "", "g", parse("all()"), INGRESS, tier="t1")
    graph = _graph(POD, WEB, in_t1)
    first = graph.flush().endpoints[POD.key].ingress
    assert [(t.tier, t.default_action) for t in first] == [
        ("default", Action.DENY),
        ("t1", Action.DENY),
    ]
    graph.apply(Upsert(Tier("t1", 1.0, Action.PASS)))
    second = graph.flush().endpoints[POD.key].ingress
    assert [(t.tier, t.default_action) for t in second] == [
        ("t1", Action.PASS),
        ("default", Action.DENY),
    ]
    graph.apply(Delete(Tier("t1").key))
    assert graph.flush().endpoints[POD.key].ingress == first


def test_identical_resends_and_unknown_deletes_produce_empty_deltas() -> None:
    graph = _graph(POD, WEB, Namespace("ns", Labels({"team": "x"})))
    graph.flush()
    graph.apply_all(
        [
            Upsert(POD),
            Upsert(WEB),
            Upsert(Namespace("ns", Labels({"team": "x"}))),
            Upsert(Profile("kns.ns")),
            Delete(ResourceKey(Kind.WORKLOAD_ENDPOINT, "ns", "never")),
            Delete(ResourceKey(Kind.GLOBAL_NETWORK_POLICY, "", "never")),
            Delete(ResourceKey(Kind.TIER, "", "never")),
            Delete(ResourceKey(Kind.PROFILE, "", "never")),
            Delete(ResourceKey(Kind.SERVICE_ACCOUNT, "ns", "never")),
        ]
    )
    assert not graph.flush()


def test_in_sync_is_reported_from_the_first_flush_after_it() -> None:
    graph = _graph(POD)
    assert not graph.flush().in_sync and not graph.in_sync
    graph.apply(InSync())
    assert not graph.in_sync
    delta = graph.flush()
    assert delta.in_sync and graph.in_sync and not delta
    assert graph.flush().in_sync


def test_namespace_and_service_account_labels_reach_policy_selection() -> None:
    by_ns = Policy(Kind.GLOBAL_NETWORK_POLICY, "", "ns", parse("pcns.team == 'x'"), INGRESS)
    by_sa = Policy(Kind.GLOBAL_NETWORK_POLICY, "", "sa", parse("pcsa.level == 'hi'"), INGRESS)
    graph = _graph(POD, by_ns, by_sa)
    graph.flush()
    graph.apply(Upsert(Namespace("ns", Labels({"team": "x"}))))
    graph.apply(Upsert(ServiceAccount("ns", "sa", Labels({"level": "hi"}))))
    delta = graph.flush()
    assert set(delta.policies) == {by_ns.key, by_sa.key}
    assert delta.endpoints[POD.key].selector_labels["pcns.team"] == "x"
    graph.apply(Delete(ServiceAccount("ns", "sa").key))
    graph.apply(Delete(Namespace("ns").key))
    assert graph.flush().policies_removed == {by_ns.key, by_sa.key}


def test_namespace_label_change_evaluates_only_selectors_reading_changed_keys() -> None:
    reads_team = Policy(Kind.GLOBAL_NETWORK_POLICY, "", "t", parse("pcns.team == 'x'"), INGRESS)
    reads_env = Policy(Kind.GLOBAL_NETWORK_POLICY, "", "e", parse("has(pcns.env)"), INGRESS)
    graph = _graph(POD, WEB, reads_team, reads_env, Namespace("ns", Labels({"env": "prod"})))
    graph.flush()
    before = graph.counters.selector_evaluations
    graph.apply(Upsert(Namespace("ns", Labels({"env": "prod", "team": "x"}))))
    assert graph.counters.selector_evaluations - before == 1
    assert set(graph.flush().policies) == {reads_team.key}


def test_endpoints_only_name_policies_sent_in_the_same_or_an_earlier_delta() -> None:
    graph = _graph(POD)
    graph.flush()
    graph.apply(Upsert(WEB))
    delta = graph.flush()
    assert WEB.key in delta.policies
    assert delta.endpoints[POD.key].ingress[0].policies == (WEB.key,)
    graph.apply(Delete(WEB.key))
    delta = graph.flush()
    assert delta.policies_removed == {WEB.key}
    assert delta.endpoints[POD.key].ingress == ()


def test_endpoints_matched_by_the_same_selectors_share_one_tier_ordering() -> None:
    twin = replace(POD, name="twin", addresses=("10.0.0.2",))
    other = Policy(Kind.NETWORK_POLICY, "ns", "other", parse("all()"), INGRESS, order=20.0)
    graph = _graph(POD, twin, WEB, other)
    delta = graph.flush()
    assert graph.counters.tier_orderings == 1
    assert delta.endpoints[POD.key].ingress is delta.endpoints[twin.key].ingress
    assert delta.endpoints[POD.key].ingress[0].policies == (WEB.key, other.key)

    graph.apply(Upsert(replace(other, ingress=(Rule(Action.ALLOW),))))  # rules only
    graph.apply(Upsert(replace(POD, labels=Labels({"app": "web", "v": "2"}))))
    graph.flush()
    assert graph.counters.tier_orderings == 1

    graph.apply(Upsert(replace(other, order=5.0)))  # placement: ordered again
    delta = graph.flush()
    assert graph.counters.tier_orderings == 2
    assert delta.endpoints[twin.key].ingress[0].policies == (other.key, WEB.key)

    graph.apply(Upsert(Tier("default", order=None, default_action=Action.PASS)))
    delta = graph.flush()
    assert graph.counters.tier_orderings == 3
    assert delta.endpoints[POD.key].ingress[0].default_action is Action.PASS
