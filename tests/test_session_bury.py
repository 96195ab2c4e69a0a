"""Burying a card keeps it out of every session until the next study day: across
restarts, windows and devices, undoable, and counted the same on home as in a session."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from test_session_support import LOCAL, basic, clock, config, deck

from trainer.scheduling import Grade
from trainer.session import Collection


def open_collection(directory: Path, fake, device: str = "dev-a") -> Collection:
    return Collection.from_decks(
        [deck("d", [basic("a"), basic("b"), basic("c")])],
        directory,
        clock=fake,
        config=config(),
        device=device,
    )


def served(collection: Collection) -> list[str]:
    """Keys a new session shows today, each answered Easy (so it leaves today's queue)."""
    session = collection.start_session()
    keys = []
    while session.current is not None:
        keys.append(session.current.key)
        session.record(Grade.EASY)
    return keys


def test_a_buried_card_is_gone_today_after_a_restart_and_back_tomorrow(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, fake)
    session = collection.start_session()
    assert session.current is not None and session.current.key == "d/a"
    session.bury_current()
    assert session.current is not None and session.current.key == "d/b"
    collection.close()

    again = open_collection(tmp_path, fake)  # a restart: a new collection on the directory
    assert not again.store.full_replay  # the bury came back from the snapshot
    counts = again.counts()["d"]
    assert (counts.new, counts.buried) == (2, 1)
    assert again.progress("d/a").buried
    assert served(again) == ["d/b", "d/c"]

    fake.advance(86400)
    tomorrow = open_collection(tmp_path, fake)
    assert tomorrow.counts()["d"].new == 1 and tomorrow.counts()["d"].buried == 0
    assert served(tomorrow) == ["d/a"]


def test_bury_lasts_until_the_day_rollover_hour_not_midnight(tmp_path: Path):
    # Buried at 23:00 local; the study day (rollover at 4 am) ends at 04:00 local.
    fake = clock(datetime(2026, 3, 2, 23, 0, tzinfo=LOCAL))
    collection = open_collection(tmp_path, fake)
    collection.bury("d/a")
    fake.advance(4 * 3600 + 59 * 60)  # 03:59 the next morning: still the same study day
    assert "d/a" not in served(open_collection(tmp_path, fake))
    fake.advance(60)  # 04:00: a new study day
    assert "d/a" in served(open_collection(tmp_path, fake))


def test_undo_brings_a_buried_card_back_and_the_undo_is_durable(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, fake)
    session = collection.start_session()
    session.bury_current()
    assert collection.counts()["d"].new == 2
    assert session.undo() is not None
    assert session.current is not None and session.current.key == "d/a"
    assert collection.counts()["d"].new == 3
    collection.close()
    assert served(open_collection(tmp_path, fake)) == ["d/a", "d/b", "d/c"]


def test_another_window_and_another_device_see_the_bury(tmp_path: Path):
    fake = clock()
    here = open_collection(tmp_path, fake)
    window = open_collection(tmp_path, fake)
    laptop = open_collection(tmp_path, fake, device="dev-b")
    shown_here = here.start_session()
    assert shown_here.current is not None and shown_here.current.key == "d/a"
    laptop.bury("d/a")  # its own log, as a synced device's would be
    assert shown_here.recheck()  # the card shown here was buried elsewhere: move on
    assert shown_here.current is not None and shown_here.current.key == "d/b"
    window.refresh()
    assert window.counts()["d"].buried == 1
    assert served(window) == ["d/b", "d/c"]


def test_home_counts_drop_by_the_buried_card_and_match_what_a_session_serves(
    tmp_path: Path,
):
    fake = clock()
    collection = open_collection(tmp_path, fake)
    collection.bury("d/b")
    counts = collection.counts()["d"]
    session = collection.start_session()
    assert session.remaining.new == counts.new == 2
    assert served(collection) == ["d/a", "d/c"]


def test_a_read_only_collection_cannot_bury(tmp_path: Path):
    from trainer.session import ProgressError

    fake = clock()
    open_collection(tmp_path, fake).close()
    reader = Collection.from_decks(
        [deck("d", [basic("a")])], tmp_path, clock=fake, config=config(), read_only=True
    )
    with pytest.raises(ProgressError, match="read-only"):
        reader.start_session().bury_current()


def test_a_bury_travels_with_trainer_sync_and_merges_with_the_other_devices_answers(
    tmp_path: Path,
):
    import subprocess

    from trainer.sync import init, sync

    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    fake = clock()
    laptop_dir, phone_dir = tmp_path / "laptop", tmp_path / "phone"
    laptop = open_collection(laptop_dir, fake, device="laptop")
    laptop.bury("d/a")
    laptop.close()
    phone = open_collection(phone_dir, fake, device="phone")
    session = phone.start_session()  # the phone answers before it ever synced
    assert session.current is not None and session.current.key == "d/a"
    session.record(Grade.AGAIN)  # a learning step, due again in a minute
    phone.close()
    init(laptop_dir, str(remote), "laptop")
    init(phone_dir, str(remote), "phone")
    sync(laptop_dir, "laptop")
    for directory in (laptop_dir, phone_dir):
        assert {p.name for p in directory.glob("reviews-*.jsonl")} == {
            "reviews-laptop.jsonl",
            "reviews-phone.jsonl",
        }
    fake.advance(120)
    for directory, device in ((laptop_dir, "laptop"), (phone_dir, "phone")):
        merged = open_collection(directory, fake, device=device)
        assert merged.is_buried("d/a") and merged.progress("d/a").reps == 1
        assert served(merged) == ["d/b", "d/c"]  # buried: not even its learning step
    fake.advance(86400)
    assert served(open_collection(phone_dir, fake, device="phone"))[0] == "d/a"


def test_answers_recorded_under_a_clock_set_days_ahead_do_not_use_up_todays_limits(
    tmp_path: Path,
):
    """The clock was a month ahead, then put right: those answers belong to that day."""
    from datetime import timedelta

    fake = clock()
    cards = [basic(f"c{i}") for i in range(10)]

    def open_now() -> Collection:
        return Collection.from_decks(
            [deck("d", cards)], tmp_path, clock=fake, config=config(new_per_day=5), device="a"
        )

    fake.advance(timedelta(days=30))
    ahead = open_now()
    session = ahead.start_session()
    for _ in range(2):
        session.record(Grade.EASY)
    ahead.close()
    fake.advance(-timedelta(days=30))  # put right
    counts = open_now().counts()["d"]
    assert (counts.new, counts.reviewed_today) == (5, 0)
