"""Folders and files of manifests, polled into model updates (synchronous).

The one reader of manifest files: the directory datastore (``run``) and
``simulate``/``explain`` both read through ``ManifestTree``.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dataplane.convert import ManifestError, UnknownKindError, convert_identified, identify
from dataplane.convert.manifests import parse_text
from dataplane.errors import UnreadableError, ValidationError
from dataplane.model import ResourceKey, Update
from dataplane.sources.describe import describe
from dataplane.sources.mirror import ObjectMirror, Observation

MANIFEST_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
# A file read less than this long after its mtime is read again on the next
# poll: an edit within the filesystem's timestamp granularity keeps mtime and
# size and would otherwise go unnoticed.
RACY_WINDOW_NS = 2_000_000_000
EMPTY_FILE_GRACE_NS = 30_000_000_000
"""How long a file that defined objects must stay empty before they are deleted."""

Problem = tuple[str, Exception]


@dataclass(frozen=True, slots=True)
class FileSignature:
    """What ``stat`` says about a file; a change means it must be read again."""

    mtime_ns: int
    ctime_ns: int
    size: int
    inode: int

    @classmethod
    def of(cls, stat_result: os.stat_result) -> FileSignature:
        s = stat_result
        return cls(s.st_mtime_ns, s.st_ctime_ns, s.st_size, s.st_ino)


@dataclass(frozen=True, slots=True)
class LoadedFile:
    """A manifest file as last read: its signature, content digest and objects.

    ``digest`` and ``observations`` belong to the content in effect. After a
    parse failure ``observations`` keep those of the last good version, so a
    half-saved file does not delete what it defined. ``unconfirmed`` is the
    digest of newer content seen once and not yet in effect; ``emptied_ns``
    when the file was first seen empty while its objects are kept.
    ``reported``: the origins of the problems its content in effect has.
    """

    signature: FileSignature
    settled: bool
    digest: str
    observations: tuple[Observation, ...]
    unconfirmed: str | None = None
    emptied_ns: int | None = None
    reported: frozenset[str] = frozenset()

    @property
    def quiet(self) -> bool:
        """Nothing to re-check while ``stat`` stays the same."""
        return self.settled and self.unconfirmed is None and self.emptied_ns is None


@dataclass(frozen=True, slots=True)
class TreeChanges:
    """What one poll found.

    ``updates`` to emit; ``problems`` newly found (origin, error); ``cleared``:
    origins reported before that are fine (or gone) now; ``skipped``: one line
    per document of a kind not used, per file version read.
    """

    updates: tuple[Update, ...]
    problems: tuple[Problem, ...]
    cleared: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()


class DuplicateResourceError(ValidationError):
    """Two documents define the same resource; the first one (in path order) wins."""


class SpecialFileError(OSError):
    """A path with a manifest suffix that is not a regular file (FIFO, socket, device)."""


@dataclass(slots=True)
class _Poll:
    """What one poll collects while it runs."""

    problems: list[Problem] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class ManifestTree:
    """Reads every ``*.yaml``/``*.yml``/``*.json`` file under ``roots`` (recursively).

    Hidden files and folders (names starting with ``.``) are skipped, which also
    skips the ``..data`` machinery of a mounted ConfigMap; so are special files
    (FIFOs, sockets, devices: never opened). A folder that cannot be listed keeps
    the files last seen in it; the others go on. ``poll`` re-reads only files
    whose ``stat`` changed (or that were written moments before the last read),
    re-parses only files whose content hash changed, and returns exactly the
    differences against what earlier polls returned.

    After the first poll, new or changed content takes effect only when the
    next poll reads it unchanged, so a file caught half-written is never
    applied; deleting a file takes effect at once; a file left without any
    document deletes its objects only once it has stayed so for
    ``empty_grace_ns``. An object defined twice is taken from the first file
    (roots in the order given, files in path order). ``reads`` counts the
    files read so far.
    """

    __slots__ = (
        "_clock",
        "_duplicates",
        "_empty_grace_ns",
        "_files",
        "_mirror",
        "_poll",
        "_polls",
        "_racy_window_ns",
        "_special",
        "_unreadable",
        "reads",
        "roots",
    )

    def __init__(
        self,
        roots: Path | Sequence[Path],
        racy_window_ns: int = RACY_WINDOW_NS,
        empty_grace_ns: int = EMPTY_FILE_GRACE_NS,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self.roots = (roots,) if isinstance(roots, Path) else tuple(Path(r) for r in roots)
        self._racy_window_ns = racy_window_ns
        self._empty_grace_ns = empty_grace_ns
        self._clock = clock
        self._files: dict[Path, LoadedFile] = {}
        self._duplicates: frozenset[str] = frozenset()
        self._unreadable: set[Path] = set()  # files and folders reported unreadable
        self._special: set[Path] = set()  # special files reported skipped
        self._poll = _Poll()
        self._polls = 0
        self._mirror = ObjectMirror(convert_identified, self._report, self._poll_cleared)
        self.reads = 0

    @property
    def root(self) -> Path:
        return self.roots[0]

    @property
    def file_count(self) -> int:
        return len(self._files)

    @property
    def object_count(self) -> int:
        return len(self._mirror)

    def poll(self) -> TreeChanges:
        """Scan the roots once; raises ``OSError`` if a root itself is unreadable."""
        self._poll = _Poll()
        now = self._clock()
        paths, blind = self._scan()
        listed = set(paths)
        changed = False
        for path in [p for p in self._files if p not in listed and not _under(p, blind)]:
            self._poll.cleared.extend(self._files.pop(path).reported)
            changed = True
        for path in paths:
            changed |= self._refresh(path, now)
        updates = self._mirror.resync(self._snapshot()) if changed else []
        self._polls += 1
        done = self._poll
        return TreeChanges(
            tuple(updates), tuple(done.problems), tuple(done.cleared), tuple(done.skipped)
        )

    def _report(self, origin: str, error: Exception) -> None:
        self._poll.problems.append((origin, error))

    def _poll_cleared(self, origin: str) -> None:
        self._poll.cleared.append(origin)

    # -- listing ---------------------------------------------------------------

    def _scan(self) -> tuple[list[Path], set[Path]]:
        """The manifest files under every root in order, and the folders that could
        not be listed (reported once each)."""
        found: list[Path] = []
        blind: set[Path] = set()
        for root in self.roots:
            if not root.is_dir():
                root.stat()  # raises FileNotFoundError / PermissionError naming root
                found.append(root)
                continue
            files: list[Path] = []
            self._walk(root, files, blind, is_root=True)
            found.extend(sorted(files))
        listed = set(found)
        for path in [p for p in self._unreadable if p not in listed and p not in blind]:
            self._unreadable.discard(path)  # readable again, or gone
            self._poll.cleared.append(str(path))
        return list(dict.fromkeys(found)), blind

    def _walk(self, folder: Path, files: list[Path], blind: set[Path], is_root: bool) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError as error:
            if is_root:
                raise
            blind.add(folder)
            self._unreadable_once(folder, error)
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if _is_dir(entry):
                self._walk(path, files, blind, is_root=False)
                continue
            if Path(entry.name).suffix.lower() not in MANIFEST_SUFFIXES:
                continue
            try:
                regular = stat.S_ISREG(os.stat(path).st_mode)
            except OSError:
                regular = True  # reading it reports why it cannot be read
            if regular:
                files.append(path)
            elif path not in self._special:
                self._special.add(path)
                self._poll.skipped.append(f"{path}: not a regular file, skipped")

    def _unreadable_once(self, path: Path, error: OSError) -> None:
        if path not in self._unreadable:
            self._unreadable.add(path)
            self._report(str(path), error)

    # -- reading ---------------------------------------------------------------

    def _refresh(self, path: Path, now: int) -> bool:
        """Bring one file up to date; True when the objects it defines changed."""
        previous = self._files.get(path)
        try:
            signature = FileSignature.of(path.stat())
            if previous is not None and previous.quiet and previous.signature == signature:
                return False
            data = _read_regular(path)
            self.reads += 1
        except FileNotFoundError:
            gone = self._files.pop(path, None)
            if gone is not None:
                self._poll.cleared.extend(gone.reported)
            return gone is not None
        except OSError as error:
            self._unreadable_once(path, error)
            return False
        if path in self._unreadable:
            self._unreadable.discard(path)
            self._poll.cleared.append(str(path))
        settled = now - signature.mtime_ns > self._racy_window_ns
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        applied = LoadedFile(signature, settled, "", ()) if previous is None else previous
        if digest == applied.digest:
            self._files[path] = LoadedFile(
                signature, settled, digest, applied.observations, reported=applied.reported
            )
            return False
        if self._polls and applied.unconfirmed != digest:
            # Changed since the last poll: it may be half-written. Use it once it
            # has held still for one poll interval.
            self._files[path] = _replace_unconfirmed(applied, signature, settled, digest)
            return False
        observations, reported = self._parse(path, data, digest, applied.observations)
        self._poll.cleared.extend(applied.reported - reported)
        if not observations and applied.observations and not reported:
            emptied = applied.emptied_ns if applied.emptied_ns is not None else now
            if now - emptied < self._empty_grace_ns:
                # Emptied (maybe truncated before a rewrite): keep its objects a while.
                self._files[path] = LoadedFile(
                    signature,
                    settled,
                    applied.digest,
                    applied.observations,
                    unconfirmed=digest,
                    emptied_ns=emptied,
                )
                return False
        self._files[path] = LoadedFile(signature, settled, digest, observations, reported=reported)
        return True

    def _parse(
        self, path: Path, data: bytes, digest: str, kept: tuple[Observation, ...]
    ) -> tuple[tuple[Observation, ...], frozenset[str]]:
        """The file's objects and the origins of its unreadable documents (reported)."""
        try:
            parsed = parse_text(data.decode("utf-8"), str(path))
        except UnicodeDecodeError as error:
            self._report(str(path), ManifestError(str(path), None, f"not UTF-8: {error}"))
            return kept, frozenset({str(path)})
        reported: set[str] = set()
        for problem in parsed.errors:
            where = (
                str(path) if problem.document is None else f"{path}: document {problem.document}"
            )
            reported.add(where)
            self._report(where, problem)
        observations: list[Observation] = []
        for manifest in parsed.manifests:
            where = f"{path}: document {manifest.document}"
            try:
                identity = identify(manifest.obj)
            except UnknownKindError as error:
                self._poll.skipped.append(f"{where}: {describe(manifest.obj)}: skipped: {error}")
                continue
            except ValidationError as error:
                origin = f"{where}: {describe(manifest.obj)}"
                reported.add(origin)
                self._report(origin, error)
                continue
            origin = f"{where}: {identity.label}"
            observations.append(
                Observation(identity, f"{digest}/{manifest.document}", manifest.obj, origin)
            )
        if reported:
            # An unreadable document may be an object mid-edit: keep the file's
            # previous objects that no document names now.
            named = {seen.key for seen in observations}
            observations.extend(seen for seen in kept if seen.key not in named)
        return tuple(observations), frozenset(reported)

    def _snapshot(self) -> list[Observation]:
        """Every current object once: for a key defined twice, the first definition."""
        first: dict[ResourceKey, Observation] = {}
        duplicates: set[str] = set()
        for path in sorted(self._files, key=self._rank):
            for seen in self._files[path].observations:
                winner = first.setdefault(seen.key, seen)
                if winner is not seen:
                    duplicates.add(seen.origin)
                    if seen.origin not in self._duplicates:
                        message = f"already defined by {winner.origin}: ignored"
                        self._report(
                            seen.origin, DuplicateResourceError(str(seen.key), "", message)
                        )
        self._poll.cleared.extend(self._duplicates - duplicates)
        self._duplicates = frozenset(duplicates)
        return list(first.values())

    def _rank(self, path: Path) -> tuple[int, Path]:
        """Roots in the order given, then path order."""
        for index, root in enumerate(self.roots):
            if path == root or path.is_relative_to(root):
                return index, path
        return len(self.roots), path


def is_unreadable(error: Exception) -> bool:
    """A problem that leaves a document unread (not just an invalid field)."""
    return isinstance(error, UnreadableError)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """A folder to descend into: not through a symlink (a link cycle would never end),
    and a path that cannot be resolved is not one."""
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _under(path: Path, folders: Iterable[Path]) -> bool:
    return any(path.is_relative_to(folder) for folder in folders)


def _replace_unconfirmed(
    applied: LoadedFile, signature: FileSignature, settled: bool, digest: str
) -> LoadedFile:
    return LoadedFile(
        signature,
        settled,
        applied.digest,
        applied.observations,
        unconfirmed=digest,
        emptied_ns=applied.emptied_ns,
        reported=applied.reported,
    )


def _read_regular(path: Path) -> bytes:
    """A regular file's bytes; never blocks on a FIFO or device put in its place."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SpecialFileError(f"{path}: not a regular file")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
