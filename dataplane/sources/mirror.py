"""What a source has emitted per object, so that it emits only real changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dataplane.convert import ObjectIdentity
from dataplane.errors import FailClosedError, ValidationError
from dataplane.model import Delete, ResourceKey, Update, Upsert

Converter = Callable[[ObjectIdentity, Mapping[str, Any]], Upsert | Delete]
"""``convert(identity, obj)``: an object whose identity is known, as a model update."""
Reporter = Callable[[str, Exception], None]
Clearer = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Observation:
    """One version of one datastore object, as a source read it.

    ``identity``: its key and label, found once by the source (``identify``);
    ``fingerprint`` identifies the version (a resourceVersion or a content hash);
    ``origin`` names the object in error reports.
    """

    identity: ObjectIdentity
    fingerprint: str
    obj: Mapping[str, Any]
    origin: str

    @property
    def key(self) -> ResourceKey:
        return self.identity.key


@dataclass(slots=True)
class _Entry:
    fingerprint: str
    emitted: Upsert | Delete | None
    listing: int
    reported: str | None = None  # the origin reported invalid, until valid again


def problems_of(update: Upsert | Delete | None) -> tuple[str, ...]:
    """What could not be read of a converted object (a policy enforced fail-closed)."""
    if not isinstance(update, Upsert):
        return ()
    problems: tuple[str, ...] = getattr(update.value, "problems", ())
    return problems


class ObjectMirror:
    """The last version seen and the last update emitted for every known object.

    ``observe`` converts an object only when its fingerprint changed and returns
    an update only when the conversion differs from what was emitted before.
    An object that fails validation is reported and emits nothing, so the
    consumer keeps the previous valid version; deleting it emits a ``Delete``.
    A policy with unreadable parts (converted fail-closed) is reported too: it
    is emitted when no valid version was emitted before, else the valid one
    stays. ``clear`` hears the origin of a reported object once it is valid
    again or gone.

    A complete listing may arrive in pieces: ``begin_listing``, ``observe``
    each object as it comes, then ``end_listing`` deletes what it did not name.
    """

    __slots__ = ("_clear", "_convert", "_entries", "_listing", "_report", "_verify")

    def __init__(self, convert: Converter, report: Reporter, clear: Clearer | None = None) -> None:
        self._convert = convert
        self._report = report
        self._clear = clear
        self._entries: dict[ResourceKey, _Entry] = {}
        self._listing = 0
        self._verify = False

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def observe(self, seen: Observation) -> Update | None:
        """The update a new or changed object calls for (None when nothing changed)."""
        previous = self._entries.get(seen.key)
        if previous is not None and previous.fingerprint == seen.fingerprint and not self._verify:
            previous.listing = self._listing
            return None
        emitted = None if previous is None else previous.emitted
        try:
            update = self._convert(seen.identity, seen.obj)
        except ValidationError as error:
            self._invalid(seen, emitted, error)
            return None
        problems = problems_of(update)
        if problems:
            if isinstance(emitted, Upsert) and not problems_of(emitted):
                message = "invalid edit, the last valid version stays in force: "
                self._invalid(seen, emitted, _fail_closed(seen, message, problems))
                return None
            self._report(seen.origin, _fail_closed(seen, "enforced fail-closed: ", problems))
            self._entries[seen.key] = _Entry(seen.fingerprint, update, self._listing, seen.origin)
        else:
            self._cleared(previous)
            self._entries[seen.key] = _Entry(seen.fingerprint, update, self._listing)
        if update == emitted or (emitted is None and isinstance(update, Delete)):
            return None
        return update

    def _invalid(
        self, seen: Observation, emitted: Upsert | Delete | None, error: ValidationError
    ) -> None:
        self._entries[seen.key] = _Entry(seen.fingerprint, emitted, self._listing, seen.origin)
        self._report(seen.origin, error)

    def _cleared(self, entry: _Entry | None) -> None:
        if entry is not None and entry.reported is not None and self._clear is not None:
            self._clear(entry.reported)

    def touch(self, key: ResourceKey, fingerprint: str) -> bool:
        """Count an object as named by the current listing if its version is the one
        known (so it need not even be parsed); False when it must be observed."""
        entry = self._entries.get(key)
        if entry is None or entry.fingerprint != fingerprint or self._verify:
            return False
        entry.listing = self._listing
        return True

    def forget(self, key: ResourceKey) -> Delete | None:
        """The ``Delete`` an object's removal calls for (None if already gone)."""
        entry = self._entries.pop(key, None)
        self._cleared(entry)
        if entry is None or isinstance(entry.emitted, Delete):
            return None
        return Delete(key)

    def begin_listing(self, verify: bool = False) -> None:
        """A complete listing starts (dropping any unfinished one).

        ``verify``: fingerprints cannot be trusted across the gap (resourceVersions
        restarted), so every object of this listing is converted and compared.
        """
        self._listing += 1
        self._verify = verify

    def end_listing(self) -> list[Update]:
        """The listing is complete: ``Delete``s of the objects it did not name."""
        self._verify = False
        listing = self._listing
        stale = [key for key, entry in self._entries.items() if entry.listing != listing]
        return [removal for key in stale if (removal := self.forget(key)) is not None]

    def clear(self) -> list[Update]:
        """The whole collection is gone: ``Delete``s of every emitted object."""
        self._verify = False
        return [removal for key in list(self._entries) if (removal := self.forget(key)) is not None]

    def resync(self, snapshot: Iterable[Observation]) -> list[Update]:
        """Updates that turn the mirrored state into ``snapshot`` (a complete listing)."""
        latest = {seen.key: seen for seen in snapshot}
        self.begin_listing()
        changes = [update for seen in latest.values() if (update := self.observe(seen)) is not None]
        return [*self.end_listing(), *changes]


def _fail_closed(seen: Observation, message: str, problems: tuple[str, ...]) -> FailClosedError:
    return FailClosedError(str(seen.key), "", message + "; ".join(problems))
