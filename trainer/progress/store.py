"""The progress directory: every device's log, replayed into per-card records.

Layout of the progress directory::

    reviews-<device>.jsonl       one append-only log per device (the data; sync these)
    .reviews-<device>.jsonl.lock its writers' lock (holds no data)
    .snapshot-<device>.marshal   derived cache of the replayed state (disposable)
    quarantine/                  copies of anything found damaged (never deleted by us)

Loading uses the snapshot when it still matches the logs (each log at least as long as
when it was taken, with the same first line and the same bytes before that point: checked
by digests of its header and of its last 4 KiB) and replays only what was appended since;
otherwise everything is replayed. The same check decides, for a log that changed while
running (appended to, or replaced by a sync tool), whether reading on is enough.
"""

from __future__ import annotations

import marshal
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from trainer.clock import Clock
from trainer.progress.errors import ProgressError
from trainer.progress.events import FORMAT, Event, header_line, parse_event
from trainer.progress.logfile import (
    FileState,
    LogWriter,
    read_log,
    remove_quietly,
    stamp_of,
    still_starts_with,
)
from trainer.progress.replay import CardRecord, SchedulerFor, apply, order_key, replay, undone_ids
from trainer.progress.table import RecordTable

#: 2: columns (see :mod:`trainer.progress.table`) instead of one tuple per card.
#: 3: each log's header digest, stamp and own warnings.
#: 4: buried records (an older version skipped ``bury`` lines it did not know).
SNAPSHOT_VERSION = 8
_DEVICE_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")


def clean_device_id(device: str) -> str:
    """``device`` made safe for a file name (it names this device's log)."""
    cleaned = _DEVICE_CHARS.sub("-", device).strip("-.")[:64]
    if not cleaned:
        raise ProgressError(f"Invalid device id {device!r}: use letters, digits, '-', '_' or '.'.")
    return cleaned


#: The device name of a read-only collection on a machine that has no id yet (nothing is
#: ever written under it).
READ_ONLY_DEVICE = "read-only"


def this_device(id_file: Path | None = None, *, create: bool = True) -> str:
    """This machine's device id: ``$TRAINER_DEVICE``, else a random id created once and
    stored in the user config directory (not in the progress directory, which may be
    synced to other machines that must not share it). With ``create=False`` an id that
    does not exist yet is not created: :data:`READ_ONLY_DEVICE` is returned."""
    env = os.environ.get("TRAINER_DEVICE")
    if env:
        return clean_device_id(env)
    if id_file is None:
        from trainer.locations import device_id_file

        id_file = device_id_file()
    try:
        return clean_device_id(id_file.read_text(encoding="utf-8").strip())
    except (OSError, ProgressError):
        pass
    if not create:
        return READ_ONLY_DEVICE
    import secrets

    device = secrets.token_hex(4)
    try:
        id_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = id_file.with_name(id_file.name + ".tmp")
        temporary.write_text(device + "\n", encoding="utf-8")
        os.replace(temporary, id_file)
    except OSError as error:
        raise ProgressError(
            f"Cannot store this device's id in {id_file}: {error.strerror}. "
            "Set TRAINER_DEVICE to a name for this machine instead."
        ) from None
    return device


def new_event_id() -> str:
    """A random id for a new event (12 hex digits)."""
    return os.urandom(6).hex()


class ProgressStore:
    """Per-card records replayed from all logs; appends go to this device's log."""

    def __init__(
        self,
        directory: Path,
        *,
        device: str,
        clock: Clock,
        scheduler_for: SchedulerFor,
        fingerprint: str = "",
        read_only: bool = False,
    ) -> None:
        self.directory = directory
        self.device = clean_device_id(device)
        self.clock = clock
        self.scheduler_for = scheduler_for
        self.fingerprint = fingerprint
        self.records: RecordTable = RecordTable()
        #: Warnings about this run (a repair, a replaced log), not about a file's content.
        self._notes: list[str] = []
        #: Why writing is refused (a log from a newer version), or ``None``.
        self.read_only: str | None = None
        #: Opened read-only on purpose: nothing is written, not even a snapshot or a
        #: quarantine copy, and :meth:`transaction` refuses.
        self.opened_read_only = read_only
        self.own_path = directory / f"reviews-{self.device}.jsonl"
        self.snapshot_path = directory / f".snapshot-{self.device}.marshal"
        self._files: dict[str, FileState] = {}
        self._writer: LogWriter | None = None
        self._history: dict[str, list[Event]] | None = None
        self._history_lock = threading.Lock()
        self._in_transaction = False
        #: True when the last load replayed everything (no usable snapshot).
        self.full_replay = False
        #: Incremented whenever any record may have changed (lets callers cache).
        self.version = 0
        #: Incremented whenever what other instances or devices wrote changed records.
        self.foreign_version = 0
        #: The keys of each key prefix (deck) in the order their rows are to be written in
        #: the snapshot (the collection's decks: see
        #: :meth:`trainer.progress.table.RecordTable.aligned_rows`), or ``None``.
        self.key_order: Callable[[], Mapping[str, Sequence[str]]] | None = None

    # -- loading -------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        directory: Path,
        *,
        device: str,
        clock: Clock,
        scheduler_for: SchedulerFor,
        fingerprint: str = "",
        use_snapshot: bool = True,
        read_only: bool = False,
    ) -> ProgressStore:
        """Open (creating it if needed) the progress directory and load it.

        ``read_only``: write nothing at all (a missing directory is an empty progress).
        Raises :class:`ProgressError` when the directory cannot be created or read.
        """
        store = cls(
            directory,
            device=device,
            clock=clock,
            scheduler_for=scheduler_for,
            fingerprint=fingerprint,
            read_only=read_only,
        )
        if not read_only:
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                why = "it is a file" if directory.is_file() else error.strerror
                raise ProgressError(
                    f"Cannot create the progress directory {directory}: {why}. "
                    "Choose another one with --progress DIR or TRAINER_PROGRESS_DIR."
                ) from None
        if not (use_snapshot and any(map(store._load_snapshot, store._snapshots()))):
            store.reload()
        return store

    def _snapshots(self) -> list[Path]:
        """This device's snapshot, then the others': any of them is the replayed state of
        every log (checked against the logs before use), so neither a reader with no
        device id of its own nor a device's first start need replay them all."""
        directory = self.directory
        others = set(directory.glob(".snapshot-*.marshal")) if directory.is_dir() else set()
        others.discard(self.snapshot_path)
        return [self.snapshot_path, *sorted(others, key=_modified, reverse=True)]

    @property
    def _quarantine_dir(self) -> Path | None:
        """Where damaged lines are copied: nowhere when opened read-only."""
        return None if self.opened_read_only else self.directory

    def _log_paths(self) -> list[Path]:
        if self.opened_read_only and not self.directory.exists():
            return []  # nothing recorded yet, and nothing may be created
        try:
            entries = [
                entry for entry in os.scandir(self.directory) if entry.name.endswith(".jsonl")
            ]
            names = sorted(entry.name for entry in entries if entry.is_file())
            dangling = sorted(
                entry.name for entry in entries if entry.is_symlink() and not entry.is_file()
            )
        except OSError as error:
            raise ProgressError(
                f"Cannot read the progress directory {self.directory}: {error.strerror}. "
                "Check its permissions; nothing was changed."
            ) from None
        for name in dangling:
            self._note(
                [
                    f"{self.directory / name}: a link to a file that does not exist (or is "
                    "not a file); its answers cannot be read. Restore what it points to."
                ]
            )
        return [self.directory / name for name in names]

    @property
    def warnings(self) -> list[str]:
        """Problems found in the logs as they are now, then notes about this run."""
        found: list[str] = []
        for state in self._files.values():
            found.extend(state.warnings)
            if state.tail_warning:
                found.append(state.tail_warning)
        return list(
            dict.fromkeys(found + ([self.read_only] if self.read_only else []) + self._notes)
        )

    def _note(self, warnings: list[str]) -> None:
        for warning in warnings:
            if warning not in self._notes:
                self._notes.append(warning)

    def _check_format(self, path: Path, state: FileState) -> None:
        if state.format is not None and state.format > FORMAT:
            self.read_only = (
                f"{path} was written by a newer version of trainer (log format "
                f"{state.format}; this version knows {FORMAT}). Progress is read-only "
                "until you upgrade trainer; nothing will be written or downgraded."
            )

    def _read_all(self) -> list[Event]:
        events: list[Event] = []
        self._files = {}
        self.read_only = None
        seen: set[str] = set()
        for path in self._log_paths():
            result = read_log(path, None, self._quarantine_dir)
            self._files[path.name] = result.state
            self._check_format(path, result.state)
            events.extend(self._once(path, result.events, seen))
        return events

    def _once(self, path: Path, events: list[Event], seen: set[str]) -> list[Event]:
        """``events`` less those another log already gave (a sync tool's conflict copy
        holds the same events as the log it copies: counting them twice would double
        the answers)."""
        fresh = [event for event in events if event.id not in seen]
        if len(fresh) < len(events):
            self._note(
                [
                    f"{path}: {len(events) - len(fresh)} events that another log also "
                    "holds (a sync tool's conflict copy?) are counted once."
                ]
            )
        seen.update(event.id for event in fresh)
        return fresh

    def reload(self) -> None:
        """Replay every log from the start (also what a conflicting sync triggers)."""
        events = self._read_all()
        self.records = RecordTable(replay(events, self.scheduler_for))
        self._history = None
        self.full_replay = True
        self.version += 1
        self.foreign_version += 1

    def _load_snapshot(self, path: Path | None = None) -> bool:
        """Load the snapshot at ``path`` (default: this device's) if it still matches
        the logs, then read what was appended since; False if it cannot be used."""
        try:
            with open(path or self.snapshot_path, "rb") as handle:
                data = marshal.loads(handle.read())
            if data["version"] != SNAPSHOT_VERSION or data["fingerprint"] != self.fingerprint:
                return False
            files: dict[str, FileState] = {}
            for name, fields in data["files"].items():
                state = FileState(*fields)
                if not still_starts_with(self.directory / name, state):
                    return False
                files[name] = state
            if self._must_replay(files, {p.name for p in self._log_paths()}):
                return False  # another snapshot may be newer, else replay once
            records = RecordTable.from_columns(data["records"])
        except Exception:  # a cache: any problem at all means "replay the logs"
            return False
        self._files = files
        self.records = records
        for name, state in files.items():
            self._check_format(self.directory / name, state)
        self.full_replay = False
        self.refresh()
        return True

    def save_snapshot(self) -> None:
        """Write the cache of replayed state (best effort: it is disposable)."""
        if self.opened_read_only:
            return
        temporary = self.snapshot_path.with_name(f"{self.snapshot_path.name}.{os.getpid()}.tmp")
        try:
            data = {
                "version": SNAPSHOT_VERSION,
                "fingerprint": self.fingerprint,
                "files": {name: state.fields() for name, state in self._files.items()},
                "records": self.records.to_columns(self.key_order() if self.key_order else None),
            }
            with open(temporary, "wb") as handle:
                marshal.dump(data, handle)
            os.replace(temporary, self.snapshot_path)
        except (OSError, ValueError, TypeError, KeyError, OverflowError):
            # No snapshot: the next start replays the logs, nothing is lost. And no
            # half-written temporary file left behind to fill a full disk further.
            remove_quietly(temporary)

    def refresh(self) -> bool:
        """Read what other instances or devices appended since; True if anything changed.

        A log whose stamp (inode, size, time) is unchanged is not read. One that still
        starts with what was read (a sync tool may have replaced it with a longer copy)
        is read on from there. Anything else (shortened, rewritten, a new header) means
        a full replay. Appends that arrive out of time order for a card (a sync of older
        answers) or that undo something already replayed trigger a full replay too, so
        the result is always the union of all logs in time order.
        """
        if not self.opened_read_only and not self.directory.exists():
            # Removed while running: what was read stands, and the next answer writes
            # this device's log back into it (LogWriter).
            return False
        new_events: list[Event] = []
        paths = self._log_paths()
        if self._must_replay(self._files, {p.name for p in paths}):
            self.reload()
            return True
        for path in paths:
            known = self._files.get(path.name)
            try:
                stamp = stamp_of(os.stat(path))
            except OSError:
                continue
            if known is not None and stamp == known.stamp:
                continue
            if known is not None and not still_starts_with(path, known):
                self.reload()
                return True
            result = read_log(path, known, self._quarantine_dir)
            self._files[path.name] = result.state
            self._check_format(path, result.state)
            new_events.extend(result.events)
        if not new_events:
            return False
        self.foreign_version += 1
        new_ids = {e.id for e in new_events}
        for event in new_events:
            if event.kind == "undo" and not set(event.targets) <= new_ids:
                self.reload()
                return True
            if event.kind == "review" and event.key is not None and event.key in self.records:
                last = self.records[event.key].state.last_review
                if last is not None and last >= event.time:
                    self.reload()
                    return True
        self._apply_batch(new_events)
        return True

    def _must_replay(self, known: Iterable[str], present: set[str]) -> bool:
        """Whether the logs ``present`` now, after the ``known`` ones were read, can only
        be merged by replaying every log: one disappeared, or a new one came (a new
        device, or a conflict copy that repeats known events). This device's own log is
        new only when its first answer creates it, or another window of this device did:
        what it holds is new, so it is read on like an append."""
        known = set(known)
        arrived = present - known - {self.own_path.name}
        return bool(known - present or (arrived and (known or len(arrived) > 1)))

    def _apply_batch(self, events: list[Event]) -> None:
        self.version += 1
        undone = undone_ids(events)
        for event in sorted(events, key=order_key):
            if event.id in undone:
                continue
            apply(self.records, event, self.scheduler_for)
            if self._history is not None and event.kind != "undo" and event.key:
                self._history.setdefault(event.key, []).append(event)

    # -- writing -------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold this device's log lock, with every log re-read: compute, then :meth:`write`."""
        if self.opened_read_only:
            raise ProgressError(
                f"The progress in {self.directory} was opened read-only: nothing can be "
                "recorded. Open it without read_only=True to study."
            )
        if self.read_only:
            raise ProgressError(self.read_only)
        if self._writer is None:
            self._writer = LogWriter(self.own_path, header_line(self.device, self.clock.now()))
        writer = self._writer
        change = writer.lock()
        self._in_transaction = True
        try:
            if change is not None:
                self._note([change])
                self.reload()  # the file at the path is another one: validate it whole
            else:
                self.refresh()
            if self.read_only:
                raise ProgressError(self.read_only)
            repaired = writer.repair_tail(self.directory)
            if repaired == "ended":
                self.refresh()  # the last line is whole now: read it
            elif repaired == "cut":
                self._note(
                    [f"{self.own_path}: incomplete last line cut off (a copy is in quarantine/)."]
                )
                known = self._files.get(self.own_path.name)
                if known is not None and os.stat(self.own_path).st_size < known.size:
                    self.reload()
                else:
                    self.refresh()
            yield
        finally:
            self._in_transaction = False
            writer.unlock()

    def write(
        self, lines: list[bytes], *, restore: dict[str, CardRecord] | None = None
    ) -> list[Event]:
        """Append event ``lines`` (inside :meth:`transaction`), durably; apply them.

        ``restore`` gives records to put back after an undo (what they were before the
        undone events).
        """
        assert self._in_transaction and self._writer is not None
        self.version += 1
        name = self.own_path.name
        known = self._files.get(name) or FileState(device=self.device, format=FORMAT)
        before, _, change = self._writer.append(lines)
        header_written = before == 0
        number = known.lines + (1 if header_written else 0)
        events = []
        for line in lines:
            number += 1
            events.append(parse_event(line.rstrip(b"\n"), self.device, (name, number)))
        if change is not None:
            # Replaced or removed while writing: the lines were carried over into the
            # file now at the path; replay it (with the others) as it is.
            self._note([change])
            self.reload()
            return events
        self._files[name] = self._writer.state_after_append(known, number)
        if self._before_latest_review(events):
            # The clock went back: the answer belongs before one already applied.
            self.reload()
            return events
        undone = undone_ids(events)
        for event in events:
            if event.id in undone:
                continue
            if event.kind == "undo":
                for target in event.targets:
                    self._forget_history(target)
                continue
            apply(self.records, event, self.scheduler_for)
            if self._history is not None and event.key:
                self._history.setdefault(event.key, []).append(event)
        if restore:
            for key, record in restore.items():
                self.records[key] = record.copy()
        return events

    def _before_latest_review(self, events: list[Event]) -> bool:
        """Whether a review in ``events`` is not later than the card's latest one applied
        (replaying in time order would put it earlier)."""
        for event in events:
            if event.kind == "review" and event.key is not None:
                record = self.records.get(event.key)
                last = None if record is None else record.state.last_review
                if last is not None and last >= event.time:
                    return True
        return False

    def _forget_history(self, event_id: str) -> None:
        if self._history is None:
            return
        for events in self._history.values():
            for index, event in enumerate(events):
                if event.id == event_id:
                    del events[index]
                    return

    # -- reading history -------------------------------------------------------------

    @property
    def history_loaded(self) -> bool:
        return self._history is not None

    def load_history(self) -> None:
        """Read every log's events into the history index (thread-safe)."""
        self._index()

    def _index(self) -> dict[str, list[Event]]:
        with self._history_lock:  # one reader at a time: a second one waits for it
            if self._history is not None:
                return self._history
            for _attempt in range(3):
                version = self.version
                index = self._read_history()
                # Records changed meanwhile (an answer from the studying thread, a
                # replay): what was read may lack it, so it is read again, a few times.
                if self.version == version:
                    self._history = index
                    break
            return index

    def _read_history(self) -> dict[str, list[Event]]:
        events: list[Event] = []
        seen: set[str] = set()
        for path in self._log_paths():
            events.extend(self._once(path, read_log(path, None, self._quarantine_dir).events, seen))
        undone = undone_ids(events)
        index: dict[str, list[Event]] = {}
        for event in sorted(events, key=order_key):
            if event.id not in undone and event.kind != "undo" and event.key:
                index.setdefault(event.key, []).append(event)
        return index

    def history(self, key: str) -> list[Event]:
        """Events of one card, in time order (undone ones left out)."""
        return list(self._index().get(key, ()))

    def all_events(self) -> Iterator[Event]:
        """Every event of every card, card by card, each card's in time order."""
        for events in self._index().values():
            yield from events

    def close(self, *, save_snapshot: bool = True) -> None:
        if self._writer is not None:
            # A sync tool may have replaced the log since the last answer: carry over.
            # (A failure is reported at the next start, which finds the file as it is.)
            with suppress(ProgressError):
                self._writer.check_still_there()
        if save_snapshot and not self.read_only and not self.opened_read_only:
            self.save_snapshot()
        if self._writer is not None:
            self._writer.close()
            self._writer = None


__all__ = ["ProgressStore", "clean_device_id", "new_event_id", "this_device", "unsnapshotted_bytes"]


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def unsnapshotted_bytes(directory: Path) -> int:
    """The size of the logs in ``directory`` when it holds no snapshot at all, else 0: a
    cheap sign (a directory listing, no file read) that opening it means reading every
    log line (the first start after an import, a snapshot deleted), so a screen can say
    so before it starts. Never raises."""
    try:
        entries = list(os.scandir(directory))
        if any(entry.name.startswith(".snapshot-") for entry in entries):
            return 0
        return sum(
            entry.stat().st_size
            for entry in entries
            if entry.name.endswith(".jsonl") and entry.is_file()
        )
    except OSError:
        return 0
