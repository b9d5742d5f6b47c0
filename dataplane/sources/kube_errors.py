"""Errors the Kubernetes source raises and handles, each naming the request or resource."""

from __future__ import annotations


class ApiStatusError(Exception):
    """The API server answered a request with an error status (HTTP or watch ERROR event)."""

    def __init__(self, path: str, status: int, reason: str, message: str) -> None:
        detail = ": ".join(part for part in (f"{status} {reason}".strip(), message) if part)
        super().__init__(f"GET {path}: {detail}")
        self.path = path
        self.status = status
        self.reason = reason
        self.message = message

    @property
    def gone(self) -> bool:
        """410 Gone: the requested resourceVersion (or continue token) was compacted."""
        return self.status == 410


class ApiResponseError(Exception):
    """The API server's answer could not be understood (not JSON, wrong shape)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"GET {path}: {message}")
        self.path = path


class MalformedEventError(ValueError):
    """One line of a watch stream is not a valid watch event; it is skipped."""

    def __init__(self, resource: str, message: str, line: bytes | memoryview) -> None:
        excerpt = bytes(line[:200]).decode("utf-8", "replace")
        super().__init__(f"{resource} watch: {message}: {excerpt!r}")
        self.resource = resource


class StreamStalledError(Exception):
    """A watch stream delivered nothing, not even a bookmark, for too long."""

    def __init__(self, resource: str, seconds: float) -> None:
        super().__init__(f"{resource} watch: nothing received for {seconds:g} s")
        self.resource = resource
