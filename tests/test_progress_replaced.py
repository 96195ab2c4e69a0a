"""The log replaced or removed under a running session, as sync tools, git, editors and
backups do: every acknowledged answer ends up in the file at the log's path."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest
from test_session_support import basic, clock, config, deck

from trainer.clock import FakeClock
from trainer.scheduling import Grade
from trainer.session import Collection, ProgressError

DEVICE = "dev-a"


def open_collection(directory: Path, fake: FakeClock) -> Collection:
    return Collection.from_decks(
        [deck("d", [basic(f"c{i}") for i in range(40)])],
        directory,
        clock=fake,
        config=config(new_per_day=100, learning_steps=()),
        device=DEVICE,
    )


def start(directory: Path):
    """A collection, its session and the path of its log."""
    collection = open_collection(directory, clock())
    return collection, collection.start_session(), directory / f"reviews-{DEVICE}.jsonl"


def ids_in(path: Path) -> set[str]:
    found = set()
    for line in path.read_bytes().splitlines():
        obj = json.loads(line)
        if "ev" in obj:
            found.add(obj["id"])
    return found


def acknowledge(collection: Collection, session, count: int) -> list[str]:
    """Record ``count`` answers; the ids record() acknowledged."""
    acked = []
    for _ in range(count):
        key = session.current.key
        session.record(Grade.EASY)
        acked.append(collection.store.records[key].last_id)
    return acked


def replayed_reps(directory: Path) -> int:
    """Answers in all the cards' states, replayed from the files as they are now."""
    again = open_collection(directory, clock())
    again.store.reload()
    return sum(again.state(f"d/c{i}").reps for i in range(40))


def rename_over(path: Path, contents: bytes) -> None:
    """What Syncthing, Dropbox, git and `sed -i` do: write a temporary file, rename it."""
    temporary = path.with_name(f".syncthing.{path.name}.tmp")
    temporary.write_bytes(contents)
    os.replace(temporary, path)


def test_a_log_replaced_by_an_older_copy_mid_session_loses_no_answer(tmp_path: Path):
    collection, session, log = start(tmp_path)
    acked = acknowledge(collection, session, 3)
    stale = log.read_bytes()  # the sync tool reads the file here...
    acked += acknowledge(collection, session, 3)
    rename_over(log, stale)  # ...and puts its copy back after three more answers
    acked += acknowledge(collection, session, 2)
    assert set(acked) <= ids_in(log)
    assert any("was replaced" in w for w in collection.warnings)
    # The state is the replay of the file: nothing answered twice, nothing forgotten.
    assert replayed_reps(tmp_path) == len(acked) == 8


def test_a_log_replaced_after_the_last_answer_is_mended_on_close(tmp_path: Path):
    collection, session, log = start(tmp_path)
    acked = acknowledge(collection, session, 2)
    stale = log.read_bytes()
    acked += acknowledge(collection, session, 2)
    rename_over(log, stale)
    collection.close()
    assert set(acked) <= ids_in(log)


def test_a_copy_cut_off_inside_a_line_gets_the_missing_answers_as_whole_lines(tmp_path: Path):
    """A sync tool's transfer stopped mid-line: carried-over lines never glue onto it."""
    collection, session, log = start(tmp_path)
    acked = acknowledge(collection, session, 3)
    cut_off = log.read_bytes()[:-20]  # inside the third answer's line
    acked += acknowledge(collection, session, 2)
    rename_over(log, cut_off)
    acked += acknowledge(collection, session, 1)
    whole = set()
    for line in log.read_bytes().splitlines():
        with contextlib.suppress(ValueError):  # (the cut-off line itself)
            whole.add(json.loads(line).get("id"))
    assert set(acked) <= whole


def test_a_removed_log_is_written_back_before_the_next_answer(tmp_path: Path):
    collection, session, log = start(tmp_path)
    acked = acknowledge(collection, session, 4)
    log.unlink()
    acked += acknowledge(collection, session, 3)
    assert set(acked) <= ids_in(log)
    assert any("was removed" in w for w in collection.warnings)


def test_a_log_removed_and_recreated_with_other_contents_keeps_every_answer(tmp_path: Path):
    collection, session, log = start(tmp_path)
    acked = acknowledge(collection, session, 2)
    header_only = log.read_bytes().splitlines(keepends=True)[0]
    acked += acknowledge(collection, session, 2)
    log.unlink()
    log.write_bytes(header_only)  # a restore of an old backup, say
    acked += acknowledge(collection, session, 2)
    assert set(acked) <= ids_in(log)
    lines = log.read_bytes().splitlines()
    assert len(lines) == len(set(lines))  # nothing carried over twice


def copy_over(path: Path, contents: bytes) -> None:
    """What `cp backup log`, `> log` and an editor saving in place do: same file, new bytes."""
    with open(path, "r+b") as handle:
        handle.truncate(0)
        handle.write(contents)


def test_a_log_overwritten_in_place_by_an_older_copy_keeps_every_answer_of_the_run(
    tmp_path: Path,
):
    collection, session, log = start(tmp_path)
    acked = acknowledge(collection, session, 2)
    backup = log.read_bytes()
    acked += acknowledge(collection, session, 3)
    copy_over(log, backup)  # the same inode: no rename to notice
    acked += acknowledge(collection, session, 1)
    assert set(acked) <= ids_in(log)
    assert any("overwritten in place" in w for w in collection.warnings)
    lines = log.read_bytes().splitlines()
    assert len(lines) == len(set(lines))  # nothing carried over twice
    assert replayed_reps(tmp_path) == len(acked) == 6


def test_a_log_emptied_in_place_gets_its_header_and_this_runs_answers_back(tmp_path: Path):
    collection, session, log = start(tmp_path)
    acked = acknowledge(collection, session, 3)
    copy_over(log, b"")
    collection.close()  # the check at the end puts them back too
    assert set(acked) <= ids_in(log)
    assert json.loads(log.read_bytes().splitlines()[0])["kind"] == "trainer-progress"


def test_the_progress_directory_removed_mid_session_is_made_again_with_every_answer(
    tmp_path: Path,
):
    import shutil

    directory = tmp_path / "progress"
    collection, session, log = start(directory)
    acked = acknowledge(collection, session, 2)
    shutil.rmtree(directory)
    collection.refresh()  # what the app does every second: no error, nothing forgotten
    assert sum(collection.state(f"d/c{i}").reps for i in range(40)) == 2
    acked += acknowledge(collection, session, 2)
    assert set(acked) <= ids_in(log)
    assert any("was removed" in w for w in collection.warnings)


def test_the_progress_directory_renamed_mid_session_gets_the_log_back(tmp_path: Path):
    directory = tmp_path / "progress"
    collection, session, log = start(directory)
    acked = acknowledge(collection, session, 2)
    directory.rename(tmp_path / "moved")
    acked += acknowledge(collection, session, 1)
    collection.close()
    assert set(acked) <= ids_in(log)


def test_a_replacement_between_the_check_and_the_write_is_caught(tmp_path: Path, monkeypatch):
    """The fault lands inside the append: after the identity check, before the write."""
    import trainer.progress.logfile as logfile

    collection, session, log = start(tmp_path)
    acked = acknowledge(collection, session, 2)
    stale = log.read_bytes()
    real_write = os.write
    replaced = []

    def replace_then_write(fd: int, data: bytes) -> int:
        if not replaced:
            replaced.append(True)
            rename_over(log, stale)
        return real_write(fd, data)

    monkeypatch.setattr(logfile.os, "write", replace_then_write)
    acked += acknowledge(collection, session, 1)
    assert replaced
    assert set(acked) <= ids_in(log)


def test_a_log_replaced_by_a_newer_format_is_not_written_and_the_answer_refused(tmp_path: Path):
    collection, session, log = start(tmp_path)
    acknowledge(collection, session, 1)
    newer = b'{"format": 2, "kind": "trainer-progress", "device": "dev-a"}\n'
    rename_over(log, newer)
    current = session.current.key
    with pytest.raises(ProgressError, match="newer version"):
        session.record(Grade.GOOD)
    assert log.read_bytes() == newer
    assert session.current.key == current
