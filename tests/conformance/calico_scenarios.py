"""Calico scenarios: tiers and Pass, order, Deny before Allow, negations, global policy,
network sets, ICMP. Same table layout as the Kubernetes scenarios."""

from __future__ import annotations

from tests.conformance.kubernetes_scenarios import (
    DENY_INGRESS_X,
    TO_X_DENIED,
    TO_XA_DENIED,
    TO_XA_FROM_Y_DENIED,
)
from tests.conformance.manifests import (
    action,
    calico_policy,
    global_policy,
    network_set,
    tier,
    yaml_docs,
)
from tests.conformance.scenario import Scenario, Step, scenario, step
from tests.conformance.truth import ALL_ALLOWED, ALLOWED, DENIED, table

ONLY_FROM_Y = table(DENIED, {"y": ALLOWED})
TO_X_FROM_Z_DENIED = table(ALLOWED, {"z": "XXX ... ..."})
TO_X_ONLY_FROM_Y = table("XXX ... ...", {"y": ALLOWED})
TO_Y_DENIED = table("... XXX ...")

PASS_ONLY_FROM_Y = yaml_docs(
    tier("security", 100),
    global_policy(
        "security.from-y-only",
        tier="security",
        selector="all()",
        types=["Ingress"],
        ingress=[action("Pass", source={"namespaceSelector": "ns == 'y'"})],
    ),
)


def _deny_b(order: int) -> str:
    """x's policy at ``order`` that denies ingress from pods b."""
    return yaml_docs(
        calico_policy(
            "deny-b",
            order=order,
            selector="all()",
            types=["Ingress"],
            ingress=[action("Deny", source={"selector": "pod == 'b'"})],
        )
    )


SCENARIOS: tuple[Scenario, ...] = (
    scenario(
        "calico-global-deny-rule",
        step(
            {"80/TCP": TO_XA_FROM_Y_DENIED},
            global_policy(
                "deny-y-to-x-a",
                selector="pod == 'a' && projectcalico.org/namespace == 'x'",
                types=["Ingress"],
                ingress=[
                    action("Deny", source={"namespaceSelector": "ns == 'y'"}),
                    action("Allow"),
                ],
            ),
        ),
    ),
    scenario(
        "calico-tier-pass-then-profile", Step({"80/TCP": ONLY_FROM_Y}, apply=PASS_ONLY_FROM_Y)
    ),
    scenario(
        "calico-tier-pass-to-kubernetes-policy",
        Step(
            {"80/TCP": table(DENIED, {"y": "XXX ... ..."})}, apply=PASS_ONLY_FROM_Y + DENY_INGRESS_X
        ),
    ),
    scenario(
        "calico-tier-default-pass",
        Step(
            {"80/TCP": table("XXX ... ...", {"z": DENIED})},
            apply=yaml_docs(
                tier("security", 100, default_action="Pass"),
                global_policy(
                    "security.block-z",
                    tier="security",
                    selector="all()",
                    types=["Ingress"],
                    ingress=[action("Deny", source={"namespaceSelector": "ns == 'z'"})],
                ),
            )
            + DENY_INGRESS_X,
        ),
    ),
    scenario(
        "calico-tier-order",
        step(
            {"80/TCP": TO_X_FROM_Z_DENIED},
            tier("first", 10),
            tier("second", 20),
            global_policy(
                "first.deny-z-to-x",
                tier="first",
                selector="projectcalico.org/namespace == 'x'",
                types=["Ingress"],
                ingress=[
                    action("Deny", source={"namespaceSelector": "ns == 'z'"}),
                    action("Pass"),
                ],
            ),
            global_policy(
                "second.allow-all",
                tier="second",
                selector="all()",
                types=["Ingress"],
                ingress=[action("Allow")],
            ),
        ),
        step({"80/TCP": ALL_ALLOWED}, tier("first", 30)),
    ),
    scenario(
        "calico-policy-order",
        Step(
            {"80/TCP": table(ALLOWED, {"x/b": "XXX ... ..."})},
            apply=_deny_b(10)
            + yaml_docs(
                calico_policy(
                    "allow-all",
                    order=20,
                    selector="all()",
                    types=["Ingress"],
                    ingress=[action("Allow")],
                )
            ),
        ),
        Step({"80/TCP": ALL_ALLOWED}, apply=_deny_b(30)),
    ),
    scenario(
        "calico-deny-before-allow-and-log",
        step(
            {"80/TCP": table(ALLOWED, {"x/c": "X.. ... ..."})},
            calico_policy(
                "a-not-from-c",
                selector="pod == 'a'",
                ingress=[
                    action("Log"),
                    action("Deny", source={"selector": "pod == 'c'"}),
                    action("Allow"),
                ],
            ),
        ),
    ),
    scenario(
        "calico-not-nets",
        step(
            {"80/TCP": table(ALLOWED, {"x": "... ... XXX"})},
            global_policy(
                "z-not-from-x",
                selector="projectcalico.org/namespace == 'z'",
                ingress=[action("Allow", source={"notNets": ["10.1.1.0/24"]})],
            ),
        ),
    ),
    scenario(
        "calico-not-ports",
        step(
            {"80/TCP": TO_XA_DENIED, "81/TCP": ALL_ALLOWED},
            calico_policy(
                "a-not-80",
                selector="pod == 'a'",
                ingress=[action("Allow", protocol="TCP", destination={"notPorts": [80]})],
            ),
        ),
    ),
    scenario(
        "calico-not-protocol",
        step(
            {"80/TCP": ALL_ALLOWED, "80/UDP": TO_XA_DENIED},
            calico_policy(
                "a-not-udp", selector="pod == 'a'", ingress=[action("Allow", notProtocol="UDP")]
            ),
        ),
    ),
    scenario(
        "calico-not-selector-stays-in-namespace",
        step(
            {"80/TCP": table("X.. ... ...", {"x/a": ALLOWED, "x/c": ALLOWED})},
            calico_policy(
                "a-not-from-b",
                selector="pod == 'a'",
                ingress=[action("Allow", source={"notSelector": "pod == 'b'"})],
            ),
        ),
    ),
    scenario(
        "calico-not-selector-in-global-policy",
        step(
            {"80/TCP": table(ALLOWED, dict.fromkeys(("x/b", "y/b", "z/b"), "X.. ... ..."))},
            global_policy(
                "x-a-not-from-b",
                selector="pod == 'a'",
                namespaceSelector="ns == 'x'",
                ingress=[action("Allow", source={"notSelector": "pod == 'b'"})],
            ),
        ),
    ),
    scenario(
        "calico-global-policy-namespace-selector",
        step(
            {"80/TCP": TO_Y_DENIED},
            global_policy(
                "deny-into-y", selector="all()", namespaceSelector="ns == 'y'", types=["Ingress"]
            ),
        ),
    ),
    scenario(
        "calico-global-egress-deny-nets",
        step(
            {"80/TCP": TO_Y_DENIED},
            global_policy(
                "no-egress-to-y",
                selector="all()",
                egress=[
                    action("Deny", destination={"nets": ["10.1.2.0/24"]}),
                    action("Allow"),
                ],
            ),
        ),
    ),
    scenario(
        "calico-global-network-set",
        step(
            {"80/TCP": TO_X_FROM_Z_DENIED},
            network_set("quarantine", {"role": "quarantine"}, ["10.1.3.0/24"]),
            global_policy(
                "x-not-from-quarantine",
                selector="projectcalico.org/namespace == 'x'",
                ingress=[
                    action("Deny", source={"selector": "role == 'quarantine'"}),
                    action("Allow"),
                ],
            ),
        ),
    ),
    scenario(
        "calico-namespaced-network-set",
        step(
            {"80/TCP": TO_X_ONLY_FROM_Y},
            network_set("partners", {"role": "partner"}, ["10.1.2.0/24"], namespace="x"),
            calico_policy(
                "from-partners",
                selector="all()",
                ingress=[action("Allow", source={"selector": "role == 'partner'"})],
            ),
        ),
        step(
            {"80/TCP": TO_X_DENIED},
            network_set("partners", {"role": "former-partner"}, ["10.1.2.0/24"], namespace="x"),
        ),
    ),
    scenario(
        "calico-pass-in-default-tier-reaches-profile",
        Step(
            {"80/TCP": ALL_ALLOWED},
            apply=yaml_docs(
                calico_policy(
                    "pass-first",
                    order=1,
                    selector="all()",
                    types=["Ingress"],
                    ingress=[action("Pass")],
                )
            )
            + DENY_INGRESS_X,
        ),
    ),
    scenario(
        "calico-icmp-only",
        step(
            {"ICMP": ALL_ALLOWED, "80/TCP": TO_X_DENIED},
            calico_policy(
                "icmp-only", selector="all()", ingress=[action("Allow", protocol="ICMP")]
            ),
        ),
    ),
    scenario(
        "calico-deny-echo-then-allow",
        step(
            {"ICMP": TO_X_DENIED, "80/TCP": ALL_ALLOWED},
            calico_policy(
                "no-ping",
                selector="all()",
                ingress=[action("Deny", protocol="ICMP", icmp={"type": 8}), action("Allow")],
            ),
        ),
    ),
)
