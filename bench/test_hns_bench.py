"""Simulator throughput: 1-ACL modifies per second and classifications against 100 ACLs.

The modify benchmarks alternate Add and Remove of one ACL on one endpoint, so the
state stays constant (the simulator honours ``Remove`` here: its default ignores it, as
HNS is reported to); ``raw`` calls ``HcnModifyEndpoint`` through the cffi layer
only, ``api`` goes through ``HcnApi`` (JSON encoding, cached handle, error check).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from dataplane.hns import HcnApi, ModifyRequest, simulator
from dataplane.hns._backend import load_backend
from dataplane.hns._calls import HcnCalls

ACLS = 100
CLASSIFY_BATCH = 1_000
ACL = {
    "Type": "ACL",
    "Settings": {
        "Id": "bench",
        "Action": "Allow",
        "Direction": "In",
        "Priority": 100,
        "Protocols": "6",
        "LocalPorts": "80",
        "RemoteAddresses": "10.1.0.0/16",
        "RuleType": "Switch",
    },
}
ADD = ModifyRequest.of("Add", [ACL])
REMOVE = ModifyRequest.of("Remove", [ACL])


@pytest.fixture
def node() -> Iterator[tuple[HcnApi, str, str]]:
    simulator.reset()
    simulator.set_setting("acl_remove", "honoured")
    api = HcnApi("sim")
    network = api.create_network("bench")
    endpoint = api.create_endpoint(network, "ep", ["10.0.0.5"])
    yield api, network, endpoint
    api.close()
    simulator.reset()


def _per_second(benchmark: BenchmarkFixture, operations: int) -> None:
    if benchmark.stats is None:  # --benchmark-disable: the body ran once, nothing timed
        return
    mean = benchmark.stats.stats.mean
    benchmark.extra_info["operations_per_second"] = round(operations / mean) if mean else None


def test_modify_one_acl_api(benchmark: BenchmarkFixture, node: tuple[HcnApi, str, str]) -> None:
    api, _, endpoint = node
    requests = itertools.cycle((ADD, REMOVE))
    benchmark(lambda: api.modify_endpoint(endpoint, next(requests)))
    _per_second(benchmark, 1)
    assert simulator.counters()["calls"]["HcnOpenEndpoint"] == 0  # one HCN call per modify


def test_modify_one_acl_raw(benchmark: BenchmarkFixture, node: tuple[HcnApi, str, str]) -> None:
    _, _, endpoint = node
    calls = HcnCalls(load_backend("sim"))
    handle = calls.open_endpoint(uuid.UUID(endpoint))
    texts = itertools.cycle((ADD.to_json(), REMOVE.to_json()))
    benchmark(lambda: calls.modify_endpoint(handle, next(texts)))
    _per_second(benchmark, 1)
    calls.close_endpoint(handle)


def test_classify_against_100_acls(
    benchmark: BenchmarkFixture, node: tuple[HcnApi, str, str]
) -> None:
    api, network, endpoint = node
    api.modify_network(
        network,
        ModifyRequest.of(
            "Add",
            [
                {
                    "Type": "SetPolicy",
                    "Settings": {
                        "Id": "peers",
                        "Name": "peers",
                        "PolicyType": "IPSET",
                        "Values": ",".join(f"10.2.{i // 250}.{i % 250 + 1}" for i in range(1000)),
                    },
                }
            ],
        ),
    )
    rules = [
        {
            "Type": "ACL",
            "Settings": {
                "Id": f"r{i}",
                "Action": "Allow" if i % 3 else "Block",
                "Direction": "In",
                "Priority": 1000 + i,
                "Protocols": "6",
                "LocalPorts": str(1000 + i),
                # An ingress peer set names the source: LocalAddresses (npm set side).
                **({"LocalAddresses": "peers"} if i % 2 else {"RemoteAddresses": f"10.3.{i}.0/24"}),
                "RuleType": "Switch",
            },
        }
        for i in range(ACLS - 1)
    ]
    rules.append(
        {
            "Type": "ACL",
            "Settings": {
                "Id": "deny",
                "Action": "Block",
                "Direction": "In",
                "Priority": 65500,
                "RuleType": "Switch",
            },
        }
    )
    # The host firewall layer passes the traffic the switch ACLs allow (L2Bridge).
    rules.append(
        {
            "Type": "ACL",
            "Settings": {
                "Id": "host-in",
                "Action": "Allow",
                "Direction": "In",
                "Priority": 0,
                "RuleType": "Host",
            },
        }
    )
    api.modify_endpoint(endpoint, ModifyRequest.of("Add", rules))
    packets = [(1000 + i % ACLS, f"10.2.{i % 4}.{i % 250 + 1}") for i in range(CLASSIFY_BATCH)]

    def batch() -> int:
        return sum(
            simulator.classify(endpoint, "In", 6, None, port, remote, 40000).allowed
            for port, remote in packets
        )

    allowed = benchmark(batch)
    assert 0 < allowed < CLASSIFY_BATCH
    _per_second(benchmark, CLASSIFY_BATCH)
