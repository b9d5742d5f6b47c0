"""A conformance scenario: steps of manifest changes, each with expected truth tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.conformance.manifests import yaml_docs


@dataclass(frozen=True, slots=True)
class Step:
    """Create or replace the objects in ``apply`` and remove those in ``delete`` (both
    YAML, multi-document), then expect ``expect``: probe (``80/TCP``) -> truth table."""

    expect: Mapping[str, str]
    apply: str = ""
    delete: str = ""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named sequence of steps on the base cluster (namespaces x, y, z; pods a, b, c)."""

    name: str
    steps: tuple[Step, ...] = field(default_factory=tuple)


def scenario(name: str, *steps: Step) -> Scenario:
    return Scenario(name, steps)


def step(expect: Mapping[str, str], *docs: dict[str, Any]) -> Step:
    """A step that applies the manifests ``docs`` and expects ``expect``."""
    return Step(expect, apply=yaml_docs(*docs))
