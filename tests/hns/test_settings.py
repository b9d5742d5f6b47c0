"""Simulator settings: each quirk of HNS as the field reports it, checked switched on and off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from dataplane.hns import (
    HcnApi,
    HnsError,
    ModifyRequest,
    Verdict,
    is_invalid_json,
    is_invalid_policy,
    simulator,
)
from tests.hns.conftest import acl, add, ipset, remove, update

NAT = {"Type": "OutBoundNAT", "Settings": {"Exceptions": ["10.0.0.0/8"]}}


def host_rule(direction: str, **fields: Any) -> dict[str, Any]:
    settings = {"Action": "Allow", "Direction": direction, "RuleType": "Host", "Priority": 0}
    settings.update(fields)
    return {"Type": "ACL", "Settings": settings}


def allowed(endpoint: str, direction: str, remote: str, local: str | None = None) -> bool:
    return simulator.classify(endpoint, direction, 6, local, 80, remote, 40000).allowed


def types_of(api: HcnApi, endpoint: str) -> list[str]:
    return [p["Type"] for p in api.query_endpoint(endpoint).policies]


@pytest.fixture
def ep(api: HcnApi, network: str) -> str:
    return api.create_endpoint(network, "ep", ["10.0.0.5"])


# -- the table ----------------------------------------------------------------------------------


def test_every_setting_has_its_default_after_reset_and_configure(api: HcnApi) -> None:
    defaults = {name: s.default for name, s in simulator.setting_table().items()}
    assert set(defaults) == {"update", "acl_remove", "set_side", "host_rules", "schema"}
    for name, entry in simulator.setting_table().items():
        other = next(c for c in entry.choices if c != entry.default)
        simulator.set_setting(name, other)
        assert simulator.settings()[name] == other
    simulator.reset()
    assert simulator.settings() == defaults
    simulator.configure(settings={"set_side": "npm"})
    assert simulator.settings() == {**defaults, "set_side": "npm"}
    simulator.configure()
    assert simulator.settings() == defaults


def test_the_docs_table_lists_every_setting_with_its_values_and_default() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "hns.md").read_text()
    rows = {
        cells[1].strip("` "): cells[2]
        for line in text.split("## Simulator settings")[1].splitlines()
        if (cells := line.split("|")) and len(cells) > 3 and cells[1].strip().startswith("`")
    }
    table = simulator.setting_table()
    assert set(rows) == set(table)
    for name, entry in table.items():
        values = [v.strip("` ") for v in rows[name].split(",")]
        assert values[0] == entry.default, f"docs/hns.md: {name} default"
        assert sorted(values) == sorted(entry.choices), name


def test_unknown_settings_and_values_are_refused_and_change_nothing(api: HcnApi) -> None:
    before = simulator.settings()
    with pytest.raises(ValueError, match="unknown simulator setting"):
        simulator.set_setting("updates", "all")
    with pytest.raises(ValueError, match="not one of by_type, all"):
        simulator.set_setting("update", "All")
    with pytest.raises(ValueError):
        simulator.configure(settings={"update": "all", "schema": "loose"})
    assert simulator.settings() == before


# -- update ---------------------------------------------------------------------------------------


def test_update_by_type_keeps_other_policy_types(api: HcnApi, ep: str) -> None:
    simulator.set_setting("update", "by_type")
    api.modify_endpoint(ep, add(NAT, acl("a", "Allow", "In", 100)))
    api.modify_endpoint(ep, update(acl("b", "Allow", "In", 100)))
    assert types_of(api, ep) == ["OutBoundNAT", "ACL"]
    api.modify_endpoint(ep, update())
    assert types_of(api, ep) == ["OutBoundNAT"]


def test_update_all_replaces_every_policy_of_the_endpoint(api: HcnApi, ep: str) -> None:
    simulator.set_setting("update", "all")
    api.modify_endpoint(ep, add(NAT, acl("a", "Allow", "In", 100)))
    api.modify_endpoint(ep, update(acl("b", "Allow", "In", 100)))
    assert types_of(api, ep) == ["ACL"]  # the CNI's NAT is gone: the agent must carry it
    api.modify_endpoint(ep, update(NAT, acl("c", "Allow", "In", 100)))
    assert types_of(api, ep) == ["OutBoundNAT", "ACL"]
    api.modify_endpoint(ep, update())
    assert types_of(api, ep) == []


# -- acl_remove -----------------------------------------------------------------------------------


def test_acl_remove_honoured_removes_the_acl(api: HcnApi, ep: str) -> None:
    simulator.set_setting("acl_remove", "honoured")
    simulator.set_setting("host_rules", "ignored")
    api.modify_endpoint(ep, add(acl("a", "Block", "In", 100), acl("b", "Allow", "In", 200)))
    api.modify_endpoint(ep, remove(acl("a", "Block", "In", 100)))
    assert allowed(ep, "In", "1.2.3.4")
    assert simulator.counters()["acls_removed"] == 1


def test_acl_remove_ignored_succeeds_and_leaves_the_acl(api: HcnApi, ep: str) -> None:
    simulator.set_setting("acl_remove", "ignored")
    api.modify_endpoint(ep, add(NAT, acl("a", "Block", "In", 100), acl("b", "Allow", "In", 200)))
    api.modify_endpoint(ep, remove(acl("a", "Block", "In", 100), acl("ghost", "Allow", "In", 1)))
    assert not allowed(ep, "In", "1.2.3.4")
    assert [p["Settings"].get("Id") for p in api.query_endpoint(ep).policies] == [
        None,
        "a",
        "b",
    ]
    assert simulator.counters()["acls_removed"] == 0
    api.modify_endpoint(ep, remove(NAT))  # other policies still go
    assert types_of(api, ep) == ["ACL", "ACL"]


# -- set_side -------------------------------------------------------------------------------------


@pytest.fixture
def set_rules(api: HcnApi, network: str, ep: str) -> str:
    """An ingress allow naming its peers by set in LocalAddresses (NPM), one by literal in
    RemoteAddresses (Felix), an egress allow by set in RemoteAddresses, and a catch-all block
    (no Host rules: they are not what these tests are about)."""
    simulator.set_setting("host_rules", "ignored")
    api.modify_network(network, add(ipset("peers", "10.1.0.0/16"), ipset("dst", "10.2.0.0/16")))
    api.modify_endpoint(
        ep,
        add(
            acl("in-set", "Allow", "In", 100, LocalAddresses="peers"),
            acl("in-literal", "Allow", "In", 101, RemoteAddresses="10.3.0.7"),
            acl("out-set", "Allow", "Out", 100, RemoteAddresses="dst"),
            acl("deny-in", "Block", "In", 1000),
            acl("deny-out", "Block", "Out", 1000),
        ),
    )
    return ep


def test_set_side_npm_sets_name_the_source_in_local_addresses(set_rules: str) -> None:
    simulator.set_setting("set_side", "npm")
    assert allowed(set_rules, "In", "10.1.2.3")  # the peer is the source: LocalAddresses
    assert not allowed(set_rules, "In", "10.9.9.9")
    assert allowed(set_rules, "In", "10.3.0.7")  # literals stay endpoint-relative
    assert allowed(set_rules, "Out", "10.2.0.1")  # egress: the destination, RemoteAddresses
    assert not allowed(set_rules, "Out", "10.1.2.3")


def test_set_side_npm_matches_a_destination_set_in_remote_addresses_inbound(
    api: HcnApi, network: str, ep: str
) -> None:
    simulator.set_setting("set_side", "npm")
    simulator.set_setting("host_rules", "ignored")
    api.modify_network(network, add(ipset("me", "10.0.0.5")))
    api.modify_endpoint(
        ep,
        add(
            acl("to-me", "Allow", "In", 100, RemoteAddresses="me"), acl("deny", "Block", "In", 900)
        ),
    )
    assert allowed(ep, "In", "172.16.0.1")
    assert not allowed(ep, "In", "172.16.0.1", local="10.0.0.6")


def test_set_side_felix_sets_are_endpoint_relative_like_literals(set_rules: str) -> None:
    simulator.set_setting("set_side", "felix")
    assert not allowed(set_rules, "In", "10.1.2.3")  # LocalAddresses is the endpoint itself
    assert allowed(set_rules, "In", "10.3.0.7")
    assert allowed(set_rules, "Out", "10.2.0.1")
    assert allowed(set_rules, "In", "10.1.2.3", local="10.1.0.9")


# -- host_rules -----------------------------------------------------------------------------------


def test_host_rules_required_blocks_a_direction_without_a_host_allow(api: HcnApi, ep: str) -> None:
    simulator.set_setting("host_rules", "required")
    assert allowed(ep, "In", "1.2.3.4")  # no ACL at all: everything passes
    api.modify_endpoint(ep, add(acl("in", "Allow", "In", 100), acl("out", "Allow", "Out", 100)))
    assert not allowed(ep, "In", "1.2.3.4") and not allowed(ep, "Out", "1.2.3.4")
    api.modify_endpoint(ep, add(host_rule("In")))
    assert allowed(ep, "In", "1.2.3.4") and not allowed(ep, "Out", "1.2.3.4")
    api.modify_endpoint(ep, add(host_rule("Out")))
    assert allowed(ep, "Out", "1.2.3.4")


def test_host_rules_required_a_host_block_wins_over_a_switch_allow(api: HcnApi, ep: str) -> None:
    simulator.set_setting("host_rules", "required")
    api.modify_endpoint(
        ep,
        add(
            acl("in", "Allow", "In", 100),
            host_rule("In", Priority=5),
            acl("host-no", "Block", "In", 1, RuleType="Host", RemoteAddresses="6.6.6.6"),
        ),
    )
    assert allowed(ep, "In", "1.2.3.4")
    assert simulator.classify(ep, "In", 6, None, 80, "6.6.6.6", 1) == Verdict(False, "host-no")
    simulator.set_setting("host_rules", "ignored")
    assert simulator.classify(ep, "In", 6, None, 80, "6.6.6.6", 1) == Verdict(True, "in")


def test_host_rules_required_only_on_l2bridge_and_overlay(api: HcnApi) -> None:
    simulator.set_setting("host_rules", "required")
    for kind, filtered in (
        ("L2Bridge", True),
        ("Overlay", True),
        ("NAT", False),
        ("L2Tunnel", False),
    ):
        net = api.create_network(f"net-{kind}", kind)
        endpoint = api.create_endpoint(net, "ep", ["10.0.0.5"])
        api.modify_endpoint(endpoint, add(acl("in", "Allow", "In", 100)))
        assert allowed(endpoint, "In", "1.2.3.4") is not filtered, kind


def test_host_rules_ignored_host_acls_do_not_filter(api: HcnApi, ep: str) -> None:
    simulator.set_setting("host_rules", "ignored")
    api.modify_endpoint(ep, add(acl("in", "Allow", "In", 100)))
    assert allowed(ep, "In", "1.2.3.4")
    api.modify_endpoint(ep, add(acl("host-no", "Block", "In", 1, RuleType="Host")))
    assert allowed(ep, "In", "1.2.3.4")


# -- host rule priority (AclNoHostRulePriority, HNS 7.2+) -----------------------------------------


def test_host_rules_may_have_priority_zero_or_none_from_7_2(api: HcnApi, ep: str) -> None:
    api.modify_endpoint(ep, add(host_rule("In"), host_rule("Out", Priority=None)))
    with pytest.raises(HnsError) as info:
        api.modify_endpoint(ep, add(acl("switch-zero", "Allow", "In", 0)))
    assert is_invalid_policy(info.value) and "1..65500" in info.value.message
    simulator.configure(version=(7, 1))
    with pytest.raises(HnsError) as info:
        api.modify_endpoint(ep, add(host_rule("In")))
    assert is_invalid_policy(info.value)
    api.modify_endpoint(ep, add(host_rule("In", Priority=100)))


# -- schema ---------------------------------------------------------------------------------------

STRICT_ONLY_REFUSED: list[tuple[str, Any, str]] = [
    ("unknown ACL field", add(acl("a", "Allow", "In", 100, Comment="x")), "invalid_json"),
    ("lowercase Action", add(acl("a", "allow", "In", 100)), "invalid_policy"),
    ("uppercase Direction", add(acl("a", "Allow", "IN", 100)), "invalid_policy"),
    ("lowercase RuleType", add(acl("a", "Allow", "In", 100, RuleType="switch")), "invalid_policy"),
    (
        "Protocols as a JSON number",
        add(acl("a", "Allow", "In", 100, Protocols=6)),
        "invalid_policy",
    ),
    ("ports as a JSON number", add(acl("a", "Allow", "In", 100, LocalPorts=80)), "invalid_policy"),
    ("lowercase policy Type", add({**acl("a", "Allow", "In", 100), "Type": "acl"}), "invalid_json"),
    ("lowercase RequestType", ModifyRequest("Policy", "Add", ()), "invalid_arg"),
]


def _send(api: HcnApi, endpoint: str, request: ModifyRequest, mutate: bool) -> None:
    if not mutate:
        api.modify_endpoint(endpoint, request)
        return
    doc = orjson.loads(request.to_json())
    doc["RequestType"] = "add"
    api.modify_endpoint(endpoint, _Raw(orjson.dumps(doc).decode()))  # type: ignore[arg-type]


class _Raw:
    """A request whose JSON is given as is."""

    def __init__(self, text: str) -> None:
        self.text = text

    def to_json(self) -> str:
        return self.text


@pytest.mark.parametrize("case", STRICT_ONLY_REFUSED, ids=[c[0] for c in STRICT_ONLY_REFUSED])
def test_strict_schema_refuses_what_lenient_accepts(
    api: HcnApi, ep: str, case: tuple[str, Any, str]
) -> None:
    _, request, kind = case
    mutate = kind == "invalid_arg"
    simulator.set_setting("schema", "strict")
    with pytest.raises(HnsError) as info:
        _send(api, ep, request, mutate)
    assert info.value.record and '"Success":false' in info.value.record
    if kind == "invalid_json":
        assert is_invalid_json(info.value)
    elif kind == "invalid_policy":
        assert is_invalid_policy(info.value)
    else:
        assert info.value.hresult == 0x80070057
    assert api.query_endpoint(ep).policies == ()
    simulator.set_setting("schema", "lenient")
    _send(api, ep, request, mutate)


def test_strict_schema_refuses_unknown_fields_of_requests_and_set_policies(
    api: HcnApi, network: str, ep: str
) -> None:
    simulator.set_setting("schema", "strict")
    bad_set = ipset("s", "10.0.0.1")
    bad_set["Settings"]["Members"] = "x"
    with pytest.raises(HnsError) as info:
        api.modify_network(network, add(bad_set))
    assert is_invalid_json(info.value) and "Members" in info.value.message
    doc = orjson.loads(add(acl("a", "Allow", "In", 100)).to_json())
    doc["Extra"] = 1
    with pytest.raises(HnsError) as info:
        api.modify_endpoint(ep, _Raw(orjson.dumps(doc).decode()))  # type: ignore[arg-type]
    assert is_invalid_json(info.value) and "Extra" in info.value.message
    api.modify_network(network, add(ipset("s", "10.0.0.1")))
    api.modify_endpoint(ep, add(acl("a", "Allow", "In", 100, Protocols="6", LocalPorts="80")))
