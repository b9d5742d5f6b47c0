"""Selector labels: own labels plus inherited namespace and service-account labels."""

from __future__ import annotations

from dataplane.calc.selector_labels import SelectorLabeler, changed_keys
from dataplane.model import Labels, NetworkSet, WorkloadEndpoint


def _endpoint(**labels: str) -> WorkloadEndpoint:
    return WorkloadEndpoint("ns", "pod", "node", ("10.0.0.1",), Labels(labels), (), "sa")


def test_endpoint_labels_combine_own_inherited_and_calico_labels() -> None:
    labeler = SelectorLabeler()
    labeler.set_namespace("ns", Labels({"team": "x"}))
    labeler.set_service_account("ns", "sa", Labels({"level": "hi"}))
    assert labeler.endpoint(_endpoint(app="web")) == {
        "app": "web",
        "pcns.team": "x",
        "pcsa.level": "hi",
        "projectcalico.org/namespace": "ns",
        "projectcalico.org/orchestrator": "k8s",
        "projectcalico.org/serviceaccount": "sa",
    }


def test_own_labels_override_inherited_and_calico_labels_override_own() -> None:
    labeler = SelectorLabeler()
    labeler.set_namespace("ns", Labels({"team": "x"}))
    labels = labeler.endpoint(
        _endpoint(**{"pcns.team": "own", "projectcalico.org/namespace": "fake"})
    )
    assert labels["pcns.team"] == "own"
    assert labels["projectcalico.org/namespace"] == "ns"


def test_endpoint_without_service_account_gets_no_service_account_labels() -> None:
    labeler = SelectorLabeler()
    labeler.set_service_account("ns", "", Labels({"level": "hi"}))
    endpoint = WorkloadEndpoint("ns", "pod", "node", (), Labels({"app": "web"}))
    labels = labeler.endpoint(endpoint)
    assert "projectcalico.org/serviceaccount" not in labels
    assert not any(key.startswith("pcsa.") for key in labels)


def test_namespaced_network_sets_inherit_and_global_ones_do_not() -> None:
    labeler = SelectorLabeler()
    labeler.set_namespace("ns", Labels({"team": "x"}))
    namespaced = NetworkSet("ns", "set", ("10.0.0.0/8",), Labels({"role": "ext"}))
    global_set = NetworkSet("", "set", ("10.0.0.0/8",), Labels({"role": "ext"}))
    assert labeler.network_set(namespaced) == {
        "role": "ext",
        "pcns.team": "x",
        "projectcalico.org/namespace": "ns",
    }
    assert labeler.network_set(global_set) == {"role": "ext"}


def test_setting_parent_labels_reports_exactly_the_changed_prefixed_keys() -> None:
    labeler = SelectorLabeler()
    assert labeler.set_namespace("ns", Labels({"a": "1", "b": "2"})) == {"pcns.a", "pcns.b"}
    assert labeler.set_namespace("ns", Labels({"a": "1", "b": "3", "c": "4"})) == {
        "pcns.b",
        "pcns.c",
    }
    assert labeler.set_namespace("ns", Labels({"a": "1", "b": "3", "c": "4"})) == frozenset()
    assert labeler.set_namespace("ns", None) == {"pcns.a", "pcns.b", "pcns.c"}
    assert labeler.namespace("ns") is None
    assert changed_keys(None, Labels({"x": "1"}), "pcsa.") == {"pcsa.x"}
