"""Invalid selector text: only SelectorError, with a position and a readable message."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataplane.selector import Selector, SelectorError, parse
from dataplane.selector._parser import MAX_NESTING


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("(a == 'x'", "expected ')' at column 10, found end of selector", 9),
        ("(a == 'x' b", "expected ')' at column 11, found 'b'", 10),
        ("a == 'x", "unterminated string (no closing ') at column 6", 5),
        ('a == "x', 'unterminated string (no closing ") at column 6', 5),
        ("a = 'x'", "expected '==' at column 3", 2),
        ("a & b", "expected '&&' at column 3", 2),
        ("a | b", "expected '||' at column 3", 2),
        ("a == x", "expected a quoted string at column 6, found 'x'", 5),
        ("a", "expected an operator (==, !=, in, not in, contains, starts with, ends with)", 1),
        ("a is 'x'", "expected an operator", 2),
        ("a not 'x'", "expected 'in' at column 7", 6),
        ("a starts 'x'", "expected 'with' at column 10", 9),
        ("a in 'x'", "expected '{' at column 6", 5),
        ("a in {'x' 'y'}", "expected ',' or '}' at column 11", 10),
        ("a in {,}", "expected a quoted string at column 7, found ','", 6),
        ("has()", "expected a label key at column 5", 4),
        ("has(a", "expected ')' at column 6", 5),
        ("all(x)", "expected ')' at column 5, found 'x'", 4),
        ("foo(a)", "unknown function 'foo'", 0),
        ("a == 'x' b == 'y'", "unexpected 'b' after a complete selector at column 10", 9),
        ("a == 'x' )", "unexpected ')' after a complete selector", 9),
        ("&& a == 'x'", "expected a label, has(...), all(), global(), '!' or '('", 0),
        ("a == 'x' &&", "found end of selector", 11),
        ("!", "found end of selector", 1),
        ("()", "found ')'", 1),
        ("a == 'x' @", "unexpected character '@' at column 10", 9),
        ("-a == 'x'", "unexpected character '-'", 0),
        ("a == 'x' ||| b", "expected '||' at column 12", 11),
    ],
)
def test_error_message_and_position(text: str, message: str, position: int) -> None:
    with pytest.raises(SelectorError) as caught:
        parse(text)
    assert message in str(caught.value)
    assert caught.value.position == position
    assert caught.value.text == text


def test_error_is_a_value_error_with_reason() -> None:
    with pytest.raises(ValueError) as caught:
        parse("(has(a)")
    assert isinstance(caught.value, SelectorError)
    assert caught.value.reason == "expected ')'"


def test_nesting_limit() -> None:
    deepest = "(" * MAX_NESTING + "has(a)" + ")" * MAX_NESTING
    assert parse(deepest) == parse("has(a)")
    too_deep = "(" + deepest + ")"
    with pytest.raises(SelectorError, match="nested deeper") as caught:
        parse(too_deep)
    assert caught.value.position == MAX_NESTING


def test_very_deep_input_is_a_selector_error() -> None:
    with pytest.raises(SelectorError):
        parse("(" * 100_000)
    with pytest.raises(SelectorError):
        parse("!(" * 100_000 + "has(a)" + ")" * 100_000)


def test_long_not_chains_are_fine() -> None:
    assert parse("!" * 100_001 + "has(a)") == parse("!has(a)")


def test_long_flat_expressions_are_fine() -> None:
    text = " || ".join(f"k{i} == 'v'" for i in range(2000))
    selector = parse(text)
    assert selector.matches({"k1999": "v"})
    assert not selector.matches({"k2000": "v"})


_SELECTOR_ALPHABET = st.sampled_from(
    ["a", "b.c/d", "==", "!=", "!", "&&", "||", "&", "|", "=", "(", ")", "{", "}", ",", "'x'",
     '"y"', "'", '"', " ", "in", "not", "has", "all", "global", "contains", "starts", "ends",
     "with", "\t", "-", "@", "\\", "é", "\x00"]
)  # fmt: skip


def _parse_or_error(text: str) -> Selector | None:
    try:
        return parse(text)
    except SelectorError as exc:
        assert exc.position is None or 0 <= exc.position <= len(text)
        return None


@given(st.text())
def test_arbitrary_text_never_raises_anything_else(text: str) -> None:
    _parse_or_error(text)


@given(st.lists(_SELECTOR_ALPHABET, max_size=25).map("".join))
def test_selector_like_garbage_never_raises_anything_else(text: str) -> None:
    selector = _parse_or_error(text)
    if selector is not None:
        assert parse(str(selector)) == selector
