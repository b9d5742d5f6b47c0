"""Each construct of the selector language: what it parses to and what it matches."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from dataplane.model import Labels
from dataplane.selector import ALL, GLOBAL, parse

NS = "projectcalico.org/namespace"


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ("a == 'x'", {"a": "x"}, True),
        ("a == 'x'", {"a": "y"}, False),
        ("a == 'x'", {}, False),
        ("a == ''", {"a": ""}, True),
        ("a == ''", {}, False),
        ("a != 'x'", {"a": "x"}, False),
        ("a != 'x'", {"a": "y"}, True),
        ("a != 'x'", {}, True),
        ("a in {'x', 'y'}", {"a": "y"}, True),
        ("a in {'x', 'y'}", {"a": "z"}, False),
        ("a in {'x', 'y'}", {}, False),
        ("a in {}", {"a": "x"}, False),
        ("a in {}", {}, False),
        ("a not in {'x', 'y'}", {"a": "x"}, False),
        ("a not in {'x', 'y'}", {"a": "z"}, True),
        ("a not in {'x', 'y'}", {}, True),
        ("a not in {}", {}, True),
        ("a not in {}", {"a": "x"}, True),
        ("has(a)", {"a": ""}, True),
        ("has(a)", {"b": "a"}, False),
        ("!has(a)", {"b": "a"}, True),
        ("!has(a)", {"a": "x"}, False),
        ("all()", {}, True),
        ("all()", {"a": "x"}, True),
        ("global()", {"a": "x"}, True),
        ("global()", {NS: "default"}, False),
        ("a contains 'ell'", {"a": "hello"}, True),
        ("a contains 'ell'", {"a": "help"}, False),
        ("a contains 'ell'", {}, False),
        ("a contains ''", {"a": ""}, True),
        ("a contains ''", {}, False),
        ("a starts with 'he'", {"a": "hello"}, True),
        ("a starts with 'he'", {"a": "ohe"}, False),
        ("a starts with 'he'", {}, False),
        ("a starts with ''", {}, False),
        ("a ends with 'lo'", {"a": "hello"}, True),
        ("a ends with 'lo'", {"a": "lol"}, False),
        ("a ends with 'lo'", {}, False),
        ("a ends with ''", {"a": "q"}, True),
    ],
)
def test_construct_matches(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse(text).matches(Labels(labels)) is expected
    assert parse(text).matches(labels) is expected


def test_both_quote_styles_mean_the_same() -> None:
    assert parse("a == 'x'") == parse('a == "x"')
    assert parse("""a in {'x', "y"}""") == parse('a in {"y", "x"}')


def test_quotes_of_the_other_kind_are_plain_characters() -> None:
    assert parse("""a == 'say "hi"'""").matches({"a": 'say "hi"'})
    assert parse('''a == "it's"''').matches({"a": "it's"})


def test_backslash_is_not_an_escape() -> None:
    selector = parse(r"a == 'x\'")
    assert selector.matches({"a": "x\\"})
    assert not selector.matches({"a": "x'"})


def test_values_keep_spaces_and_newlines() -> None:
    assert parse("a == ' x\n'").matches({"a": " x\n"})
    assert not parse("a == ' x\n'").matches({"a": "x"})


@pytest.mark.parametrize(
    "text",
    [
        "a=='x'&&b!='y'",
        "  a == 'x'   &&   b != 'y'  ",
        "\ta\n==\n'x'\n&&\tb\t!=\t'y'",
        "(a == 'x') && (b != 'y')",
        "((a == 'x' && ((b != 'y'))))",
    ],
)
def test_whitespace_and_redundant_parentheses_do_not_matter(text: str) -> None:
    assert parse(text) == parse("a == 'x' && b != 'y'")


@pytest.mark.parametrize("text", ["", " ", "\t\n  "])
def test_blank_text_is_all(text: str) -> None:
    assert parse(text) is ALL


@pytest.mark.parametrize(
    ("text", "equivalent"),
    [
        ("all( )", "all()"),
        ("global ( )", "global()"),
        ("has( a )", "has(a)"),
        ("a  not \t in {'x'}", "a != 'x'"),
        ("a starts\n with 'x'", "a starts with 'x'"),
        ("a in {'x',}", "a == 'x'"),
        ("a in{'x','y'}", "a in {'x', 'y'}"),
        ("a contains'x'", "a contains 'x'"),
    ],
)
def test_spacing_variants(text: str, equivalent: str) -> None:
    assert parse(text) == parse(equivalent)


def test_not_binds_tighter_than_and() -> None:
    selector = parse("!has(a) && has(b)")
    assert selector.matches({"b": "1"})
    assert not selector.matches({})
    assert not selector.matches({"a": "1", "b": "1"})


def test_not_applies_to_a_whole_comparison() -> None:
    assert parse("!a == 'x'") == parse("a != 'x'")
    assert parse("!a in {'x', 'y'}") == parse("a not in {'x', 'y'}")
    assert parse("!a contains 'x'").matches({})


def test_and_binds_tighter_than_or() -> None:
    selector = parse("has(a) || has(b) && has(c)")
    assert selector.matches({"a": "1"})
    assert not selector.matches({"b": "1"})
    assert selector.matches({"b": "1", "c": "1"})
    assert selector == parse("has(a) || (has(b) && has(c))")
    assert selector != parse("(has(a) || has(b)) && has(c)")


def test_not_before_parentheses_negates_the_group() -> None:
    selector = parse("!(has(a) || has(b))")
    assert selector.matches({"c": "1"})
    assert not selector.matches({"b": "1"})


def test_repeated_not_cancels() -> None:
    assert parse("!!has(a)") == parse("has(a)")
    assert parse("!!!has(a)") == parse("!has(a)")
    assert parse("! ! ! ! global()") is GLOBAL


@pytest.mark.parametrize(
    "key",
    ["a", "projectcalico.org/namespace", "app.kubernetes.io/name", "pcns.team", "_x", "9-a_b.c/d"],
)
def test_label_keys(key: str) -> None:
    selector = parse(f"{key} == 'v' && has({key})")
    assert selector.matches({key: "v"})
    assert selector.label_keys == {key}


@pytest.mark.parametrize("key", ["in", "not", "has", "all", "global", "contains", "starts"])
def test_keywords_can_be_label_keys(key: str) -> None:
    assert parse(f"{key} == 'v'").matches({key: "v"})
    assert parse(f"{key} in {{'v', 'w'}}").matches({key: "w"})


def test_any_mapping_works() -> None:
    selector = parse("a == 'x' && has(b) && c in {'1', '2'}")
    labels = {"a": "x", "b": "", "c": "2"}
    assert selector.matches(MappingProxyType(labels))
    assert not selector.matches(MappingProxyType({"a": "x"}))


def test_matches_returns_a_bool() -> None:
    assert parse("has(a)").matches({"a": "1"}) is True
    assert parse("a contains 'x'").matches({}) is False
