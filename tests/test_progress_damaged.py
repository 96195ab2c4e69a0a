"""Damaged, edited and odd progress files, and failing file operations: each is reported
once, loses nothing, never crashes a command, and leaves no litter behind."""

from __future__ import annotations

import errno
import json
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_session_support import START, basic, clock, config, deck

from trainer.clock import FakeClock
from trainer.progress.events import encode_review, now_text
from trainer.scheduling import CardState, Grade, Scheduler
from trainer.session import Collection, ProgressError
from trainer.stats import compute_stats

HEADER = b'{"format": 1, "kind": "trainer-progress", "device": "%s"}\n'


def open_collection(
    directory: Path, fake: FakeClock | None = None, device: str = "dev-a", n: int = 6
) -> Collection:
    return Collection.from_decks(
        [deck("d", [basic(f"c{i}") for i in range(n)])],
        directory,
        clock=fake or clock(),
        config=config(new_per_day=100),
        device=device,
    )


def review(key: str, event_id: str, minutes: int = 0, **after: object) -> bytes:
    when = START.replace(minute=minutes)
    state = Scheduler().review(key, CardState(), Grade.GOOD, when)
    line = json.loads(encode_review(event_id, key, now_text(when), 3, 1000, None, None, state))
    line["after"].update(after)
    return (json.dumps(line) + "\n").encode()


# -- bad values in log lines ------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"after": {"stability": 0}},
        {"after": {"stability": -1}},
        {"after": {"difficulty": float("nan")}},
        {"after": {"stability": float("inf")}},
        {"grade": True},
        {"time": "9999-12-31T23:59:59.000+00:00"},
        {"after": {"due": "9999-12-31T23:59:59.000+00:00"}},
        {"after": {"reps": 1.5}},
    ],
)
def test_a_line_with_a_bad_value_is_skipped_and_the_card_can_be_answered(
    tmp_path: Path, change: dict
):
    good = review("d/c0", "aaa")
    obj = json.loads(review("d/c1", "bbb"))
    for field, value in change.items():
        if isinstance(value, dict):
            obj[field].update(value)
        else:
            obj[field] = value
    bad = json.dumps(obj).encode() + b"\n"  # json.dumps writes NaN and Infinity as such
    (tmp_path / "reviews-dev-b.jsonl").write_bytes(HEADER % b"dev-b" + good + bad)
    collection = open_collection(tmp_path)
    assert collection.state("d/c0").reps == 1
    assert collection.state("d/c1").is_new
    assert any("reviews-dev-b.jsonl:3" in w for w in collection.warnings)
    assert compute_stats(collection).reviews == 1
    collection.counts()
    session = collection.start_session()
    while session.current is not None and session.current.key != "d/c1":
        session.record(Grade.GOOD)
    session.record(Grade.GOOD)  # the card of the bad line: answering it works
    assert collection.state("d/c1").reps == 1


def test_a_log_without_a_header_keeps_its_first_event(tmp_path: Path):
    (tmp_path / "reviews-dev-b.jsonl").write_bytes(review("d/c0", "aaa") + review("d/c1", "bbb", 1))
    collection = open_collection(tmp_path)
    assert collection.state("d/c0").reps == 1 and collection.state("d/c1").reps == 1
    assert any("no header" in w for w in collection.warnings)


# -- a format bump while a snapshot exists ---------------------------------------------


def test_a_header_edited_to_a_newer_format_is_seen_although_a_snapshot_exists(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, fake, n=60)
    session = collection.start_session()
    for _ in range(40):  # more than the 4 KiB the tail digest covers
        session.record(Grade.EASY)
    collection.close()  # saves the snapshot
    log = tmp_path / "reviews-dev-a.jsonl"
    data = log.read_bytes()
    assert len(data) > 8192 and (tmp_path / ".snapshot-dev-a.marshal").exists()
    log.write_bytes(data.replace(b'"format": 1', b'"format": 2', 1))  # same size
    again = open_collection(tmp_path, fake, n=60)
    assert any("newer version" in w for w in again.warnings)
    with pytest.raises(ProgressError, match="newer version"):
        again.start_session().record(Grade.GOOD)
    assert log.read_bytes() == data.replace(b'"format": 1', b'"format": 2', 1)
    # What the queue uses and what stats counts agree.
    assert compute_stats(again).reviews == sum(again.state(f"d/c{i}").reps for i in range(60))


# -- a full disk: no litter ---------------------------------------------------------------


def test_a_failed_snapshot_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch):
    import trainer.progress.store as store

    collection = open_collection(tmp_path)
    collection.start_session().record(Grade.GOOD)

    def disk_full(data, handle):
        handle.write(b"x" * 100)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.marshal, "dump", disk_full)
    for _ in range(3):
        collection.store.save_snapshot()
    monkeypatch.setattr(store.marshal, "dump", marshal.dump)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".reviews")) == [
        "reviews-dev-a.jsonl"
    ]


def test_a_failed_deck_cache_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch):
    import trainer.deckcache as deckcache

    deck_file = tmp_path / "geo.yaml"
    deck_file.write_text(
        "format: 1\nid: geo\ntitle: G\ncards:\n  - {id: a, type: basic, front: A, back: B}\n"
    )
    monkeypatch.setattr(deckcache, "RACY_SECONDS", 0.0)  # cache a file just written
    cache = tmp_path / "cache"
    real_replace = os.replace

    def disk_full(source, target):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(deckcache.os, "replace", disk_full)
    for _ in range(3):
        assert deckcache.load_deck_cached(deck_file, cache).deck is not None
    monkeypatch.setattr(deckcache.os, "replace", real_replace)
    assert list(cache.iterdir()) == []


# -- quarantine grows once per problem ---------------------------------------------------


def test_one_damaged_line_is_kept_in_quarantine_once_however_many_loads_follow(tmp_path: Path):
    fake = clock()
    (tmp_path / "reviews-dev-b.jsonl").write_bytes(
        HEADER % b"dev-b" + review("d/c0", "aaa") + b"{garbage}\n"
    )
    for _ in range(3):
        collection = open_collection(tmp_path, fake)
        collection.start_session().record(Grade.GOOD)
        collection.store.reload()  # a full replay re-reads the damaged file
        collection.close()
        (tmp_path / "reviews-dev-b.jsonl").open("ab").write(review("d/c5", os.urandom(6).hex(), 9))
    corrupt = [p for p in (tmp_path / "quarantine").iterdir() if ".corrupt." in p.name]
    assert len(corrupt) == 1


# -- warnings about the file as it is now ---------------------------------------------------


def test_a_torn_line_once_cut_is_no_longer_announced(tmp_path: Path):
    fake = clock()
    log = tmp_path / "reviews-dev-a.jsonl"
    log.write_bytes(HEADER % b"dev-a" + review("d/c0", "aaa") + b'{"ev": "rev')
    collection = open_collection(tmp_path, fake)
    assert any("will be cut off" in w for w in collection.warnings)
    collection.start_session().record(Grade.GOOD)
    assert not any("will be cut off" in w for w in collection.warnings)
    collection.close()
    again = open_collection(tmp_path, fake)
    assert not again.store.full_replay  # from the snapshot...
    assert not any("will be cut off" in w for w in again.warnings)  # ...without stale news


def test_an_empty_log_filled_since_is_no_longer_reported_empty(tmp_path: Path):
    fake = clock()
    other = tmp_path / "reviews-dev-b.jsonl"
    other.write_bytes(b"")
    collection = open_collection(tmp_path, fake)
    collection.start_session().record(Grade.GOOD)
    assert any("empty progress file" in w for w in collection.warnings)
    collection.close()
    other.write_bytes(HEADER % b"dev-b" + review("d/c3", "bbb"))
    again = open_collection(tmp_path, fake)
    assert not any("empty progress file" in w for w in again.warnings)
    assert again.state("d/c3").reps == 1


# -- odd directory entries, read-only files, platforms ------------------------------------


def test_a_dangling_log_symlink_is_reported(tmp_path: Path):
    (tmp_path / "reviews-laptop.jsonl").symlink_to(tmp_path / "gone" / "reviews-laptop.jsonl")
    collection = open_collection(tmp_path)
    assert any("reviews-laptop.jsonl" in w and "does not exist" in w for w in collection.warnings)


@pytest.mark.parametrize(
    "code, advice", [(errno.EROFS, "read-only"), (errno.EACCES, "permission denied")]
)
def test_an_existing_log_that_cannot_be_written_is_not_said_to_be_missing(
    tmp_path: Path, monkeypatch, code: int, advice: str
):
    log = tmp_path / "reviews-dev-a.jsonl"
    log.write_bytes(HEADER % b"dev-a" + review("d/c0", "aaa"))
    collection = open_collection(tmp_path)
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR):
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    with pytest.raises(ProgressError) as caught:
        collection.start_session().record(Grade.GOOD)
    message = str(caught.value)
    assert advice in message and "create" not in message
    assert "open the progress file for writing" in message


def test_the_core_imports_and_records_without_fcntl(tmp_path: Path):
    """Windows has no fcntl: the core must not need it (the lock library copes)."""
    code = f"""
import sys
sys.modules["fcntl"] = None  # import fcntl now raises ImportError, as on Windows
sys.path.insert(0, {str(Path(__file__).parent)!r})
from pathlib import Path
from test_session_support import basic, clock, config, deck
from trainer.scheduling import Grade
from trainer.session import Collection
c = Collection.from_decks([deck("d", [basic("a")])], Path({str(tmp_path)!r}), clock=clock(),
                          config=config(), device="win")
c.start_session().record(Grade.GOOD)
print(c.state("d/a").reps)
"""
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert completed.stdout.strip() == "1", completed.stderr


def test_a_sync_tools_conflict_copy_does_not_count_answers_twice(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, fake)
    session = collection.start_session()
    session.record(Grade.GOOD)
    session.record(Grade.GOOD)
    log = tmp_path / "reviews-dev-a.jsonl"
    conflict = tmp_path / "reviews-dev-a.sync-conflict-20260302-101500-ABCDEFG.jsonl"
    conflict.write_bytes(log.read_bytes())
    collection.start_session().record(Grade.GOOD)  # the running window sees the copy
    assert collection.state("d/c0").reps == 1
    again = open_collection(tmp_path, fake)
    again.store.reload()
    assert [again.state(f"d/c{i}").reps for i in range(3)] == [1, 1, 1]
    assert compute_stats(again).reviews == 3
    assert any("counted once" in w for w in again.warnings)


@pytest.mark.parametrize(
    "name, contents",
    [
        ("reviews-dev-b.jsonl", b""),
        ("reviews-dev-b.jsonl", b'{"ev": "review", "id": "torn'),
        ("reviews-dev-a.jsonl", b""),
    ],
)
def test_odd_logs_do_not_force_a_full_replay_at_every_start_or_answer(
    tmp_path: Path, name: str, contents: bytes
):
    import trainer.progress.store as store

    fake = clock()
    (tmp_path / name).write_bytes(contents)
    collection = open_collection(tmp_path, fake)
    session = collection.start_session()
    session.record(Grade.GOOD)
    replays = []
    real_reload = store.ProgressStore.reload

    def counting_reload(self):
        replays.append(1)
        real_reload(self)

    store.ProgressStore.reload = counting_reload
    try:
        session.record(Grade.GOOD)
        session.record(Grade.GOOD)
        collection.close()
        again = open_collection(tmp_path, fake)
        again.start_session().record(Grade.GOOD)
    finally:
        store.ProgressStore.reload = real_reload
    assert replays == [] and not again.store.full_replay
