"""The simulated CNI creates each pod's endpoint with an OutBoundNAT policy, as a real CNI does."""

from __future__ import annotations

import pytest

from dataplane.apply.simcni import NAT_EXCEPTIONS, cni_policies
from dataplane.hns import HcnApi, simulator
from tests.agent.test_dataplane import CLUSTER, started, updates


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
