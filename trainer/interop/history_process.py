"""The review history of a first Anki import, written by a second process.

Encoding half a million answers is the import's largest piece of work, and it needs
only the unpacked collection file and each Anki card's progress key. So as soon as the
package is unpacked, :class:`HistoryProcess` takes the log's lock and starts a fresh
Python process (``python -m trainer.interop.history_process JOB``, not a fork of a
process running the Anki library's backend). It reads the revlog from the collection
with :mod:`sqlite3` and computes what does not depend on the keys, for at most
``_AHEAD`` answers, while this process reads the notes: each answer's local offset, the
FSRS memory states, and the lines themselves, with a placeholder for the key
(:func:`trainer.interop.history.encode_ahead`; the event ids derive from the note GUID
and the card's ordinal, which the worker reads from the collection too). Without the
lines made early the command took 4.71 s, with them 4.56 s (medians of 6, interleaved).
Once the notes are read and it is known which deck file each card goes to, this process
hands it the keys (:meth:`HistoryProcess.send_keys`), and the worker writes
the new log into a temporary file beside its final place, fsynced, while this process
checks and writes the deck files. Then this process renames the file into place (and
fsyncs the directory) while still holding the lock.

The bytes are those :func:`trainer.interop.history.write_history` writes (the worker
runs the same encoder). A failure in the worker comes back as one clear message (no
traceback) and leaves no file at the final path; so does an interrupted import, which
ends the worker and removes its temporary file.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from trainer.interop.errors import InteropError
from trainer.interop.history import (
    HistoryResult,
    answered_cards,
    card_sources,
    connect_collection,
    encode_ahead,
    encode_answered,
    finish_new_log,
    temporary_log,
    write_batches,
)
from trainer.progress.errors import ProgressError
from trainer.progress.logfile import LogLock, remove_quietly

__all__ = ["HistoryProcess", "main"]

#: What the worker's failure was, so this process raises what the command expects.
_DAMAGED, _UNWRITABLE, _INTERNAL = "damaged", "unwritable", "internal"
#: Answers the worker prepares before the keys come, with their lines (the whole
#: command's peak memory on benchmarks/import_bench.py's package: 230 MB).
_AHEAD = 250_000


class HistoryProcess:
    """A worker process writing a new import log (see the module docstring).

    Attributes:
        path: the log's final path; ``temporary``: where the worker writes it.
        package: the package imported (for messages).
    """

    def __init__(
        self,
        collection: Path,
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
        self._keys_file = job_dir / "history-keys.json"
        job = job_dir / "history-job.json"
        job.write_text(
            json.dumps(
                {
                    "collection": str(collection),
                    "temporary": str(self.temporary),
                    "header": header.decode(),
                    "keys": str(self._keys_file),
                }
            )
        )
        self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-m", "trainer.interop.history_process", str(job)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def send_keys(self, keys: dict[int, tuple[str, str]]) -> None:
        """Each Anki card's progress key and event id source: the worker goes on to
        write the log (a card without a key has no history to write)."""
        assert self._process is not None and self._process.stdin is not None
        self._keys_file.write_text(
            json.dumps([[card, key, stable] for card, (key, stable) in keys.items()])
        )
        try:  # one short line: never blocks; the keys are in the file
            self._process.stdin.write(b"go\n")
            self._process.stdin.flush()
        except BrokenPipeError:  # the worker has ended already: finish() says why
            pass
        _close_input(self._process)

    @classmethod
    def start(
        cls, collection: Path, path: Path, header: bytes, package: Path, job_dir: Path
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
            return cls(collection, path, header, lock, package, job_dir)
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
            _close_input(process)
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
            _close_input(process)
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


def _close_input(process: subprocess.Popen[bytes]) -> None:
    """The worker's standard input closed (and forgotten, so ``communicate`` does not
    write to it): before the keys were sent, that tells the worker to stop."""
    if process.stdin is not None:
        with contextlib.suppress(BrokenPipeError):
            process.stdin.close()
        process.stdin = None


def _report(out: bytes) -> dict[str, Any] | None:
    try:
        report = json.loads(out.decode("utf-8", "replace").strip().splitlines()[-1])
    except (IndexError, ValueError):
        return None
    return report if isinstance(report, dict) else None


def main(argv: list[str]) -> int:
    """The worker: read the job file, prepare at most ``_AHEAD`` answers, wait for the
    keys (a line on standard input; end of input means stop), write the log's temporary
    file, print a JSON report (counts, or ``error`` and ``kind``) as its last line."""
    job = json.loads(Path(argv[0]).read_text())
    temporary = Path(job["temporary"])
    report: dict[str, Any]
    try:
        db = connect_collection(Path(job["collection"]))
        try:
            cards = answered_cards(db)
            ahead = []
            answers = 0
            for card in cards:
                ahead.append(card)
                answers += len(card.answers)
                if answers >= _AHEAD:
                    break
            # Everything but the keys, while the importing process reads the notes.
            encode_ahead(ahead, card_sources(db))
            if not sys.stdin.buffer.readline():
                print(json.dumps({"error": "stopped before the keys came", "kind": _INTERNAL}))
                return 1
            keys = {
                card: (key, stable)
                for card, key, stable in json.loads(Path(job["keys"]).read_text())
            }
            result = HistoryResult(temporary)
            write_batches(
                temporary,
                job["header"].encode(),
                encode_answered(itertools.chain(ahead, cards), keys, result),
            )
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
    from trainer.collector import collector_paused

    # The worker's rows, answers and memory states are a million long-lived objects
    # without cycles: each collection walked them all (trainer.collector).
    with collector_paused():
        code = main(sys.argv[1:])
    sys.exit(code)
