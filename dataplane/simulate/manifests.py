"""Reading manifest files into updates, collecting what is invalid instead of stopping."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dataplane.convert import ManifestError, UnknownKindError, convert, iter_manifests
from dataplane.convert.manifests import MANIFEST_SUFFIXES
from dataplane.errors import ValidationError
from dataplane.model import Delete, Upsert


@dataclass(frozen=True, slots=True)
class ManifestProblem:
    """A manifest that could not be used: where it is and what is wrong (resource, field)."""

    source: str
    document: int | None
    message: str

    def __str__(self) -> str:
        where = self.source if self.document is None else f"{self.source}: document {self.document}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class LoadedManifests:
    """The updates read from manifests, the invalid ones, and the kinds nobody handles."""

    updates: tuple[Upsert | Delete, ...]
    problems: tuple[ManifestProblem, ...] = ()
    ignored: tuple[ManifestProblem, ...] = ()


def _manifest_files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        yield from sorted(
            p for p in path.rglob("*") if p.suffix in MANIFEST_SUFFIXES and p.is_file()
        )
    else:
        yield path


def load_manifests(paths: Iterable[str | Path]) -> LoadedManifests:
    """Convert every object in the files (directories: their manifest files, recursively).

    Unreadable files and invalid objects become problems; objects of kinds the
    dataplane does not handle (Deployments, Services...) are listed as ignored.
    """
    updates: list[Upsert | Delete] = []
    problems: list[ManifestProblem] = []
    ignored: list[ManifestProblem] = []
    for path in paths:
        for file in _manifest_files(Path(path)):
            try:
                manifests = list(iter_manifests(file))
            except ManifestError as err:
                problems.append(ManifestProblem(err.source, err.document, err.message))
                continue
            for manifest in manifests:
                try:
                    updates.append(convert(manifest.obj))
                except UnknownKindError as err:
                    ignored.append(ManifestProblem(manifest.source, manifest.document, str(err)))
                except ValidationError as err:
                    problems.append(ManifestProblem(manifest.source, manifest.document, str(err)))
    return LoadedManifests(tuple(updates), tuple(problems), tuple(ignored))
