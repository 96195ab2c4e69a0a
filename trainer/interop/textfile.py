"""Reading the text file an import names (CSV/TSV, Markdown), with one clear error for
each way it can fail."""

from __future__ import annotations

import stat
from pathlib import Path

from trainer.interop.errors import InteropError

__all__ = ["read_text_file"]


def read_text_file(path: Path, max_bytes: int) -> str:
    """The UTF-8 text of ``path`` (a byte-order mark dropped). Raises
    :class:`InteropError` for a missing file, a directory, a pipe or device (which would
    block or never end), a file over ``max_bytes``, or text that is not UTF-8."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise InteropError(f"{path}: is a directory; give the file")
        if not stat.S_ISREG(info.st_mode):
            raise InteropError(f"{path}: not a regular file (a pipe or a device?); give the file")
        if info.st_size > max_bytes:
            raise InteropError(f"{path}: over {max_bytes // 1_000_000} MB; split it first")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InteropError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InteropError(f"{path}: is a directory; give the file") from None
    except OSError as error:
        raise InteropError(f"{path}: cannot read it ({error.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InteropError(
            f"{path}:{line}: not UTF-8 text (byte {error.start}); save it as UTF-8 and import again"
        ) from None
