"""Engine.acl_origin: every programmed ACL can be traced back to what it came from."""

from __future__ import annotations

from dataplane.hns import simulator
from tests.compile.harness import TCP, SimNode, allow, deny, namespace, pod, policy, side

WEB = pod("web", "10.0.0.1", app="web")
CLIENT = pod("client", "10.0.1.1", node="node-2", app="client")


def test_each_acl_names_its_policy_rule_or_catch_all() -> None:
    rules = [
        deny(protocol=TCP, source=side(nets=("10.9.0.0/16",))),
        allow(protocol=TCP, source=side(selector="app == 'client'")),
    ]
    node = SimNode(host_addresses=("192.168.0.1",))
    node.setup(namespace(), WEB, CLIENT, policy("web", "app == 'web'", ingress=rules))
    origins = {acl.id: node.engine.acl_origin(WEB.key, acl.id) for acl in node.acls(WEB)}
    assert None not in origins.values(), origins
    labels = set(origins.values())
    assert {"host", "allow-all", "tier default"} <= labels
    assert any("web" in label and "rule 0" in label for label in labels)
    assert any("web" in label and "rule 1" in label for label in labels)

    # The ACL that decides a packet is traced to the rule that matched it.
    verdict = simulator.classify(node.ids[WEB.key], "In", TCP, None, 80, "10.9.1.1", 1234)
    assert not verdict.allowed
    assert "rule 0" in str(node.engine.acl_origin(WEB.key, verdict.acl_id))
    verdict = simulator.classify(node.ids[WEB.key], "In", TCP, None, 80, "10.0.1.1", 1234)
    assert verdict.allowed
    assert "rule 1" in str(node.engine.acl_origin(WEB.key, verdict.acl_id))


def test_unknown_acl_or_endpoint_has_no_origin() -> None:
    node = SimNode()
    node.setup(namespace(), WEB, policy("web", "app == 'web'", ingress=[allow()]))
    assert node.engine.acl_origin(WEB.key, "no-such-acl") is None
    assert node.engine.acl_origin(CLIENT.key, "anything") is None
