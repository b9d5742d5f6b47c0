"""AclCompiler alone: hand-built Deltas, set activations and members included."""

from __future__ import annotations

import dataclasses

import pytest

from dataplane.calc import NotActiveError, policy_set_keys
from dataplane.calc.delta import (
    Delta,
    EndpointPolicies,
    IpSetDelta,
    IpSetKey,
    Member,
    TierPolicies,
)
from dataplane.compile import AclCompiler, CompileConfig
from dataplane.compile.priorities import HOST_PRIORITY
from dataplane.compile.sets import SetReadError
from dataplane.model import Action, IcmpMatch, Kind, Labels, Policy, ResourceKey, Rule
from dataplane.model.wellknown import NAMESPACE_LABEL
from dataplane.selector import parse
from tests.compile.harness import allow, deny, pod, policy, side


def activated(p: Policy, members: dict[str, set[Member]]) -> dict[IpSetKey, frozenset[Member]]:
    """The sets the graph activates with ``p``, their members given by selector text."""
    return {key: frozenset(members.get(str(key.selector), ())) for key in policy_set_keys(p)}


WEB = pod("web", "10.0.0.1", app="web")
LABELS = Labels({"app": "web", NAMESPACE_LABEL: "ns"})
GLOBAL_DENY = policy(
    "g",
    ingress=[deny(source=side(not_selector="app == 'ok'")), allow()],
    kind=Kind.GLOBAL_NETWORK_POLICY,
)


def endpoint(*policies: ResourceKey, default: Action = Action.DENY) -> EndpointPolicies:
    return EndpointPolicies(WEB, LABELS, (TierPolicies("default", default, policies),), ())


def first_delta(p: Policy, members: dict[str, set[Member]] | None = None) -> Delta:
    return Delta(
        ipsets_activated=activated(p, members or {}),
        policies={p.key: p},
        endpoints={WEB.key: endpoint(p.key)},
    )


def test_a_policy_missing_from_the_deltas_blocks_its_direction_fail_closed() -> None:
    compiler = AclCompiler(CompileConfig())
    missing = ResourceKey(Kind.NETWORK_POLICY, "ns", "nope")
    acls = compiler.apply(Delta(endpoints={WEB.key: endpoint(missing)})).endpoints[WEB.key]
    assert acls is not None
    inbound = sorted(
        (a for a in acls.values() if a.direction == "In" and a.rule_type == "Switch"),
        key=lambda a: a.priority,
    )
    assert (inbound[0].action, inbound[0].remote_addresses) == ("Block", "")
    status = compiler.status(WEB.key)
    assert status is not None and any("definition missing" in n for n in status.notes)


def test_complement_over_the_address_limit_widens_a_deny() -> None:
    members: set[Member] = {f"10.0.{i}.1/32" for i in range(4)}
    compiler = AclCompiler(CompileConfig(max_addresses_per_acl=8))
    result = compiler.apply(first_delta(GLOBAL_DENY, {'app == "ok"': members}))
    acls = result.endpoints[WEB.key]
    assert acls is not None
    blocks = [a for a in acls.values() if a.action == "Block" and a.priority < 40000]
    assert [a.remote_addresses for a in blocks] == ["0.0.0.0/0,::/0"]  # widened to everything
    assert compiler.counters.fail_closed == 1
    (note,) = compiler.take_notes()
    assert "complement" in note and "widened" in note


def test_complement_within_the_limit_is_exact_and_follows_membership() -> None:
    compiler = AclCompiler(CompileConfig(set_policy=True))
    result = compiler.apply(first_delta(GLOBAL_DENY, {'app == "ok"': {"10.0.0.9/32"}}))
    (spec,) = [s for s in result.sets.values() if s is not None]
    assert "10.0.0.9/32" not in spec.values and "10.0.0.8/32" in spec.values
    assert len(spec.values) == 32 + 1  # v4 complement of one /32, plus ::/0
    key = IpSetKey(parse("app == 'ok'"))
    change = compiler.apply(
        Delta(ipsets=(IpSetDelta(key, frozenset({"10.0.0.10/32"}), frozenset()),))
    )
    assert change.endpoints == {}  # SetPolicy mode: only the set changes
    (updated,) = change.sets.values()
    assert updated is not None and "10.0.0.10/32" not in updated.values


def test_a_set_read_by_an_endpoint_cannot_be_deactivated_under_it() -> None:
    compiler = AclCompiler(CompileConfig())
    other = pod("other", "10.0.0.2", app="web")
    both = (TierPolicies("default", Action.DENY, (GLOBAL_DENY.key,)),)
    delta = Delta(
        ipsets_activated=activated(GLOBAL_DENY, {'app == "ok"': {"10.0.0.9/32"}}),
        policies={GLOBAL_DENY.key: GLOBAL_DENY},
        endpoints={
            WEB.key: endpoint(GLOBAL_DENY.key),
            other.key: EndpointPolicies(other, LABELS, both, ()),
        },
    )
    compiler.apply(delta)
    assert compiler.counters.policy_renders == 1
    compiler.apply(Delta(endpoints_removed=frozenset({WEB.key})))
    key = IpSetKey(parse("app == 'ok'"))
    with pytest.raises(SetReadError, match="deactivated while read"):
        compiler.apply(Delta(ipsets_deactivated=frozenset({key})))
    result = compiler.apply(
        Delta(
            endpoints_removed=frozenset({other.key}),
            policies_removed=frozenset({GLOBAL_DENY.key}),
            ipsets_deactivated=frozenset({key}),
        )
    )
    assert result.endpoints == {other.key: None}
    assert compiler.endpoints() == {}


def test_a_set_the_graph_never_activated_cannot_be_read() -> None:
    compiler = AclCompiler(CompileConfig())
    with pytest.raises(NotActiveError):
        compiler.apply(
            Delta(
                policies={GLOBAL_DENY.key: GLOBAL_DENY},
                endpoints={WEB.key: endpoint(GLOBAL_DENY.key)},
            )
        )


def test_compiling_is_deterministic_and_an_edit_changes_ids() -> None:
    def compile_once(rules: list[Rule]) -> dict[str, object]:
        p = policy("p", ingress=rules)
        compiler = AclCompiler(CompileConfig())
        result = compiler.apply(first_delta(p))
        return dict(result.endpoints[WEB.key] or {})

    first = compile_once([allow(source=side(nets=("10.1.0.0/16",))), allow(protocol=6)])
    assert compile_once([allow(source=side(nets=("10.1.0.0/16",))), allow(protocol=6)]) == first
    edited = compile_once([allow(source=side(nets=("10.2.0.0/16",))), allow(protocol=6)])
    assert len(set(first) & set(edited)) == len(first) - 1
    assert all(len(acl_id) <= 24 for acl_id in first)


def test_notes_are_reported_once_per_policy() -> None:
    p = policy("p", ingress=[allow(protocol=1, icmp=IcmpMatch(8))])
    compiler = AclCompiler(CompileConfig())
    compiler.apply(first_delta(p))
    assert len(compiler.take_notes()) == 1
    compiler.apply(Delta(policies={p.key: p}))
    assert compiler.take_notes() == ()
    assert compiler.counters.fail_closed == 1


def test_config_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_addresses_per_acl"):
        CompileConfig(max_addresses_per_acl=0)


def test_host_addresses_may_be_addresses_or_cidrs() -> None:
    p = policy("p", ingress=[])
    config = CompileConfig(host_addresses=("10.0.0.254", "192.168.0.0/30", "fd00::1"))
    result = AclCompiler(config).apply(first_delta(p))
    acls = result.endpoints[WEB.key] or {}
    (host,) = [a for a in acls.values() if a.priority == HOST_PRIORITY]
    assert host.remote_addresses == "10.0.0.254/32,192.168.0.0/30,fd00::1/128"
    v4_only = AclCompiler(dataclasses.replace(config, ipv6=False))
    acls = v4_only.apply(first_delta(p)).endpoints[WEB.key] or {}
    (host,) = [a for a in acls.values() if a.priority == HOST_PRIORITY]
    assert host.remote_addresses == "10.0.0.254/32,192.168.0.0/30"
