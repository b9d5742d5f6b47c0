"""Parsing Calico selector text into canonical selectors (recursive descent)."""

from __future__ import annotations

from functools import lru_cache

from dataplane.selector._build import (
    ALL,
    GLOBAL,
    conjunction,
    disjunction,
    has_label,
    label_equals,
    label_in,
    negation,
    substring_match,
)
from dataplane.selector._error import SelectorError
from dataplane.selector._lexer import Token, TokenKind, tokenize
from dataplane.selector._selector import Selector

MAX_NESTING = 64
_TERM = "a label, has(...), all(), global(), '!' or '('"
_OPERATORS = "an operator (==, !=, in, not in, contains, starts with, ends with)"


@lru_cache(maxsize=65536)
def parse(text: str) -> Selector:
    """The canonical selector for Calico selector ``text`` (blank text is ``all()``).

    Raises ``SelectorError`` (and nothing else) for any text that is not a selector.
    """
    return _Parser(text).selector()


class _Parser:
    """One pass over the tokens of one selector text."""

    __slots__ = ("_index", "_text", "_tokens")

    def __init__(self, text: str) -> None:
        self._text = text
        self._tokens = tokenize(text)
        self._index = 0

    def selector(self) -> Selector:
        if self._peek().kind is TokenKind.END:
            return ALL
        result = self._or(0)
        end = self._peek()
        if end.kind is not TokenKind.END:
            reason = f"unexpected {_describe(end)} after a complete selector"
            raise SelectorError(reason, self._text, end.position)
        return result

    def _or(self, depth: int) -> Selector:
        operands = [self._and(depth)]
        while self._accept(TokenKind.OR):
            operands.append(self._and(depth))
        return operands[0] if len(operands) == 1 else disjunction(*operands)

    def _and(self, depth: int) -> Selector:
        operands = [self._unary(depth)]
        while self._accept(TokenKind.AND):
            operands.append(self._unary(depth))
        return operands[0] if len(operands) == 1 else conjunction(*operands)

    def _unary(self, depth: int) -> Selector:
        negated = False
        while self._accept(TokenKind.NOT):
            negated = not negated
        term = self._term(depth)
        return negation(term) if negated else term

    def _term(self, depth: int) -> Selector:
        token = self._next()
        if token.kind is TokenKind.LPAREN:
            if depth >= MAX_NESTING:
                reason = f"parentheses nested deeper than {MAX_NESTING}"
                raise SelectorError(reason, self._text, token.position)
            inner = self._or(depth + 1)
            self._expect(TokenKind.RPAREN, "')'")
            return inner
        if token.kind is not TokenKind.WORD:
            raise self._error(f"expected {_TERM}", token)
        if self._peek().kind is TokenKind.LPAREN:
            return self._function(token)
        return self._comparison(token.text)

    def _function(self, name: Token) -> Selector:
        self._next()
        if name.text == "has":
            key = self._expect(TokenKind.WORD, "a label key")
            self._expect(TokenKind.RPAREN, "')'")
            return has_label(key.text)
        if name.text in ("all", "global"):
            self._expect(TokenKind.RPAREN, "')'")
            return ALL if name.text == "all" else GLOBAL
        reason = f"unknown function {name.text!r} (expected has(...), all() or global())"
        raise SelectorError(reason, self._text, name.position)

    def _comparison(self, key: str) -> Selector:
        operator = self._next()
        if operator.kind is TokenKind.EQ:
            return label_equals(key, self._string())
        if operator.kind is TokenKind.NE:
            return negation(label_equals(key, self._string()))
        if operator.kind is not TokenKind.WORD:
            raise self._error(f"expected {_OPERATORS} after {key!r}", operator)
        word = operator.text
        if word == "in":
            return label_in(key, self._set())
        if word == "not":
            self._expect_word("in")
            return negation(label_in(key, self._set()))
        if word == "contains":
            return substring_match(key, word, self._string())
        if word in ("starts", "ends"):
            self._expect_word("with")
            return substring_match(key, f"{word} with", self._string())
        raise self._error(f"expected {_OPERATORS} after {key!r}", operator)

    def _set(self) -> list[str]:
        self._expect(TokenKind.LBRACE, "'{'")
        values: list[str] = []
        while not self._accept(TokenKind.RBRACE):
            values.append(self._string())
            if not self._accept(TokenKind.COMMA):
                self._expect(TokenKind.RBRACE, "',' or '}'")
                break
        return values

    def _string(self) -> str:
        return self._expect(TokenKind.STRING, "a quoted string").text

    def _expect_word(self, word: str) -> None:
        token = self._next()
        if token.kind is not TokenKind.WORD or token.text != word:
            raise self._error(f"expected {word!r}", token)

    def _expect(self, kind: TokenKind, what: str) -> Token:
        token = self._next()
        if token.kind is not kind:
            raise self._error(f"expected {what}", token)
        return token

    def _accept(self, kind: TokenKind) -> bool:
        if self._tokens[self._index].kind is kind:
            self._index += 1
            return True
        return False

    def _peek(self) -> Token:
        return self._tokens[self._index]

    def _next(self) -> Token:
        token = self._tokens[self._index]
        if token.kind is not TokenKind.END:
            self._index += 1
        return token

    def _error(self, reason: str, token: Token) -> SelectorError:
        return SelectorError(reason, self._text, token.position, _describe(token))


def _describe(token: Token) -> str:
    if token.kind is TokenKind.END:
        return "end of selector"
    if token.kind is TokenKind.STRING:
        return "a quoted string"
    return repr(token.text)
