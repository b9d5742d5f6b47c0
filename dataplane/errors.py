"""Errors that cross layer boundaries."""

from __future__ import annotations


class ValidationError(ValueError):
    """A resource failed validation; names the resource and the field path."""

    def __init__(self, resource: str, field: str, message: str) -> None:
        super().__init__(f"{resource}: {field}: {message}" if field else f"{resource}: {message}")
        self.resource = resource
        self.field = field
        self.message = message


class FailClosedError(ValidationError):
    """Parts of a resource could not be read; it is enforced fail-closed (or, while
    running, its last valid version stays in force)."""


class UnreadableError(ValueError):
    """A document that cannot be read as a resource at all (syntax, kind, version or
    name): it may hold a policy nobody enforces, so the agent is not ready while it stays."""


class UnreadableResourceError(ValidationError, UnreadableError):
    """A document whose kind, version or name cannot be read (see ``UnreadableError``)."""
