"""Stand-ins for the parts of a policy that cannot be read, enforced fail-closed.

A rule that fails validation becomes a rule carrying the error: an Allow that
allows nothing, or a Deny that denies everything (a Pass or an unreadable
action is a Deny: it might have skipped to a tier that denies). A policy
whose target cannot be read selects everything it could select and denies
(see docs/resources.md, "Invalid resources").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from dataplane.convert.fields import Field
from dataplane.errors import ValidationError
from dataplane.model import Action, Rule
from dataplane.model.policy import fail_closed_rule

T = TypeVar("T")

_ACTIONS = tuple(Action)


def invalid_rule(action: Action | None, error: ValidationError) -> Rule:
    """The fail-closed stand-in of a rule whose action is ``action`` (None: unreadable)."""
    return fail_closed_rule(action, str(error))


def readable_action(field: Field) -> Action | None:
    """A rule's action if it is one of the known ones, else None (never raises)."""
    return Action(field.value) if field.value in _ACTIONS else None


def attempt(read: Callable[[], T], problems: list[ValidationError]) -> T | None:
    """``read()``, or None with its ValidationError appended to ``problems``."""
    try:
        return read()
    except ValidationError as error:
        problems.append(error)
        return None


def child(spec: Field, name: str) -> Field:
    """``spec.<name>``, missing when ``spec`` is not an object (then its target is
    unreadable and reported as such; its rules need no second report)."""
    return spec.get(name) if isinstance(spec.value, dict) else Field(spec.resource, None)


def rules_or_stand_in(
    rules: Field, read: Callable[[Field], list[Rule]], action: Callable[[Field], Action | None]
) -> tuple[Rule, ...]:
    """Every entry of a rule list read with ``read``; an entry (or the whole list) that
    fails validation becomes its fail-closed stand-in."""
    try:
        entries = rules.items()
    except ValidationError as error:
        return (invalid_rule(None, error),)
    found: list[Rule] = []
    for entry in entries:
        try:
            found.extend(read(entry))
        except ValidationError as error:
            found.append(invalid_rule(_safe(action, entry), error))
    return tuple(found)


def _safe(action: Callable[[Field], Action | None], entry: Field) -> Action | None:
    try:
        return action(entry)
    except ValidationError:
        return None
