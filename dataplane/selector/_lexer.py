"""Splitting selector text into tokens (words, quoted strings, punctuation)."""

from __future__ import annotations

import re
from enum import Enum
from typing import NamedTuple

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


class Token(NamedTuple):
    """One token: its kind, its text (a string's text without the quotes), its offset."""

    kind: TokenKind
    text: str
    position: int


# Whitespace before each token is skipped; any other character that starts no
# token is caught by ``bad`` so that nothing is ever silently skipped.
_TOKEN = re.compile(
    rf"""\s*(?:
    (?P<word>{KEY_PATTERN})
    |(?P<punct>&&|\|\||==|!=|[!(){{}},])
    |"(?P<dq>[^"]*)"
    |'(?P<sq>[^']*)'
    |(?P<bad>\S))""",
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
    append = tokens.append
    for found in _TOKEN.finditer(text):
        group = found.lastgroup
        if group == "word":
            append(Token(TokenKind.WORD, found.group(group), found.start(group)))
        elif group == "punct":
            punct = found.group(group)
            append(Token(_PUNCTUATION[punct], punct, found.start(group)))
        elif group == "bad":
            raise _lexical_error(text, found.start(group))
        else:
            # A string: its text without quotes, at the position of its opening quote.
            quoted = "dq" if group == "dq" else "sq"
            append(Token(TokenKind.STRING, found.group(quoted), found.start(quoted) - 1))
    append(Token(TokenKind.END, "", len(text)))
    return tokens


def _lexical_error(text: str, position: int) -> SelectorError:
    char = text[position]
    if char in "'\"":
        return SelectorError(f"unterminated string (no closing {char})", text, position)
    if char in _HALF_OPERATORS:
        return SelectorError(f"expected '{_HALF_OPERATORS[char]}'", text, position)
    return SelectorError(f"unexpected character {char!r}", text, position)
