"""The simulated CNI creates each pod's endpoint with an OutBoundNAT policy, as a real CNI does."""

from __future__ import annotations

import dataclasses

import pytest

from dataplane.apply.simcni import NAT_EXCEPTIONS, cni_policies
from dataplane.hns import HcnApi, simulator
from dataplane.model import Upsert, WorkloadEndpoint
from tests.agent.test_dataplane import CLUSTER, options, started, updates


def test_cni_policies_are_one_outbound_nat_with_the_cluster_exceptions() -> None:
    assert cni_policies() == (
        {"Type": "OutBoundNAT", "Settings": {"Exceptions": list(NAT_EXCEPTIONS)}},
    )


@pytest.mark.anyio
async def test_daemon_endpoints_carry_the_cni_nat_first() -> None:
    simulator.reset()
    async with started() as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        endpoint_id = dp.status()["endpoints"]["demo/api"]["hns_endpoint"]
        with HcnApi("sim") as api:
            policies = api.query_endpoint(endpoint_id).policies
    assert policies[0] == cni_policies()[0]
    assert [p["Type"] for p in policies[1:]] == ["ACL"] * (len(policies) - 1)


def enumerations() -> int:
    return int(simulator.counters()["calls"]["HcnEnumerateEndpoints"])


@pytest.mark.anyio
async def test_endpoints_are_listed_at_the_poll_not_at_every_local_change() -> None:
    simulator.reset()
    opts = options()
    opts = dataclasses.replace(
        opts, applier=dataclasses.replace(opts.applier, endpoint_poll_interval=3600.0)
    )
    async with started(opts) as dp:
        await dp.programmed(dp.feed(updates(CLUSTER)), timeout=10)
        before = enumerations()
        pod = next(
            u.value
            for u in updates(CLUSTER)
            if isinstance(u, Upsert) and isinstance(u.value, WorkloadEndpoint)
        )
        for n in range(5):  # each a local change: the agent lists, the simulated CNI does not
            moved = dataclasses.replace(pod, name=f"api-{n}", addresses=(f"10.2.0.{100 + n}",))
            await dp.programmed(dp.feed([Upsert(moved)]), timeout=10)
            assert dp.status()["endpoints"][f"demo/api-{n}"]["hns_endpoint"]
        assert enumerations() - before <= 5 + 1  # the agent's own listings (one per cycle)
