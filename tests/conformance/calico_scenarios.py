"""Calico scenarios: tiers and Pass, order, Deny before Allow, negations, global policy,
network sets, ICMP. Same table layout as the Kubernetes scenarios."""

from __future__ import annotations

from tests.conformance.kubernetes_scenarios import TO_X_DENIED, TO_XA_DENIED
from tests.conformance.scenario import Scenario, Step, scenario
from tests.conformance.truth import ALL_ALLOWED

V3 = "apiVersion: projectcalico.org/v3\n"
GNP = V3 + "kind: GlobalNetworkPolicy\n"
CNP = V3 + "kind: NetworkPolicy\n"
K8S_DENY_INGRESS_X = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-ingress, namespace: x}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""
SECURITY_TIER = (
    V3
    + """kind: Tier
metadata: {name: security}
spec: {order: 100}
"""
)

ONLY_FROM_Y = """
x/a  XXX XXX XXX
x/b  XXX XXX XXX
x/c  XXX XXX XXX
y/a  ... ... ...
y/b  ... ... ...
y/c  ... ... ...
z/a  XXX XXX XXX
z/b  XXX XXX XXX
z/c  XXX XXX XXX
"""

TO_X_FROM_Z_DENIED = """
x/a  ... ... ...
x/b  ... ... ...
x/c  ... ... ...
y/a  ... ... ...
y/b  ... ... ...
y/c  ... ... ...
z/a  XXX ... ...
z/b  XXX ... ...
z/c  XXX ... ...
"""

TO_X_ONLY_FROM_Y = """
x/a  XXX ... ...
x/b  XXX ... ...
x/c  XXX ... ...
y/a  ... ... ...
y/b  ... ... ...
y/c  ... ... ...
z/a  XXX ... ...
z/b  XXX ... ...
z/c  XXX ... ...
"""

TO_Y_DENIED = """
x/a  ... XXX ...
x/b  ... XXX ...
x/c  ... XXX ...
y/a  ... XXX ...
y/b  ... XXX ...
y/c  ... XXX ...
z/a  ... XXX ...
z/b  ... XXX ...
z/c  ... XXX ...
"""

SCENARIOS: tuple[Scenario, ...] = (
    scenario(
        "calico-global-deny-rule",
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
            apply=GNP
            + """
metadata: {name: deny-y-to-x-a}
spec:
  selector: pod == 'a' && projectcalico.org/namespace == 'x'
  types: [Ingress]
  ingress:
  - action: Deny
    source: {namespaceSelector: ns == 'y'}
  - action: Allow
""",
        ),
    ),
    scenario(
        "calico-tier-pass-then-profile",
        Step(
            {"80/TCP": ONLY_FROM_Y},
            apply=SECURITY_TIER
            + "---\n"
            + GNP
            + """
metadata: {name: security.from-y-only}
spec:
  tier: security
  selector: all()
  types: [Ingress]
  ingress:
  - action: Pass
    source: {namespaceSelector: ns == 'y'}
""",
        ),
    ),
    scenario(
        "calico-tier-pass-to-kubernetes-policy",
        Step(
            {
                "80/TCP": """
x/a  XXX XXX XXX
x/b  XXX XXX XXX
x/c  XXX XXX XXX
y/a  XXX ... ...
y/b  XXX ... ...
y/c  XXX ... ...
z/a  XXX XXX XXX
z/b  XXX XXX XXX
z/c  XXX XXX XXX
"""
            },
            apply=SECURITY_TIER
            + "---\n"
            + GNP
            + """
metadata: {name: security.from-y-only}
spec:
  tier: security
  selector: all()
  types: [Ingress]
  ingress:
  - action: Pass
    source: {namespaceSelector: ns == 'y'}
---
"""
            + K8S_DENY_INGRESS_X,
        ),
    ),
    scenario(
        "calico-tier-default-pass",
        Step(
            {
                "80/TCP": """
x/a  XXX ... ...
x/b  XXX ... ...
x/c  XXX ... ...
y/a  XXX ... ...
y/b  XXX ... ...
y/c  XXX ... ...
z/a  XXX XXX XXX
z/b  XXX XXX XXX
z/c  XXX XXX XXX
"""
            },
            apply=V3
            + """kind: Tier
metadata: {name: security}
spec: {order: 100, defaultAction: Pass}
---
"""
            + GNP
            + """
metadata: {name: security.block-z}
spec:
  tier: security
  selector: all()
  types: [Ingress]
  ingress:
  - action: Deny
    source: {namespaceSelector: ns == 'z'}
---
"""
            + K8S_DENY_INGRESS_X,
        ),
    ),
    scenario(
        "calico-tier-order",
        Step(
            {"80/TCP": TO_X_FROM_Z_DENIED},
            apply=V3
            + """kind: Tier
metadata: {name: first}
spec: {order: 10}
---
"""
            + V3
            + """kind: Tier
metadata: {name: second}
spec: {order: 20}
---
"""
            + GNP
            + """
metadata: {name: first.deny-z-to-x}
spec:
  tier: first
  selector: projectcalico.org/namespace == 'x'
  types: [Ingress]
  ingress:
  - action: Deny
    source: {namespaceSelector: ns == 'z'}
  - action: Pass
---
"""
            + GNP
            + """
metadata: {name: second.allow-all}
spec:
  tier: second
  selector: all()
  types: [Ingress]
  ingress: [{action: Allow}]
""",
        ),
        Step(
            {"80/TCP": ALL_ALLOWED},
            apply=V3
            + """kind: Tier
metadata: {name: first}
spec: {order: 30}
""",
        ),
    ),
    scenario(
        "calico-policy-order",
        Step(
            {
                "80/TCP": """
x/a  ... ... ...
x/b  XXX ... ...
x/c  ... ... ...
y/a  ... ... ...
y/b  ... ... ...
y/c  ... ... ...
z/a  ... ... ...
z/b  ... ... ...
z/c  ... ... ...
"""
            },
            apply=CNP
            + """
metadata: {name: deny-b, namespace: x}
spec:
  order: 10
  selector: all()
  types: [Ingress]
  ingress:
  - action: Deny
    source: {selector: pod == 'b'}
---
"""
            + CNP
            + """
metadata: {name: allow-all, namespace: x}
spec:
  order: 20
  selector: all()
  types: [Ingress]
  ingress: [{action: Allow}]
""",
        ),
        Step(
            {"80/TCP": ALL_ALLOWED},
            apply=CNP
            + """
metadata: {name: deny-b, namespace: x}
spec:
  order: 30
  selector: all()
  types: [Ingress]
  ingress:
  - action: Deny
    source: {selector: pod == 'b'}
""",
        ),
    ),
    scenario(
        "calico-deny-before-allow-and-log",
        Step(
            {
                "80/TCP": """
x/a  ... ... ...
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
            apply=CNP
            + """
metadata: {name: a-not-from-c, namespace: x}
spec:
  selector: pod == 'a'
  ingress:
  - action: Log
  - action: Deny
    source: {selector: pod == 'c'}
  - action: Allow
""",
        ),
    ),
    scenario(
        "calico-not-nets",
        Step(
            {
                "80/TCP": """
x/a  ... ... XXX
x/b  ... ... XXX
x/c  ... ... XXX
y/a  ... ... ...
y/b  ... ... ...
y/c  ... ... ...
z/a  ... ... ...
z/b  ... ... ...
z/c  ... ... ...
"""
            },
            apply=GNP
            + """
metadata: {name: z-not-from-x}
spec:
  selector: projectcalico.org/namespace == 'z'
  ingress:
  - action: Allow
    source: {notNets: [10.1.1.0/24]}
""",
        ),
    ),
    scenario(
        "calico-not-ports",
        Step(
            {"80/TCP": TO_XA_DENIED, "81/TCP": ALL_ALLOWED},
            apply=CNP
            + """
metadata: {name: a-not-80, namespace: x}
spec:
  selector: pod == 'a'
  ingress:
  - action: Allow
    protocol: TCP
    destination: {notPorts: [80]}
""",
        ),
    ),
    scenario(
        "calico-not-protocol",
        Step(
            {"80/TCP": ALL_ALLOWED, "80/UDP": TO_XA_DENIED},
            apply=CNP
            + """
metadata: {name: a-not-udp, namespace: x}
spec:
  selector: pod == 'a'
  ingress:
  - action: Allow
    notProtocol: UDP
""",
        ),
    ),
    scenario(
        "calico-not-selector-stays-in-namespace",
        Step(
            {
                "80/TCP": """
x/a  ... ... ...
x/b  X.. ... ...
x/c  ... ... ...
y/a  X.. ... ...
y/b  X.. ... ...
y/c  X.. ... ...
z/a  X.. ... ...
z/b  X.. ... ...
z/c  X.. ... ...
"""
            },
            apply=CNP
            + """
metadata: {name: a-not-from-b, namespace: x}
spec:
  selector: pod == 'a'
  ingress:
  - action: Allow
    source: {notSelector: pod == 'b'}
""",
        ),
    ),
    scenario(
        "calico-not-selector-in-global-policy",
        Step(
            {
                "80/TCP": """
x/a  ... ... ...
x/b  X.. ... ...
x/c  ... ... ...
y/a  ... ... ...
y/b  X.. ... ...
y/c  ... ... ...
z/a  ... ... ...
z/b  X.. ... ...
z/c  ... ... ...
"""
            },
            apply=GNP
            + """
metadata: {name: x-a-not-from-b}
spec:
  selector: pod == 'a'
  namespaceSelector: ns == 'x'
  ingress:
  - action: Allow
    source: {notSelector: pod == 'b'}
""",
        ),
    ),
    scenario(
        "calico-global-policy-namespace-selector",
        Step(
            {"80/TCP": TO_Y_DENIED},
            apply=GNP
            + """
metadata: {name: deny-into-y}
spec:
  selector: all()
  namespaceSelector: ns == 'y'
  types: [Ingress]
""",
        ),
    ),
    scenario(
        "calico-global-egress-deny-nets",
        Step(
            {"80/TCP": TO_Y_DENIED},
            apply=GNP
            + """
metadata: {name: no-egress-to-y}
spec:
  selector: all()
  egress:
  - action: Deny
    destination: {nets: [10.1.2.0/24]}
  - action: Allow
""",
        ),
    ),
    scenario(
        "calico-global-network-set",
        Step(
            {"80/TCP": TO_X_FROM_Z_DENIED},
            apply=V3
            + """kind: GlobalNetworkSet
metadata: {name: quarantine, labels: {role: quarantine}}
spec: {nets: [10.1.3.0/24]}
---
"""
            + GNP
            + """
metadata: {name: x-not-from-quarantine}
spec:
  selector: projectcalico.org/namespace == 'x'
  ingress:
  - action: Deny
    source: {selector: role == 'quarantine'}
  - action: Allow
""",
        ),
    ),
    scenario(
        "calico-namespaced-network-set",
        Step(
            {"80/TCP": TO_X_ONLY_FROM_Y},
            apply=V3
            + """kind: NetworkSet
metadata: {name: partners, namespace: x, labels: {role: partner}}
spec: {nets: [10.1.2.0/24]}
---
"""
            + CNP
            + """
metadata: {name: from-partners, namespace: x}
spec:
  selector: all()
  ingress:
  - action: Allow
    source: {selector: role == 'partner'}
""",
        ),
        Step(
            {"80/TCP": TO_X_DENIED},
            apply=V3
            + """kind: NetworkSet
metadata: {name: partners, namespace: x, labels: {role: former-partner}}
spec: {nets: [10.1.2.0/24]}
""",
        ),
    ),
    scenario(
        "calico-pass-in-default-tier-reaches-profile",
        Step(
            {"80/TCP": ALL_ALLOWED},
            apply=CNP
            + """
metadata: {name: pass-first, namespace: x}
spec:
  order: 1
  selector: all()
  types: [Ingress]
  ingress: [{action: Pass}]
---
"""
            + K8S_DENY_INGRESS_X,
        ),
    ),
    scenario(
        "calico-icmp-only",
        Step(
            {"ICMP": ALL_ALLOWED, "80/TCP": TO_X_DENIED},
            apply=CNP
            + """
metadata: {name: icmp-only, namespace: x}
spec:
  selector: all()
  ingress: [{action: Allow, protocol: ICMP}]
""",
        ),
    ),
    scenario(
        "calico-deny-echo-then-allow",
        Step(
            {"ICMP": TO_X_DENIED, "80/TCP": ALL_ALLOWED},
            apply=CNP
            + """
metadata: {name: no-ping, namespace: x}
spec:
  selector: all()
  ingress:
  - action: Deny
    protocol: ICMP
    icmp: {type: 8}
  - action: Allow
""",
        ),
    ),
)
