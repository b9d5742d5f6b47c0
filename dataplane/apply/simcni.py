"""Plays the CNI plugin's part on the simulator: one HNS endpoint per local pod."""

from __future__ import annotations

import logging

from dataplane.engine import Engine
from dataplane.hns import HcnClient, HnsError
from dataplane.hns.schema import Policy

log = logging.getLogger(__name__)

#: Destinations a pod reaches with its own address (the cluster's ranges); the rest leaves NATed
#: to the node's address. Calico's Windows CNI reads them from its OutBoundNAT ExceptionList,
#: azure-cni from the VNet prefixes; the private ranges stand for them here.
NAT_EXCEPTIONS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


def cni_policies() -> tuple[Policy, ...]:
    """The policies a CNI plugin creates a pod's endpoint with: its OutBoundNAT.

    HNS's ``Update`` replaces an endpoint's whole policy list, so an agent that sends ACLs
    alone strips this policy; the simulated endpoints carry it to catch that."""
    return ({"Type": "OutBoundNAT", "Settings": {"Exceptions": list(NAT_EXCEPTIONS)}},)


class SimulatedCni:
    """Creates and deletes simulator endpoints so they follow the local pods.

    On a Windows node the CNI plugin creates each pod's HNS endpoint and the
    agent only finds it; with the embedded simulator nobody else would, so
    the daemon runs this before each programming cycle.
    """

    def __init__(self, engine: Engine, client: HcnClient, network_id: str) -> None:
        self._engine = engine
        self._client = client
        self._network_id = network_id

    async def sync(self) -> None:
        """Make the simulator's endpoints match the local pods (by address)."""
        pods = self._engine.local_endpoints()
        wanted = {pod.addresses: f"{key.namespace}_{key.name}" for key, pod in pods.items()}
        existing = await self._client.list_endpoints(self._network_id)
        present = {tuple(info.ip_addresses): info.id for info in existing}
        for addresses, endpoint_id in present.items():
            if addresses not in wanted:
                try:
                    await self._client.delete_endpoint(endpoint_id)
                except HnsError as err:
                    log.warning("deleting simulated endpoint %s failed: %s", endpoint_id, err)
        for addresses, name in wanted.items():
            if addresses and addresses not in present:
                try:
                    await self._client.create_endpoint(
                        self._network_id, name, list(addresses), policies=cni_policies()
                    )
                except HnsError as err:
                    log.warning("creating simulated endpoint for %s failed: %s", name, err)
