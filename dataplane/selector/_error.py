"""The one exception the selector package raises for bad selector input."""

from __future__ import annotations


class SelectorError(ValueError):
    """A selector (or Kubernetes LabelSelector) that cannot be understood.

    ``text`` is the selector text being read (or the offending key, value or
    field), ``position`` the 0-based offset of the problem in ``text`` when
    there is one, ``reason`` the message without its location. The message
    reads like ``expected ')' at column 14, found '&&'``.
    """

    def __init__(
        self, reason: str, text: str = "", position: int | None = None, found: str = ""
    ) -> None:
        message = reason if position is None else f"{reason} at column {position + 1}"
        super().__init__(f"{message}, found {found}" if found else message)
        self.reason = reason
        self.text = text
        self.position = position
