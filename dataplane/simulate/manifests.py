"""Reading manifests into updates through the agent's own reader, collecting what is wrong."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dataplane.calc.address_claims import AddressClaims
from dataplane.model import Delete, Update, Upsert, WorkloadEndpoint
from dataplane.sources.manifest_tree import ManifestTree


@dataclass(frozen=True, slots=True)
class ManifestProblem:
    """A manifest that could not be used as written: where, and what is wrong."""

    origin: str
    message: str

    def __str__(self) -> str:
        return (
            self.message
            if self.message.startswith(self.origin)
            else (f"{self.origin}: {self.message}")
        )


@dataclass(frozen=True, slots=True)
class LoadedManifests:
    """The updates read from manifests, what is wrong with them, and what was skipped.

    ``problems``: unreadable documents, invalid objects (policies among them are
    simulated fail-closed), objects defined twice (the later ones are ignored).
    ``ignored``: documents of kinds the dataplane does not use (one line each).
    """

    updates: tuple[Upsert | Delete, ...]
    problems: tuple[ManifestProblem, ...] = ()
    ignored: tuple[str, ...] = ()


def load_manifests(paths: Iterable[str | Path]) -> LoadedManifests:
    """Every object in the files (directories: their manifest files, recursively), read
    by the directory datastore's reader: one duplicate rule (the first definition, in
    the order of ``paths`` then of file paths, wins), one set of errors.

    A missing path is a problem; nothing is raised for bad input.
    """
    roots: list[Path] = []
    problems: list[ManifestProblem] = []
    for path in map(Path, paths):
        if path.exists():
            roots.append(path)
        else:
            problems.append(ManifestProblem(str(path), "no such file or directory"))
    if not roots:
        return LoadedManifests((), tuple(problems))
    changes = ManifestTree(roots).poll()
    problems.extend(ManifestProblem(origin, str(error)) for origin, error in changes.problems)
    updates = tuple(u for u in changes.updates if isinstance(u, Upsert | Delete))
    return LoadedManifests(updates, tuple(problems), changes.skipped)


def address_conflicts(updates: Sequence[Update], node_name: str) -> tuple[str, ...]:
    """Addresses claimed by more than one pod on ``node_name``, described."""
    claims = AddressClaims()
    for update in updates:
        value = update.value if isinstance(update, Upsert) else None
        if isinstance(value, WorkloadEndpoint) and value.node == node_name:
            claims.claim(value.key, value)
    return tuple(conflict.describe() for conflict in claims.conflicts().values())
