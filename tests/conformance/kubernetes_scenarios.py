"""The upstream network-policy e2e scenarios (test/e2e/network/netpol), in our own words.

Tables: one row per source, destinations in the order x/a x/b x/c  y/a y/b y/c
z/a z/b z/c; ``.`` allowed, ``X`` denied. Self-traffic is shown as classified.
"""

from __future__ import annotations

from tests.conformance.cluster import namespace_yaml, pod_yaml
from tests.conformance.scenario import Scenario, Step, scenario
from tests.conformance.truth import ALL_ALLOWED

NP = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"

TO_X_DENIED = """
x/a  XXX ... ...
x/b  XXX ... ...
x/c  XXX ... ...
y/a  XXX ... ...
y/b  XXX ... ...
y/c  XXX ... ...
z/a  XXX ... ...
z/b  XXX ... ...
z/c  XXX ... ...
"""

TO_XA_DENIED = """
x/a  X.. ... ...
x/b  X.. ... ...
x/c  X.. ... ...
y/a  X.. ... ...
y/b  X.. ... ...
y/c  X.. ... ...
z/a  X.. ... ...
z/b  X.. ... ...
z/c  X.. ... ...
"""

TO_XA_ONLY_FROM_XB = """
x/a  X.. ... ...
x/b  ... ... ...
x/c  X.. ... ...
y/a  X.. ... ...
y/b  X.. ... ...
y/c  X.. ... ...
z/a  X.. ... ...
z/b  X.. ... ...
z/c  X.. ... ...
"""

TO_XA_ONLY_FROM_Y = """
x/a  X.. ... ...
x/b  X.. ... ...
x/c  X.. ... ...
y/a  ... ... ...
y/b  ... ... ...
y/c  ... ... ...
z/a  X.. ... ...
z/b  X.. ... ...
z/c  X.. ... ...
"""

X_ISOLATED_BOTH_WAYS = """
x/a  XXX XXX XXX
x/b  XXX XXX XXX
x/c  XXX XXX XXX
y/a  XXX ... ...
y/b  XXX ... ...
y/c  XXX ... ...
z/a  XXX ... ...
z/b  XXX ... ...
z/c  XXX ... ...
"""

FROM_X_DENIED = """
x/a  XXX XXX XXX
x/b  XXX XXX XXX
x/c  XXX XXX XXX
y/a  ... ... ...
y/b  ... ... ...
y/c  ... ... ...
z/a  ... ... ...
z/b  ... ... ...
z/c  ... ... ...
"""

FROM_XA_DENIED = """
x/a  XXX XXX XXX
x/b  ... ... ...
x/c  ... ... ...
y/a  ... ... ...
y/b  ... ... ...
y/c  ... ... ...
z/a  ... ... ...
z/b  ... ... ...
z/c  ... ... ...
"""

XA_IN_FROM_XB_OUT_TO_Y = """
x/a  XXX ... XXX
x/b  ... ... ...
x/c  X.. ... ...
y/a  X.. ... ...
y/b  X.. ... ...
y/c  X.. ... ...
z/a  X.. ... ...
z/b  X.. ... ...
z/c  X.. ... ...
"""

DENY_ALL_X = (
    NP
    + """
metadata: {name: deny-all, namespace: x}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
"""
)

EXCEPT_XB = (
    NP
    + """
metadata: {name: egress-except-xb, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 10.1.0.0/16, except: [10.1.1.2/32]}}]
"""
)

EXCEPT_XB_TABLE = """
x/a  .X. ... ...
x/b  ... ... ...
x/c  ... ... ...
y/a  ... ... ...
y/b  ... ... ...
y/c  ... ... ...
z/a  ... ... ...
z/b  ... ... ...
z/c  ... ... ...
"""

SCENARIOS: tuple[Scenario, ...] = (
    scenario(
        "default-deny-ingress",
        Step(
            {"80/TCP": TO_X_DENIED},
            apply=NP
            + """
metadata: {name: deny-ingress, namespace: x}
spec: {podSelector: {}, policyTypes: [Ingress]}
""",
        ),
    ),
    scenario("default-deny-all", Step({"80/TCP": X_ISOLATED_BOTH_WAYS}, apply=DENY_ALL_X)),
    scenario(
        "pod-selector-within-namespace",
        Step(
            {"80/TCP": TO_XA_ONLY_FROM_XB},
            apply=NP
            + """
metadata: {name: x-a-allows-x-b, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]
""",
        ),
    ),
    scenario(
        "allow-ingress-for-a-target",
        Step(
            {
                "80/TCP": """
x/a  .XX ... ...
x/b  .XX ... ...
x/c  .XX ... ...
y/a  .XX ... ...
y/b  .XX ... ...
y/c  .XX ... ...
z/a  .XX ... ...
z/b  .XX ... ...
z/c  .XX ... ...
"""
            },
            apply=NP
            + """
metadata: {name: deny-all, namespace: x}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
"""
            + NP
            + """
metadata: {name: allow-all-to-a, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{podSelector: {}, namespaceSelector: {}}]}]
""",
        ),
    ),
    scenario(
        "ingress-from-all-namespaces",
        Step(
            {"80/TCP": ALL_ALLOWED},
            apply=NP
            + """
metadata: {name: allow-from-another-ns, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{namespaceSelector: {matchLabels: {}}}]}]
""",
        ),
    ),
    scenario(
        "namespace-selector-match-labels",
        Step(
            {"80/TCP": TO_XA_ONLY_FROM_Y},
            apply=NP
            + """
metadata: {name: allow-ns-y, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}}]}]
""",
        ),
    ),
    scenario(
        "pod-selector-match-expressions",
        Step(
            {"80/TCP": TO_XA_ONLY_FROM_XB},
            apply=NP
            + """
metadata: {name: x-a-allows-x-b, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{podSelector: {matchExpressions: [{key: pod, operator: In, values: [b]}]}}]
""",
        ),
    ),
    scenario(
        "namespace-selector-match-expressions",
        Step(
            {"80/TCP": TO_XA_ONLY_FROM_Y},
            apply=NP
            + """
metadata: {name: allow-ns-y-expr, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector:
        matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [y]}]
""",
        ),
    ),
    scenario(
        "namespace-selector-not-in",
        Step(
            {"80/TCP": TO_XA_ONLY_FROM_Y},
            apply=NP
            + """
metadata: {name: allow-not-x-z, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x, z]}]}
""",
        ),
    ),
    scenario(
        "pod-selector-or-namespace-selector",
        Step(
            {
                "80/TCP": """
x/a  X.. ... ...
x/b  ... ... ...
x/c  X.. ... ...
y/a  ... ... ...
y/b  ... ... ...
y/c  ... ... ...
z/a  ... ... ...
z/b  ... ... ...
z/c  ... ... ...
"""
            },
            apply=NP
            + """
metadata: {name: allow-ns-or-pod, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector:
        matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [x]}]
    - podSelector: {matchLabels: {pod: b}}
""",
        ),
    ),
    scenario(
        "pod-selector-and-namespace-selector",
        Step(
            {
                "80/TCP": """
x/a  X.. ... ...
x/b  X.. ... ...
x/c  X.. ... ...
y/a  X.. ... ...
y/b  ... ... ...
y/c  X.. ... ...
z/a  X.. ... ...
z/b  ... ... ...
z/c  X.. ... ...
"""
            },
            apply=NP
            + """
metadata: {name: allow-ns-and-pod, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector:
        matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [x]}]
      podSelector: {matchLabels: {pod: b}}
""",
        ),
    ),
    scenario(
        "multiple-pod-and-namespace-selectors",
        Step(
            {
                "80/TCP": """
x/a  X.. ... ...
x/b  X.. ... ...
x/c  X.. ... ...
y/a  X.. ... ...
y/b  ... ... ...
y/c  ... ... ...
z/a  X.. ... ...
z/b  ... ... ...
z/c  ... ... ...
"""
            },
            apply=NP
            + """
metadata: {name: allow-ns-y-z-pod-b-c, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector:
        matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [x]}]
      podSelector: {matchExpressions: [{key: pod, operator: In, values: [b, c]}]}
""",
        ),
    ),
    scenario(
        "any-of-several-pod-selectors",
        Step(
            {
                "80/TCP": """
x/a  X.. ... ...
x/b  ... ... ...
x/c  ... ... ...
y/a  X.. ... ...
y/b  X.. ... ...
y/c  X.. ... ...
z/a  X.. ... ...
z/b  X.. ... ...
z/c  X.. ... ...
"""
            },
            apply=NP
            + """
metadata: {name: allow-x-b-c, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{podSelector: {matchLabels: {pod: b}}}, {podSelector: {matchLabels: {pod: c}}}]
""",
        ),
    ),
    scenario(
        "pod-in-another-namespace",
        Step(
            {
                "80/TCP": """
x/a  X.. ... ...
x/b  X.. ... ...
x/c  X.. ... ...
y/a  ... ... ...
y/b  X.. ... ...
y/c  X.. ... ...
z/a  X.. ... ...
z/b  X.. ... ...
z/c  X.. ... ...
"""
            },
            apply=NP
            + """
metadata: {name: allow-y-a, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}
      podSelector: {matchLabels: {pod: a}}
""",
        ),
    ),
    scenario(
        "pod-selector-exists-and-does-not-exist",
        Step(
            {
                "80/TCP": """
x/a  ... ... ...
x/b  ... ... ...
x/c  ... ... ...
y/a  X.. ... ...
y/b  X.. ... ...
y/c  X.. ... ...
z/a  X.. ... ...
z/b  X.. ... ...
z/c  X.. ... ...
"""
            },
            apply=NP
            + """
metadata: {name: from-labelled-pods, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{podSelector: {matchExpressions: [{key: pod, operator: Exists}]}}]
""",
        ),
        Step(
            {"80/TCP": TO_XA_DENIED},
            apply=NP
            + """
metadata: {name: from-labelled-pods, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{podSelector: {matchExpressions: [{key: pod, operator: DoesNotExist}]}}]
""",
        ),
    ),
    scenario(
        "ports",
        Step(
            {"81/TCP": TO_XA_ONLY_FROM_Y, "80/TCP": TO_XA_DENIED},
            apply=NP
            + """
metadata: {name: allow-81-from-y, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}}]
    ports: [{port: 81, protocol: TCP}]
""",
        ),
    ),
    scenario(
        "stacked-policies-with-overlapping-pod-selectors",
        Step(
            {"81/TCP": TO_XA_ONLY_FROM_Y, "80/TCP": TO_XA_DENIED},
            apply=NP
            + """
metadata: {name: allow-81-from-y, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}}]
    ports: [{port: 81, protocol: TCP}]
""",
        ),
        Step(
            {"81/TCP": TO_XA_ONLY_FROM_Y, "80/TCP": TO_XA_ONLY_FROM_Y},
            apply=NP
            + """
metadata: {name: allow-80-from-y, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}}]
    ports: [{port: 80, protocol: TCP}]
""",
        ),
    ),
    scenario(
        "allow-all",
        Step(
            {"80/TCP": ALL_ALLOWED, "81/TCP": ALL_ALLOWED},
            apply=NP
            + """
metadata: {name: allow-all, namespace: x}
spec: {podSelector: {}, ingress: [{}]}
""",
        ),
    ),
    scenario(
        "ingress-on-one-named-port",
        Step(
            {"81/TCP": ALL_ALLOWED, "80/TCP": TO_X_DENIED},
            apply=NP
            + """
metadata: {name: allow-81-by-name, namespace: x}
spec:
  podSelector: {}
  ingress: [{ports: [{port: serve-81-tcp}]}]
""",
        ),
    ),
    scenario(
        "ingress-from-namespace-on-one-named-port",
        Step(
            {"80/TCP": TO_XA_ONLY_FROM_Y, "81/TCP": TO_XA_DENIED},
            apply=NP
            + """
metadata: {name: allow-80-by-name-from-y, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}}]
    ports: [{port: serve-80-tcp, protocol: TCP}]
""",
        ),
    ),
    scenario(
        "egress-on-one-named-port",
        Step(
            {"80/TCP": ALL_ALLOWED, "81/TCP": FROM_X_DENIED},
            apply=NP
            + """
metadata: {name: allow-egress-80-by-name, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{ports: [{port: serve-80-tcp}]}]
""",
        ),
    ),
    scenario(
        "named-port-needs-matching-protocol",
        Step(
            {"80/TCP": TO_XA_DENIED, "80/UDP": ALL_ALLOWED},
            apply=NP
            + """
metadata: {name: udp-name-for-udp, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{ports: [{port: serve-80-udp, protocol: UDP}]}]
""",
        ),
    ),
    scenario(
        "updated-policy",
        Step(
            {"81/TCP": ALL_ALLOWED},
            apply=NP
            + """
metadata: {name: allow-all-mutate-to-deny-all, namespace: x}
spec: {podSelector: {}, ingress: [{}]}
""",
        ),
        Step(
            {"81/TCP": TO_X_DENIED},
            apply=NP
            + """
metadata: {name: allow-all-mutate-to-deny-all, namespace: x}
spec: {podSelector: {}, ingress: []}
""",
        ),
    ),
    scenario(
        "ingress-from-updated-namespace",
        Step(
            {"80/TCP": TO_XA_DENIED},
            apply=NP
            + """
metadata: {name: allow-from-updated-ns, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{namespaceSelector: {matchLabels: {ns2: updated}}}]}]
""",
        ),
        Step({"80/TCP": TO_XA_ONLY_FROM_Y}, apply=namespace_yaml("y", ns2="updated")),
        Step({"80/TCP": TO_XA_DENIED}, apply=namespace_yaml("y")),
    ),
    scenario(
        "ingress-from-updated-pod",
        Step(
            {"80/TCP": TO_XA_DENIED},
            apply=NP
            + """
metadata: {name: allow-from-updated-pod, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{podSelector: {matchLabels: {pod2: updated}}}]}]
""",
        ),
        Step({"80/TCP": TO_XA_ONLY_FROM_XB}, apply=pod_yaml("x/b", pod2="updated")),
    ),
    scenario(
        "ingress-denied-to-updated-pod",
        Step(
            {"80/TCP": ALL_ALLOWED},
            apply=NP
            + """
metadata: {name: deny-ingress-to-isolated, namespace: x}
spec:
  podSelector: {matchLabels: {target: isolated}}
  policyTypes: [Ingress]
""",
        ),
        Step({"80/TCP": TO_XA_DENIED}, apply=pod_yaml("x/a", target="isolated")),
        Step({"80/TCP": ALL_ALLOWED}, apply=pod_yaml("x/a")),
    ),
    scenario(
        "deny-ingress-from-other-namespaces",
        Step(
            {
                "80/TCP": """
x/a  ... ... ...
x/b  ... ... ...
x/c  ... ... ...
y/a  XXX ... ...
y/b  XXX ... ...
y/c  XXX ... ...
z/a  XXX ... ...
z/b  XXX ... ...
z/c  XXX ... ...
"""
            },
            apply=NP
            + """
metadata: {name: deny-other-namespaces, namespace: x}
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {}}]}]
""",
        ),
    ),
    scenario(
        "deny-egress-by-pod-selector",
        Step(
            {"80/TCP": FROM_XA_DENIED},
            apply=NP
            + """
metadata: {name: deny-egress-a, namespace: x}
spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress]}
""",
        ),
    ),
    scenario(
        "deny-egress-from-namespace",
        Step(
            {"80/TCP": FROM_X_DENIED},
            apply=NP
            + """
metadata: {name: deny-egress-all, namespace: x}
spec: {podSelector: {}, policyTypes: [Egress]}
""",
        ),
    ),
    scenario(
        "ingress-and-egress-together",
        Step(
            {"80/TCP": XA_IN_FROM_XB_OUT_TO_Y},
            apply=NP
            + """
metadata: {name: both-ways, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress, Egress]
  ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]
  egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}}]}]
""",
        ),
    ),
    scenario(
        "policy-types-default-from-egress-presence",
        Step(
            {"80/TCP": XA_IN_FROM_XB_OUT_TO_Y},
            apply=NP
            + """
metadata: {name: implied-types, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]
  egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}}]}]
""",
        ),
    ),
    scenario(
        "policy-types-egress-only-ignores-ingress-rules",
        Step(
            {"80/TCP": ALL_ALLOWED},
            apply=NP
            + """
metadata: {name: egress-only, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]
  egress: [{}]
""",
        ),
    ),
    scenario(
        "egress-denied-on-client-even-if-server-allows",
        Step(
            {
                "80/TCP": """
x/a  XXX .XX XXX
x/b  ... XX. ...
x/c  ... XX. ...
y/a  ... XX. ...
y/b  ... XX. ...
y/c  ... XX. ...
z/a  ... XX. ...
z/b  ... XX. ...
z/c  ... XX. ...
"""
            },
            apply=NP
            + """
metadata: {name: allow-to-y-a, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}
      podSelector: {matchLabels: {pod: a}}
---
"""
            + NP
            + """
metadata: {name: allow-from-x-a, namespace: y}
spec:
  podSelector: {matchExpressions: [{key: pod, operator: In, values: [a, b]}]}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: x}}
      podSelector: {matchLabels: {pod: a}}
""",
        ),
    ),
    scenario(
        "egress-to-pod-in-another-namespace",
        Step(
            {
                "80/TCP": """
x/a  XXX .XX XXX
x/b  ... ... ...
x/c  ... ... ...
y/a  ... ... ...
y/b  ... ... ...
y/c  ... ... ...
z/a  ... ... ...
z/b  ... ... ...
z/c  ... ... ...
"""
            },
            apply=NP
            + """
metadata: {name: allow-to-y-a, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}
      podSelector: {matchLabels: {pod: a}}
""",
        ),
    ),
    scenario(
        "ingress-any-port-on-one-protocol",
        Step(
            {"80/TCP": ALL_ALLOWED, "80/UDP": TO_XA_DENIED},
            apply=NP
            + """
metadata: {name: allow-tcp, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{ports: [{protocol: TCP}]}]
""",
        ),
    ),
    scenario(
        "ingress-allow-all-takes-precedence",
        Step(
            {"81/TCP": TO_X_DENIED},
            apply=NP
            + """
metadata: {name: allow-ingress-port-80, namespace: x}
spec: {podSelector: {}, ingress: [{ports: [{port: 80}]}]}
""",
        ),
        Step(
            {"81/TCP": ALL_ALLOWED},
            apply=NP
            + """
metadata: {name: allow-ingress, namespace: x}
spec: {podSelector: {}, ingress: [{}]}
""",
        ),
    ),
    scenario(
        "egress-allow-all-takes-precedence",
        Step(
            {"81/TCP": FROM_X_DENIED},
            apply=NP
            + """
metadata: {name: allow-egress-port-80, namespace: x}
spec: {podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: 80}]}]}
""",
        ),
        Step(
            {"81/TCP": ALL_ALLOWED},
            apply=NP
            + """
metadata: {name: allow-egress, namespace: x}
spec: {podSelector: {}, policyTypes: [Egress], egress: [{}]}
""",
        ),
    ),
    scenario(
        "stop-enforcing-after-delete",
        Step({"80/TCP": X_ISOLATED_BOTH_WAYS}, apply=DENY_ALL_X),
        Step({"80/TCP": ALL_ALLOWED}, delete=DENY_ALL_X),
    ),
    scenario(
        "egress-to-cidr",
        Step(
            {
                "80/TCP": """
x/a  XXX X.X XXX
x/b  ... ... ...
x/c  ... ... ...
y/a  ... ... ...
y/b  ... ... ...
y/c  ... ... ...
z/a  ... ... ...
z/b  ... ... ...
z/c  ... ... ...
"""
            },
            apply=NP
            + """
metadata: {name: allow-to-y-b-cidr, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 10.1.2.2/32}}]}]
""",
        ),
    ),
    scenario("egress-cidr-except", Step({"80/TCP": EXCEPT_XB_TABLE}, apply=EXCEPT_XB)),
    scenario(
        "except-overlap-allowed-by-another-policy",
        Step({"80/TCP": EXCEPT_XB_TABLE}, apply=EXCEPT_XB),
        Step(
            {"80/TCP": ALL_ALLOWED},
            apply=NP
            + """
metadata: {name: egress-to-xb, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 10.1.1.2/32}}]}]
""",
        ),
    ),
    scenario(
        "ingress-cidr-except",
        Step(
            {
                "80/TCP": """
x/a  ... ... ...
x/b  ... ... ...
x/c  ... ... ...
y/a  X.. ... ...
y/b  X.. ... ...
y/c  X.. ... ...
z/a  ... ... ...
z/b  ... ... ...
z/c  ... ... ...
"""
            },
            apply=NP
            + """
metadata: {name: ingress-except-y, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{ipBlock: {cidr: 10.1.0.0/16, except: [10.1.2.0/24]}}]}]
""",
        ),
    ),
    scenario(
        "pod-selector-or-ip-block",
        Step(
            {
                "80/TCP": """
x/a  X.. ... ...
x/b  X.. ... ...
x/c  ... ... ...
y/a  X.. ... ...
y/b  X.. ... ...
y/c  X.. ... ...
z/a  ... ... ...
z/b  ... ... ...
z/c  ... ... ...
"""
            },
            apply=NP
            + """
metadata: {name: pod-or-block, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{podSelector: {matchLabels: {pod: c}}}, {ipBlock: {cidr: 10.1.3.0/24}}]
""",
        ),
    ),
    scenario(
        "ingress-end-port",
        Step(
            {"80/TCP": TO_XA_DENIED, "81/TCP": ALL_ALLOWED},
            apply=NP
            + """
metadata: {name: ingress-81-82, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{ports: [{protocol: TCP, port: 81, endPort: 82}]}]
""",
        ),
    ),
    scenario(
        "egress-end-port",
        Step(
            {"80/TCP": ALL_ALLOWED, "81/TCP": FROM_X_DENIED},
            apply=NP
            + """
metadata: {name: egress-79-80, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{ports: [{protocol: TCP, port: 79, endPort: 80}]}]
""",
        ),
    ),
    scenario(
        "sctp-is-not-tcp",
        Step(
            {"80/TCP": TO_XA_DENIED, "80/SCTP": ALL_ALLOWED},
            apply=NP
            + """
metadata: {name: allow-sctp-80, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{ports: [{protocol: SCTP, port: 80}]}]
""",
        ),
    ),
    scenario(
        "udp-is-not-tcp",
        Step(
            {"81/TCP": TO_XA_DENIED, "81/UDP": ALL_ALLOWED},
            apply=NP
            + """
metadata: {name: allow-udp-81, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{ports: [{protocol: UDP, port: 81}]}]
""",
        ),
    ),
    scenario(
        "egress-isolation-leaves-ingress-open",
        Step(
            {"80/TCP": FROM_XA_DENIED, "81/TCP": FROM_XA_DENIED},
            apply=NP
            + """
metadata: {name: deny-egress-a, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
""",
        ),
    ),
)
