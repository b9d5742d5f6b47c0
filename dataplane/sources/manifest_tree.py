"""A folder (or file) of manifests, polled into model updates (synchronous)."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dataplane.convert import (
    ManifestError,
    UnknownKindError,
    convert,
    parse_manifests,
    resource_key,
)
from dataplane.errors import ValidationError
from dataplane.model import ResourceKey, Update
from dataplane.sources.describe import describe
from dataplane.sources.mirror import ObjectMirror, Observation

MANIFEST_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
# A file read less than this long after its mtime is read again on the next
# poll: an edit within the filesystem's timestamp granularity keeps mtime and
# size and would otherwise go unnoticed.
RACY_WINDOW_NS = 2_000_000_000


@dataclass(frozen=True, slots=True)
class FileSignature:
    """What ``stat`` says about a file; a change means it must be read again."""

    mtime_ns: int
    ctime_ns: int
    size: int
    inode: int

    @classmethod
    def of(cls, stat: os.stat_result) -> FileSignature:
        return cls(stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)


@dataclass(frozen=True, slots=True)
class LoadedFile:
    """A manifest file as last read: its signature, content digest and objects.

    ``digest`` and ``observations`` belong to the content in effect. After a
    parse failure ``observations`` are those of the last good version, so a
    half-saved file does not delete what it defined. ``unconfirmed`` is the
    digest of newer content seen once and not yet in effect.
    """

    signature: FileSignature
    settled: bool
    digest: str
    observations: tuple[Observation, ...]
    unconfirmed: str | None = None

    @property
    def quiet(self) -> bool:
        """Nothing to re-check while ``stat`` stays the same."""
        return self.settled and self.unconfirmed is None


@dataclass(frozen=True, slots=True)
class TreeChanges:
    """What one poll found: updates to emit and problems to report (origin, error)."""

    updates: tuple[Update, ...]
    problems: tuple[tuple[str, Exception], ...]


class DuplicateResourceError(ValidationError):
    """Two documents define the same resource; the first one (in path order) wins."""


class ManifestTree:
    """Reads every ``*.yaml``/``*.yml``/``*.json`` file under ``root`` (recursively).

    Hidden files and folders (names starting with ``.``) are skipped, which also
    skips the ``..data`` machinery of a mounted ConfigMap. ``poll`` re-reads only
    files whose ``stat`` changed (or that were written moments before the last
    read), re-parses only files whose content hash changed, and returns exactly
    the differences against what earlier polls returned.

    After the first poll, new or changed content takes effect only when the
    next poll reads it unchanged, so a file caught half-written (truncated, a
    prefix of its documents) is never applied; deleting a file takes effect at
    once. ``reads`` counts the files read so far.
    """

    __slots__ = (
        "_duplicates",
        "_files",
        "_mirror",
        "_polls",
        "_problems",
        "_racy_window_ns",
        "_unreadable",
        "reads",
        "root",
    )

    def __init__(self, root: Path, racy_window_ns: int = RACY_WINDOW_NS) -> None:
        self.root = root
        self._racy_window_ns = racy_window_ns
        self._files: dict[Path, LoadedFile] = {}
        self._duplicates: frozenset[str] = frozenset()
        self._problems: list[tuple[str, Exception]] = []
        self._unreadable: set[Path] = set()
        self._polls = 0
        self._mirror = ObjectMirror(convert, self._report)
        self.reads = 0

    @property
    def file_count(self) -> int:
        return len(self._files)

    @property
    def object_count(self) -> int:
        return len(self._mirror)

    def poll(self) -> TreeChanges:
        """Scan the tree once; raises ``OSError`` if ``root`` itself is unreadable."""
        self._problems = []
        paths = list(self._manifest_paths())
        changed = set(self._files) - set(paths)
        for path in changed:
            del self._files[path]
        for path in paths:
            if self._refresh(path):
                changed.add(path)
        updates = self._mirror.resync(self._snapshot()) if changed else []
        self._polls += 1
        return TreeChanges(tuple(updates), tuple(self._problems))

    def _report(self, origin: str, error: Exception) -> None:
        self._problems.append((origin, error))

    def _manifest_paths(self) -> Iterator[Path]:
        if not self.root.is_dir():
            os.stat(self.root)  # raises FileNotFoundError / PermissionError naming root
            yield self.root
            return
        found: list[Path] = []
        for directory, subdirs, names in os.walk(self.root, onerror=_raise):
            subdirs[:] = [name for name in subdirs if not name.startswith(".")]
            found.extend(
                Path(directory, name)
                for name in names
                if not name.startswith(".") and Path(name).suffix.lower() in MANIFEST_SUFFIXES
            )
        yield from sorted(found)

    def _refresh(self, path: Path) -> bool:
        """Bring one file up to date; True when the objects it defines changed."""
        previous = self._files.get(path)
        started = time.time_ns()
        try:
            signature = FileSignature.of(path.stat())
            if previous is not None and previous.quiet and previous.signature == signature:
                return False
            data = path.read_bytes()
            self.reads += 1
        except FileNotFoundError:
            return self._files.pop(path, None) is not None
        except OSError as error:
            if path not in self._unreadable:
                self._unreadable.add(path)
                self._report(str(path), error)
            return False
        self._unreadable.discard(path)
        settled = started - signature.mtime_ns > self._racy_window_ns
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        applied = LoadedFile(signature, settled, "", ()) if previous is None else previous
        if digest == applied.digest:
            self._files[path] = LoadedFile(signature, settled, digest, applied.observations)
            return False
        if self._polls and applied.unconfirmed != digest:
            # Changed since the last poll: it may be half-written. Use it once it
            # has held still for one poll interval.
            self._files[path] = LoadedFile(
                signature, settled, applied.digest, applied.observations, unconfirmed=digest
            )
            return False
        observations = self._parse(path, data, digest, applied.observations)
        self._files[path] = LoadedFile(signature, settled, digest, observations)
        return True

    def _parse(
        self, path: Path, data: bytes, digest: str, kept: tuple[Observation, ...]
    ) -> tuple[Observation, ...]:
        try:
            manifests = parse_manifests(data.decode("utf-8"), str(path))
        except (UnicodeDecodeError, ManifestError) as error:
            self._report(str(path), error)
            return kept
        observations: list[Observation] = []
        complete = True
        for manifest in manifests:
            where = f"{path}: document {manifest.document}"
            try:
                key = resource_key(manifest.obj)
            except UnknownKindError as error:
                self._report(f"{where}: {describe(manifest.obj)}", error)
                continue
            except ValidationError as error:
                self._report(f"{where}: {describe(manifest.obj)}", error)
                complete = False
                continue
            origin = f"{where}: {describe(manifest.obj, key)}"
            observations.append(
                Observation(key, f"{digest}/{manifest.document}", manifest.obj, origin)
            )
        if not complete:
            # A document without a usable identity may be an object mid-edit:
            # keep the file's previous objects that no document names now.
            named = {seen.key for seen in observations}
            observations.extend(seen for seen in kept if seen.key not in named)
        return tuple(observations)

    def _snapshot(self) -> list[Observation]:
        """Every current object once: for a key defined twice, the first definition."""
        first: dict[ResourceKey, Observation] = {}
        duplicates: set[str] = set()
        for path in sorted(self._files):
            for seen in self._files[path].observations:
                winner = first.setdefault(seen.key, seen)
                if winner is not seen:
                    duplicates.add(seen.origin)
                    if seen.origin not in self._duplicates:
                        message = f"already defined by {winner.origin}"
                        self._report(
                            seen.origin, DuplicateResourceError(str(seen.key), "", message)
                        )
        self._duplicates = frozenset(duplicates)
        return list(first.values())


def _raise(error: OSError) -> None:
    raise error
