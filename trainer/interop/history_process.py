"""The review history of a first Anki import, written by a second process.

Encoding half a million answers is the import's largest piece of work, and it needs
only the unpacked collection file and each Anki card's progress key. So once the notes
are read and it is known which deck file each card goes to, :class:`HistoryProcess`
starts a fresh Python process (``python -m trainer.interop.history_process JOB``, not a
fork of a process running the Anki library's backend) that reads the revlog from the
collection with :mod:`sqlite3` and writes the new log into a temporary file beside its
final place, fsynced, while this process checks and writes the deck files. Then this
process renames the file into place (and fsyncs the directory) while still holding the
log's lock, which it took before the worker started.

The bytes are those :func:`trainer.interop.history.write_history` writes (the worker
runs the same encoder). A failure in the worker comes back as one clear message (no
traceback) and leaves no file at the final path; so does an interrupted import, which
ends the worker and removes its temporary file.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from trainer.interop.errors import InteropError
from trainer.interop.history import (
    HistoryResult,
    finish_new_log,
    revlog_histories,
    temporary_log,
    write_new_log,
)
from trainer.progress.errors import ProgressError
from trainer.progress.logfile import LogLock, remove_quietly

__all__ = ["HistoryProcess", "main"]

#: What the worker's failure was, so this process raises what the command expects.
_DAMAGED, _UNWRITABLE, _INTERNAL = "damaged", "unwritable", "internal"


class HistoryProcess:
    """A worker process writing a new import log (see the module docstring).

    Attributes:
        path: the log's final path; ``temporary``: where the worker writes it.
        package: the package imported (for messages).
    """

    def __init__(
        self,
        collection: Path,
        keys: dict[int, tuple[str, str]],
        path: Path,
        header: bytes,
        lock: LogLock,
        package: Path,
        job_dir: Path,
    ) -> None:
        self.path = path
        self.package = package
        self.temporary = temporary_log(path)
        self._lock = lock
        job = job_dir / "history-job.json"
        job.write_text(
            json.dumps(
                {
                    "collection": str(collection),
                    "temporary": str(self.temporary),
                    "header": header.decode(),
                    "keys": [[card, key, stable] for card, (key, stable) in keys.items()],
                }
            )
        )
        self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-m", "trainer.interop.history_process", str(job)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    @classmethod
    def start(
        cls,
        collection: Path,
        keys: dict[int, tuple[str, str]],
        path: Path,
        header: bytes,
        package: Path,
        job_dir: Path,
    ) -> HistoryProcess | None:
        """The worker started with the log's lock held, or None when the log exists
        (then answers are appended to it in this process, after the known ones are read)."""
        if path.exists():
            return None
        lock = LogLock(path)
        lock.acquire()
        try:
            if path.exists():  # made by another import before the lock was ours
                lock.release()
                return None
            return cls(collection, keys, path, header, lock, package, job_dir)
        except BaseException:
            lock.release()
            raise

    def finish(self) -> HistoryResult:
        """Wait for the worker; its log renamed into place. Raises InteropError (a
        damaged revlog), ProgressError (the log cannot be written) with the worker's
        message; either way nothing is left at the final path."""
        try:
            process, self._process = self._process, None
            assert process is not None, "finish() or abandon() was already called"
            out, err = process.communicate()
            report = _report(out)
            if process.returncode != 0 or report is None or "error" in report:
                self._raise(report, err)
            finish_new_log(self.temporary, self.path)
        finally:
            remove_quietly(self.temporary)
            self._lock.release()
        assert report is not None
        return HistoryResult(
            self.path,
            written=report["written"],
            not_answers=report["not_answers"],
            bad_times=report["bad_times"],
        )

    def abandon(self) -> None:
        """End the worker (if it still runs) and remove what it wrote."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.poll() is None:
                process.kill()
            process.communicate()
        finally:
            remove_quietly(self.temporary)
            self._lock.release()

    def _raise(self, report: dict[str, Any] | None, err: bytes) -> None:
        if report is not None and report.get("kind") == _DAMAGED:
            raise InteropError(
                f"{self.package}: the review history in it is damaged ({report['error']}); "
                "check the collection in Anki (Tools > Check Database) and export it again"
            )
        if report is not None and report.get("kind") == _UNWRITABLE:
            raise ProgressError(f"{report['error']}; no review history was imported")
        lines = err.decode("utf-8", "replace").strip().splitlines()
        why = report["error"] if report is not None else (lines[-1] if lines else "no message")
        raise InteropError(
            f"{self.package}: the review history could not be imported: the process "
            f"writing it failed ({why}); no review history was imported"
        )


def _report(out: bytes) -> dict[str, Any] | None:
    try:
        report = json.loads(out.decode("utf-8", "replace").strip().splitlines()[-1])
    except (IndexError, ValueError):
        return None
    return report if isinstance(report, dict) else None


def main(argv: list[str]) -> int:
    """The worker: read the job file, write the log's temporary file, print a JSON
    report (counts, or ``error`` and ``kind``) as its last line of output."""
    job = json.loads(Path(argv[0]).read_text())
    temporary = Path(job["temporary"])
    report: dict[str, Any]
    try:
        db = sqlite3.connect(job["collection"])
        try:
            keys = {card: (key, stable) for card, key, stable in job["keys"]}
            result = write_new_log(temporary, job["header"].encode(), revlog_histories(db, keys))
        finally:
            db.close()
        report = {
            "written": result.written,
            "not_answers": result.not_answers,
            "bad_times": result.bad_times,
        }
    except sqlite3.DatabaseError as error:
        report = {"error": str(error), "kind": _DAMAGED}
    except OSError as error:
        report = {
            "error": f"cannot write {error.filename or temporary}: {error.strerror or error}",
            "kind": _UNWRITABLE,
        }
    except Exception as error:  # anything else: one line for the user, not a traceback
        report = {"error": f"{type(error).__name__}: {error}", "kind": _INTERNAL}
    if "error" in report:
        remove_quietly(temporary)
    print(json.dumps(report))
    return 1 if "error" in report else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
