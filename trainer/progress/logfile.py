"""Reading and appending one device's log file, safely.

Reading never modifies a log. Problems found are set aside in ``quarantine/`` (a copy;
the log itself is never rewritten) and reported as warnings:

* a last line without its newline is an answer torn by a crash: ignored, and cut off
  (under the lock) before the next append to that file;
* a complete line that is not a valid event: skipped, the rest loads;
* an empty file, or one without a valid header: its events (if any) still load.

Appending takes an exclusive ``flock`` on the file, writes whole lines with one
``os.write`` on an ``O_APPEND`` descriptor, and ``fsync``\\ s before returning; a new file
also gets its directory fsynced, so it survives a power cut.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from trainer.progress.errors import ProgressError
from trainer.progress.events import FORMAT, BadLine, Event, parse_event, parse_header

TAIL_BYTES = 4096


@dataclass(slots=True)
class FileState:
    """How far a log has been read: up to ``size`` bytes, all complete lines."""

    size: int = 0
    lines: int = 0
    device: str | None = None
    format: int | None = None
    tail_hash: str = ""


@dataclass(slots=True)
class ReadResult:
    events: list[Event] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    state: FileState = field(default_factory=FileState)
    #: A torn (newline-less) last line was found after ``state.size``.
    torn: bool = False


def tail_hash(data_or_path: bytes | Path, size: int) -> str:
    """Digest of the ``TAIL_BYTES`` before offset ``size`` (validates cached offsets)."""
    start = max(0, size - TAIL_BYTES)
    if isinstance(data_or_path, Path):
        with open(data_or_path, "rb") as handle:
            handle.seek(start)
            chunk = handle.read(size - start)
    else:
        chunk = data_or_path[start:size]
    return hashlib.sha1(chunk).hexdigest()


def quarantine(directory: Path, source: Path, data: bytes, reason: str) -> Path | None:
    """Keep a copy of ``data`` (from ``source``) under ``directory``/quarantine.

    Named by content, so the same problem is copied once. Returns the copy's path, or
    ``None`` if it could not be written (never fatal: the original is untouched anyway).
    """
    digest = hashlib.sha1(data).hexdigest()[:12]
    target = directory / "quarantine" / f"{source.name}.{reason}.{digest}"
    if target.exists():
        return target
    try:
        target.parent.mkdir(exist_ok=True)
        temporary = target.with_name(target.name + ".tmp")
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except OSError:
        return None
    return target


def read_log(path: Path, start: FileState | None, quarantine_dir: Path) -> ReadResult:
    """Read ``path`` from where ``start`` left off (``None``: from the beginning)."""
    result = ReadResult()
    state = FileState() if start is None else FileState(
        start.size, start.lines, start.device, start.format, start.tail_hash
    )
    result.state = state
    try:
        with open(path, "rb") as handle:
            handle.seek(state.size)
            data = handle.read()
    except OSError as error:
        raise ProgressError(
            f"Cannot read progress file {path}: {error.strerror}. "
            "Check its permissions; nothing was changed."
        ) from None

    if state.size == 0 and not data:
        copy = quarantine(quarantine_dir, path, b"", "empty")
        result.warnings.append(
            f"{path}: empty progress file (no header), probably from an interrupted first "
            f"save; {'kept aside as ' + str(copy) if copy else 'left in place'}."
        )
        return result

    end = data.rfind(b"\n") + 1  # complete lines end here
    if end < len(data):
        result.torn = True
        torn = data[end:]
        copy = quarantine(quarantine_dir, path, torn, "torn")
        line_number = state.lines + data[:end].count(b"\n") + 1
        result.warnings.append(
            f"{path}:{line_number}: incomplete last line "
            "(an answer interrupted by a crash) ignored"
            + (f"; its bytes are kept in {copy}" if copy else "")
            + "; it will be cut off before the next answer is saved."
        )
    position = 0
    corrupt_lines: list[int] = []
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
                corrupt_lines.append(number)
                result.warnings.append(f"{path}:1: invalid header ({error}); line skipped.")
                continue
            state.format = header["format"]
            device = header.get("device")
            state.device = device if isinstance(device, str) else None
            if state.format > FORMAT:
                # A newer format may mean anything: do not interpret its events.
                state.size += len(data)
                state.tail_hash = tail_hash(path, state.size)
                return result
            continue
        try:
            event = parse_event(line, state.device or path.stem, (path.name, number))
        except BadLine as error:
            corrupt_lines.append(number)
            result.warnings.append(f"{path}:{number}: unreadable line ({error}); skipped.")
            continue
        result.events.append(event)
    if corrupt_lines:
        try:
            whole = path.read_bytes()
        except OSError:
            whole = data
        copy = quarantine(quarantine_dir, path, whole, "corrupt")
        if copy:
            result.warnings.append(f"{path}: a copy of the file as found is kept in {copy}.")
    base = start.size if start else 0
    state.size = base + end
    state.tail_hash = tail_hash(data, end) if base == 0 else tail_hash(path, state.size)
    return result


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
    return (
        f"Could not {doing} in {path}: {advice}. "
        "Nothing recorded earlier was lost."
    )


class LogWriter:
    """Appends to this device's log: locked, whole lines, fsynced."""

    def __init__(self, path: Path, header: bytes) -> None:
        self.path = path
        self._header = header
        self._fd: int | None = None

    def _open(self) -> int:
        if self._fd is not None:
            return self._fd
        try:
            if not self.path.exists():
                self._create()
            self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        except OSError as error:
            self._fd = None
            raise ProgressError(describe_os_error(error, self.path, "create the progress file")) from None
        return self._fd

    def _create(self) -> None:
        """Create the log with its header in one step: readers never see it empty."""
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            if os.write(fd, self._header) != len(self._header):
                raise OSError(errno.ENOSPC, "short write")
            os.fsync(fd)
        except OSError:
            os.close(fd)
            os.unlink(temporary)
            raise
        os.close(fd)
        try:
            os.link(temporary, self.path)  # fails if another instance created it first
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
        _fsync_directory(self.path.parent)

    def lock(self) -> int:
        """Take the exclusive lock (blocking); returns the descriptor."""
        fd = self._open()
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    def unlock(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def repair_tail(self, quarantine_dir: Path) -> bool:
        """Under the lock: cut a torn last line (kept in quarantine). True if cut."""
        fd = self._fd
        assert fd is not None
        size = os.fstat(fd).st_size
        if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
            return False
        start = max(0, size - (1 << 20))
        chunk = os.pread(fd, size - start, start)
        cut = start + chunk.rfind(b"\n") + 1
        if cut == start and start > 0:  # a torn line over 1 MiB: find its start
            data = os.pread(fd, size, 0)
            cut = data.rfind(b"\n") + 1
            chunk, start = data, 0
        quarantine(quarantine_dir, self.path, chunk[cut - start:], "torn")
        try:
            os.ftruncate(fd, cut)
            os.fsync(fd)
        except OSError as error:
            raise ProgressError(describe_os_error(error, self.path, "repair the progress file")) from None
        return True

    def append(self, lines: list[bytes]) -> tuple[int, int]:
        """Under the lock: write ``lines`` (plus the header for an empty file) and fsync.

        Returns (offset before, offset after). On failure the file is cut back to where it
        was, so a half-written line never stays, and :class:`ProgressError` is raised.
        """
        fd = self._fd
        assert fd is not None
        before = os.fstat(fd).st_size
        payload = b"".join(([self._header] if before == 0 else []) + lines)
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
        return before, before + len(payload)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
