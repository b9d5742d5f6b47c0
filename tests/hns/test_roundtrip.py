"""Networks, endpoints, ACLs and IP sets round-trip through the binding and the simulator."""

from __future__ import annotations

import uuid

import orjson
import pytest

from dataplane.hns import EndpointSettings, HcnApi, ModifyRequest, QueryDocument, simulator
from dataplane.hns.schema import wire_policy
from tests.hns.conftest import acl, add, ipset, remove, update

pytestmark = pytest.mark.classic


def test_network_round_trip(api: HcnApi) -> None:
    network_id = api.create_network("réseau-网络-🛰", type="NAT")
    info = api.query_network(network_id)
    assert info.id == network_id
    assert info.name == "réseau-网络-🛰"
    assert info.type == "NAT"
    assert info.policies == ()
    assert api.enumerate_networks() == [network_id]
    assert api.enumerate_networks({"Name": "réseau-网络-🛰"}) == [network_id]
    assert api.enumerate_networks({"Name": "other"}) == []
    assert api.enumerate_networks({"ID": network_id.upper()}) == [network_id]


def test_network_with_given_id_and_delete(api: HcnApi) -> None:
    wanted = str(uuid.uuid4())
    assert api.create_network("n", id="{" + wanted.upper() + "}") == wanted
    api.delete_network(wanted)
    assert api.enumerate_networks() == []
    assert api.open_handles == 0


def test_endpoint_round_trip(api: HcnApi, network: str) -> None:
    endpoint_id = api.create_endpoint(network, "pod-ünïcode-名", ["10.0.0.5", "fd00::5"])
    info = api.query_endpoint(endpoint_id)
    assert info.id == endpoint_id
    assert info.name == "pod-ünïcode-名"
    assert info.network_id == network
    assert info.ip_addresses == ("10.0.0.5", "fd00::5")
    assert info.state == 1
    assert info.policies == ()
    assert api.enumerate_endpoints() == [endpoint_id]
    assert api.enumerate_endpoints(network) == [endpoint_id]
    assert api.list_endpoints(network) == [info]


def test_enumerate_endpoints_filters_by_network(api: HcnApi) -> None:
    first, second = api.create_network("a"), api.create_network("b")
    in_first = api.create_endpoint(first, "x", ["10.0.0.1"])
    in_second = api.create_endpoint(second, "y", ["10.0.0.1"])  # same IP, other network: fine
    assert api.enumerate_endpoints(first) == [in_first]
    assert api.enumerate_endpoints(second) == [in_second]
    assert sorted(api.enumerate_endpoints()) == sorted([in_first, in_second])
    assert [e.id for e in api.list_endpoints(second)] == [in_second]


def test_acls_are_returned_exactly_as_programmed(api: HcnApi, network: str) -> None:
    endpoint_id = api.create_endpoint(network, "ep", ["10.0.0.5"])
    rules = [
        acl(
            "web-in",
            "Allow",
            "In",
            100,
            Protocols="6",
            LocalPorts="80,8000-8080",
            RemoteAddresses="10.1.0.0/16,10.2.0.7",
            LocalAddresses="",
            RemotePorts="",
        ),
        acl("deny-in", "Block", "In", 65500),
    ]
    api.modify_endpoint(endpoint_id, add(*rules))
    sent = tuple(wire_policy(r) for r in rules)  # the empty fields are not sent
    assert "LocalAddresses" not in sent[0]["Settings"]
    assert api.query_endpoint(endpoint_id).policies == sent


def test_acl_add_remove_update(api: HcnApi, network: str) -> None:
    endpoint_id = api.create_endpoint(network, "ep", ["10.0.0.5"])
    api.modify_endpoint(endpoint_id, add(acl("a", "Allow", "In", 10), acl("b", "Block", "In", 20)))
    api.modify_endpoint(endpoint_id, remove(acl("a", "Allow", "In", 10)))
    assert [p["Settings"]["Id"] for p in api.query_endpoint(endpoint_id).policies] == ["b"]
    api.modify_endpoint(
        endpoint_id, update(acl("c", "Allow", "Out", 5), acl("d", "Block", "Out", 6))
    )
    assert [p["Settings"]["Id"] for p in api.query_endpoint(endpoint_id).policies] == ["c", "d"]
    api.modify_endpoint(endpoint_id, ModifyRequest("Policy", "Refresh"))
    assert len(api.query_endpoint(endpoint_id).policies) == 2
    api.modify_endpoint(endpoint_id, update())
    assert api.query_endpoint(endpoint_id).policies == ()


def test_update_keeps_policies_of_other_types(api: HcnApi, network: str) -> None:
    endpoint_id = api.create_endpoint(network, "ep", ["10.0.0.5"])
    nat = {"Type": "OutBoundNAT", "Settings": {"Exceptions": ["10.0.0.0/8"]}}
    api.modify_endpoint(endpoint_id, add(nat, acl("a", "Allow", "In", 10)))
    api.modify_endpoint(endpoint_id, update(acl("b", "Allow", "In", 11)))
    assert api.query_endpoint(endpoint_id).policies == (nat, acl("b", "Allow", "In", 11))


def test_sets_add_update_remove(api: HcnApi, network: str) -> None:
    api.modify_network(network, add(ipset("web", "10.0.1.0/24,10.0.2.7"), ipset("db", "")))
    api.modify_network(network, add(ipset("all", "web,db", "NESTEDIPSET")))
    assert api.query_network(network).policies == (
        ipset("web", "10.0.1.0/24,10.0.2.7"),
        wire_policy(ipset("db", "")),  # sent without its empty Values
        ipset("all", "web,db", "NESTEDIPSET"),
    )
    api.modify_network(network, update(ipset("db", "10.0.3.3")))
    assert api.query_network(network).policies[1] == ipset("db", "10.0.3.3")
    api.modify_network(network, remove(ipset("all", "", "NESTEDIPSET"), ipset("web", "")))
    assert api.query_network(network).policies == (ipset("db", "10.0.3.3"),)


def test_modify_request_validates_request_type() -> None:
    with pytest.raises(ValueError, match="request_type"):
        ModifyRequest("Policy", "Replace", [])
    request = ModifyRequest("Policy", "Add", [acl("a", "Allow", "In", 1)])
    assert isinstance(request.policies, tuple)
    assert request.to_json().startswith('{"ResourceType":"Policy","RequestType":"Add","Settings":')


def test_query_document_carries_the_filter_as_a_string() -> None:
    text = QueryDocument({"Name": "x"}, flags=1).to_json()
    assert (
        text == '{"SchemaVersion":{"Major":2,"Minor":0},"Flags":1,"Filter":"{\\"Name\\":\\"x\\"}"}'
    )
    assert QueryDocument().to_json() == '{"SchemaVersion":{"Major":2,"Minor":0}}'


def test_version_and_features(api: HcnApi) -> None:
    simulator.configure(version=(13, 1))
    features = api.features
    assert str(features.version) == "13.1"
    assert features.set_policy and not features.nested_ip_set and features.ipv6
    simulator.configure(version=(11, 9))
    features = api.features
    assert not features.set_policy and not features.ipv6 and features.v2_api
    simulator.configure()
    assert api.features.nested_ip_set


def test_documents_omit_empty_fields_as_hcsshim_does(api: HcnApi, network: str) -> None:
    rule = acl("a", "Allow", "In", 0, RuleType="Host", Protocols="", LocalPorts="")
    nat = {"Type": "OutBoundNAT", "Settings": {"Exceptions": [], "VirtualIP": ""}}
    request = ModifyRequest("Policy", "Add", [nat, rule, ipset("empty", "")])
    assert orjson.loads(request.to_json())["Settings"]["Policies"] == [
        nat,  # not ours: carried verbatim
        {
            "Type": "ACL",
            "Settings": {
                "Id": "a",
                "Action": "Allow",
                "Direction": "In",
                "Priority": 0,  # numbers stay
                "RuleType": "Host",
            },
        },
        {"Type": "SetPolicy", "Settings": {"Id": "empty", "Name": "empty", "PolicyType": "IPSET"}},
    ]
    assert ModifyRequest("Policy", "Update", []).to_json() == (
        '{"ResourceType":"Policy","RequestType":"Update","Settings":{}}'
    )
    assert "IpConfigurations" not in EndpointSettings("e", network).to_json()
    endpoint = api.create_endpoint(network, "e", ["10.0.0.9"])
    api.modify_endpoint(endpoint, ModifyRequest("Policy", "Add", [rule]))
    assert api.query_endpoint(endpoint).policies[0]["Settings"]["Priority"] == 0
    api.modify_endpoint(endpoint, ModifyRequest("Policy", "Update", []))
    assert api.query_endpoint(endpoint).policies == ()
