"""Typed, path-aware access to the fields of a JSON-like object, raising ValidationError."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from dataplane.errors import ValidationError

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def type_name(value: Any) -> str:
    """The JSON name of a value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__


def _is_mapping(value: Any) -> bool:
    return type(value) is dict or isinstance(value, Mapping)


@dataclass(frozen=True, slots=True)
class Field:
    """A value inside a resource, with the resource it belongs to and where it sits.

    A missing field and an explicit ``null`` are the same: ``value is None``.
    The field path (``spec.ingress[0].ports``) is only built for error messages.
    """

    resource: str
    value: Any
    parent: Field | None = None
    key: str | int | None = None

    @property
    def missing(self) -> bool:
        return self.value is None

    @property
    def path(self) -> str:
        """Where this field sits, e.g. ``spec.ingress[0].from[1].ipBlock.cidr``."""
        if self.parent is None or self.key is None:
            return ""
        outer = self.parent.path
        if isinstance(self.key, int):
            return f"{outer}[{self.key}]"
        if _IDENTIFIER.fullmatch(self.key):
            return f"{outer}.{self.key}" if outer else self.key
        return f'{outer}["{self.key}"]'

    def error(self, message: str) -> ValidationError:
        """A ValidationError about this field."""
        return ValidationError(self.resource, self.path, message)

    def _expect(self, expected: str) -> ValidationError:
        return self.error(f"wrong type: expected {expected}, got {type_name(self.value)}")

    def get(self, name: str) -> Field:
        """The child field ``name`` of this object (missing if this field is missing)."""
        value = self.value
        if value is None:
            return Field(self.resource, None, self, name)
        if not _is_mapping(value):
            raise self._expect("an object")
        return Field(self.resource, value.get(name), self, name)

    def known(self, names: Collection[str]) -> Field:
        """Check that this object (if present) has no field outside ``names``; return self."""
        if self.value is None:
            return self
        if not _is_mapping(self.value):
            raise self._expect("an object")
        for key in self.value:
            if key not in names:
                bad = Field(self.resource, None, self, str(key))
                raise bad.error(f"unknown field (expected one of: {', '.join(sorted(names))})")
        return self

    def items(self) -> list[Field]:
        """The elements of a list field (a missing list has none)."""
        if self.value is None:
            return []
        if not isinstance(self.value, list | tuple):
            raise self._expect("a list")
        return [Field(self.resource, v, self, i) for i, v in enumerate(self.value)]

    def text(self, default: str | None = None) -> str:
        """A string; ``default`` when missing, else the field is required."""
        if self.value is None:
            if default is None:
                raise self.error("missing required field")
            return default
        if not isinstance(self.value, str):
            raise self._expect("a string")
        return self.value

    def optional_text(self) -> str | None:
        """A string, or None when missing."""
        return None if self.value is None else self.text()

    def integer(self, default: int | None = None) -> int:
        """An integer (booleans are not integers); ``default`` when missing."""
        if self.value is None:
            if default is None:
                raise self.error("missing required field")
            return default
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise self._expect("an integer")
        return self.value

    def optional_integer(self) -> int | None:
        """An integer, or None when missing."""
        return None if self.value is None else self.integer()

    def integer_in(self, low: int, high: int) -> int:
        """A required integer within ``low..high``."""
        number = self.integer()
        if not low <= number <= high:
            raise self.error(f"out of range: {number} is not in {low}..{high}")
        return number

    def boolean(self, default: bool) -> bool:
        """A boolean; ``default`` when missing."""
        if self.value is None:
            return default
        if not isinstance(self.value, bool):
            raise self._expect("a boolean")
        return self.value

    def optional_number(self) -> float | None:
        """A finite number (integer or float) as a float, or None when missing."""
        if self.value is None:
            return None
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise self._expect("a number")
        if not math.isfinite(self.value):
            raise self.error(f"not a finite number: {self.value}")
        return float(self.value)

    def string_map(self) -> dict[str, str]:
        """An object whose values are all strings (e.g. labels); empty when missing."""
        if self.value is None:
            return {}
        if not _is_mapping(self.value):
            raise self._expect("an object")
        result: dict[str, str] = {}
        for key, value in self.value.items():
            if not isinstance(key, str):
                raise self.error(
                    f"wrong type: key {key!r} is a {type_name(key)}, expected a string"
                )
            if not isinstance(value, str):
                raise self.get(key)._expect("a string")
            result[key] = value
        return result
