"""The labels a selector requires (restrictions) and the labels it reads (label_keys)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from dataplane.selector import ALL, GLOBAL, parse

NS = "projectcalico.org/namespace"


def _restrictions(text: str) -> dict[str, frozenset[str] | None]:
    return dict(parse(text).restrictions)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a == 'x'", {"a": {"x"}}),
        ("a in {'x', 'y'}", {"a": {"x", "y"}}),
        ("a in {}", {"a": set()}),
        ("has(a)", {"a": None}),
        ("a contains 'x'", {"a": None}),
        ("a starts with 'x'", {"a": None}),
        ("a ends with 'x'", {"a": None}),
        ("a != 'x'", {}),
        ("a not in {'x', 'y'}", {}),
        ("!has(a)", {}),
        ("!(a contains 'x')", {}),
        ("all()", {}),
        ("global()", {}),
        ("!global()", {}),
        ("!(a == 'x' && b == 'y')", {}),
        # && merges; the same key intersects; None ∩ S = S.
        ("a == 'x' && b in {'1', '2'}", {"a": {"x"}, "b": {"1", "2"}}),
        ("a in {'x', 'y'} && a in {'y', 'z'}", {"a": {"y"}}),
        ("a == 'x' && a == 'y'", {"a": set()}),
        ("has(a) && a in {'x', 'y'}", {"a": {"x", "y"}}),
        ("a in {'x', 'y'} && has(a)", {"a": {"x", "y"}}),
        ("has(a) && a contains 'q'", {"a": None}),
        ("a == 'x' && a != 'y'", {"a": {"x"}}),
        # || keeps keys every operand requires; value sets unite; None wins.
        ("a == 'x' || a == 'y'", {"a": {"x", "y"}}),
        ("a == 'x' || b == 'y'", {}),
        ("(a == 'x' && b == '1') || (a == 'y' && c == '2')", {"a": {"x", "y"}}),
        ("a == 'x' || has(a)", {"a": None}),
        ("a == 'x' || a != 'y'", {}),
        ("a in {} || a == 'x'", {"a": {"x"}}),
        ("(a == 'x' || a == 'y') && (a == 'y' || a == 'z')", {"a": {"y"}}),
    ],
)
def test_restrictions(text: str, expected: Mapping[str, set[str] | None]) -> None:
    found = _restrictions(text)
    assert found == {k: None if v is None else frozenset(v) for k, v in expected.items()}


def test_restrictions_are_read_only() -> None:
    restrictions = parse("a == 'x'").restrictions
    with pytest.raises(TypeError):
        restrictions["b"] = None  # type: ignore[index]
    assert parse("a == 'x'").restrictions == {"a": frozenset({"x"})}


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("all()", set()),
        ("global()", {NS}),
        ("!global()", {NS}),
        ("a == 'x' && b != 'y'", {"a", "b"}),
        ("a in {} || !(c contains 'q') || has(d)", {"a", "c", "d"}),
        ("(a not in {'1','2'} && b starts with 'z') || e ends with 'f'", {"a", "b", "e"}),
    ],
)
def test_label_keys(text: str, keys: set[str]) -> None:
    assert parse(text).label_keys == keys


def test_constants_are_unrestricted() -> None:
    assert ALL.restrictions == {}
    assert GLOBAL.restrictions == {}
    assert ALL.label_keys == frozenset()
