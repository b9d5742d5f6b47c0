"""Embedding hns-dataplane: feed updates from your own code and wait until programmed.

Run with ``python examples/embed.py`` (uses the HNS simulator; works under asyncio or
trio: pass ``trio`` as the first argument).
"""

from __future__ import annotations

import sys

import anyio

from dataplane import Dataplane, DataplaneOptions
from dataplane.convert import convert
from dataplane.hns import HcnClient
from dataplane.model import InSync

MANIFESTS = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}},
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "api", "namespace": "demo", "labels": {"app": "api"}},
        "spec": {"nodeName": "node-1", "containers": [{"name": "c"}]},
        "status": {"phase": "Running", "podIP": "10.1.0.5"},
    },
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "api-ingress", "namespace": "demo"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "api"}},
            "ingress": [{"ports": [{"port": 443}]}],
        },
    },
]


async def main() -> None:
    options = DataplaneOptions(create_network=True, manage_endpoints=True)
    async with HcnClient(backend="sim") as client, Dataplane("node-1", client, options) as dp:
        generation = dp.feed([convert(obj) for obj in MANIFESTS] + [InSync()])
        await dp.programmed(generation, timeout=10)
        for name, endpoint in dp.status()["endpoints"].items():
            print(f"{name}: {endpoint['acls']} ACLs, ingress policies {endpoint['ingress']}")


if __name__ == "__main__":
    anyio.run(main, backend=sys.argv[1] if len(sys.argv) > 1 else "asyncio")
