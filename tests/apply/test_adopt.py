"""Reading programmed HNS policies back into planner types."""

from dataplane.apply.adopt import acl_from_policy, acls_of, ipsets_of
from dataplane.plan.requests import AclSpec, IpSetSpec


def test_acl_round_trips_through_hns_document() -> None:
    acl = AclSpec(
        id="p1-in-0",
        action="Allow",
        direction="In",
        priority=1200,
        protocols="6",
        remote_addresses="s-abc",
        local_ports="80,8000-8080",
    )
    assert acl_from_policy(acl.to_policy()) == acl


def test_set_round_trips_through_hns_document() -> None:
    spec = IpSetSpec(id="s-1", name="app=web", values=("10.0.0.1/32", "10.0.0.2/32"))
    assert ipsets_of([spec.to_policy()]) == [spec]


def test_foreign_and_malformed_policies_are_skipped() -> None:
    docs = [
        {"Type": "OutBoundNAT", "Settings": {}},
        {"Type": "ACL", "Settings": {"Action": "Allow"}},  # no Id, no Priority
        {"Type": "ACL", "Settings": "not a mapping"},
        {"Type": "ACL"},
        {"Type": "ACL", "Settings": {"Id": "x", "Priority": "high"}},
    ]
    assert acls_of(docs) == []
    assert ipsets_of([{"Type": "SetPolicy", "Settings": {"Id": "s", "Values": 5}}]) == []


def test_missing_optional_fields_default_to_any() -> None:
    acl = acl_from_policy(
        {
            "Type": "ACL",
            "Settings": {"Id": "a", "Priority": 7, "Action": "Block", "Direction": "Out"},
        }
    )
    assert acl == AclSpec(id="a", action="Block", direction="Out", priority=7)
