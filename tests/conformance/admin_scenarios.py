"""Cluster-admin policy scenarios: our encoding of network-policy-api's conformance cases.

The upstream suite (conformance/tests) uses houses; here gryffindor is namespace x,
slytherin y and hufflepuff z. Cases: gress rules per protocol (Allow/Accept, Deny,
Pass, with and without ports), priority ordering and a priority change, integration
with NetworkPolicy and the baseline, inline CIDRs, named ports and port ranges;
plus where Calico tiers sort around the admin tier, equal priorities and fail-closed
peers.
"""

from __future__ import annotations

from tests.conformance.manifests import (
    action,
    admin_policy,
    admin_rule,
    all_namespaces,
    baseline_policy,
    cluster_policy,
    destination_port,
    egress_rule,
    from_,
    global_policy,
    in_namespace,
    ingress_rule,
    named_port,
    namespaces,
    netpol,
    networks,
    node_manifest,
    pods,
    port_number,
    port_range,
    tier,
    to,
    yaml_docs,
)
from tests.conformance.scenario import Scenario, Step, scenario, step
from tests.conformance.truth import ALL_ALLOWED, ALLOWED, DENIED, table

PROTOCOLS_80 = ("80/TCP", "80/UDP", "80/SCTP")
Y_TO_X_DENIED = table(ALLOWED, {"y": "XXX ... ..."})
Z_TO_X_DENIED = table(ALLOWED, {"z": "XXX ... ..."})
X_Y_BOTH_WAYS_DENIED = table(ALLOWED, {"y": "XXX ... ...", "x": "... XXX ..."})


def _every(probes: tuple[str, ...], truth: str) -> dict[str, str]:
    return dict.fromkeys(probes, truth)


def _deny_y_both_ways(name: str, verb: str, priority: int, tier_name: str = "Admin") -> dict:
    """The upstream integration policy: subject x, ``verb`` from and to y."""
    return cluster_policy(
        name,
        tier_name,
        priority,
        namespaces("x"),
        ingress=[ingress_rule(admin_rule(verb, namespaces("y")))],
        egress=[egress_rule(admin_rule(verb, namespaces("y")))],
    )


GRESS_INGRESS = cluster_policy(
    "gress-rules",
    "Admin",
    15,
    namespaces("x"),
    ingress=[
        ingress_rule(admin_rule("Accept", namespaces("y"))),
        ingress_rule(admin_rule("Deny", namespaces("y"))),
        ingress_rule(admin_rule("Pass", namespaces("y"))),
        ingress_rule(
            admin_rule(
                "Deny",
                namespaces("z"),
                protocols=[
                    destination_port("tcp", 80),
                    destination_port("udp", 80),
                    destination_port("sctp", 80),
                ],
            )
        ),
    ],
)

GRESS_EGRESS = admin_policy(
    "gress-rules",
    15,
    namespaces("x"),
    egress=[
        egress_rule(admin_rule("Allow", namespaces("y"))),
        egress_rule(admin_rule("Deny", namespaces("y"))),
        egress_rule(
            admin_rule(
                "Pass",
                namespaces("z"),
                ports=[port_number(80), port_number(80, "UDP"), port_number(80, "SCTP")],
            )
        ),
        egress_rule(admin_rule("Deny", namespaces("z"))),
    ],
)

NETPOL_WITH_Y = netpol(
    "allow-gress-from-to-y",
    types=["Ingress", "Egress"],
    ingress=[from_(in_namespace("y"))],
    egress=[to(in_namespace("y"))],
)

SCENARIOS: tuple[Scenario, ...] = (
    scenario(
        "admin-ingress-accept-deny-pass-per-protocol",
        step(
            {**_every(PROTOCOLS_80, Z_TO_X_DENIED), "81/TCP": ALL_ALLOWED, "81/SCTP": ALL_ALLOWED},
            GRESS_INGRESS,
        ),
    ),
    scenario(
        "admin-egress-allow-deny-pass-per-protocol",
        step(
            {
                **_every(PROTOCOLS_80, ALL_ALLOWED),
                "81/TCP": table(ALLOWED, {"x": "... ... XXX"}),
                "81/UDP": table(ALLOWED, {"x": "... ... XXX"}),
            },
            GRESS_EGRESS,
        ),
    ),
    scenario(
        "admin-integration-with-network-policy-and-baseline",
        step(
            {"80/TCP": table("XXX ... ...", {"x": DENIED})},
            _deny_y_both_ways("pass-example", "Deny", 10),
            NETPOL_WITH_Y,
            _deny_y_both_ways("default", "Deny", 10, "Baseline"),
        ),
        step(
            {"80/TCP": table("XXX ... ...", {"x": "XXX ... XXX", "y": ALLOWED})},
            _deny_y_both_ways("pass-example", "Pass", 10),
        ),
        Step(
            {"80/TCP": X_Y_BOTH_WAYS_DENIED, "81/UDP": X_Y_BOTH_WAYS_DENIED},
            delete=yaml_docs(NETPOL_WITH_Y),
        ),
    ),
    scenario(
        "admin-priority-and-priority-change",
        step(
            _every(("80/TCP", "81/UDP"), X_Y_BOTH_WAYS_DENIED),
            _deny_y_both_ways("priority-50-example", "Deny", 50),
            _deny_y_both_ways("old-priority-60-new-priority-40-example", "Pass", 60),
            _deny_y_both_ways("default", "Accept", 10, "Baseline"),
        ),
        step(
            _every(("80/TCP", "81/UDP"), ALL_ALLOWED),
            _deny_y_both_ways("old-priority-60-new-priority-40-example", "Pass", 40),
        ),
    ),
    scenario(
        "admin-equal-priorities-order-by-name",
        step(
            {"80/TCP": Y_TO_X_DENIED},
            admin_policy(
                "b-allow",
                5,
                namespaces("x"),
                ingress=[ingress_rule(admin_rule("Allow", namespaces("y")))],
            ),
            admin_policy(
                "a-deny",
                5,
                namespaces("x"),
                ingress=[ingress_rule(admin_rule("Deny", namespaces("y")))],
            ),
        ),
    ),
    scenario(
        "baseline-never-consulted-when-a-network-policy-selects",
        step(
            {"80/TCP": table(ALLOWED, {"x": "... ... XXX"})},
            baseline_policy(
                namespaces("x"),
                ingress=[ingress_rule(admin_rule("Deny", namespaces("y")))],
                egress=[egress_rule(admin_rule("Deny", namespaces("z")))],
            ),
            netpol("ingress-from-anywhere", types=["Ingress"], ingress=[from_()]),
        ),
        Step(
            {"80/TCP": table(ALLOWED, {"x": "... ... XXX", "y": "XXX ... ..."})},
            delete=yaml_docs(netpol("ingress-from-anywhere")),
        ),
    ),
    scenario(
        "baseline-pods-subject-allow-and-deny",
        step(
            {"80/TCP": table("X.. ... ...", {"y/b": ALLOWED})},
            baseline_policy(
                pods("x", "a"),
                ingress=[
                    ingress_rule(admin_rule("Allow", pods("y", "b"))),
                    ingress_rule(admin_rule("Deny", all_namespaces())),
                ],
            ),
        ),
        step(
            {"80/TCP": table("X.. ... ...")},
            cluster_policy(
                "default",
                "Baseline",
                3,
                pods("x", "a"),
                ingress=[ingress_rule(admin_rule("Deny", pods("y", "b")))],
            ),
        ),
    ),
    scenario(
        "admin-allow-overrides-network-policy-deny",
        step(
            {"80/TCP": table("XXX ... ...", {"z": ALLOWED})},
            admin_policy(
                "allow-z",
                1,
                namespaces("x"),
                ingress=[ingress_rule(admin_rule("Allow", namespaces("z")))],
            ),
            netpol("deny-ingress", types=["Ingress"]),
        ),
    ),
    scenario(
        "admin-egress-inline-cidrs-match-pod-addresses",
        step(
            _every(("80/TCP", "81/UDP"), table(ALLOWED, {"x": "XXX ... XXX"})),
            admin_policy(
                "cidrs",
                20,
                namespaces("x"),
                egress=[
                    egress_rule(admin_rule("Allow", networks("10.1.2.0/24", "fd00::/64"))),
                    egress_rule(admin_rule("Deny", networks("0.0.0.0/0", "::/0"))),
                ],
            ),
        ),
        step(
            {"80/TCP": table(ALLOWED, {"x": "... ... X.."})},
            admin_policy(
                "cidrs",
                20,
                namespaces("x"),
                egress=[egress_rule(admin_rule("Deny", networks("10.1.3.1/32")))],
            ),
        ),
    ),
    scenario(
        "admin-ingress-named-port",
        step(
            {
                "80/TCP": Y_TO_X_DENIED,
                "80/UDP": ALL_ALLOWED,
                "81/TCP": ALL_ALLOWED,
            },
            admin_policy(
                "named",
                30,
                namespaces("x"),
                ingress=[
                    ingress_rule(
                        admin_rule("Deny", namespaces("y"), ports=[named_port("serve-80-tcp")])
                    )
                ],
            ),
        ),
    ),
    scenario(
        "admin-egress-destination-named-port",
        step(
            {
                "81/UDP": table(ALLOWED, {"x": "... ... XXX"}),
                "81/TCP": ALL_ALLOWED,
                "80/UDP": ALL_ALLOWED,
            },
            cluster_policy(
                "named",
                "Admin",
                30,
                namespaces("x"),
                egress=[
                    egress_rule(
                        admin_rule(
                            "Deny",
                            namespaces("z"),
                            protocols=[{"destinationNamedPort": "serve-81-udp"}],
                        )
                    )
                ],
            ),
        ),
    ),
    scenario(
        "admin-port-range-udp",
        step(
            {
                "80/UDP": table("... XXX ..."),
                "81/UDP": table("... XXX ..."),
                "80/TCP": ALL_ALLOWED,
            },
            admin_policy(
                "range",
                7,
                namespaces("y"),
                ingress=[
                    ingress_rule(
                        admin_rule("Deny", all_namespaces(), ports=[port_range(80, 81, "UDP")])
                    )
                ],
            ),
        ),
    ),
    scenario(
        "admin-egress-nodes-peer-by-node-labels",
        step(
            {"80/TCP": table(ALLOWED, {"x": "... ... X.X"})},
            # Nodes whose addresses are z/a's and z/c's (as a host-network pod's would be).
            node_manifest("infra-1", {"role": "infra"}, "10.1.3.1"),
            node_manifest("infra-2", {"role": "infra"}, "10.1.3.3"),
            node_manifest("worker-1", {"role": "worker"}, "10.1.2.2"),
            admin_policy(
                "no-infra",
                9,
                namespaces("x"),
                egress=[
                    egress_rule(admin_rule("Deny", {"nodes": {"matchLabels": {"role": "infra"}}}))
                ],
            ),
        ),
        step(
            {"80/TCP": table(ALLOWED, {"x": "... .X. X.."})},
            node_manifest("infra-2", {"role": "worker"}, "10.1.3.3"),
            node_manifest("worker-1", {"role": "infra"}, "10.1.2.2"),
        ),
    ),
    scenario(
        "calico-tier-before-the-admin-tier-decides-first",
        step(
            {"80/TCP": Y_TO_X_DENIED},
            tier("early", 100),
            global_policy(
                "early.deny-y-to-x",
                tier="early",
                selector="projectcalico.org/namespace == 'x'",
                types=["Ingress"],
                ingress=[action("Deny", source={"namespaceSelector": "ns == 'y'"}), action("Pass")],
            ),
            admin_policy(
                "allow-y",
                1,
                namespaces("x"),
                ingress=[ingress_rule(admin_rule("Allow", namespaces("y")))],
            ),
        ),
        step({"80/TCP": ALL_ALLOWED}, tier("early", 2000)),
    ),
    scenario(
        "admin-peer-not-understood-fails-closed",
        step(
            {"80/TCP": table("XXX ... ...")},
            admin_policy(
                "newer-peer",
                1,
                namespaces("x"),
                ingress=[
                    ingress_rule(admin_rule("Pass", namespaces("y"), {"futurePeer": {}})),
                ],
            ),
        ),
        step(
            {"80/TCP": table("XXX ... ...", {"y": ALLOWED})},
            admin_policy(
                "newer-peer",
                1,
                namespaces("x"),
                ingress=[
                    ingress_rule(admin_rule("Allow", namespaces("y"), {"futurePeer": {}})),
                    ingress_rule(admin_rule("Deny", all_namespaces())),
                ],
            ),
        ),
    ),
)
