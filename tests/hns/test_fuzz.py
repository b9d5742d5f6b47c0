"""Random and truncated documents at every JSON entry point never crash the simulator."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from dataplane.hns import HcnApi, HnsError, ModifyRequest, simulator
from dataplane.hns._backend import load_backend
from dataplane.hns._calls import HcnCalls
from tests.hns.conftest import acl, ipset


def _dumps(value: Any) -> str:
    """JSON text of value (stdlib: integers of any size, unlike orjson)."""
    return json.dumps(value, ensure_ascii=False)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)

VALID = [
    orjson.dumps(
        {
            "ResourceType": "Policy",
            "RequestType": "Add",
            "Settings": {
                "Policies": [
                    acl("z", "Allow", "In", 7, RemoteAddresses="10.0.0.0/8,s", LocalPorts="1-9,80")
                ]
            },
        }
    ).decode(),
    orjson.dumps(
        {
            "ResourceType": "Policy",
            "RequestType": "Update",
            "Settings": {"Policies": [ipset("s", "10.1.1.1,fd00::1")]},
        }
    ).decode(),
    orjson.dumps(
        {
            "SchemaVersion": {"Major": 2, "Minor": 0},
            "Flags": 0,
            "Filter": orjson.dumps({"Name": "x", "State": 1}).decode(),
        }
    ).decode(),
    orjson.dumps(
        {
            "Name": "n",
            "Type": "NAT",
            "IpConfigurations": [{"IpAddress": "10.9.9.9"}],
            "Policies": [ipset("q", "")],
        }
    ).decode(),
]

# Documents shaped like requests, with random values where HNS expects specific ones.
shaped = st.fixed_dictionaries(
    {
        "ResourceType": st.sampled_from(["Policy", "policy", "Endpoint"]) | json_values,
        "RequestType": st.sampled_from(["Add", "Remove", "Update", "Refresh"]) | json_values,
        "Settings": st.fixed_dictionaries(
            {
                "Policies": st.lists(
                    st.fixed_dictionaries(
                        {
                            "Type": st.sampled_from(["ACL", "SetPolicy", "Other"]) | json_values,
                            "Settings": st.dictionaries(
                                st.sampled_from(
                                    [
                                        "Id",
                                        "Action",
                                        "Direction",
                                        "Priority",
                                        "Protocols",
                                        "LocalPorts",
                                        "RemotePorts",
                                        "LocalAddresses",
                                        "RemoteAddresses",
                                        "RuleType",
                                        "PolicyType",
                                        "Values",
                                        "Name",
                                    ]
                                ),
                                json_values
                                | st.sampled_from(
                                    [
                                        "Allow",
                                        "Block",
                                        "In",
                                        "Out",
                                        "6",
                                        "1-2",
                                        "10.0.0.0/8",
                                        "s",
                                        "IPSET",
                                        "NESTEDIPSET",
                                        "",
                                        "256",
                                    ]
                                ),
                            )
                            | json_values,
                        }
                    ),
                    max_size=4,
                )
            }
        )
        | json_values,
    }
).map(_dumps)

documents = (
    st.text(max_size=200)
    | json_values.map(_dumps)
    | shaped
    | st.tuples(st.sampled_from(VALID), st.integers(0, 400)).map(lambda t: t[0][: t[1]])
    | st.tuples(st.sampled_from(VALID), st.integers(0, 400), st.characters()).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :]
    )
)


class _Target:
    """One network and endpoint, and the raw calls that take a JSON argument."""

    def __init__(self) -> None:
        simulator.reset()
        self.api = HcnApi("sim")
        self.calls = HcnCalls(load_backend("sim"))
        self.network = self.api.create_network("fuzz")
        self.endpoint = self.api.create_endpoint(self.network, "ep", ["10.0.0.1"])
        self.api.modify_network(self.network, ModifyRequest.of("Add", [ipset("s", "10.2.0.0/16")]))
        self.net_handle = self.calls.open_network(uuid.UUID(self.network))
        self.ep_handle = self.calls.open_endpoint(uuid.UUID(self.endpoint))

    def entry_points(self) -> list[Callable[[str], Any]]:
        c = self.calls
        return [
            lambda d: c.modify_endpoint(self.ep_handle, d),
            lambda d: c.modify_network(self.net_handle, d),
            c.enumerate_networks,
            c.enumerate_endpoints,
            lambda d: c.query_endpoint_properties(self.ep_handle, d),
            lambda d: c.query_network_properties(self.net_handle, d),
            self._create_network,
            self._create_endpoint,
            lambda d: c.hns_call(d, d, d),
        ]

    def _create_network(self, doc: str) -> None:
        new_id = uuid.uuid4()
        c = self.calls
        c.close_network(c.create_network(new_id, doc))
        c.delete_network(new_id)

    def _create_endpoint(self, doc: str) -> None:
        new_id = uuid.uuid4()
        c = self.calls
        c.close_endpoint(c.create_endpoint(self.net_handle, new_id, doc))
        c.delete_endpoint(new_id)

    def close(self) -> None:
        self.calls.close_endpoint(self.ep_handle)
        self.calls.close_network(self.net_handle)
        self.api.close()


@settings(max_examples=150)
@given(docs=st.lists(documents, min_size=1, max_size=9))
def test_json_entry_points_answer_or_fail_cleanly(docs: list[str]) -> None:
    target = _Target()
    try:
        for i, doc in enumerate(docs):
            entry = target.entry_points()[i % len(target.entry_points())]
            try:
                entry(doc)
            except HnsError as err:
                assert err.hresult >= 0x80000000
                if err.record:
                    record = orjson.loads(err.record)
                    assert record["Success"] is False and record["ErrorCode"] == err.hresult
        info = target.api.query_endpoint(target.endpoint)  # the simulator is still coherent
        assert info.id == target.endpoint
        target.api.query_network(target.network)
    finally:
        target.close()


@settings(max_examples=100)
@given(
    text=st.text(
        alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF) | st.characters(),
        min_size=1,
        max_size=40,
    )
)
def test_unpaired_surrogates_are_invalid_json_not_a_crash(text: str) -> None:
    target = _Target()
    try:
        for entry in target.entry_points()[:7]:
            try:
                entry(text)
            except HnsError as err:
                assert err.hresult in (
                    0x803B001B,
                    0x80070057,
                    0x803B000D,
                    0x803B001E,
                    0x803B0008,
                    0x803B0012,
                    0x800700B7,
                    0x803B002F,
                    0x803B002C,
                )
    finally:
        target.close()
