"""Hand-picked corner cases random generation rarely reaches, checked like the property tests."""

from __future__ import annotations

import pytest
import yaml

from tests.conformance.manifests import (
    NAME_LABEL,
    action,
    admin_policy,
    admin_rule,
    all_namespaces,
    calico_policy,
    egress_rule,
    expression,
    from_,
    global_policy,
    ip_block,
    labels,
    namespace_manifest,
    netpol,
    network_set,
    peer,
    pod_manifest,
    port,
    tier,
    to,
    yaml_docs,
)
from tests.e2e.agreement import disagreements
from tests.e2e.pipeline import programmed
from tests.reference.strategies import HOST_ADDRESS

PODS = yaml_docs(
    namespace_manifest("x", env="prod"),
    namespace_manifest("y", env="dev"),
    pod_manifest(
        "a",
        "x",
        {"app": "a"},
        node="node-1",
        ips=["10.0.0.10", "fd00::a"],
        ports=[
            {"name": "http", "containerPort": 80},
            {"name": "dns", "containerPort": 53, "protocol": "UDP"},
        ],
    ),
    pod_manifest(
        "b",
        "x",
        {"app": "b"},
        node="node-1",
        ips=["10.0.0.11"],
        ports=[{"name": "http", "containerPort": 8080}],
    ),
    pod_manifest(
        "c", "y", {"app": "b", "role": "web"}, node="node-2", ips=["10.0.1.12", "fd00::c"]
    ),
)

CASES = {
    "kubernetes-peers-never-match-network-sets": yaml_docs(
        network_set("outside", {"app": "b"}, ["172.16.0.0/12"], namespace="x"),
        network_set("everywhere", {"env": "prod"}, ["192.168.0.0/16"], namespace="x"),
        netpol("from-b", labels(app="a"), ingress=[from_(peer(pods=labels(app="b")))]),
        netpol("from-prod", labels(app="b"), ingress=[from_(peer(namespaces=labels(env="prod")))]),
    ),
    "not-selector-excludes-addresses-of-an-overlapping-set": yaml_docs(
        network_set("blocked", {"app": "b"}, ["10.0.0.0/24"]),
        global_policy(
            "p",
            selector="all()",
            ingress=[action("Allow", source={"selector": "has(app)", "notSelector": "app == 'b'"})],
            egress=[
                action("Allow", destination={"selector": "all()", "notSelector": "app == 'b'"})
            ],
        ),
    ),
    "bare-not-selector-in-a-namespace-with-a-set-over-other-pods": yaml_docs(
        network_set("neighbours", {"role": "near"}, ["10.0.1.0/24"], namespace="x"),
        calico_policy(
            "p",
            selector="all()",
            ingress=[action("Allow", source={"notSelector": "role == 'web'"})],
            egress=[action("Deny", destination={"notSelector": "app == 'a'"}), action("Allow")],
        ),
    ),
    "named-ports-differ-per-pod-with-not-ports": yaml_docs(
        global_policy(
            "p",
            selector="all()",
            ingress=[
                action("Deny", protocol="TCP", destination={"notPorts": ["http"]}),
                action("Allow"),
            ],
            egress=[action("Allow", protocol="TCP", destination={"ports": ["http", 81]})],
        )
    ),
    "tier-pass-default-then-kubernetes-isolation": yaml_docs(
        tier("guard", 10, default_action="Pass"),
        global_policy(
            "guard.p",
            tier="guard",
            selector="all()",
            namespaceSelector="env == 'prod'",
            ingress=[
                action("Deny", source={"namespaceSelector": "env == 'dev'"}),
                action("Log"),
            ],
        ),
        netpol(
            "k",
            labels(app="a"),
            types=["Ingress", "Egress"],
            ingress=[
                from_(
                    ip_block("10.0.0.0/16", "10.0.1.0/24"),
                    ports=[port("http"), port("dns", "UDP")],
                )
            ],
            egress=[to(peer(pods=expression("app", "NotIn", "a"), namespaces={}))],
        ),
    ),
    "admin-peer-by-name-of-a-namespace-without-its-object": yaml_docs(
        pod_manifest("c", "z", {"app": "c"}, node="node-2", ips=["10.0.0.30", "fd00::1e"]),
        admin_policy(
            "p",
            0,
            all_namespaces(),
            egress=[
                egress_rule(
                    admin_rule(
                        "Deny",
                        {"namespaces": expression(NAME_LABEL, "In", "x", "z")},
                    )
                )
            ],
        ),
    ),
    "ipv6-and-icmp-rules": yaml_docs(
        global_policy(
            "p",
            selector="all()",
            ingress=[
                action("Allow", protocol="ICMPv6"),
                action("Deny", ipVersion=6),
                action("Allow", protocol="TCP", source={"nets": ["10.0.1.0/24"]}),
            ],
            egress=[action("Allow", notProtocol="ICMP", destination={"notNets": ["10.0.1.0/24"]})],
        )
    ),
}


@pytest.mark.parametrize("set_policy", [True, False], ids=["setpolicy", "inline"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_corner_case_matches_the_reference(case: str, set_policy: bool) -> None:
    manifests = [m for m in yaml.safe_load_all(PODS + CASES[case]) if m]
    node, reference = programmed(manifests, set_policy)
    probes = ((80, "TCP"), (8080, "TCP"), (53, "UDP"), (81, "TCP"))
    found = disagreements(node, reference, probes, (HOST_ADDRESS,))
    assert not found, "\n".join(str(d) for d in found[:12])
