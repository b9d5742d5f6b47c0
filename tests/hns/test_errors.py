"""Every documented error path surfaces as an HnsError naming the call, HRESULT and record."""

from __future__ import annotations

import pickle
import sys
import uuid

import orjson
import pytest

from dataplane.hns import (
    BackendUnavailableError,
    HcnApi,
    HnsError,
    HnsProtocolError,
    ModifyRequest,
    has_references,
    is_already_exists,
    is_invalid_json,
    is_invalid_policy,
    is_not_found,
    is_policy_not_found,
    simulator,
)
from dataplane.hns._calls import HcnCalls
from dataplane.hns.errors import (
    E_INVALIDARG,
    HCN_E_ADDR_INVALID_OR_RESERVED,
    HCN_E_INVALID_IP,
    HCN_E_INVALID_POLICY,
)
from dataplane.hns.schema import parse_endpoint, parse_id_list, parse_network, parse_version
from tests.hns.conftest import acl, add, ipset, remove, update

pytestmark = pytest.mark.classic


@pytest.fixture
def endpoint(api: HcnApi, network: str) -> str:
    return api.create_endpoint(network, "ep", ["10.0.0.5"])


def _error(call: object, *args: object) -> HnsError:
    with pytest.raises(HnsError) as info:
        call(*args)  # type: ignore[operator]
    return info.value


def test_malformed_json_is_invalid_json_with_an_error_record(
    api: HcnApi, endpoint: str, calls: HcnCalls
) -> None:
    handle = calls.open_endpoint(uuid.UUID(endpoint))
    err = _error(calls.modify_endpoint, handle, '{"ResourceType":"Policy",')
    calls.close_endpoint(handle)
    assert is_invalid_json(err)
    assert err.call == "HcnModifyEndpoint"
    assert err.hresult == 0x803B001B and err.hresult_hex == "0x803b001b"
    assert err.name == "HCN_E_INVALID_JSON"
    record = orjson.loads(err.record)
    assert record["Success"] is False
    assert record["ErrorCode"] == 0x803B001B
    assert "invalid JSON" in record["Error"] and err.message == record["Error"]
    assert "HcnModifyEndpoint failed with HRESULT 0x803b001b HCN_E_INVALID_JSON" in str(err)


def test_unknown_ids_are_not_found(api: HcnApi, network: str) -> None:
    ghost = str(uuid.uuid4())
    for call in (api.query_endpoint, api.delete_endpoint):
        err = _error(call, ghost)
        assert is_not_found(err) and err.hresult == 0x803B0002
    for call in (api.query_network, api.delete_network):
        err = _error(call, ghost)
        assert is_not_found(err) and err.hresult == 0x803B0001
    err = _error(api.create_endpoint, ghost, "ep", ["10.0.0.1"])
    assert err.call == "HcnOpenNetwork" and is_not_found(err)


def test_remove_unknown_acl_is_policy_not_found(api: HcnApi, endpoint: str) -> None:
    err = _error(api.modify_endpoint, endpoint, remove(acl("ghost", "Allow", "In", 1)))
    assert is_policy_not_found(err) and not is_not_found(err)
    assert err.hresult == 0x803B0008


def test_add_existing_acl_id_already_exists(api: HcnApi, endpoint: str) -> None:
    api.modify_endpoint(endpoint, add(acl("a", "Allow", "In", 1)))
    err = _error(api.modify_endpoint, endpoint, add(acl("a", "Block", "Out", 2)))
    assert is_already_exists(err) and err.hresult == 0x803B0012


@pytest.mark.parametrize(
    ("fields", "hresult"),
    [
        ({"Priority": 0}, HCN_E_INVALID_POLICY),
        ({"Priority": 65501}, HCN_E_INVALID_POLICY),
        ({"Priority": "100"}, HCN_E_INVALID_POLICY),
        ({"Action": "Pass"}, HCN_E_INVALID_POLICY),
        ({"Direction": "Both"}, HCN_E_INVALID_POLICY),
        ({"RuleType": "Kernel"}, HCN_E_INVALID_POLICY),
        ({"Protocols": "6,300"}, HCN_E_INVALID_POLICY),
        ({"LocalPorts": "99999"}, HCN_E_INVALID_POLICY),
        ({"RemotePorts": "90-80"}, HCN_E_INVALID_POLICY),
        ({"RemotePorts": "80,,81"}, HCN_E_INVALID_POLICY),
        ({"RemoteAddresses": "10.0.0.0/40"}, HCN_E_INVALID_IP),
        ({"LocalAddresses": "10.0.0.256"}, HCN_E_INVALID_IP),
        ({"RemoteAddresses": "no-such-set"}, HCN_E_INVALID_POLICY),
    ],
)
def test_invalid_acl_fields_are_invalid_policy(
    api: HcnApi, endpoint: str, fields: dict[str, object], hresult: int
) -> None:
    rule = acl("bad", "Allow", "In", 10)
    rule["Settings"].update(fields)
    err = _error(api.modify_endpoint, endpoint, add(acl("ok", "Allow", "In", 5), rule))
    assert is_invalid_policy(err) and err.hresult == hresult
    assert next(iter(fields)) in err.message  # the message names the field
    assert api.query_endpoint(endpoint).policies == ()  # all-or-nothing


def test_removing_a_referenced_set_has_references(api: HcnApi, network: str, endpoint: str) -> None:
    api.modify_network(network, add(ipset("s", "10.0.0.0/8"), ipset("n", "s", "NESTEDIPSET")))
    api.modify_endpoint(endpoint, add(acl("a", "Allow", "In", 10, RemoteAddresses="s")))
    err = _error(api.modify_network, network, remove(ipset("s", "")))
    assert has_references(err) and err.hresult == 0x803B002C
    api.modify_endpoint(endpoint, remove(acl("a", "Allow", "In", 10)))
    err = _error(api.modify_network, network, remove(ipset("s", "")))  # still in nested "n"
    assert has_references(err)
    api.modify_network(network, remove(ipset("n", "", "NESTEDIPSET"), ipset("s", "")))
    assert api.query_network(network).policies == ()


def test_set_errors(api: HcnApi, network: str) -> None:
    api.modify_network(network, add(ipset("s", "10.0.0.1")))
    assert is_already_exists(_error(api.modify_network, network, add(ipset("s", ""))))
    assert is_policy_not_found(_error(api.modify_network, network, update(ipset("t", ""))))
    assert is_policy_not_found(_error(api.modify_network, network, remove(ipset("t", ""))))
    assert is_invalid_policy(_error(api.modify_network, network, add(ipset("u", "1.2.3.999"))))
    assert is_invalid_policy(
        _error(api.modify_network, network, add(ipset("v", "x", "NESTEDIPSET")))
    )
    assert is_invalid_policy(_error(api.modify_network, network, add(ipset("w", "", "BOGUS"))))
    assert is_invalid_policy(_error(api.modify_network, network, add(acl("a", "Allow", "In", 1))))


def test_deleting_a_network_with_endpoints_has_references(api: HcnApi, network: str) -> None:
    endpoint = api.create_endpoint(network, "ep", ["10.0.0.5"])
    assert has_references(_error(api.delete_network, network))
    api.delete_endpoint(endpoint)
    api.delete_network(network)


def test_endpoint_settings_errors(api: HcnApi, network: str) -> None:
    api.create_endpoint(network, "a", ["10.0.0.5"])
    err = _error(api.create_endpoint, network, "b", ["10.0.0.5"])
    assert err.hresult == HCN_E_ADDR_INVALID_OR_RESERVED
    assert err.hresult == 2151350319  # the ErrorCode of HNS's "address invalid or reserved"
    err = _error(api.create_endpoint, network, "c", ["10.0.0.6"], 33)
    assert err.hresult == E_INVALIDARG


def test_unknown_request_and_resource_types(api: HcnApi, endpoint: str) -> None:
    err = _error(api.modify_endpoint, endpoint, ModifyRequest("Port", "Add", []))
    assert err.hresult == E_INVALIDARG and "ResourceType" in err.message


def test_errors_pickle_round_trip() -> None:
    err = HnsError("HcnOpenEndpoint", -2143617022, '{"Success":false,"Error":"gone","ErrorCode":1}')
    again = pickle.loads(pickle.dumps(err))
    assert (again.call, again.hresult, again.message) == ("HcnOpenEndpoint", 0x803B0002, "gone")
    proto = pickle.loads(pickle.dumps(HnsProtocolError("HcnX", "State", "not an integer")))
    assert (proto.call, proto.field, proto.detail) == ("HcnX", "State", "not an integer")


def _endpoint_doc(**fields: object) -> str:
    doc = {"ID": str(uuid.uuid4()), "HostComputeNetwork": str(uuid.uuid4()), **fields}
    return orjson.dumps({k: v for k, v in doc.items() if v is not None}).decode()


@pytest.mark.parametrize(
    ("parse", "text", "field"),
    [
        (parse_endpoint, "not json", "<document>"),
        (parse_endpoint, "[]", "<document>"),
        (parse_endpoint, _endpoint_doc(ID=None), "ID"),
        (parse_endpoint, _endpoint_doc(ID="nope"), "ID"),
        (parse_endpoint, _endpoint_doc(HostComputeNetwork=7), "HostComputeNetwork"),
        (parse_endpoint, _endpoint_doc(State="1"), "State"),
        (parse_endpoint, _endpoint_doc(Policies=[1]), "Policies"),
        (parse_endpoint, _endpoint_doc(IpConfigurations=[{}]), "IpConfigurations"),
        (parse_network, orjson.dumps({"ID": str(uuid.uuid4()), "Name": 7}).decode(), "Name"),
        (parse_version, '{"Success":false}', "Output"),
        (parse_version, '{"Success":true,"Output":{"Major":"15","Minor":0}}', "Output.Major/Minor"),
    ],
)
def test_malformed_answers_raise_protocol_errors(parse: object, text: str, field: str) -> None:
    with pytest.raises(HnsProtocolError) as info:
        parse(text)  # type: ignore[operator]
    assert info.value.field == field
    assert isinstance(info.value, HnsError)


def test_parsing_tolerates_unknown_fields() -> None:
    endpoint_id, network_id = uuid.uuid4(), uuid.uuid4()
    text = orjson.dumps(
        {
            "ID": str(endpoint_id).upper(),
            "HostComputeNetwork": str(network_id),
            "Future": {"x": 1},
            "IpConfigurations": [{"IpAddress": "10.0.0.1", "PrefixLength": 24, "New": True}],
        }
    ).decode()
    info = parse_endpoint(text)
    assert info.id == str(endpoint_id) and info.ip_addresses == ("10.0.0.1",) and info.state == 0
    with pytest.raises(HnsProtocolError):
        parse_id_list('["not-a-guid"]', "HcnEnumerateEndpoints")
    assert parse_id_list("null", "HcnEnumerateEndpoints") == []


def test_dll_backend_off_windows_is_a_clear_error() -> None:
    if sys.platform == "win32":
        pytest.skip("the DLL exists on Windows")
    with pytest.raises(BackendUnavailableError, match="Windows"):
        HcnApi("dll")
    with pytest.raises(ValueError, match="backend"):
        HcnApi("wasm")


def test_invalid_guid_arguments_raise_value_error(api: HcnApi) -> None:
    with pytest.raises(ValueError, match="GUID"):
        api.query_endpoint("pod-1")


def test_classify_errors(api: HcnApi, endpoint: str) -> None:
    assert (
        _error(simulator.classify, str(uuid.uuid4()), "In", 6, None, 1, "1.2.3.4", 2).hresult
        == 0x803B0002
    )
    assert (
        _error(simulator.classify, endpoint, "In", 6, None, 1, "1.2.3", 2).hresult
        == HCN_E_INVALID_IP
    )
    assert (
        _error(simulator.classify, endpoint, "In", 6, None, 1, "fd00::1", 2).hresult
        == HCN_E_INVALID_IP
    )
    assert (
        _error(simulator.classify, endpoint, "In", 6, None, 70000, "1.2.3.4", 2).hresult
        == E_INVALIDARG
    )
    with pytest.raises(ValueError):
        simulator.classify(endpoint, "Up", 6, None, 1, "1.2.3.4", 2)


def test_hns_call_failures_are_errors(api: HcnApi, calls: HcnCalls) -> None:
    err = _error(calls.hns_call, "GET", "/networks", "")
    assert err.call == "HNSCall" and err.name == "E_NOTIMPL"
    assert "globals/version" in err.message
