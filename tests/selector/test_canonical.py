"""Canonical form: one string per meaning-preserving spelling; equality and hashing follow it."""

from __future__ import annotations

import copy
import pickle

import pytest

from dataplane.selector import ALL, GLOBAL, SelectorError, parse


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("a=='x'", 'a == "x"'),
        ("a!='x'", 'a != "x"'),
        ("""a == 'say "hi"'""", """a == 'say "hi"'"""),
        ("a in {'y','x','y'}", 'a in {"x", "y"}'),
        ("a in {'x'}", 'a == "x"'),
        ("a not in {'x'}", 'a != "x"'),
        ("a in {}", "a in {}"),
        ("a not in { }", "a not in {}"),
        ("has( a )", "has(a)"),
        ("!has(a)", "!has(a)"),
        ("!a == 'x'", 'a != "x"'),
        ("!(a != 'x')", 'a == "x"'),
        ("!(a not in {'x','y'})", 'a in {"x", "y"}'),
        ("!a contains 'x'", '!(a contains "x")'),
        ("a  starts   with 'x'", 'a starts with "x"'),
        ("a ends with 'x'", 'a ends with "x"'),
        ("b == 'y' && a == 'x'", 'a == "x" && b == "y"'),
        ("b == 'y' && (a == 'x' && c == 'z')", 'a == "x" && b == "y" && c == "z"'),
        ("has(b) || (has(c) || has(a))", "has(a) || has(b) || has(c)"),
        ("has(a) && has(a)", "has(a)"),
        ("has(a) || has(a)", "has(a)"),
        ("has(a) && all()", "has(a)"),
        ("all() && all()", "all()"),
        ("has(a) || all()", "all()"),
        ("has(b) || has(a) && has(c)", "(has(a) && has(c)) || has(b)"),
        ("(has(b) || has(a)) && has(c)", "(has(a) || has(b)) && has(c)"),
        ("!(has(b) && has(a))", "!(has(a) && has(b))"),
        ("!(has(b) || has(a))", "!(has(a) || has(b))"),
        ("!all()", "!all()"),
        ("!!global()", "global()"),
        ("", "all()"),
    ],
)
def test_canonical_string(text: str, canonical: str) -> None:
    selector = parse(text)
    assert str(selector) == canonical
    assert parse(canonical) == selector


def test_equal_selectors_have_equal_hashes_and_strings() -> None:
    first = parse("b == 'y' && a == 'x'")
    second = parse('a == "x" && b == "y"')
    assert first == second
    assert hash(first) == hash(second)
    assert str(first) == str(second)
    assert len({first, second}) == 1


def test_different_selectors_are_not_equal() -> None:
    assert parse("a == 'x'") != parse("a == 'y'")
    assert parse("has(a) && has(b)") != parse("has(a) || has(b)")
    assert parse("a == 'x'") != 'a == "x"'


def test_parse_is_cached() -> None:
    assert parse("app == 'web' && has(x)") is parse("app == 'web' && has(x)")


def test_constants() -> None:
    assert parse("all()") is ALL
    assert parse("global()") is GLOBAL
    assert str(ALL) == "all()"
    assert str(GLOBAL) == "global()"


def test_selectors_are_immutable() -> None:
    selector = parse("a == 'x'")
    with pytest.raises(AttributeError):
        selector.value = "y"  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        del selector.key  # type: ignore[attr-defined]
    assert str(selector) == 'a == "x"'


def test_pickle_and_copy_keep_equality() -> None:
    selector = parse("a in {'x', 'y'} && !has(b)")
    assert pickle.loads(pickle.dumps(selector)) == selector
    assert copy.deepcopy(selector) == selector
    assert copy.copy(selector) == selector


def test_repr_shows_the_canonical_text() -> None:
    assert repr(parse("a=='x'")) == """Selector('a == "x"')"""


def test_unrepresentable_value_is_rejected() -> None:
    from dataplane.selector import label_equals

    with pytest.raises(SelectorError, match="both quote characters"):
        label_equals("a", """it's "x\"""")
