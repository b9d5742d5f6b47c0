"""Plays the CNI plugin's part on the simulator: one HNS endpoint per local pod."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Collection, Mapping

import anyio

from dataplane.engine import Engine
from dataplane.hns import HcnClient, HnsError
from dataplane.hns.schema import Policy
from dataplane.model import ResourceKey, WorkloadEndpoint

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
    the daemon runs this before each cycle that lists HNS endpoints.

    It remembers the endpoints it created and lists HNS only every
    ``poll_interval`` seconds, or when ``unmapped`` (the local pods the agent
    found no endpoint for) names a pod it created one for: an endpoint deleted
    behind its back is re-created at the next poll, or at the next cycle once
    the agent missed it.
    """

    def __init__(
        self,
        engine: Engine,
        client: HcnClient,
        network_id: str,
        poll_interval: float,
        unmapped: Callable[[], Collection[ResourceKey]],
        clock: Callable[[], float] = anyio.current_time,
    ) -> None:
        self._engine = engine
        self._client = client
        self._network_id = network_id
        self._poll_interval = poll_interval
        self._unmapped = unmapped
        self._clock = clock
        self._present: dict[tuple[str, ...], str] = {}  # addresses -> HNS endpoint id
        self._listed_at = -math.inf
        self.lists = 0

    def _lost(self, pods: Mapping[ResourceKey, WorkloadEndpoint]) -> bool:
        """Whether the agent found no endpoint for a pod this CNI created one for."""
        return any(key in pods and pods[key].addresses in self._present for key in self._unmapped())

    async def sync(self) -> None:
        """Make the simulator's endpoints match the local pods (by address)."""
        pods = self._engine.local_endpoints()
        wanted = {pod.addresses: f"{key.namespace}_{key.name}" for key, pod in pods.items()}
        now = self._clock()
        if now - self._listed_at >= self._poll_interval or self._lost(pods):
            existing = await self._client.list_endpoints(self._network_id)
            self._present = {tuple(info.ip_addresses): info.id for info in existing}
            self._listed_at = now
            self.lists += 1
        for addresses in [a for a in self._present if a not in wanted]:
            endpoint_id = self._present.pop(addresses)  # the next listing shows any survivor
            try:
                await self._client.delete_endpoint(endpoint_id)
            except HnsError as err:
                log.warning("deleting simulated endpoint %s failed: %s", endpoint_id, err)
        for addresses, name in wanted.items():
            if addresses and addresses not in self._present:
                try:
                    self._present[addresses] = await self._client.create_endpoint(
                        self._network_id, name, list(addresses), policies=cni_policies()
                    )
                except HnsError as err:
                    log.warning("creating simulated endpoint for %s failed: %s", name, err)
