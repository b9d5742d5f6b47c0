"""Lexical rules shared by the parser and the constructors: label keys and quoting."""

from __future__ import annotations

import re

from dataplane.selector._error import SelectorError

KEY_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_./-]*"
_KEY = re.compile(KEY_PATTERN)


def check_key(key: str) -> str:
    """Return ``key`` if it can appear in a selector, else raise ``SelectorError``."""
    if not isinstance(key, str) or _KEY.fullmatch(key) is None:
        raise SelectorError(
            f"invalid label key {key!r}: use letters, digits and '_./-', "
            "starting with a letter, digit or '_'",
            str(key),
        )
    return key


def check_value(value: str) -> str:
    """Return ``value`` if a selector can quote it, else raise ``SelectorError``."""
    if not isinstance(value, str):
        raise SelectorError(f"label value {value!r} is not a string", str(value))
    if '"' in value and "'" in value:
        raise SelectorError(
            f"label value {value!r} contains both quote characters and cannot be written",
            value,
        )
    return value


def quote(value: str) -> str:
    """The canonical literal for a checked value: double quotes unless it holds one."""
    return f"'{value}'" if '"' in value else f'"{value}"'
