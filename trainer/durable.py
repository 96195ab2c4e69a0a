"""Writing files so that they survive a crash or a power cut: the data fsynced before a
rename makes it visible, and the directory fsynced after it, so the rename itself is on
disk (POSIX keeps a directory entry in the directory, not in the file).

Used by the progress log, the deck files an import writes, the imported history and
the files an export writes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

__all__ = ["fsync_directory", "replace_keeping_backup", "write_synced"]


def write_synced(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (created or truncated) and fsync it before returning."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def fsync_directory(directory: Path) -> None:
    """Make the entries of ``directory`` (a file just renamed or linked into it) durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def replace_keeping_backup(path: Path, write: Callable[[Path], object]) -> Path | None:
    """Make ``path`` what ``write(temporary)`` writes, all at once: the new file is
    written beside it, fsynced and renamed over it, so ``path`` is never half-written.
    A file that was there is kept as ``NAME.bak`` (replacing an older one) unless it
    held the same bytes. Returns the backup's path, or None when none was kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    backup: Path | None = None
    try:
        write(temporary)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        if path.is_file():
            if _same_bytes(path, temporary):
                temporary.unlink()
                return None
            backup = path.with_name(path.name + ".bak")
            with suppress(FileNotFoundError):
                backup.unlink()
            os.link(path, backup)  # the old file stays at path until the rename
        os.replace(temporary, path)
    finally:
        with suppress(FileNotFoundError):
            temporary.unlink()
    fsync_directory(path.parent)
    return backup


def _same_bytes(first: Path, second: Path) -> bool:
    if first.stat().st_size != second.stat().st_size:
        return False
    with open(first, "rb") as one, open(second, "rb") as two:
        while True:
            chunk = one.read(1 << 20)
            if chunk != two.read(1 << 20):
                return False
            if not chunk:
                return True
