"""Splitting selector text into tokens (words, quoted strings, punctuation)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from dataplane.selector._error import SelectorError
from dataplane.selector._syntax import KEY_PATTERN


class TokenKind(Enum):
    """What a token is; punctuation kinds carry their spelling as the value."""

    WORD = "word"
    STRING = "string"
    AND = "&&"
    OR = "||"
    EQ = "=="
    NE = "!="
    NOT = "!"
    LPAREN = "("
    RPAREN = ")"
    LBRACE = "{"
    RBRACE = "}"
    COMMA = ","
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its text (a string's text without the quotes), its offset."""

    kind: TokenKind
    text: str
    position: int


_TOKEN = re.compile(
    rf"""(?P<space>\s+)
    |(?P<word>{KEY_PATTERN})
    |(?P<punct>&&|\|\||==|!=|[!(){{}},])
    |"(?P<dq>[^"]*)"
    |'(?P<sq>[^']*)'""",
    re.VERBOSE,
)
_PUNCTUATION = {
    kind.value: kind
    for kind in TokenKind
    if kind not in (TokenKind.WORD, TokenKind.STRING, TokenKind.END)
}
_HALF_OPERATORS = {"&": "&&", "|": "||", "=": "=="}


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an END token; raises ``SelectorError``."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        found = _TOKEN.match(text, position)
        if found is None:
            raise _lexical_error(text, position)
        group = found.lastgroup
        if group == "word":
            tokens.append(Token(TokenKind.WORD, found.group(), position))
        elif group == "punct":
            tokens.append(Token(_PUNCTUATION[found.group()], found.group(), position))
        elif group in ("dq", "sq"):
            tokens.append(Token(TokenKind.STRING, found.group(group), position))
        position = found.end()
    tokens.append(Token(TokenKind.END, "", len(text)))
    return tokens


def _lexical_error(text: str, position: int) -> SelectorError:
    char = text[position]
    if char in "'\"":
        return SelectorError(f"unterminated string (no closing {char})", text, position)
    if char in _HALF_OPERATORS:
        return SelectorError(f"expected '{_HALF_OPERATORS[char]}'", text, position)
    return SelectorError(f"unexpected character {char!r}", text, position)
