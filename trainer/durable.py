"""Writing files so that they survive a crash or a power cut: the data fsynced before a
rename makes it visible, and the directory fsynced after it, so the rename itself is on
disk (POSIX keeps a directory entry in the directory, not in the file).

Used by the progress log, the deck files an import writes and the imported history.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["fsync_directory", "write_synced"]


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
