"""Kubernetes LabelSelectors compiled into selectors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
        ({"matchLabels": {"a": 1}}, "matchLabels['a']: expected a string value, got int"),
        ({"matchLabels": {"a": ["x"]}}, "matchLabels['a']: expected a string value, got list"),
        ({"matchLabels": {3: "x"}}, "matchLabels[3]: invalid label key 3"),
        (
            {"matchExpressions": [{"key": "a", "operator": "In", "values": ["x", ["y"]]}]},
            "matchExpressions[0].values: expected a list of strings, got a list holding list, str",
        ),
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


_OPERATOR_NAMES = st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"])
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["", "a", "In", "x y", "Exists"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)
_expressions = st.fixed_dictionaries(
    {"key": st.sampled_from(["a", "b", "", "a b", 1]), "operator": _json | _OPERATOR_NAMES},
    optional={"values": _json | st.lists(st.sampled_from(["x", "y", "", 1]), max_size=3)},
)
_label_selectors = st.fixed_dictionaries(
    {},
    optional={
        "matchLabels": _json
        | st.dictionaries(st.sampled_from(["a", "b", "?"]), _json | st.just("x")),
        "matchExpressions": _json | st.lists(_expressions, max_size=3),
    },
)


@given(_label_selectors | _json)
def test_any_object_gives_a_selector_or_a_selector_error(obj: Any) -> None:
    try:
        selector = from_label_selector(obj)
    except SelectorError as exc:
        assert exc.position is None
        return
    assert parse(str(selector)) == selector
