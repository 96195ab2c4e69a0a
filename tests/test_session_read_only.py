"""A collection opened read-only writes nothing at all, works where nothing can be
written, and refuses to record with a clear error."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from test_session_support import basic, clock, config, deck

from trainer.scheduling import Grade
from trainer.session import Collection, ProgressError


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (``None`` for a directory)."""
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): None if path.is_dir() else path.read_bytes()
        for path in sorted(root.rglob("*"))
    }


def decks():
    return [deck("d", [basic("a"), basic("b", reverse=True)])]


def studied(directory: Path, fake) -> None:
    collection = Collection.from_decks(
        decks(), directory, clock=fake, config=config(), device="dev-a"
    )
    session = collection.start_session()
    session.record(Grade.GOOD)
    session.record(Grade.EASY)
    collection.close()


def open_read_only(directory: Path, fake, **options) -> Collection:
    return Collection.from_decks(decks(), directory, clock=fake, config=config(), **options)


def test_reading_leaves_the_progress_directory_and_the_user_dirs_byte_identical(
    tmp_path: Path,
):
    fake = clock()
    progress = tmp_path / "progress"
    studied(progress, fake)
    (next(progress.glob(".snapshot-*"))).unlink()  # a full replay would write a new one
    with open(next(progress.glob("reviews-*.jsonl")), "ab") as log:
        log.write(b"a damaged line\n")  # a writer would copy it to quarantine/
    homes = [Path(os.environ[name]) for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME")]
    before = [tree(progress)] + [tree(home) for home in homes]

    collection = open_read_only(progress, fake, read_only=True)  # no device given
    assert collection.read_only
    assert collection.progress("d/a").reps == 1
    counts = collection.counts()["d"]
    assert counts.reviewed_today == 2
    assert collection.start_session().current is not None
    assert any("unreadable line" in warning for warning in collection.warnings)
    collection.close()

    assert [tree(progress)] + [tree(home) for home in homes] == before
    assert not any((home / "trainer" / "device-id").exists() for home in homes)


def test_a_missing_progress_directory_is_not_created(tmp_path: Path):
    collection = open_read_only(tmp_path / "nowhere", clock(), read_only=True)
    assert collection.counts()["d"].new == 3
    collection.close()
    assert not (tmp_path / "nowhere").exists()


def test_a_directory_nobody_may_write_opens_read_only(tmp_path: Path):
    fake = clock()
    progress = tmp_path / "progress"
    studied(progress, fake)
    before = tree(progress)
    modes = {}
    for path in [progress, *progress.rglob("*")]:
        modes[path] = path.stat().st_mode
        path.chmod(stat.S_IMODE(modes[path]) & ~0o222)
    try:
        collection = open_read_only(progress, fake, read_only=True)
        assert collection.progress("d/a").reps == 1
        collection.close()
    finally:
        for path, mode in modes.items():
            path.chmod(stat.S_IMODE(mode))
    assert tree(progress) == before


@pytest.mark.parametrize("action", ["record", "suspend", "flag", "bury", "undo-free"])
def test_recording_in_a_read_only_collection_says_so(tmp_path: Path, action: str):
    fake = clock()
    progress = tmp_path / "progress"
    studied(progress, fake)
    before = tree(progress)
    collection = open_read_only(progress, fake, read_only=True)
    session = collection.start_session()
    assert session.current is not None
    with pytest.raises(ProgressError, match="opened read-only: nothing can be recorded"):
        if action == "record":
            session.record(Grade.GOOD)
        elif action == "suspend":
            session.suspend_current()
        elif action == "flag":
            session.flag_current()
        elif action == "bury":
            session.bury_current()
        else:
            collection.suspend("d/a")
    collection.close()
    assert tree(progress) == before


def test_a_reader_without_a_device_id_uses_a_snapshot_another_device_left(tmp_path: Path):
    fake = clock()
    progress = tmp_path / "progress"
    studied(progress, fake)
    collection = open_read_only(progress, fake, read_only=True)
    assert collection.device == "read-only"
    assert not collection.store.full_replay  # dev-a's snapshot, checked against the logs
    assert collection.progress("d/a").reps == 1


def test_a_reader_picks_the_snapshot_that_covers_every_log(tmp_path: Path):
    """A's snapshot predates B's log: using it would mean replaying every log (a minute
    for a million answers) when B's snapshot covers them all."""
    fake = clock()
    progress = tmp_path / "progress"
    studied(progress, fake)  # dev-a, with its snapshot
    stale = progress / ".snapshot-dev-a.marshal"
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    fake.advance(3600)
    laptop = Collection.from_decks(decks(), progress, clock=fake, config=config(), device="dev-b")
    laptop.start_session().record(Grade.GOOD)
    laptop.close()
    collection = open_read_only(progress, fake, read_only=True)
    assert not collection.store.full_replay
    assert collection.counts()["d"].reviewed_today == 3
