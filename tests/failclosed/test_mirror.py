"""A source's mirror: fail-closed versions at start, the last valid one while running."""

from __future__ import annotations

from typing import Any

from dataplane.convert import convert_identified, identify, resource_key
from dataplane.errors import FailClosedError
from dataplane.model import Policy, Upsert
from dataplane.sources.mirror import ObjectMirror, Observation
from tests.conformance.manifests import from_, labels, netpol, port


def _observe(mirror: ObjectMirror, obj: dict[str, Any], version: str) -> Any:
    return mirror.observe(Observation(identify(obj), version, obj, "origin"))


GOOD = netpol("web", labels(app="a"), ingress=[from_(ports=[port(80)])])
BAD = netpol("web", labels(app="a"), ingress=[from_(ports=[port(70000)])])


class _Reports:
    def __init__(self) -> None:
        self.invalid: list[tuple[str, Exception]] = []
        self.cleared: list[str] = []

    def mirror(self) -> ObjectMirror:
        return ObjectMirror(
            convert_identified, lambda o, e: self.invalid.append((o, e)), self.cleared.append
        )


def test_never_valid_policy_is_emitted_fail_closed_and_reported() -> None:
    reports = _Reports()
    update = _observe(reports.mirror(), BAD, "1")
    assert isinstance(update, Upsert) and isinstance(update.value, Policy)
    assert update.value.problems and update.value.ingress[0].invalid
    ((origin, error),) = reports.invalid
    assert origin == "origin"
    assert isinstance(error, FailClosedError) and "enforced fail-closed" in str(error)


def test_bad_edit_of_a_valid_policy_keeps_it_and_a_fix_clears_the_report() -> None:
    reports = _Reports()
    mirror = reports.mirror()
    first = _observe(mirror, GOOD, "1")
    assert isinstance(first, Upsert)
    assert _observe(mirror, BAD, "2") is None
    ((_, error),) = reports.invalid
    assert "last valid version stays in force" in str(error)
    assert _observe(mirror, GOOD, "3") is None  # same as what is in force
    assert reports.cleared == ["origin"]


def test_restart_with_the_bad_edit_enforces_it_fail_closed() -> None:
    reports = _Reports()
    update = _observe(reports.mirror(), BAD, "2")
    assert isinstance(update, Upsert) and update.value.problems


def test_deleting_a_reported_object_clears_its_report() -> None:
    reports = _Reports()
    mirror = reports.mirror()
    _observe(mirror, BAD, "1")
    mirror.forget(resource_key(BAD))
    assert reports.cleared == ["origin"]
