"""Progress files: durability, damaged files, full or read-only disks, sync merges, orphans."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from test_session_support import START, basic, clock, config, deck, log_lines

from trainer.clock import FakeClock
from trainer.progress import replay
from trainer.progress.events import encode_review, now_text
from trainer.progress.store import this_device
from trainer.scheduling import CardState, Grade, Scheduler, SchedulerSettings
from trainer.session import Collection, ProgressError

HEADER = b'{"format": 1, "kind": "trainer-progress", "device": "%s"}\n'


def decks(n: int = 4):
    return [deck("d", [basic(f"c{i}") for i in range(n)])]


def open_collection(
    directory: Path, fake: FakeClock, device: str = "dev-a", n: int = 4
) -> Collection:
    return Collection.from_decks(decks(n), directory, clock=fake, config=config(), device=device)


NEW_CARD = CardState()


def review_line(
    key: str,
    event_id: str,
    grade: int = 3,
    prev: str | None = None,
    state: CardState = NEW_CARD,
    minutes: int = 0,
) -> tuple[bytes, CardState]:
    when = START.replace(minute=minutes)
    after = Scheduler().review(key, state, Grade(grade), when)
    return encode_review(event_id, key, now_text(when), grade, 1000, None, prev, after), after


def answer(collection: Collection, grade: Grade = Grade.GOOD) -> str:
    session = collection.start_session()
    key = session.current.key
    session.record(grade)
    return key


# -- durability ------------------------------------------------------------------------


def test_an_answer_is_fsynced_before_record_returns(tmp_path: Path, monkeypatch):
    fake = clock()
    collection = open_collection(tmp_path, fake)
    synced: list[tuple[str, int]] = []
    real_fsync = os.fsync

    def spying_fsync(fd: int) -> None:
        real_fsync(fd)
        target = os.readlink(f"/proc/self/fd/{fd}")
        size = os.fstat(fd).st_size
        synced.append((target, size))

    monkeypatch.setattr(os, "fsync", spying_fsync)
    session = collection.start_session()
    session.record(Grade.GOOD)
    log = tmp_path / "reviews-dev-a.jsonl"
    # The log was created (its directory fsynced) and the answer's bytes were fsynced.
    assert str(tmp_path) in {target for target, _ in synced}
    assert (str(log), log.stat().st_size) in synced
    assert json.loads(log_lines(tmp_path)[-1])["grade"] == 3


# -- damaged files -----------------------------------------------------------------------


def test_torn_last_line_is_set_aside_and_cut_before_the_next_answer(tmp_path: Path):
    line, _ = review_line("d/c0", "aaa")
    torn = b'{"ev": "review", "id": "bbb", "key": "d/c1", "ti'
    log = tmp_path / "reviews-dev-a.jsonl"
    log.write_bytes(HEADER % b"dev-a" + line + torn)
    fake = clock()
    collection = open_collection(tmp_path, fake)
    assert collection.state("d/c0").reps == 1  # the complete answer loads
    assert collection.state("d/c1").is_new
    assert any("reviews-dev-a.jsonl:3" in w and "incomplete" in w for w in collection.warnings)
    copies = list((tmp_path / "quarantine").iterdir())
    assert [c.read_bytes() for c in copies] == [torn]
    fake.advance(60)
    answer(collection)
    lines = log.read_bytes().splitlines(keepends=True)
    assert lines[:2] == [HEADER % b"dev-a", line]
    assert all(json.loads(raw) for raw in lines) and torn not in log.read_bytes()
    assert len(lines) == 3


def test_a_whole_last_line_without_its_newline_is_ended_and_kept(tmp_path: Path):
    """An editor that saves without a final newline: the line is not torn, so not cut."""
    first, _ = review_line("d/c0", "aaa")
    last, _ = review_line("d/c1", "bbb")
    log = tmp_path / "reviews-dev-a.jsonl"
    log.write_bytes(HEADER % b"dev-a" + first + last.rstrip(b"\n"))
    fake = clock()
    collection = open_collection(tmp_path, fake)
    assert any("no line end" in w for w in collection.warnings)
    assert not (tmp_path / "quarantine").exists()
    fake.advance(60)
    answered = answer(collection)
    lines = log.read_bytes().splitlines(keepends=True)
    assert lines[:3] == [HEADER % b"dev-a", first, last]
    assert len(lines) == 4 and lines[3].endswith(b"\n")
    reps = 1 + (answered == "d/c1")  # the ended line is read before the next answer
    assert collection.state("d/c1").reps == reps
    again = open_collection(tmp_path, clock())
    assert again.state("d/c1").reps == reps
    assert not any("no line end" in w for w in again.warnings)


def test_corrupt_line_in_the_middle_is_skipped_kept_aside_and_never_overwritten(tmp_path: Path):
    first, state = review_line("d/c0", "aaa")
    second, _ = review_line("d/c0", "ccc", prev="aaa", state=state, minutes=20)
    original = HEADER % b"dev-a" + first + b"\x00\x00garbage{\n" + second
    log = tmp_path / "reviews-dev-a.jsonl"
    log.write_bytes(original)
    fake = clock(START.replace(hour=11))
    collection = open_collection(tmp_path, fake)
    assert collection.state("d/c0").reps == 2
    assert any("reviews-dev-a.jsonl:3" in w for w in collection.warnings)
    copies = list((tmp_path / "quarantine").iterdir())
    assert [c.read_bytes() for c in copies] == [original]
    answer(collection)
    assert log.read_bytes().startswith(original)  # only appended to, never rewritten


def test_zero_byte_log_is_kept_aside_and_the_rest_loads(tmp_path: Path):
    line, _ = review_line("d/c0", "aaa")
    (tmp_path / "reviews-dev-b.jsonl").write_bytes(HEADER % b"dev-b" + line)
    (tmp_path / "reviews-dev-c.jsonl").write_bytes(b"")
    collection = open_collection(tmp_path, clock())
    assert collection.state("d/c0").reps == 1
    assert any("reviews-dev-c.jsonl" in w and "empty" in w for w in collection.warnings)
    assert len(list((tmp_path / "quarantine").iterdir())) == 1
    assert (tmp_path / "reviews-dev-c.jsonl").exists()


def test_a_log_from_a_newer_version_is_never_written_to(tmp_path: Path):
    newer = b'{"format": 2, "kind": "trainer-progress", "device": "dev-a"}\n{"ev": "hologram"}\n'
    log = tmp_path / "reviews-dev-a.jsonl"
    log.write_bytes(newer)
    collection = open_collection(tmp_path, clock())
    assert any("newer version" in w for w in collection.warnings)
    session = collection.start_session()
    with pytest.raises(ProgressError, match="newer version"):
        session.record(Grade.GOOD)
    with pytest.raises(ProgressError):
        collection.suspend("d/c0")
    assert log.read_bytes() == newer
    assert session.current is not None  # still on the same card


# -- full, read-only, unreadable ---------------------------------------------------------


def test_disk_full_answer_is_refused_cleanly_and_nothing_is_lost(tmp_path: Path, monkeypatch):
    import trainer.progress.logfile as logfile

    fake = clock()
    collection = open_collection(tmp_path, fake)
    session = collection.start_session()
    session.record(Grade.EASY)
    before = (tmp_path / "reviews-dev-a.jsonl").read_bytes()
    current = session.current.key
    real_write = os.write

    def half_then_full(fd: int, data: bytes) -> int:
        real_write(fd, data[: len(data) // 2])  # a partial line reaches the disk...
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(logfile.os, "write", half_then_full)
    with pytest.raises(ProgressError, match="disk is full") as caught:
        session.record(Grade.GOOD)
    assert "Nothing recorded earlier was lost" in str(caught.value)
    assert (tmp_path / "reviews-dev-a.jsonl").read_bytes() == before  # ...and is cut back
    assert session.current.key == current
    monkeypatch.setattr(logfile.os, "write", real_write)
    session.record(Grade.GOOD)
    reloaded = open_collection(tmp_path, fake)
    reloaded.store.reload()
    assert reloaded.state("d/c0").reps == 1 and reloaded.state("d/c1").reps == 1


def test_fsync_failure_is_reported_and_the_answer_not_kept(tmp_path: Path, monkeypatch):
    import trainer.progress.logfile as logfile

    fake = clock()
    collection = open_collection(tmp_path, fake)
    session = collection.start_session()
    session.record(Grade.EASY)
    before = (tmp_path / "reviews-dev-a.jsonl").read_bytes()
    real_fsync = os.fsync
    calls = {"n": 0}

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError(errno.EIO, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(logfile.os, "fsync", failing_fsync)
    with pytest.raises(ProgressError, match="Input/output error"):
        session.record(Grade.GOOD)
    assert (tmp_path / "reviews-dev-a.jsonl").read_bytes() == before
    assert collection.state("d/c1").is_new


def _deny_writes(directory: Path, monkeypatch) -> None:
    """Make ``directory`` read-only; as root chmod does not deny, so also refuse in os.open."""
    directory.chmod(0o555)
    probe = directory / ".probe"
    try:
        probe.write_text("x")
    except PermissionError:
        return
    probe.unlink()
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):
        if Path(path).parent == directory and flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)


def test_read_only_progress_dir_is_a_clear_error_and_loses_nothing(tmp_path: Path, monkeypatch):
    fake = clock()
    directory = tmp_path / "progress"
    line, _ = review_line("d/c0", "aaa")
    directory.mkdir()
    (directory / "reviews-dev-b.jsonl").write_bytes(HEADER % b"dev-b" + line)
    _deny_writes(directory, monkeypatch)
    try:
        collection = open_collection(directory, fake)
        assert collection.state("d/c0").reps == 1  # reading still works
        session = collection.start_session()
        with pytest.raises(ProgressError, match="permission denied"):
            session.record(Grade.GOOD)
    finally:
        directory.chmod(0o755)
    assert (directory / "reviews-dev-b.jsonl").read_bytes() == HEADER % b"dev-b" + line


def test_unreadable_progress_dir_is_a_clear_error(tmp_path: Path, monkeypatch):
    import trainer.progress.store as store

    def refusing_scandir(path):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(store.os, "scandir", refusing_scandir)
    with pytest.raises(
        ProgressError, match=r"Cannot read the progress directory .*Permission denied"
    ):
        open_collection(tmp_path, clock())


# -- several instances, several devices --------------------------------------------------


def test_two_instances_see_each_others_answers_before_writing(tmp_path: Path):
    fake = clock()
    first = open_collection(tmp_path, fake)
    second = open_collection(tmp_path, fake)
    session1 = first.start_session()
    session2 = second.start_session()
    assert session1.current.key == session2.current.key == "d/c0"
    session1.record(Grade.AGAIN)
    fake.advance(120)
    session2.record(Grade.GOOD)  # the same card: applied on top of the first answer
    assert second.state("d/c0").reps == 2
    first.refresh()
    assert first.state("d/c0") == second.state("d/c0")
    assert len(log_lines(tmp_path)) == 3


def test_sync_merges_device_logs_in_time_order(tmp_path: Path):
    """Two machines study the same card before syncing: the merged state is what
    answering in time order gives, whichever device's log says what."""
    fake = clock()
    laptop = open_collection(tmp_path / "laptop", fake, device="laptop")
    desktop = open_collection(tmp_path / "desktop", fake, device="desktop")
    laptop.start_session().record(Grade.EASY)  # c0 on the laptop
    fake.advance(3600)
    session = desktop.start_session()
    session.record(Grade.AGAIN)  # c0 on the desktop, an hour later
    assert session.current.key == "d/c1"
    session.record(Grade.GOOD)  # c1 only on the desktop
    synced = tmp_path / "synced"
    synced.mkdir()
    for log in [*(tmp_path / "laptop").glob("*.jsonl"), *(tmp_path / "desktop").glob("*.jsonl")]:
        shutil.copy(log, synced / log.name)
    merged = open_collection(tmp_path / "synced", fake, device="laptop")
    assert merged.warnings == []
    c0 = merged.progress("d/c0")
    assert [e.device for e in c0.history][:2] == ["laptop", "desktop"]
    # Expected: the grades replayed in time order through the scheduler.
    scheduler = Scheduler(SchedulerSettings())
    expected = CardState()
    for event in c0.history:
        expected = scheduler.review("d/c0", expected, event.grade, event.time)
    assert merged.state("d/c0") == expected
    assert merged.state("d/c1") == desktop.state("d/c1")
    # Studying on after the merge continues from the merged state, in this device's log.
    merged.refresh()
    assert {p.name for p in (tmp_path / "synced").glob("*.jsonl")} == {
        "reviews-laptop.jsonl",
        "reviews-desktop.jsonl",
    }


def test_a_synced_log_arriving_after_the_snapshot_is_merged(tmp_path: Path):
    fake = clock()
    laptop = open_collection(tmp_path, fake, device="laptop")
    laptop.start_session().record(Grade.EASY)
    laptop.close()  # writes the snapshot
    line, _ = review_line("d/c2", "zzz", minutes=30)
    (tmp_path / "reviews-phone.jsonl").write_bytes(HEADER % b"phone" + line)
    reopened = open_collection(tmp_path, fake, device="laptop")
    assert reopened.state("d/c2").reps == 1
    assert reopened.state("d/c0").reps == 1


def counting_replays(monkeypatch) -> list[int]:
    """A list that gets an item each time a store replays every log from the start."""
    from trainer.progress.store import ProgressStore

    replays: list[int] = []
    real_reload = ProgressStore.reload

    def counting_reload(self):
        replays.append(1)
        real_reload(self)

    monkeypatch.setattr(ProgressStore, "reload", counting_reload)
    return replays


def test_a_new_device_starts_from_another_devices_snapshot(tmp_path: Path, monkeypatch):
    """A new device id on a big collection (a new machine, a synced folder) would
    otherwise replay every log at its first start: a minute for a million answers."""
    fake = clock()
    laptop = open_collection(tmp_path, fake, device="laptop")
    laptop.start_session().record(Grade.EASY)
    laptop.close()  # writes the laptop's snapshot
    replays = counting_replays(monkeypatch)
    desktop = open_collection(tmp_path, fake, device="desktop")
    assert replays == [] and not desktop.store.full_replay
    assert desktop.state("d/c0") == laptop.state("d/c0")


def test_the_first_answer_of_a_device_does_not_replay_every_log(tmp_path: Path, monkeypatch):
    """Creating this device's own log is no reason to replay the others' (it froze the
    first answer for 19 s on a million reviews)."""
    fake = clock()
    line, _ = review_line("d/c0", "p1")
    (tmp_path / "reviews-phone.jsonl").write_bytes(HEADER % b"phone" + line)
    laptop = open_collection(tmp_path, fake, device="laptop")
    replays = counting_replays(monkeypatch)
    fake.advance(3600)
    session = laptop.start_session()
    assert session.current.key == "d/c0"  # the phone's learning card, due again
    session.record(Grade.GOOD)
    assert replays == []
    assert (tmp_path / "reviews-laptop.jsonl").exists()
    assert laptop.state("d/c0").reps == 2  # the phone's answer, then this one
    # Another window of this device answered meanwhile: its answer is read, not lost.
    other = open_collection(tmp_path, fake, device="laptop")
    fake.advance(60)
    other_session = other.start_session()
    other_key = other_session.current.key
    other_session.record(Grade.GOOD)
    laptop.refresh()
    assert laptop.state(other_key).reps == 1


def test_snapshot_not_matching_the_logs_is_ignored(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, fake)
    collection.start_session().record(Grade.EASY)
    collection.close()
    log = tmp_path / "reviews-dev-a.jsonl"
    # Someone replaces the log by one with a different answer of the same length.
    log.write_bytes(log.read_bytes().replace(b'"grade": 4', b'"grade": 1'))
    reopened = open_collection(tmp_path, fake)
    assert reopened.store.full_replay
    assert reopened.progress("d/c0").history[0].grade == Grade.AGAIN


def test_replay_of_merged_logs_does_not_depend_on_file_order(tmp_path: Path):
    a1, sa = review_line("d/c0", "a1", grade=3, minutes=0)
    b1, _ = review_line("d/c0", "b1", grade=1, minutes=5)
    a2, _ = review_line("d/c0", "a2", grade=3, prev="a1", state=sa, minutes=10)
    (tmp_path / "reviews-a.jsonl").write_bytes(HEADER % b"a" + a1 + a2)
    (tmp_path / "reviews-b.jsonl").write_bytes(HEADER % b"b" + b1)
    collection = open_collection(tmp_path, clock(START.replace(hour=12)))
    events = list(collection.store.all_events())
    forward = replay(events, lambda k: Scheduler())
    backward = replay(list(reversed(events)), lambda k: Scheduler())
    assert forward["d/c0"] == backward["d/c0"] == collection.store.records["d/c0"]
    assert [e.id for e in events] == ["a1", "b1", "a2"]


# -- orphans -----------------------------------------------------------------------------


def test_removed_card_keeps_its_history_as_an_orphan_and_gets_it_back(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, fake, n=3)
    collection.start_session().record(Grade.EASY)  # c0
    collection.close()
    edited = Collection.from_decks(
        [deck("d", [basic("c1"), basic("c2")])],
        tmp_path,
        clock=fake,
        config=config(),
        device="dev-a",
    )
    assert edited.orphans() == ["d/c0"]
    assert edited.progress("d/c0").reps == 1
    edited.start_session().record(Grade.EASY)  # c1, while c0 is away
    edited.close()
    restored = open_collection(tmp_path, fake, n=3)
    assert restored.orphans() == []
    assert restored.progress("d/c0").state == "review"
    assert restored.counts()["d"].new == 1


def test_editing_a_cards_text_keeps_its_history(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, fake, n=1)
    collection.start_session().record(Grade.EASY)
    changed = basic("c0")
    changed.front = "a completely new question"
    reopened = Collection.from_decks(
        [deck("d", [changed])], tmp_path, clock=fake, config=config(), device="dev-a"
    )
    assert reopened.progress("d/c0").reps == 1
    assert reopened.orphans() == []


# -- locations and device id -------------------------------------------------------------


def test_device_id_comes_from_env_else_is_created_once_outside_the_progress_dir(
    tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("TRAINER_DEVICE", "my laptop")
    assert this_device(tmp_path / "id") == "my-laptop"
    monkeypatch.delenv("TRAINER_DEVICE")
    first = this_device(tmp_path / "config" / "device-id")
    assert first == this_device(tmp_path / "config" / "device-id")
    assert (tmp_path / "config" / "device-id").read_text().strip() == first


def test_progress_dir_precedence(tmp_path: Path, monkeypatch):
    from trainer.locations import checkout_root, config_file, device_id_file, progress_dir

    monkeypatch.setenv("TRAINER_PROGRESS_DIR", str(tmp_path / "env"))
    assert progress_dir(tmp_path / "flag") == tmp_path / "flag"
    assert progress_dir() == tmp_path / "env"
    monkeypatch.delenv("TRAINER_PROGRESS_DIR")
    assert progress_dir() == checkout_root() / "progress"  # tests run from a checkout
    monkeypatch.setenv("TRAINER_CONFIG", str(tmp_path / "c.toml"))
    assert config_file() == tmp_path / "c.toml"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert device_id_file().is_relative_to(tmp_path / "xdg")


def test_progress_dir_outside_a_checkout_is_the_user_data_dir(tmp_path: Path, monkeypatch):
    import trainer.locations as locations

    monkeypatch.delenv("TRAINER_PROGRESS_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(locations, "checkout_root", lambda: None)
    assert locations.progress_dir().is_relative_to(tmp_path / "data")
