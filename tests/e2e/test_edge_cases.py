"""Hand-picked corner cases random generation rarely reaches, checked like the property tests."""

from __future__ import annotations

import pytest
import yaml

from tests.e2e.agreement import disagreements
from tests.e2e.pipeline import programmed
from tests.reference.strategies import HOST_ADDRESS

PODS = """
apiVersion: v1
kind: Namespace
metadata: {name: x, labels: {kubernetes.io/metadata.name: x, env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: y, labels: {kubernetes.io/metadata.name: y, env: dev}}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec:
  nodeName: node-1
  containers: [{name: c, ports: [{name: http, containerPort: 80}, {name: dns, containerPort: 53,
    protocol: UDP}]}]
status: {podIP: 10.0.0.10, podIPs: [{ip: 10.0.0.10}, {ip: "fd00::a"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {app: b}}
spec:
  nodeName: node-1
  containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]
status: {podIP: 10.0.0.11, podIPs: [{ip: 10.0.0.11}]}
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: y, labels: {app: b, role: web}}
spec: {nodeName: node-2, containers: [{name: c}]}
status: {podIP: 10.0.1.12, podIPs: [{ip: 10.0.1.12}, {ip: "fd00::c"}]}
"""

CASES = {
    "not-selector-excludes-addresses-of-an-overlapping-set": """
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: blocked, labels: {app: b}}
spec: {nets: [10.0.0.0/24]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: p}
spec:
  selector: all()
  ingress:
  - action: Allow
    source: {selector: has(app), notSelector: app == 'b'}
  egress:
  - action: Allow
    destination: {selector: all(), notSelector: app == 'b'}
""",
    "bare-not-selector-in-a-namespace-with-a-set-over-other-pods": """
apiVersion: projectcalico.org/v3
kind: NetworkSet
metadata: {name: neighbours, namespace: x, labels: {role: near}}
spec: {nets: [10.0.1.0/24]}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  selector: all()
  ingress:
  - action: Allow
    source: {notSelector: role == 'web'}
  egress:
  - action: Deny
    destination: {notSelector: app == 'a'}
  - action: Allow
""",
    "named-ports-differ-per-pod-with-not-ports": """
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: p}
spec:
  selector: all()
  ingress:
  - action: Deny
    protocol: TCP
    destination: {notPorts: [http]}
  - action: Allow
  egress:
  - action: Allow
    protocol: TCP
    destination: {ports: [http, 81]}
""",
    "tier-pass-default-then-kubernetes-isolation": """
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: guard}
spec: {order: 10, defaultAction: Pass}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: guard.p}
spec:
  tier: guard
  selector: all()
  namespaceSelector: env == 'prod'
  ingress:
  - action: Deny
    source: {namespaceSelector: env == 'dev'}
  - action: Log
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: k, namespace: x}
spec:
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.1.0/24]}}]
    ports: [{port: http}, {port: dns, protocol: UDP}]
  egress:
  - to: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: app, operator: NotIn,
      values: [a]}]}}]
""",
    "ipv6-and-icmp-rules": """
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: p}
spec:
  selector: all()
  ingress:
  - action: Allow
    protocol: ICMPv6
  - action: Deny
    ipVersion: 6
  - action: Allow
    protocol: TCP
    source: {nets: [10.0.1.0/24]}
  egress:
  - action: Allow
    notProtocol: ICMP
    destination: {notNets: [10.0.1.0/24]}
""",
}


@pytest.mark.parametrize("set_policy", [True, False], ids=["setpolicy", "inline"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_corner_case_matches_the_reference(case: str, set_policy: bool) -> None:
    manifests = [m for m in yaml.safe_load_all(PODS + "---\n" + CASES[case]) if m]
    node, reference = programmed(manifests, set_policy)
    probes = ((80, "TCP"), (8080, "TCP"), (53, "UDP"), (81, "TCP"))
    found = disagreements(node, reference, probes, (HOST_ADDRESS,))
    assert not found, "\n".join(str(d) for d in found[:12])
