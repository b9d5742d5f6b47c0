"""Kubernetes LabelSelectors compiled into selectors."""

from __future__ import annotations

from typing import Any

import pytest

from dataplane.selector import ALL, SelectorError, from_label_selector, parse


@pytest.mark.parametrize(
    "obj",
    [{}, None, {"matchLabels": None}, {"matchLabels": {}, "matchExpressions": []}],
)
def test_empty_selects_everything(obj: Any) -> None:
    assert from_label_selector(obj) is ALL


def test_match_labels_and_expressions_are_anded() -> None:
    selector = from_label_selector(
        {
            "matchLabels": {"app": "web", "tier": "front"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "staging"]},
                {"key": "zone", "operator": "NotIn", "values": ["z1"]},
                {"key": "team", "operator": "Exists"},
                {"key": "legacy", "operator": "DoesNotExist", "values": []},
            ],
        }
    )
    assert selector == parse(
        "app == 'web' && tier == 'front' && env in {'prod', 'staging'} && zone != 'z1'"
        " && has(team) && !has(legacy)"
    )
    base = {"app": "web", "tier": "front", "env": "prod", "team": "t"}
    assert selector.matches(base)
    assert selector.matches({**base, "zone": "z2"})
    assert not selector.matches({**base, "zone": "z1"})
    assert not selector.matches({**base, "legacy": ""})
    assert not selector.matches({**base, "env": "dev"})


def test_not_in_and_does_not_exist_match_objects_without_the_key() -> None:
    selector = from_label_selector(
        {
            "matchExpressions": [
                {"key": "a", "operator": "NotIn", "values": ["x", "y"]},
                {"key": "b", "operator": "DoesNotExist"},
            ]
        }
    )
    assert selector.matches({})
    assert not selector.matches({"a": "y"})


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([], "label selector: expected a mapping, got list"),
        ({"matchLabel": {}}, "label selector: unknown field 'matchLabel'"),
        ({"matchLabels": ["a"]}, "matchLabels: expected a mapping, got list"),
        ({"matchLabels": {"a b": "x"}}, "matchLabels['a b']: invalid label key"),
        ({"matchLabels": {"a": 1}}, "matchLabels['a']: label value 1 is not a string"),
        ({"matchExpressions": {"key": "a"}}, "matchExpressions: expected a list, got dict"),
        ({"matchExpressions": "a"}, "matchExpressions: expected a list, got str"),
        ({"matchExpressions": ["a"]}, "matchExpressions[0]: expected a mapping, got str"),
        (
            {"matchExpressions": [{"key": "a", "operator": "Exists"}, {"key": "b"}]},
            "matchExpressions[1].operator: unknown operator NoneType",
        ),
        (
            {
                "matchExpressions": [
                    {"key": "a", "operator": "Exists"},
                    {"key": "b", "operator": "Foo"},
                ]
            },
            'matchExpressions[1].operator: unknown operator "Foo"',
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "In"}]},
            "matchExpressions[0].values: operator In needs at least one value",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": []}]},
            "matchExpressions[0].values: operator NotIn needs at least one value",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
            "matchExpressions[0].values: operator Exists takes no values",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "In", "values": "x"}]},
            "matchExpressions[0].values: expected a list of strings, got str",
        ),
        (
            {"matchExpressions": [{"key": 3, "operator": "Exists"}]},
            "matchExpressions[0].key: expected a label key, got int",
        ),
        (
            {"matchExpressions": [{"key": "", "operator": "Exists"}]},
            "matchExpressions[0]: invalid label key ''",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "Exists", "value": []}]},
            "matchExpressions[0]: unknown field 'value'",
        ),
    ],
)
def test_invalid_shapes(obj: Any, message: str) -> None:
    with pytest.raises(SelectorError) as caught:
        from_label_selector(obj)
    assert str(caught.value).startswith(message)
    assert caught.value.position is None
