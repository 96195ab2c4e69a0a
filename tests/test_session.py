"""The study session: queue order, daily limits, burying, leeches, suspend, undo, the day."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from test_session_support import (
    LOCAL,
    basic,
    choice,
    clock,
    cloze,
    config,
    deck,
    log_lines,
    typed,
)

from trainer.clock import FakeClock
from trainer.scheduling import Grade
from trainer.session import Collection, StudySession


def open_collection(tmp_path: Path, decks, fake: FakeClock, **settings) -> Collection:
    return Collection.from_decks(
        decks, tmp_path / "progress", clock=fake, config=config(**settings), device="dev-a"
    )


def drain(session: StudySession, fake: FakeClock, grade: Grade = Grade.GOOD) -> list[str]:
    """Answer every card shown now, a minute apart; the keys in the order shown."""
    shown = []
    while session.current is not None:
        shown.append(session.current.key)
        session.record(grade)
        fake.advance(60)
    return shown


def next_morning(fake: FakeClock, days: int = 1) -> None:
    """Move to 9 am local, ``days`` days later."""
    now = fake.now()
    target = datetime(now.year, now.month, now.day, 9, 0, tzinfo=now.tzinfo) + timedelta(days=days)
    fake.advance(target - now)


# -- queue order -----------------------------------------------------------------------


def test_new_cards_come_in_deck_order(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, [deck("d", [basic("c"), basic("a"), basic("b")])], fake)
    shown = drain(collection.start_session(), fake, Grade.EASY)
    assert shown == ["d/c", "d/a", "d/b"]


def test_a_learning_card_comes_back_as_soon_as_it_is_due(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, [deck("d", [basic("a"), basic("b"), basic("c")])], fake)
    session = collection.start_session()
    session.record(Grade.AGAIN)  # a: again in 1 minute
    assert session.current.key == "d/b"
    fake.advance(120)
    session.record(Grade.EASY)  # b
    assert session.current.key == "d/a"  # due now: before the next new card


def test_due_reviews_come_before_new_cards(tmp_path: Path):
    fake = clock()
    cards = [basic("a"), basic("b"), basic("c")]
    collection = open_collection(tmp_path, [deck("d", cards)], fake, new_per_day=1)
    assert drain(collection.start_session(), fake, Grade.EASY) == ["d/a"]
    due = collection.state("d/a").due
    fake.advance(due - fake.now().timestamp() + 3600)
    session = collection.start_session()
    assert session.current.key == "d/a"
    assert collection.counts()["d"].due == 1
    assert drain(session, fake, Grade.EASY) == ["d/a", "d/b"]


def test_when_only_later_learning_cards_are_left_the_session_says_when(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, [deck("d", [basic("a")])], fake)
    session = collection.start_session()
    session.record(Grade.GOOD)  # next step in 10 minutes: shown early (learn ahead)
    assert session.current is not None and session.current.key == "d/a"
    collection2 = open_collection(
        tmp_path / "other", [deck("d", [basic("a")])], fake, learning_steps=(60.0, 120.0)
    )
    session2 = collection2.start_session()
    session2.record(Grade.GOOD)  # next step in 2 hours: not today's session yet
    assert session2.current is None
    assert session2.waiting_until == (fake.now() + timedelta(hours=2)).astimezone(LOCAL)
    fake.advance(timedelta(hours=2))
    assert session2.next() is not None and session2.current.key == "d/a"


# -- daily limits and the study day ----------------------------------------------------


def test_new_cards_per_day_limit(tmp_path: Path):
    fake = clock()
    cards = [basic(f"c{i}") for i in range(5)]
    collection = open_collection(tmp_path, [deck("d", cards)], fake, new_per_day=3)
    assert collection.counts()["d"].new == 3
    assert drain(collection.start_session(), fake, Grade.EASY) == ["d/c0", "d/c1", "d/c2"]
    assert collection.counts()["d"].new == 0
    next_morning(fake)
    assert collection.counts()["d"].new == 2


def test_the_new_card_limit_counts_the_whole_day_across_restarts(tmp_path: Path):
    fake = clock()
    cards = [basic(f"c{i}") for i in range(5)]
    collection = open_collection(tmp_path, [deck("d", cards)], fake, new_per_day=3)
    session = collection.start_session()
    session.record(Grade.EASY)
    session.record(Grade.EASY)
    collection.close()
    fake.advance(3600)
    reopened = open_collection(tmp_path, [deck("d", cards)], fake, new_per_day=3)
    assert reopened.counts()["d"].new == 1
    assert drain(reopened.start_session(), fake, Grade.EASY) == ["d/c2"]


def test_reviews_per_day_limit(tmp_path: Path):
    fake = clock()
    cards = [basic(f"c{i}") for i in range(4)]
    collection = open_collection(
        tmp_path, [deck("d", cards)], fake, reviews_per_day=2, enable_fuzzing=False
    )
    drain(collection.start_session(), fake, Grade.EASY)
    next_morning(fake, days=30)  # all four are due for review
    counts = collection.counts()["d"]
    assert counts.due == 2
    assert len(drain(collection.start_session(), fake, Grade.GOOD)) == 2
    assert collection.counts()["d"].due == 0


def test_day_rolls_over_at_4_am_local_time(tmp_path: Path):
    fake = clock(datetime(2026, 3, 2, 23, 0, tzinfo=LOCAL))
    cards = [basic(f"c{i}") for i in range(4)]
    collection = open_collection(tmp_path, [deck("d", cards)], fake, new_per_day=2)
    drain(collection.start_session(), fake, Grade.EASY)
    fake.advance(datetime(2026, 3, 3, 3, 59, tzinfo=LOCAL) - fake.now())
    assert collection.counts()["d"].new == 0  # 3:59 am: still yesterday
    assert collection.start_session().current is None
    fake.advance(60)  # 4:00 am local
    assert collection.counts()["d"].new == 2
    assert collection.start_session().current.key == "d/c2"


def test_rollover_hour_comes_from_the_config(tmp_path: Path):
    fake = clock(datetime(2026, 3, 2, 23, 0, tzinfo=LOCAL))
    collection = open_collection(
        tmp_path, [deck("d", [basic("a"), basic("b")])], fake, new_per_day=1, day_rollover_hour=0
    )
    drain(collection.start_session(), fake, Grade.EASY)
    fake.advance(datetime(2026, 3, 3, 0, 1, tzinfo=LOCAL) - fake.now())
    assert collection.counts()["d"].new == 1


def test_deck_overrides_the_global_daily_limit(tmp_path: Path):
    fake = clock()
    cards = [basic(f"c{i}") for i in range(6)]
    collection = open_collection(
        tmp_path,
        [deck("small", cards, new_per_day=2), deck("big", [basic(f"x{i}") for i in range(6)])],
        fake,
        new_per_day=4,
    )
    counts = collection.counts()
    assert counts["small"].new == 2
    assert counts["big"].new == 4


def test_deck_learning_steps_override_global_ones(tmp_path: Path):
    fake = clock()
    collection = open_collection(
        tmp_path, [deck("d", [basic("a")], learning_steps=(30.0,))], fake, learning_steps=(1.0,)
    )
    session = collection.start_session()
    session.record(Grade.AGAIN)
    due = collection.progress("d/a").due
    assert due - fake.now() == timedelta(minutes=30)


# -- siblings, leeches, suspending -----------------------------------------------------


def test_siblings_of_a_card_studied_today_wait_until_tomorrow(tmp_path: Path):
    fake = clock()
    decks = [deck("d", [cloze("cz", 3), basic("b", reverse=True)])]
    collection = open_collection(tmp_path, decks, fake)
    assert collection.counts()["d"].new == 5
    shown = drain(collection.start_session(), fake, Grade.EASY)
    assert shown == ["d/cz::c1", "d/b"]
    assert collection.counts()["d"].new == 0
    next_morning(fake)
    assert collection.counts()["d"].new == 3
    shown = drain(collection.start_session(), fake, Grade.EASY)
    assert shown == ["d/cz::c2", "d/b::reverse"]


def test_a_card_lapsing_8_times_becomes_a_suspended_flagged_leech(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, [deck("d", [basic("a")])], fake)
    drain(collection.start_session(), fake, Grade.EASY)  # a graduates
    for lapse in range(1, 9):
        fake.advance(collection.state("d/a").due - fake.now().timestamp() + 60)
        session = collection.start_session()
        assert session.current.key == "d/a"
        session.record(Grade.AGAIN)
        assert collection.state("d/a").lapses == lapse
        while session.current is not None and session.current.key == "d/a":
            fake.advance(15 * 60)
            session.record(Grade.GOOD)
        progress = collection.progress("d/a")
        assert progress.leech is (lapse == 8)
        assert progress.suspended is (lapse == 8)
        assert progress.flagged is (lapse == 8)
    assert any(json.loads(line).get("ev") == "leech" for line in log_lines(tmp_path / "progress"))
    fake.advance(timedelta(days=400))
    assert "d/a" not in drain(collection.start_session(), fake)


def test_leech_threshold_comes_from_settings(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, [deck("d", [basic("a")])], fake, leech_lapses=1)
    drain(collection.start_session(), fake, Grade.EASY)
    fake.advance(collection.state("d/a").due - fake.now().timestamp() + 60)
    collection.start_session().record(Grade.AGAIN)
    assert collection.progress("d/a").leech


def test_suspend_keeps_a_card_out_until_unsuspended_and_survives_restart(tmp_path: Path):
    fake = clock()
    decks = [deck("d", [basic("a"), basic("b")])]
    collection = open_collection(tmp_path, decks, fake)
    session = collection.start_session()
    session.suspend_current()
    assert session.current.key == "d/b"
    collection.close()
    reopened = open_collection(tmp_path, decks, fake)
    assert reopened.counts()["d"].suspended == 1
    assert reopened.counts()["d"].new == 1
    assert drain(reopened.start_session(), fake, Grade.EASY) == ["d/b"]
    reopened.unsuspend("d/a")
    assert drain(reopened.start_session(), fake, Grade.EASY) == ["d/a"]


def test_flag_current_toggles_durably(tmp_path: Path):
    fake = clock()
    decks = [deck("d", [basic("a")])]
    collection = open_collection(tmp_path, decks, fake)
    session = collection.start_session()
    assert session.flag_current() is True
    assert open_collection(tmp_path, decks, fake).progress("d/a").flagged
    assert session.flag_current() is False
    assert not open_collection(tmp_path, decks, fake).progress("d/a").flagged


# -- answering ---------------------------------------------------------------------------


def test_a_fast_right_answer_to_a_guessable_card_is_not_easy_until_it_graduates(tmp_path: Path):
    # Issue 10: a first-sight choice card answered right in 2 s suggested Easy, and Enter
    # sent a card the learner may have guessed 7-9 days away.
    fake = clock()
    collection = open_collection(tmp_path, [deck("d", [choice("q")])], fake, fast_seconds=5)
    session = collection.start_session()
    assert session.submit("b", duration=2).suggested is Grade.GOOD  # new: maybe a guess
    session.record(Grade.GOOD)
    fake.advance(timedelta(minutes=10))
    session = collection.start_session()
    assert session.current.key == "d/q"
    assert session.submit("b", duration=2).suggested is Grade.GOOD  # still learning
    session.record(Grade.GOOD)  # graduates
    fake.advance(timedelta(days=5))
    session = collection.start_session()
    assert session.current.key == "d/q"
    assert session.submit("b", duration=2).suggested is Grade.EASY  # known: fast is easy


def test_submit_grades_and_suggests_from_correctness_and_speed(tmp_path: Path):
    fake = clock()
    cards = [typed("a", "paris"), basic("b")]
    collection = open_collection(
        tmp_path, [deck("d", cards)], fake, fast_seconds=5, slow_seconds=20
    )
    session = collection.start_session()
    wrong = session.submit("london", duration=2)
    assert wrong.result is not None and not wrong.result.correct
    assert wrong.suggested is Grade.AGAIN
    assert session.submit("Paris", duration=2).suggested is Grade.EASY
    assert session.submit("Pariss", duration=2).suggested is Grade.GOOD  # a typo: not Easy
    assert session.submit("Paris", duration=10).suggested is Grade.GOOD
    fake.advance(30)  # the timer runs from when the card was shown
    slow = session.submit("Paris")
    assert slow.suggested is Grade.HARD and slow.duration == 30
    session.record(Grade.GOOD)  # the learner overrides the suggestion
    event = json.loads(log_lines(tmp_path / "progress")[-1])
    assert (event["key"], event["grade"], event["correct"], event["duration_ms"]) == (
        "d/a",
        3,
        True,
        30000,
    )
    assert session.current.key == "d/b"
    fake.advance(4)
    session.reveal()
    fake.advance(10)  # time spent choosing the grade does not count
    basic_answer = session.submit(None)
    assert basic_answer.result is None and basic_answer.suggested is Grade.GOOD
    assert basic_answer.duration == 4


def test_position_and_total_grow_when_a_card_comes_back(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, [deck("d", [basic("a"), basic("b")])], fake)
    session = collection.start_session()
    assert (session.position, session.total) == (1, 2)
    session.record(Grade.AGAIN)
    assert (session.position, session.total) == (2, 3)  # a comes back today
    session.record(Grade.EASY)
    fake.advance(120)
    session.next()
    assert (session.position, session.total) == (3, 3)


def test_summary_counts_answers_and_lists_missed_cards(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, [deck("d", [basic("a"), basic("b"), basic("c")])], fake)
    session = collection.start_session()
    session.record(Grade.AGAIN)
    session.record(Grade.EASY)
    session.record(Grade.AGAIN)
    summary = session.summary()
    assert summary.studied == 3
    assert summary.correct == 1
    assert summary.accuracy == pytest.approx(1 / 3)
    assert [c.key for c in summary.missed] == ["d/a", "d/c"]


# -- undo --------------------------------------------------------------------------------


def snapshot_of(collection: Collection, keys: list[str]) -> dict:
    return {key: collection.state(key) for key in keys} | {"counts": collection.counts()}


def test_undo_several_levels_restores_state_in_memory_and_on_disk(tmp_path: Path):
    fake = clock()
    decks = [deck("d", [basic("a"), basic("b"), basic("c"), basic("e")])]
    keys = ["d/a", "d/b", "d/c", "d/e"]
    collection = open_collection(tmp_path, decks, fake)
    session = collection.start_session()
    befores = []
    for grade in (Grade.GOOD, Grade.AGAIN, Grade.EASY):
        befores.append((session.current.key, snapshot_of(collection, keys)))
        fake.advance(60)
        session.record(grade)
    befores.append((session.current.key, snapshot_of(collection, keys)))
    session.suspend_current()
    for expected_key, before in reversed(befores):
        fake.advance(5)
        undone = session.undo()
        assert undone.key == expected_key
        assert session.current.key == expected_key
        assert snapshot_of(collection, keys) == before
        # ...and exactly the same when loaded from the files, without any cache
        reloaded = open_collection(tmp_path, decks, fake)
        reloaded.store.reload()
        assert snapshot_of(reloaded, keys) == before
    assert session.undo() is None
    assert session.summary().studied == 0
    # The log keeps every answer, each cancelled by an undo event naming it.
    events = [json.loads(line) for line in log_lines(tmp_path / "progress")[1:]]
    undone_ids = {t for e in events if e["ev"] == "undo" for t in e["targets"]}
    recorded = {e["id"] for e in events if e["ev"] in ("review", "suspend")}
    assert len(recorded) == 4 and recorded == undone_ids


def test_undo_then_answer_again_records_the_new_grade(tmp_path: Path):
    fake = clock()
    decks = [deck("d", [basic("a")])]
    collection = open_collection(tmp_path, decks, fake)
    session = collection.start_session()
    session.record(Grade.AGAIN)
    session.undo()
    session.record(Grade.EASY)
    reloaded = open_collection(tmp_path, decks, fake)
    reloaded.store.reload()
    assert reloaded.state("d/a").state == "review"
    assert [e.grade for e in reloaded.progress("d/a").history] == [Grade.EASY]


# -- months of study, no sleeping --------------------------------------------------------


def test_three_months_of_daily_study_reload_identically(tmp_path: Path):
    import random

    fake = clock()
    rng = random.Random(3)
    decks = [deck("d", [basic(f"c{i}") for i in range(40)] + [cloze("z", 3)])]
    collection = open_collection(tmp_path, decks, fake, new_per_day=5)
    answered = 0
    for _ in range(90):
        session = collection.start_session()
        while session.current is not None:
            session.record(Grade(rng.choice([1, 3, 3, 3, 4])))
            answered += 1
            fake.advance(rng.randint(5, 90))
        next_morning(fake)
    assert answered > 200
    assert all(collection.state(c.key).state != "new" for c in collection.study_cards())
    live = {c.key: collection.store.records[c.key] for c in collection.study_cards()}
    collection.close()
    cached = open_collection(tmp_path, decks, fake)
    assert not cached.store.full_replay  # the snapshot was used...
    replayed = open_collection(tmp_path, decks, fake)
    replayed.store.reload()  # ...and gives what a full replay gives
    for key, record in live.items():
        assert cached.store.records[key] == record
        assert replayed.store.records[key] == record


# -- live reload -------------------------------------------------------------------------


def test_reload_deck_swaps_in_the_new_version_and_keeps_the_last_good_one_on_error(
    tmp_path: Path, monkeypatch
):
    import sys
    import types
    from dataclasses import dataclass, field

    @dataclass
    class FakeResult:
        deck: object
        diagnostics: list = field(default_factory=list)
        ok: bool = True

    versions = {"current": deck("d", [basic("a"), basic("b")])}
    loader = types.ModuleType("trainer.loader")
    loader.load_deck = lambda path: (
        FakeResult(None, ["d.yaml:3:1: error"], False)
        if versions["current"] is None
        else FakeResult(versions["current"])
    )
    monkeypatch.setitem(sys.modules, "trainer.loader", loader)
    fake = clock()
    collection = open_collection(tmp_path, [deck("d", [basic("a")])], fake)
    collection.start_session().record(Grade.EASY)
    assert collection.reload_deck(Path("d.yaml")).ok
    assert [c.key for c in collection.study_cards()] == ["d/a", "d/b"]
    assert collection.counts()["d"].new == 1
    versions["current"] = None  # the author saves a broken file
    result = collection.reload_deck(Path("d.yaml"))
    assert not result.ok and result.diagnostics
    assert [c.key for c in collection.study_cards()] == ["d/a", "d/b"]
    assert collection.progress("d/a").reps == 1
