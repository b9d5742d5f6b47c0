"""Planner: fewest requests, safe stage order, acknowledgement, adoption, update modes,
ownership of every ACL of an endpoint, the CNI's policies kept in every Update."""

from __future__ import annotations

import pytest

from dataplane.model import Kind, ResourceKey
from dataplane.plan import (
    AclSpec,
    AclUpdateMode,
    EndpointAclRequest,
    IpSetSpec,
    NetworkSetRequest,
    Planner,
    RequestType,
)

EP1 = ResourceKey(Kind.WORKLOAD_ENDPOINT, "ns", "a")
EP2 = ResourceKey(Kind.WORKLOAD_ENDPOINT, "ns", "b")


def acl(name: str, priority: int = 100, remote: str = "") -> AclSpec:
    return AclSpec(name, "Allow", "In", priority, remote_addresses=remote)


def ipset(name: str, *values: str) -> IpSetSpec:
    return IpSetSpec(name, name, values)


def acked(planner: Planner) -> None:
    """Plan and acknowledge every request as successful."""
    for request in planner.plan().requests:
        planner.acknowledge(request, True)


def test_identical_desired_and_programmed_state_plans_nothing() -> None:
    planner = Planner()
    planner.set_desired_endpoint(EP1, {"x": acl("x")})
    planner.set_desired_set("s", ipset("s", "10.0.0.1/32"))
    acked(planner)
    assert not planner.plan()
    planner.set_desired_endpoint(EP1, {"x": acl("x")})
    planner.set_desired_set("s", ipset("s", "10.0.0.1/32"))
    assert planner.plan().stages == ()


def test_stages_grow_sets_add_acls_remove_acls_then_shrink_and_delete_sets() -> None:
    planner = Planner("remove")
    planner.set_desired_endpoint(EP1, {"old": acl("old", remote="s-old")})
    planner.set_desired_set("s-old", ipset("s-old", "10.0.0.1/32"))
    planner.set_desired_set("s-keep", ipset("s-keep", "10.0.0.2/32"))
    planner.set_desired_set("s-less", ipset("s-less", "10.0.0.5/32", "10.0.0.6/32"))
    acked(planner)
    planner.set_desired_endpoint(EP1, {"new": acl("new", remote="s-new")})
    planner.set_desired_set("s-old", None)
    planner.set_desired_set("s-new", ipset("s-new", "10.0.0.3/32"))
    planner.set_desired_set("s-keep", ipset("s-keep", "10.0.0.2/32", "10.0.0.4/32"))
    planner.set_desired_set("s-less", ipset("s-less", "10.0.0.6/32", "10.0.0.7/32"))
    plan = planner.plan()
    assert plan.stages == (
        (
            NetworkSetRequest(RequestType.ADD, (ipset("s-new", "10.0.0.3/32"),)),
            NetworkSetRequest(RequestType.UPDATE, (ipset("s-keep", "10.0.0.2/32", "10.0.0.4/32"),)),
        ),
        (EndpointAclRequest(EP1, RequestType.ADD, (acl("new", remote="s-new"),)),),
        (EndpointAclRequest(EP1, RequestType.REMOVE, (acl("old", remote="s-old"),)),),
        (
            NetworkSetRequest(RequestType.UPDATE, (ipset("s-less", "10.0.0.6/32", "10.0.0.7/32"),)),
            NetworkSetRequest(RequestType.REMOVE, (ipset("s-old", "10.0.0.1/32"),)),
        ),
    )


def test_one_request_per_endpoint_and_type_carrying_all_its_acls() -> None:
    planner = Planner()
    planner.set_desired_endpoint(EP1, {n: acl(n, p) for n, p in (("b", 2), ("a", 1))})
    planner.set_desired_endpoint(EP2, {"c": acl("c")})
    (stage,) = planner.plan().stages
    assert [(r.endpoint, [a.id for a in r.acls]) for r in stage] == [  # type: ignore[union-attr]
        (EP1, ["a", "b"]),
        (EP2, ["c"]),
    ]


def test_failed_request_changes_nothing_and_is_planned_again() -> None:
    planner = Planner()
    planner.set_desired_endpoint(EP1, {"x": acl("x")})
    (request,) = planner.plan().requests
    planner.acknowledge(request, False)
    assert planner.plan().requests == (request,)
    assert planner.programmed(EP1) == {}
    planner.acknowledge(request, True)
    assert not planner.plan()
    assert planner.counters.requests == 2 and planner.counters.requests_failed == 1
    assert planner.counters.acls_written == 1


def test_unacknowledged_requests_are_planned_again() -> None:
    planner = Planner()
    planner.set_desired_endpoint(EP1, {"x": acl("x")})
    first = planner.plan()
    assert planner.plan() == first


def test_adopting_hns_state_repairs_only_the_differences() -> None:
    planner = Planner("remove")
    planner.set_desired_endpoint(EP1, {"x": acl("x"), "y": acl("y")})
    planner.set_programmed_endpoint(EP1, [acl("x"), acl("stray")])
    planner.set_desired_set("s", ipset("s", "10.0.0.1/32"))
    planner.set_programmed_sets([ipset("s", "10.0.0.1/32"), ipset("junk", "1.1.1.1/32")])
    plan = planner.plan()
    assert plan.stages == (
        (EndpointAclRequest(EP1, RequestType.ADD, (acl("y"),)),),
        (EndpointAclRequest(EP1, RequestType.REMOVE, (acl("stray"),)),),
        (NetworkSetRequest(RequestType.REMOVE, (ipset("junk", "1.1.1.1/32"),)),),
    )


def test_an_id_programmed_with_other_content_is_replaced_by_an_update() -> None:
    planner = Planner()
    planner.set_desired_endpoint(EP1, {"x": acl("x", 10), "y": acl("y")})
    planner.set_programmed_endpoint(EP1, [acl("x", 20), acl("y")])
    (stage,) = planner.plan().stages
    assert stage == (EndpointAclRequest(EP1, RequestType.UPDATE, (acl("x", 10), acl("y"))),)


NAT = {"Type": "OutBoundNAT", "Settings": {"Exceptions": ["10.0.0.0/8"]}}
ENCAP = {"Type": "SDNRoute", "Settings": {"DestinationPrefix": "10.96.0.0/12"}}


def test_merge_mode_adds_pure_additions_and_updates_when_anything_goes() -> None:
    planner = Planner()
    planner.set_programmed_endpoint(EP1, [], others=[NAT, ENCAP])
    planner.set_desired_endpoint(EP1, {"x": acl("x")})
    (stage,) = planner.plan().stages
    assert stage == (EndpointAclRequest(EP1, RequestType.ADD, (acl("x"),)),)
    acked(planner)
    planner.set_desired_endpoint(EP1, {"y": acl("y")})
    (stage,) = planner.plan().stages
    assert stage == (EndpointAclRequest(EP1, RequestType.UPDATE, (acl("y"),), (NAT, ENCAP)),)
    (update,) = stage
    assert update.policies() == [NAT, ENCAP, acl("y").to_policy()], "other policies first"
    acked(planner)
    planner.set_desired_endpoint(EP1, None)
    (stage,) = planner.plan().stages
    assert stage == (EndpointAclRequest(EP1, RequestType.UPDATE, (), (NAT, ENCAP)),)
    acked(planner)
    assert not planner.plan(), "an empty Update removed every ACL"


def test_replace_mode_sends_one_update_with_the_full_list() -> None:
    planner = Planner("replace")
    planner.set_programmed_endpoint(EP1, [], others=[NAT])
    planner.set_desired_endpoint(EP1, {"x": acl("x"), "y": acl("y")})
    (stage,) = planner.plan().stages
    assert stage == (EndpointAclRequest(EP1, RequestType.UPDATE, (acl("x"), acl("y")), (NAT,)),)
    acked(planner)
    planner.set_desired_endpoint(EP1, {"x": acl("x"), "z": acl("z")})
    (stage,) = planner.plan().stages
    assert stage == (EndpointAclRequest(EP1, RequestType.UPDATE, (acl("x"), acl("z")), (NAT,)),)
    acked(planner)
    assert dict(planner.programmed(EP1)) == {"x": acl("x"), "z": acl("z")}
    planner.set_desired_endpoint(EP1, None)
    assert planner.plan().stages == ((EndpointAclRequest(EP1, RequestType.UPDATE, (), (NAT,)),),)


def test_remove_mode_empties_an_endpoint_with_a_remove() -> None:
    planner = Planner("remove")
    planner.set_desired_endpoint(EP1, {"x": acl("x"), "z": acl("z")})
    acked(planner)
    planner.set_desired_endpoint(EP1, None)
    assert planner.plan().stages == (
        (EndpointAclRequest(EP1, RequestType.REMOVE, (acl("x"), acl("z"))),),
    )


@pytest.mark.parametrize("mode", ["merge", "remove", "replace"])
def test_foreign_acls_are_dropped_by_an_update_in_every_mode(mode: AclUpdateMode) -> None:
    planner = Planner(mode)
    foreign = {"Type": "ACL", "Settings": {"Action": "Allow", "Direction": "In", "Priority": 1}}
    planner.set_desired_endpoint(EP1, {"x": acl("x")})
    planner.set_programmed_endpoint(EP1, [acl("x")], others=[NAT], foreign=[foreign])
    assert planner.foreign(EP1) == (foreign,)
    (stage,) = planner.plan().stages
    assert stage == (EndpointAclRequest(EP1, RequestType.UPDATE, (acl("x"),), (NAT,)),)
    acked(planner)
    assert planner.foreign(EP1) == () and planner.counters.foreign_acls_removed == 1
    assert not planner.plan()


def test_endpoint_gone_from_hns_needs_no_request() -> None:
    planner = Planner()
    planner.set_desired_endpoint(EP1, {"x": acl("x")})
    acked(planner)
    planner.set_desired_endpoint(EP1, None)
    planner.set_programmed_endpoint(EP1, None)
    assert not planner.plan()


def test_unknown_mode_is_rejected() -> None:
    with pytest.raises(ValueError, match="acl_update_mode"):
        Planner("patch")  # type: ignore[arg-type]
