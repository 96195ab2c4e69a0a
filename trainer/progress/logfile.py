"""Reading and appending one device's log file, safely.

Reading never modifies a log. Problems found are set aside in ``quarantine/`` (a copy;
the log itself is never rewritten) and reported as warnings:

* a last line without its newline is an answer torn by a crash: ignored, and cut off
  (under the lock) before the next append to that file; unless it is a whole, valid
  event (an editor that saves without a final newline): then the writer ends it with a
  newline instead, and it is read from then on;
* a complete line that is not a valid event: skipped, the rest loads;
* an empty file, or one without a valid header: its events (if any) still load.

Appending holds this log's lock (a ``.<log name>.lock`` file beside it, taken with
:mod:`filelock`, which works on every platform), writes whole lines with one ``os.write``
on an ``O_APPEND`` descriptor, and ``fsync``\\ s before returning; a new file also gets its
directory fsynced, so it survives a power cut.

Sync tools, ``git``, editors and backups replace a file (write a copy, rename it over) or
delete it, while the program holds a descriptor to the old one. So before each append and
after it, the writer compares the identity (device and inode) of the file at the log's
path with the one it writes to. When they differ, it opens the file now at the path and
appends to it every line of the old one that it lacks (a deleted log is written back
whole, its directory too): an answer is acknowledged only once it is in the file at the
log's path.

A file can also be rewritten in place, keeping its inode (``cp backup log``, ``> log``,
an editor saving in place): then the old bytes are gone. So the writer also keeps every
line it appended, and the size and last ``TAIL_BYTES`` of the file as it left it; when
the file is shorter or those bytes differ, it appends the lines it wrote that the file
now lacks. (Lines from earlier runs that a restored backup lacks were that backup's
choice: nothing in this process has them.)
"""

from __future__ import annotations

import errno
import hashlib
import os
from contextlib import suppress
from pathlib import Path
from typing import Any, Literal

from msgspec import Struct, field

from trainer.durable import fsync_directory, write_synced
from trainer.progress.errors import ProgressError
from trainer.progress.events import FORMAT, BadLine, Event, event_id_of, parse_event, parse_header

TAIL_BYTES = 4096
#: How often an append is retried while the file keeps being replaced under it.
_REPLACED_RETRIES = 5


class FileState(Struct):
    """How far a log has been read: up to ``size`` bytes, all complete lines.

    Attributes: ``size`` and ``lines`` read; ``device`` and ``format`` from its header;
    ``tail_hash`` (the ``TAIL_BYTES`` before ``size``) and ``head_hash`` (its first
    line) tell whether the file still starts with what was read; ``stamp`` (device,
    inode, size, modification time) tells cheaply that it has not changed at all;
    ``warnings`` are the problems found in what was read, ``tail_warning`` the one about
    its end (empty file, torn last line), which holds only until the file changes.
    """

    size: int = 0
    lines: int = 0
    device: str | None = None
    format: int | None = None
    tail_hash: str = ""
    head_hash: str = ""
    stamp: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()
    tail_warning: str | None = None

    def fields(self) -> tuple[Any, ...]:
        """The fields in order (what the snapshot stores)."""
        return (
            self.size,
            self.lines,
            self.device,
            self.format,
            self.tail_hash,
            self.head_hash,
            self.stamp,
            self.warnings,
            self.tail_warning,
        )


class ReadResult(Struct):
    """Events read from one log, and the state to read on from."""

    events: list[Event] = field(default_factory=list)
    state: FileState = field(default_factory=FileState)
    #: A torn (newline-less) last line was found after ``state.size``.
    torn: bool = False


def stamp_of(stat: os.stat_result) -> tuple[int, ...]:
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def identity_of(stat: os.stat_result) -> tuple[int, int]:
    return (stat.st_dev, stat.st_ino)


def _digest(chunk: bytes) -> str:
    return hashlib.sha1(chunk).hexdigest()


def _head(data: bytes) -> bytes:
    """The first line of a file (newline included), or its first ``TAIL_BYTES``."""
    newline = data.find(b"\n", 0, TAIL_BYTES)
    return data[: newline + 1] if newline >= 0 else data[:TAIL_BYTES]


def tail_hash(data_or_path: bytes | Path, size: int) -> str:
    """Digest of the ``TAIL_BYTES`` before offset ``size`` (validates cached offsets)."""
    start = max(0, size - TAIL_BYTES)
    if isinstance(data_or_path, Path):
        with open(data_or_path, "rb") as handle:
            handle.seek(start)
            chunk = handle.read(size - start)
    else:
        chunk = data_or_path[start:size]
    return _digest(chunk)


def still_starts_with(path: Path, state: FileState) -> bool:
    """Whether the file at ``path`` begins with what ``state`` says was read from it:
    at least as long, the same first line and the same bytes before ``state.size``."""
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size < state.size:
                return False
            head = _head(handle.read(min(TAIL_BYTES, state.size)))
            start = max(0, state.size - TAIL_BYTES)
            handle.seek(start)
            tail = handle.read(state.size - start)
    except OSError:
        return False
    return _digest(head) == state.head_hash and _digest(tail) == state.tail_hash


def quarantine(
    directory: Path | None,
    source: Path,
    data: bytes,
    reason: str,
    name_from: bytes | None = None,
) -> Path | None:
    """Keep a copy of ``data`` (from ``source``) under ``directory``/quarantine.

    Named by the content of ``name_from`` (default: ``data``), so the same problem is
    copied once. Returns the copy's path, or ``None`` if it could not be written (never
    fatal: the original is untouched anyway) or ``directory`` is ``None`` (a read-only
    store copies nothing).
    """
    if directory is None:
        return None
    digest = _digest(data if name_from is None else name_from)[:12]
    target = directory / "quarantine" / f"{source.name}.{reason}.{digest}"
    if target.exists():
        return target
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(exist_ok=True)
        write_synced(temporary, data)
        os.replace(temporary, target)
    except OSError:
        remove_quietly(temporary)
        return None
    return target


def remove_quietly(path: Path) -> None:
    """Remove a temporary file left by a failed write (a full disk must not fill up)."""
    with suppress(OSError):
        os.unlink(path)


def read_log(path: Path, start: FileState | None, quarantine_dir: Path | None) -> ReadResult:
    """Read ``path`` from where ``start`` left off (``None``: from the beginning)."""
    result = ReadResult()
    state = FileState() if start is None else FileState(*start.fields())
    result.state = state
    try:
        with open(path, "rb") as handle:
            stat = os.fstat(handle.fileno())
            handle.seek(state.size)
            data = handle.read()
    except OSError as error:
        raise ProgressError(
            f"Cannot read progress file {path}: {error.strerror}. "
            "Check its permissions; nothing was changed."
        ) from None
    base = state.size
    state.stamp = (*stamp_of(stat)[:2], base + len(data), stat.st_mtime_ns)
    state.tail_warning = None
    if base == 0 and not data:
        copy = quarantine(quarantine_dir, path, b"", "empty")
        state.tail_warning = (
            f"{path}: empty progress file (no header), probably from an interrupted first "
            f"save; {'kept aside as ' + str(copy) if copy else 'left in place'}."
        )
        state.head_hash = state.tail_hash = _digest(b"")
        return result

    end = data.rfind(b"\n") + 1  # complete lines end here
    if end < len(data):
        result.torn = True
        torn = data[end:]
        line_number = state.lines + data[:end].count(b"\n") + 1
        if is_whole_line(torn, first=base + end == 0):
            state.tail_warning = (
                f"{path}:{line_number}: the last line has no line end (saved by an "
                "editor?); it is read once trainer adds the line end, before the next "
                "answer is saved."
            )
        else:
            copy = quarantine(quarantine_dir, path, torn, "torn")
            state.tail_warning = (
                f"{path}:{line_number}: incomplete last line "
                "(an answer interrupted by a crash) ignored"
                + (f"; its bytes are kept in {copy}" if copy else "")
                + "; it will be cut off before the next answer is saved."
            )
    position = 0
    warnings: list[str] = []
    corrupt: list[bytes] = []
    name, stem = path.name, path.stem
    while position < end:
        newline = data.index(b"\n", position)
        line = data[position:newline]
        position = newline + 1
        state.lines += 1
        number = state.lines
        if not line.strip():
            continue
        if number == 1:
            try:
                header = parse_header(line)
            except BadLine as error:
                if _is_event(line):
                    warnings.append(f"{path}:1: no header line; its events still load.")
                else:
                    corrupt.append(b"%d:%s" % (number, line))
                    warnings.append(f"{path}:1: invalid header ({error}); line skipped.")
                    continue
            else:
                state.format = header["format"]
                device = header.get("device")
                state.device = device if isinstance(device, str) else None
                if state.format > FORMAT:
                    # A newer format may mean anything: do not interpret its events.
                    state.size = base + len(data)
                    state.head_hash = _digest(_head(data))
                    state.tail_hash = tail_hash(path, state.size)
                    state.tail_warning = None
                    return result
                continue
        try:
            event = parse_event(line, state.device or stem, (name, number))
        except BadLine as error:
            corrupt.append(b"%d:%s" % (number, line))
            warnings.append(f"{path}:{number}: unreadable line ({error}); skipped.")
            continue
        result.events.append(event)
    if corrupt:
        try:
            whole = path.read_bytes()
        except OSError:
            whole = data
        # Named after the damaged lines, not the whole file: the same damage is kept
        # once however many answers are appended after it.
        copy = quarantine(quarantine_dir, path, whole, "corrupt", b"\n".join(corrupt))
        if copy:
            warnings.append(f"{path}: a copy of the file as found is kept in {copy}.")
    state.warnings = state.warnings + tuple(warnings)
    state.size = base + end
    if base == 0:
        state.head_hash = _digest(_head(data[:end]))
    state.tail_hash = tail_hash(data, end) if base == 0 else tail_hash(path, state.size)
    return result


def is_whole_line(line: bytes, *, first: bool = False) -> bool:
    """Whether ``line`` (a last line without its newline) is a whole event, or a whole
    header when it is the file's ``first`` line: saved without a final newline, not
    torn by a crash."""
    if first:
        try:
            parse_header(line)
        except BadLine:
            pass
        else:
            return True
    return _is_event(line)


def _is_event(line: bytes) -> bool:
    try:
        parse_event(line, "", ("", 1))
    except BadLine:
        return False
    return True


def describe_os_error(error: OSError, path: Path, doing: str) -> str:
    """A sentence for a failed write, saying what to do."""
    if error.errno == errno.ENOSPC or error.errno == errno.EDQUOT:
        advice = "the disk is full: free some space and answer again"
    elif error.errno in (errno.EACCES, errno.EPERM):
        advice = "permission denied: make the progress directory writable"
    elif error.errno == errno.EROFS:
        advice = "the file system is read-only"
    else:
        advice = error.strerror or str(error)
    return f"Could not {doing} in {path}: {advice}. Nothing recorded earlier was lost."


def lock_path(log: Path) -> Path:
    """The lock file every writer of ``log`` takes (it stays; it holds no data)."""
    return log.with_name(f".{log.name}.lock")


class LogLock:
    """The exclusive lock on one log, shared by every process that writes to it."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self._lock: Any = None

    def acquire(self) -> None:
        from filelock import FileLock  # only writers need it: keeps it out of start-up

        if self._lock is None:
            self._lock = FileLock(lock_path(self.log), thread_local=False)
        try:
            # (A progress directory removed while trainer runs is made again.)
            self.log.parent.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        except OSError as error:
            raise ProgressError(
                describe_os_error(error, self.log, "open the progress file for writing")
            ) from None

    def release(self) -> None:
        if self._lock is not None and self._lock.is_locked:
            self._lock.release()


class LogWriter:
    """Appends to this device's log: locked, whole lines, fsynced, at the log's path."""

    def __init__(self, path: Path, header: bytes) -> None:
        self.path = path
        self._header = header
        self._fd: int | None = None
        self._identity: tuple[int, int] | None = None
        self._lock = LogLock(path)
        #: Every line this writer appended: what it puts back after a rewrite in place.
        self._written: list[bytes] = []
        #: (size, digest of the last TAIL_BYTES) of the file as this writer left it.
        self._left: tuple[int, str] | None = None

    def lock(self) -> str | None:
        """Take the exclusive lock (blocking) and make sure the descriptor is the file at
        the log's path. Returns what had to be done when it was not (replaced or removed
        since the last append), else ``None``: then everything must be re-read."""
        self._lock.acquire()
        try:
            return self._ensure_current()
        except BaseException:
            self._lock.release()
            raise

    def unlock(self) -> None:
        self._lock.release()

    def _ensure_current(self) -> str | None:
        try:
            if self._fd is None:
                if not os.path.lexists(self.path):
                    self._create(self._header)
                self._reopen()
                self._remember_end()
                return None
            try:
                identity = identity_of(os.stat(self.path))
            except FileNotFoundError:
                change = self._write_back_removed()
            else:
                if identity == self._identity:
                    if self._as_left():
                        return None
                    change = self._carry_over_rewritten()
                else:
                    change = self._carry_over_replaced()
            self._remember_end()
            return change
        except OSError as error:
            raise ProgressError(
                describe_os_error(error, self.path, "open the progress file for writing")
            ) from None

    def _reopen(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        if self._fd is not None:
            os.close(self._fd)
        self._fd = fd
        self._identity = identity_of(os.fstat(fd))

    def _remember_end(self) -> None:
        """Note the file's size and tail as this writer leaves it (under the lock)."""
        assert self._fd is not None
        size = os.fstat(self._fd).st_size
        start = max(0, size - TAIL_BYTES)
        self._left = (size, _digest(os.pread(self._fd, size - start, start)))

    def _as_left(self) -> bool:
        """Whether the file still holds what this writer left in it (others may only
        have appended): at least as long, the same bytes before that size."""
        assert self._fd is not None
        if self._left is None:
            return True
        size, digest = self._left
        if os.fstat(self._fd).st_size < size:
            return False
        start = max(0, size - TAIL_BYTES)
        return _digest(os.pread(self._fd, size - start, start)) == digest

    def _old_contents(self) -> bytes:
        assert self._fd is not None
        return os.pread(self._fd, os.fstat(self._fd).st_size, 0)

    def _write_back_removed(self) -> str:
        old = self._old_contents()
        # A removed progress directory is made again: the log goes back where it was.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._create(old or self._header)
        self._reopen()
        lines = old.count(b"\n")
        return (
            f"{self.path} was removed while trainer was using it; it was written back "
            f"({lines} line{'s' if lines != 1 else ''} this program still had), so no "
            "answer is lost."
        )

    def _carry_over_replaced(self) -> str:
        """The path now names another file: append the old file's lines it lacks."""
        old = self._old_contents()
        self._reopen()
        assert self._fd is not None
        new = self._old_contents()
        if _newer_format(new):
            raise ProgressError(
                f"{self.path} was replaced by a log from a newer version of trainer while "
                "this program was using it: progress is read-only until you upgrade "
                "trainer. Nothing was written to it."
            )
        count = self._append_missing(new, old[: old.rfind(b"\n") + 1].split(b"\n")[1:])
        fsync_directory(self.path.parent)
        return (
            f"{self.path} was replaced while trainer was using it (a sync tool, a restore "
            f"or an editor?); {count} line{'s' if count != 1 else ''} missing "
            "from the new file were appended to it, so no answer is lost."
        )

    def _carry_over_rewritten(self) -> str:
        """The file was rewritten in place: append the lines this writer wrote that it
        now lacks."""
        new = self._old_contents()
        if _newer_format(new):
            raise ProgressError(
                f"{self.path} was overwritten with a log from a newer version of trainer "
                "while this program was using it: progress is read-only until you upgrade "
                "trainer. Nothing was written to it."
            )
        count = self._append_missing(new, [line.rstrip(b"\n") for line in self._written])
        return (
            f"{self.path} was overwritten in place while trainer was using it (a backup "
            f"copied over it, an editor?); {count} answer line{'s' if count != 1 else ''} "
            "of this run missing from it were appended to it, so every answer given since "
            "trainer started is in it."
        )

    def _append_missing(self, new: bytes, lines: list[bytes]) -> int:
        """Append to the file (now holding ``new``) those of ``lines`` (without their
        newlines) whose events it lacks; how many."""
        known = {event_id_of(line) for line in new.split(b"\n")}
        missing = [
            line + b"\n"
            for line in lines
            if line.strip() and (event_id := event_id_of(line)) and event_id not in known
        ]
        if missing:
            if not new:
                missing.insert(0, self._header)  # emptied: the lines need their header
            elif not new.endswith(b"\n"):
                missing.insert(0, b"\n")  # never glue a line onto a torn one
            self._write_all(missing, len(new))
        return len(missing)

    def _create(self, contents: bytes) -> None:
        """Create the log with ``contents`` in one step: readers never see it empty."""
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            if os.write(fd, contents) != len(contents):
                raise OSError(errno.ENOSPC, "short write")
            os.fsync(fd)
        except OSError:
            os.close(fd)
            remove_quietly(temporary)
            raise
        os.close(fd)
        try:
            os.link(temporary, self.path)  # fails if another instance created it first
        except FileExistsError:
            pass
        finally:
            remove_quietly(temporary)
        fsync_directory(self.path.parent)

    def repair_tail(self, quarantine_dir: Path) -> Literal["cut", "ended"] | None:
        """Under the lock: cut a torn last line (kept in quarantine): ``"cut"``; or end a
        whole last line that lacks its newline: ``"ended"``; else ``None``."""
        fd = self._fd
        assert fd is not None
        size = os.fstat(fd).st_size
        if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
            return None
        start = max(0, size - (1 << 20))
        chunk = os.pread(fd, size - start, start)
        cut = start + chunk.rfind(b"\n") + 1
        if cut == start and start > 0:  # a torn line over 1 MiB: find its start
            data = os.pread(fd, size, 0)
            cut = data.rfind(b"\n") + 1
            chunk, start = data, 0
        if is_whole_line(chunk[cut - start :], first=cut == 0):
            # Saved without a final newline (an editor), not torn: end it, keep it.
            self._write_all([b"\n"], size)
            self._remember_end()
            return "ended"
        quarantine(quarantine_dir, self.path, chunk[cut - start :], "torn")
        try:
            os.ftruncate(fd, cut)
            os.fsync(fd)
        except OSError as error:
            raise ProgressError(
                describe_os_error(error, self.path, "repair the progress file")
            ) from None
        self._remember_end()
        return "cut"

    def state_after_append(self, known: FileState, lines: int) -> FileState:
        """Under the lock, after :meth:`append`: ``known`` advanced over what was written,
        with ``lines`` lines in all (what a reader would now find)."""
        assert self._fd is not None
        stat = os.fstat(self._fd)
        size = stat.st_size
        start = max(0, size - TAIL_BYTES)
        return FileState(
            size,
            lines,
            known.device,
            known.format or FORMAT,
            _digest(os.pread(self._fd, size - start, start)),
            _digest(_head(os.pread(self._fd, min(TAIL_BYTES, size), 0))),
            stamp_of(stat),
            known.warnings,
            None,
        )

    def append(self, lines: list[bytes]) -> tuple[int, int, str | None]:
        """Under the lock: write ``lines`` (plus the header for an empty file) and fsync.

        Returns (offset before, offset after, what had to be done because the file was
        replaced or removed meanwhile, else ``None``). The lines are in the file at the
        log's path when it returns. On failure the file is cut back to where it was, so
        a half-written line never stays, and :class:`ProgressError` is raised.
        """
        fd = self._fd
        assert fd is not None
        before = os.fstat(fd).st_size
        payload = b"".join(([self._header] if before == 0 else []) + lines)
        self._write_all([payload], before)
        self._written.extend(lines)
        change = None
        for _ in range(_REPLACED_RETRIES):
            # Replaced between the check and the write? Then the lines are carried over.
            now = self._ensure_current()
            if now is None:
                if change is None:
                    self._remember_end()
                    return before, before + len(payload), None
                assert self._fd is not None
                size = os.fstat(self._fd).st_size
                return size - len(payload), size, change
            change = now
        raise ProgressError(
            f"Could not save the answer in {self.path}: the file keeps being replaced "
            "(a sync tool?). Pause the sync tool and answer again."
        )

    def _write_all(self, chunks: list[bytes], before: int) -> None:
        fd = self._fd
        assert fd is not None
        payload = b"".join(chunks)
        try:
            written = os.write(fd, payload)
            if written != len(payload):
                raise OSError(errno.ENOSPC, "short write")
            os.fsync(fd)
        except OSError as error:
            try:
                os.ftruncate(fd, before)
                os.fsync(fd)
            except OSError:
                pass  # the torn tail is then cut before the next append
            raise ProgressError(describe_os_error(error, self.path, "save the answer")) from None

    def check_still_there(self) -> str | None:
        """At the end (takes the lock): make sure nothing written is missing at the path."""
        if self._fd is None:
            return None
        self._lock.acquire()
        try:
            return self._ensure_current()
        finally:
            self._lock.release()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _newer_format(data: bytes) -> bool:
    try:
        return parse_header(_head(data).rstrip(b"\n"))["format"] > FORMAT
    except BadLine:
        return False
