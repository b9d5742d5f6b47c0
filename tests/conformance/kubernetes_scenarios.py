"""The upstream network-policy e2e scenarios (test/e2e/network/netpol), in our own words.

Tables (built by ``truth.table``): one row per source, destinations in the order
x/a x/b x/c  y/a y/b y/c  z/a z/b z/c; ``.`` allowed, ``X`` denied. Self-traffic is
shown as classified.
"""

from __future__ import annotations

from tests.conformance.cluster import namespace_yaml, pod_yaml
from tests.conformance.manifests import (
    NAME_LABEL,
    expression,
    from_,
    in_namespace,
    ip_block,
    labels,
    netpol,
    peer,
    pod,
    port,
    to,
    yaml_docs,
)
from tests.conformance.scenario import Scenario, Step, scenario, step
from tests.conformance.truth import ALL_ALLOWED, ALLOWED, DENIED, table

TO_X_DENIED = table("XXX ... ...")
TO_XA_DENIED = table("X.. ... ...")
TO_XA_ONLY_FROM_XB = table("X.. ... ...", {"x/b": ALLOWED})
TO_XA_ONLY_FROM_Y = table("X.. ... ...", {"y": ALLOWED})
TO_XA_FROM_Y_DENIED = table(ALLOWED, {"y": "X.. ... ..."})
X_ISOLATED_BOTH_WAYS = table("XXX ... ...", {"x": DENIED})
FROM_X_DENIED = table(ALLOWED, {"x": DENIED})
FROM_XA_DENIED = table(ALLOWED, {"x/a": DENIED})
XA_IN_FROM_XB_OUT_TO_Y = table("X.. ... ...", {"x/a": "XXX ... XXX", "x/b": ALLOWED})
EXCEPT_XB_TABLE = table(ALLOWED, {"x/a": ".X. ... ..."})

DENY_INGRESS_X = yaml_docs(netpol("deny-ingress", types=["Ingress"]))
DENY_ALL_X = yaml_docs(netpol("deny-all", types=["Ingress", "Egress"]))
EXCEPT_XB = yaml_docs(
    netpol(
        "egress-except-xb",
        pod("a"),
        types=["Egress"],
        egress=[to(ip_block("10.1.0.0/16", "10.1.1.2/32"))],
    )
)
FROM_Y_ON_81 = yaml_docs(
    netpol("allow-81-from-y", pod("a"), ingress=[from_(in_namespace("y"), ports=[port(81, "TCP")])])
)
X_A_TO_Y_A = yaml_docs(
    netpol("allow-to-y-a", pod("a"), types=["Egress"], egress=[to(in_namespace("y", pod("a")))])
)

SCENARIOS: tuple[Scenario, ...] = (
    scenario("default-deny-ingress", Step({"80/TCP": TO_X_DENIED}, apply=DENY_INGRESS_X)),
    scenario("default-deny-all", Step({"80/TCP": X_ISOLATED_BOTH_WAYS}, apply=DENY_ALL_X)),
    scenario(
        "pod-selector-within-namespace",
        step(
            {"80/TCP": TO_XA_ONLY_FROM_XB},
            netpol("x-a-allows-x-b", pod("a"), ingress=[from_(peer(pods=pod("b")))]),
        ),
    ),
    scenario(
        "allow-ingress-for-a-target",
        step(
            {"80/TCP": table(".XX ... ...")},
            netpol("deny-all", types=["Ingress"]),
            netpol("allow-all-to-a", pod("a"), ingress=[from_(peer(pods={}, namespaces={}))]),
        ),
    ),
    scenario(
        "ingress-from-all-namespaces",
        step(
            {"80/TCP": ALL_ALLOWED},
            netpol("allow-from-another-ns", pod("a"), ingress=[from_(peer(namespaces=labels()))]),
        ),
    ),
    scenario(
        "namespace-selector-match-labels",
        step(
            {"80/TCP": TO_XA_ONLY_FROM_Y},
            netpol("allow-ns-y", pod("a"), ingress=[from_(in_namespace("y"))]),
        ),
    ),
    scenario(
        "pod-selector-match-expressions",
        step(
            {"80/TCP": TO_XA_ONLY_FROM_XB},
            netpol(
                "x-a-allows-x-b",
                pod("a"),
                ingress=[from_(peer(pods=expression("pod", "In", "b")))],
            ),
        ),
    ),
    scenario(
        "namespace-selector-match-expressions",
        step(
            {"80/TCP": TO_XA_ONLY_FROM_Y},
            netpol(
                "allow-ns-y-expr",
                pod("a"),
                ingress=[from_(peer(namespaces=expression(NAME_LABEL, "In", "y")))],
            ),
        ),
    ),
    scenario(
        "namespace-selector-not-in",
        step(
            {"80/TCP": TO_XA_ONLY_FROM_Y},
            netpol(
                "allow-not-x-z",
                pod("a"),
                ingress=[from_(peer(namespaces=expression("ns", "NotIn", "x", "z")))],
            ),
        ),
    ),
    scenario(
        "pod-selector-or-namespace-selector",
        step(
            {"80/TCP": table(ALLOWED, {"x/a": "X.. ... ...", "x/c": "X.. ... ..."})},
            netpol(
                "allow-ns-or-pod",
                pod("a"),
                ingress=[
                    from_(
                        peer(namespaces=expression(NAME_LABEL, "NotIn", "x")), peer(pods=pod("b"))
                    )
                ],
            ),
        ),
    ),
    scenario(
        "pod-selector-and-namespace-selector",
        step(
            {"80/TCP": table("X.. ... ...", {"y/b": ALLOWED, "z/b": ALLOWED})},
            netpol(
                "allow-ns-and-pod",
                pod("a"),
                ingress=[
                    from_(peer(pods=pod("b"), namespaces=expression(NAME_LABEL, "NotIn", "x")))
                ],
            ),
        ),
    ),
    scenario(
        "multiple-pod-and-namespace-selectors",
        step(
            {"80/TCP": table("X.. ... ...", dict.fromkeys(("y/b", "y/c", "z/b", "z/c"), ALLOWED))},
            netpol(
                "allow-ns-y-z-pod-b-c",
                pod("a"),
                ingress=[
                    from_(
                        peer(
                            pods=expression("pod", "In", "b", "c"),
                            namespaces=expression(NAME_LABEL, "NotIn", "x"),
                        )
                    )
                ],
            ),
        ),
    ),
    scenario(
        "any-of-several-pod-selectors",
        step(
            {"80/TCP": table("X.. ... ...", {"x/b": ALLOWED, "x/c": ALLOWED})},
            netpol(
                "allow-x-b-c", pod("a"), ingress=[from_(peer(pods=pod("b")), peer(pods=pod("c")))]
            ),
        ),
    ),
    scenario(
        "pod-in-another-namespace",
        step(
            {"80/TCP": table("X.. ... ...", {"y/a": ALLOWED})},
            netpol("allow-y-a", pod("a"), ingress=[from_(in_namespace("y", pod("a")))]),
        ),
    ),
    scenario(
        "pod-selector-exists-and-does-not-exist",
        step(
            {"80/TCP": table("X.. ... ...", {"x": ALLOWED})},
            netpol(
                "from-labelled-pods",
                pod("a"),
                ingress=[from_(peer(pods=expression("pod", "Exists")))],
            ),
        ),
        step(
            {"80/TCP": TO_XA_DENIED},
            netpol(
                "from-labelled-pods",
                pod("a"),
                ingress=[from_(peer(pods=expression("pod", "DoesNotExist")))],
            ),
        ),
    ),
    scenario(
        "ports", Step({"81/TCP": TO_XA_ONLY_FROM_Y, "80/TCP": TO_XA_DENIED}, apply=FROM_Y_ON_81)
    ),
    scenario(
        "stacked-policies-with-overlapping-pod-selectors",
        Step({"81/TCP": TO_XA_ONLY_FROM_Y, "80/TCP": TO_XA_DENIED}, apply=FROM_Y_ON_81),
        step(
            {"81/TCP": TO_XA_ONLY_FROM_Y, "80/TCP": TO_XA_ONLY_FROM_Y},
            netpol(
                "allow-80-from-y",
                pod("a"),
                ingress=[from_(in_namespace("y"), ports=[port(80, "TCP")])],
            ),
        ),
    ),
    scenario(
        "allow-all",
        step({"80/TCP": ALL_ALLOWED, "81/TCP": ALL_ALLOWED}, netpol("allow-all", ingress=[{}])),
    ),
    scenario(
        "ingress-on-one-named-port",
        step(
            {"81/TCP": ALL_ALLOWED, "80/TCP": TO_X_DENIED},
            netpol("allow-81-by-name", ingress=[from_(ports=[port("serve-81-tcp")])]),
        ),
    ),
    scenario(
        "ingress-from-namespace-on-one-named-port",
        step(
            {"80/TCP": TO_XA_ONLY_FROM_Y, "81/TCP": TO_XA_DENIED},
            netpol(
                "allow-80-by-name-from-y",
                pod("a"),
                ingress=[from_(in_namespace("y"), ports=[port("serve-80-tcp", "TCP")])],
            ),
        ),
    ),
    scenario(
        "egress-on-one-named-port",
        step(
            {"80/TCP": ALL_ALLOWED, "81/TCP": FROM_X_DENIED},
            netpol(
                "allow-egress-80-by-name",
                types=["Egress"],
                egress=[to(ports=[port("serve-80-tcp")])],
            ),
        ),
    ),
    scenario(
        "named-port-needs-matching-protocol",
        step(
            {"80/TCP": TO_XA_DENIED, "80/UDP": ALL_ALLOWED},
            netpol(
                "udp-name-for-udp", pod("a"), ingress=[from_(ports=[port("serve-80-udp", "UDP")])]
            ),
        ),
    ),
    scenario(
        "updated-policy",
        step({"81/TCP": ALL_ALLOWED}, netpol("allow-all-mutate-to-deny-all", ingress=[{}])),
        step({"81/TCP": TO_X_DENIED}, netpol("allow-all-mutate-to-deny-all", ingress=[])),
    ),
    scenario(
        "ingress-from-updated-namespace",
        step(
            {"80/TCP": TO_XA_DENIED},
            netpol(
                "allow-from-updated-ns",
                pod("a"),
                ingress=[from_(peer(namespaces=labels(ns2="updated")))],
            ),
        ),
        Step({"80/TCP": TO_XA_ONLY_FROM_Y}, apply=namespace_yaml("y", ns2="updated")),
        Step({"80/TCP": TO_XA_DENIED}, apply=namespace_yaml("y")),
    ),
    scenario(
        "ingress-from-updated-pod",
        step(
            {"80/TCP": TO_XA_DENIED},
            netpol(
                "allow-from-updated-pod",
                pod("a"),
                ingress=[from_(peer(pods=labels(pod2="updated")))],
            ),
        ),
        Step({"80/TCP": TO_XA_ONLY_FROM_XB}, apply=pod_yaml("x/b", pod2="updated")),
    ),
    scenario(
        "ingress-denied-to-updated-pod",
        step(
            {"80/TCP": ALL_ALLOWED},
            netpol("deny-ingress-to-isolated", labels(target="isolated"), types=["Ingress"]),
        ),
        Step({"80/TCP": TO_XA_DENIED}, apply=pod_yaml("x/a", target="isolated")),
        Step({"80/TCP": ALL_ALLOWED}, apply=pod_yaml("x/a")),
    ),
    scenario(
        "deny-ingress-from-other-namespaces",
        step(
            {"80/TCP": table("XXX ... ...", {"x": ALLOWED})},
            netpol("deny-other-namespaces", ingress=[from_(peer(pods={}))]),
        ),
    ),
    scenario(
        "deny-egress-by-pod-selector",
        step({"80/TCP": FROM_XA_DENIED}, netpol("deny-egress-a", pod("a"), types=["Egress"])),
    ),
    scenario(
        "deny-egress-from-namespace",
        step({"80/TCP": FROM_X_DENIED}, netpol("deny-egress-all", types=["Egress"])),
    ),
    scenario(
        "ingress-and-egress-together",
        step(
            {"80/TCP": XA_IN_FROM_XB_OUT_TO_Y},
            netpol(
                "both-ways",
                pod("a"),
                types=["Ingress", "Egress"],
                ingress=[from_(peer(pods=pod("b")))],
                egress=[to(in_namespace("y"))],
            ),
        ),
    ),
    scenario(
        "policy-types-default-from-egress-presence",
        step(
            {"80/TCP": XA_IN_FROM_XB_OUT_TO_Y},
            netpol(
                "implied-types",
                pod("a"),
                ingress=[from_(peer(pods=pod("b")))],
                egress=[to(in_namespace("y"))],
            ),
        ),
    ),
    scenario(
        "policy-types-egress-only-ignores-ingress-rules",
        step(
            {"80/TCP": ALL_ALLOWED},
            netpol(
                "egress-only",
                pod("a"),
                types=["Egress"],
                ingress=[from_(peer(pods=pod("b")))],
                egress=[{}],
            ),
        ),
    ),
    scenario(
        "egress-denied-on-client-even-if-server-allows",
        Step(
            {"80/TCP": table("... XX. ...", {"x/a": "XXX .XX XXX"})},
            apply=X_A_TO_Y_A
            + yaml_docs(
                netpol(
                    "allow-from-x-a",
                    expression("pod", "In", "a", "b"),
                    ingress=[from_(in_namespace("x", pod("a")))],
                    namespace="y",
                )
            ),
        ),
    ),
    scenario(
        "egress-to-pod-in-another-namespace",
        Step({"80/TCP": table(ALLOWED, {"x/a": "XXX .XX XXX"})}, apply=X_A_TO_Y_A),
    ),
    scenario(
        "ingress-any-port-on-one-protocol",
        step(
            {"80/TCP": ALL_ALLOWED, "80/UDP": TO_XA_DENIED},
            netpol("allow-tcp", pod("a"), ingress=[from_(ports=[port(protocol="TCP")])]),
        ),
    ),
    scenario(
        "ingress-allow-all-takes-precedence",
        step(
            {"81/TCP": TO_X_DENIED},
            netpol("allow-ingress-port-80", ingress=[from_(ports=[port(80)])]),
        ),
        step({"81/TCP": ALL_ALLOWED}, netpol("allow-ingress", ingress=[{}])),
    ),
    scenario(
        "egress-allow-all-takes-precedence",
        step(
            {"81/TCP": FROM_X_DENIED},
            netpol("allow-egress-port-80", types=["Egress"], egress=[to(ports=[port(80)])]),
        ),
        step({"81/TCP": ALL_ALLOWED}, netpol("allow-egress", types=["Egress"], egress=[{}])),
    ),
    scenario(
        "stop-enforcing-after-delete",
        Step({"80/TCP": X_ISOLATED_BOTH_WAYS}, apply=DENY_ALL_X),
        Step({"80/TCP": ALL_ALLOWED}, delete=DENY_ALL_X),
    ),
    scenario(
        "egress-to-cidr",
        step(
            {"80/TCP": table(ALLOWED, {"x/a": "XXX X.X XXX"})},
            netpol(
                "allow-to-y-b-cidr",
                pod("a"),
                types=["Egress"],
                egress=[to(ip_block("10.1.2.2/32"))],
            ),
        ),
    ),
    scenario("egress-cidr-except", Step({"80/TCP": EXCEPT_XB_TABLE}, apply=EXCEPT_XB)),
    scenario(
        "except-overlap-allowed-by-another-policy",
        Step({"80/TCP": EXCEPT_XB_TABLE}, apply=EXCEPT_XB),
        step(
            {"80/TCP": ALL_ALLOWED},
            netpol(
                "egress-to-xb", pod("a"), types=["Egress"], egress=[to(ip_block("10.1.1.2/32"))]
            ),
        ),
    ),
    scenario(
        "ingress-cidr-except",
        step(
            {"80/TCP": TO_XA_FROM_Y_DENIED},
            netpol(
                "ingress-except-y",
                pod("a"),
                ingress=[from_(ip_block("10.1.0.0/16", "10.1.2.0/24"))],
            ),
        ),
    ),
    scenario(
        "pod-selector-or-ip-block",
        step(
            {"80/TCP": table("X.. ... ...", {"x/c": ALLOWED, "z": ALLOWED})},
            netpol(
                "pod-or-block",
                pod("a"),
                ingress=[from_(peer(pods=pod("c")), ip_block("10.1.3.0/24"))],
            ),
        ),
    ),
    scenario(
        "ingress-end-port",
        step(
            {"80/TCP": TO_XA_DENIED, "81/TCP": ALL_ALLOWED},
            netpol("ingress-81-82", pod("a"), ingress=[from_(ports=[port(81, "TCP", 82)])]),
        ),
    ),
    scenario(
        "egress-end-port",
        step(
            {"80/TCP": ALL_ALLOWED, "81/TCP": FROM_X_DENIED},
            netpol("egress-79-80", types=["Egress"], egress=[to(ports=[port(79, "TCP", 80)])]),
        ),
    ),
    scenario(
        "sctp-is-not-tcp",
        step(
            {"80/TCP": TO_XA_DENIED, "80/SCTP": ALL_ALLOWED},
            netpol("allow-sctp-80", pod("a"), ingress=[from_(ports=[port(80, "SCTP")])]),
        ),
    ),
    scenario(
        "udp-is-not-tcp",
        step(
            {"81/TCP": TO_XA_DENIED, "81/UDP": ALL_ALLOWED},
            netpol("allow-udp-81", pod("a"), ingress=[from_(ports=[port(81, "UDP")])]),
        ),
    ),
    scenario(
        "egress-isolation-leaves-ingress-open",
        step(
            {"80/TCP": FROM_XA_DENIED, "81/TCP": FROM_XA_DENIED},
            netpol("deny-egress-a", pod("a"), types=["Egress"]),
        ),
    ),
)
