"""Building selectors without text: canonical results, normalisation, prefixing."""

from __future__ import annotations

import pytest

from dataplane.selector import (
    ALL,
    GLOBAL,
    SelectorError,
    conjunction,
    disjunction,
    has_label,
    label_equals,
    label_in,
    negation,
    parse,
    prefixed,
)


def test_leaf_constructors_equal_their_parsed_text() -> None:
    assert has_label("a") == parse("has(a)")
    assert label_equals("a", "x") == parse("a == 'x'")
    assert label_in("a", ["y", "x"]) == parse("a in {'x', 'y'}")
    assert label_in("a", ("x",)) == parse("a == 'x'")
    assert label_in("a", []) == parse("a in {}")
    assert label_in("a", iter(["x", "y", "x"])) == parse("a in {'y', 'x'}")


def test_label_in_rejects_a_bare_string() -> None:
    with pytest.raises(TypeError):
        label_in("a", "xy")


@pytest.mark.parametrize("key", ["", "a b", "-a", "a=b", "a'", "é", "a(b)"])
def test_invalid_keys_are_rejected(key: str) -> None:
    with pytest.raises(SelectorError, match="invalid label key"):
        has_label(key)
    with pytest.raises(SelectorError):
        label_equals(key, "v")
    with pytest.raises(SelectorError):
        label_in(key, ["v", "w"])


def test_conjunction() -> None:
    a, b, c = has_label("a"), has_label("b"), has_label("c")
    assert conjunction() is ALL
    assert conjunction(ALL, ALL) is ALL
    assert conjunction(a) is a
    assert conjunction(a, ALL) is a
    assert conjunction(b, a) == parse("has(a) && has(b)")
    assert conjunction(conjunction(c, b), a) == parse("has(a) && has(b) && has(c)")
    assert conjunction(a, a, a) is a
    assert conjunction(disjunction(a, b), c) == parse("(has(a) || has(b)) && has(c)")


def test_disjunction() -> None:
    a, b, c = has_label("a"), has_label("b"), has_label("c")
    nothing = disjunction()
    assert nothing == parse("!all()")
    assert not nothing.matches({}) and not nothing.matches({"a": "x"})
    assert disjunction(a) is a
    assert disjunction(a, ALL) is ALL
    assert disjunction(disjunction(c, b), a) == parse("has(a) || has(b) || has(c)")
    assert disjunction(b, a, b) == parse("has(b) || has(a)")


def test_negation() -> None:
    a = has_label("a")
    assert negation(negation(a)) is a
    assert negation(label_equals("a", "x")) == parse("a != 'x'")
    assert negation(negation(label_equals("a", "x"))) == label_equals("a", "x")
    assert negation(label_in("a", ["x", "y"])) == parse("a not in {'x', 'y'}")
    assert negation(GLOBAL) == parse("!global()")
    assert negation(conjunction(a, has_label("b"))) == parse("!(has(a) && has(b))")


def test_constructors_are_cached() -> None:
    assert label_equals("team", "blue") is label_equals("team", "blue")
    assert has_label("team") is has_label("team")


def test_prefixed_renames_every_key() -> None:
    selector = parse(
        "a == 'x' && b != 'y' && c in {'1', '2'} && d not in {'3', '4'} && has(e)"
        " && !(f contains 'z' || g starts with 'q' || h ends with 'r')"
    )
    result = prefixed(selector, "pcns.")
    assert result == parse(
        "pcns.a == 'x' && pcns.b != 'y' && pcns.c in {'1', '2'} && pcns.d not in {'3', '4'}"
        " && has(pcns.e) && !(pcns.f contains 'z' || pcns.g starts with 'q'"
        " || pcns.h ends with 'r')"
    )
    assert result.label_keys == {f"pcns.{k}" for k in "abcdefgh"}


def test_prefixed_keeps_all_and_global() -> None:
    assert prefixed(ALL, "pcns.") is ALL
    assert prefixed(GLOBAL, "pcns.") is GLOBAL
    assert prefixed(parse("global() || has(a)"), "p.") == parse("global() || has(p.a)")


def test_prefixed_resorts_operands() -> None:
    # "a == ..." sorts before "has(a)", but "has(p.a)" sorts before "p.a == ...".
    result = prefixed(parse("a == 'x' && has(b)"), "p.")
    assert str(result) == 'has(p.b) && p.a == "x"'


def test_prefixed_matches_the_prefixed_labels() -> None:
    selector = parse("team == 'blue' && !has(legacy)")
    result = prefixed(selector, "pcns.")
    assert result.matches({"pcns.team": "blue"})
    assert not result.matches({"team": "blue"})
    assert not result.matches({"pcns.team": "blue", "pcns.legacy": ""})


def test_prefixed_rejects_a_prefix_that_breaks_keys() -> None:
    with pytest.raises(SelectorError):
        prefixed(has_label("a"), "bad prefix ")
