"""``projectcalico.org/name`` selects namespaces and service accounts by name (input 2)."""

from __future__ import annotations

from typing import Any

from dataplane.simulate import simulate_node
from tests.conformance.manifests import action, calico_policy, global_policy, netpol, peer
from tests.failclosed.cluster import PODS, allowed, converted

SERVICE_ACCOUNTS: tuple[dict[str, Any], ...] = (
    {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "default", "namespace": "x"},
    },
)


def programmed(*docs: dict[str, Any]) -> Any:
    return simulate_node(converted(*PODS, *SERVICE_ACCOUNTS, *docs))


def test_global_policy_namespace_selector_by_name_isolates_that_namespace() -> None:
    deny = global_policy(
        "lock-x", namespaceSelector="projectcalico.org/name == 'x'", ingress=[action("Deny")]
    )
    node = programmed(deny)
    assert not allowed(node, "y/c", "x/a")
    assert not allowed(node, "x/b", "x/a")
    assert allowed(node, "x/a", "y/c")


def test_rule_namespace_selector_by_name_allows_only_that_namespace() -> None:
    policy = calico_policy(
        "from-y",
        selector="all()",
        ingress=[action("Allow", source={"namespaceSelector": "projectcalico.org/name == 'y'"})],
    )
    node = programmed(policy)
    assert allowed(node, "y/c", "x/a")
    assert not allowed(node, "x/b", "x/a")


def test_kubernetes_namespace_selector_on_the_calico_name_label() -> None:
    policy = netpol(
        "from-y",
        ingress=[{"from": [peer(namespaces={"matchLabels": {"projectcalico.org/name": "y"}})]}],
    )
    node = programmed(policy)
    assert allowed(node, "y/c", "x/a")
    assert not allowed(node, "x/b", "x/a")


def test_service_account_selector_by_name() -> None:
    policy = global_policy(
        "lock-default-sa",
        serviceAccountSelector="projectcalico.org/name == 'default'",
        ingress=[action("Deny")],
    )
    node = programmed(policy)
    assert not allowed(node, "y/c", "x/a")  # x/a runs as x/default
    rule = global_policy(
        "from-default-sa",
        selector="all()",
        ingress=[
            action(
                "Allow",
                source={"serviceAccounts": {"selector": "projectcalico.org/name == 'default'"}},
            )
        ],
    )
    node = programmed(rule)
    assert allowed(node, "x/b", "x/a")
    assert not allowed(node, "y/c", "x/a")  # y/default has no ServiceAccount object here
