"""Statistics from the fixed synthetic history of test_stats_support (see its table):
every expected number below is worked out by hand from that table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest
from test_stats_support import NOW, open_history

from trainer.clock import FakeClock
from trainer.session import Collection
from trainer.stats import CALENDAR_DAYS, FORECAST_DAYS, RETENTION_WEEKS, compute_stats

MON, TUE, WED, THU, FRI = (date(2026, 3, d) for d in range(2, 7))


@pytest.fixture
def collection(tmp_path: Path):
    collection = open_history(tmp_path)
    yield collection
    collection.close()


def test_reviews_per_study_day(collection):
    stats = compute_stats(collection)
    # Mon #1-#4; Tue #5 and #6 (02:30 Wednesday is before the 4 am rollover); Wed #7 #8;
    # Fri #9-#11. The undone answer to c on Friday is not counted.
    assert stats.per_day == {MON: 4, TUE: 2, WED: 2, FRI: 3}
    assert (stats.reviews, stats.reviews_today, stats.study_days) == (11, 3, 4)
    assert stats.today == FRI


def test_calendar_covers_the_last_year_ending_today(collection):
    stats = compute_stats(collection)
    assert len(stats.calendar) == CALENDAR_DAYS
    assert stats.calendar_start == FRI - timedelta(days=364)
    # ..., Mon 4, Tue 2, Wed 2, Thu 0, Fri 3 (today last).
    assert stats.calendar[-5:] == (4, 2, 2, 0, 3)
    assert sum(stats.calendar) == 11


def test_forecast_counts_overdue_on_day_zero_and_skips_suspended_cards(collection):
    stats = compute_stats(collection)
    assert len(stats.forecast) == FORECAST_DAYS
    # Day 0: a (due Thu 10:10, overdue) and c (due Sat 02:00, still Friday's study day).
    # Day 14: d (Fri 03-20). Day 25: x (Tue 03-31). b is suspended: left out.
    expected = [0] * FORECAST_DAYS
    expected[0], expected[14], expected[25] = 2, 1, 1
    assert list(stats.forecast) == expected


def test_retention_young_and_mature(collection):
    stats = compute_stats(collection)
    # Review-state answers: #5 young pass, #7 young fail, #10 mature pass, #11 mature
    # pass. Answers to learning/relearning cards (#3, #8) are not retention.
    assert stats.retention_young == pytest.approx(1 / 2)
    assert stats.retention_mature == pytest.approx(2 / 2)
    assert stats.retention == pytest.approx(3 / 4)
    weeks = stats.retention_weeks
    assert len(weeks) == RETENTION_WEEKS
    this_week = weeks[-1]
    assert this_week.start == MON
    assert (this_week.young_reviews, this_week.young_passed) == (2, 1)
    assert (this_week.mature_reviews, this_week.mature_passed) == (2, 2)
    assert weeks[0].start == MON - timedelta(weeks=RETENTION_WEEKS - 1)
    assert all(w.young is None and w.mature is None for w in weeks[:-1])


def test_streaks(collection):
    stats = compute_stats(collection)
    # Mon-Wed in a row, no answer on Thursday, then Friday (today).
    assert (stats.streak, stats.longest_streak) == (1, 3)


def test_streak_counts_from_yesterday_until_today_has_an_answer(tmp_path: Path):
    collection = open_history(tmp_path, now=NOW + timedelta(days=1))  # Saturday noon
    stats = compute_stats(collection)
    assert (stats.streak, stats.reviews_today) == (1, 0)  # Friday still counts
    # Forecast from Saturday: a still overdue; c (Sat 02:00) is now overdue too; d and x
    # are one day closer.
    assert (stats.forecast[0], stats.forecast[13], stats.forecast[24]) == (2, 1, 1)
    collection.close()


def test_time_spent_total_and_per_day(collection):
    stats = compute_stats(collection)
    # Mon 4+6+5+3 s, Tue 3+2 s, Wed 7+4 s, Fri 5+2+6 s (the undone 9 s left out).
    assert stats.time_per_day == {MON: 18.0, TUE: 5.0, WED: 11.0, FRI: 13.0}
    assert stats.time_spent_seconds == pytest.approx(47.0)
    assert stats.time_today_seconds == pytest.approx(13.0)


def test_accuracy_and_cards_by_state(collection):
    stats = compute_stats(collection)
    # Auto-graded: #2 wrong, #7 wrong, #9 right, #10 right.
    assert stats.accuracy == pytest.approx(2 / 4)
    # a b c d x in review (b also suspended), y never answered.
    assert stats.cards == {"new": 1, "learning": 0, "review": 5, "relearning": 0, "suspended": 1}


def test_one_deck(collection):
    geo = compute_stats(collection, {"geo"})
    # Without x's #6 (Tue) and #10 (Fri).
    assert geo.per_day == {MON: 4, TUE: 1, WED: 2, FRI: 2}
    assert (geo.retention_young, geo.retention_mature) == (0.5, 1.0)  # #5 #7 / #11
    # a and c today, d on day 14; b is suspended.
    assert (sum(geo.forecast), geo.forecast[0], geo.forecast[14]) == (3, 2, 1)
    assert geo.time_spent_seconds == pytest.approx(47.0 - 4.0)
    assert geo.cards["new"] == 0 and geo.cards["review"] == 4
    bio = compute_stats(collection, {"bio"})
    assert bio.per_day == {TUE: 1, FRI: 1}
    assert (bio.retention_young, bio.retention_mature) == (None, 1.0)
    assert bio.forecast[25] == 1 and sum(bio.forecast) == 1
    assert (bio.streak, bio.longest_streak) == (1, 1)
    assert bio.cards == {"new": 1, "learning": 0, "review": 1, "relearning": 0, "suspended": 0}


def test_json_keeps_the_old_fields_and_adds_the_series(collection):
    data = compute_stats(collection).to_json()
    assert {
        "reviews",
        "reviews_today",
        "retention",
        "accuracy",
        "streak",
        "study_days",
        "time_spent_seconds",
        "cards",
        "per_day",
    } <= set(data)
    assert data["per_day"] == {"2026-03-02": 4, "2026-03-03": 2, "2026-03-04": 2, "2026-03-06": 3}
    assert data["calendar"]["start"] == "2025-03-07" and data["calendar"]["counts"][-1] == 3
    assert data["forecast"][0] == 2
    assert data["retention_weeks"][-1] == {
        "week": "2026-03-02",
        "young": {"reviews": 2, "passed": 1, "retention": 0.5},
        "mature": {"reviews": 2, "passed": 2, "retention": 1.0},
    }
    assert data["time_per_day"]["2026-03-02"] == 18.0 and data["longest_streak"] == 3


def test_an_empty_history_gives_zeros_not_errors(tmp_path: Path):
    from test_stats_support import write_decks

    paths = write_decks(tmp_path)
    collection = Collection.open(paths, tmp_path / "progress", clock=FakeClock(NOW))
    stats = compute_stats(collection)
    assert (stats.reviews, stats.streak, stats.longest_streak) == (0, 0, 0)
    assert stats.retention is None and stats.retention_young is None
    assert sum(stats.calendar) == 0 and sum(stats.forecast) == 0
    assert stats.cards["new"] == 6
    collection.close()


def test_days_follow_the_local_zone_across_daylight_saving(tmp_path: Path):
    """A zone with DST (no fixed offset) goes through datetimes: same study days."""
    zone = ZoneInfo("Europe/Paris")  # UTC+1 in early March, like the history's times
    collection = open_history(tmp_path, now=NOW.astimezone(zone))
    stats = compute_stats(collection)
    assert stats.per_day == {MON: 4, TUE: 2, WED: 2, FRI: 3}
    assert stats.forecast[0] == 2
    # After the switch to summer time (29 March) the same instant is 1 hour later
    # locally: x's due (31 March 10:05 +01:00) is 11:05 local, still March 31.
    assert stats.forecast[25] == 1
    collection.close()


def test_rollover_hour_moves_the_day_boundary(tmp_path: Path):
    """With days starting at midnight, x's 02:30 Wednesday answer is Wednesday's."""
    from test_stats_support import write_history

    from trainer.config import Config
    from trainer.scheduling import SchedulerSettings

    paths = write_history(tmp_path, tmp_path / "progress")
    collection = Collection.open(
        paths,
        tmp_path / "progress",
        clock=FakeClock(NOW),
        config=Config(scheduler=SchedulerSettings(day_rollover_hour=0)),
    )
    assert compute_stats(collection).per_day == {MON: 4, TUE: 1, WED: 3, FRI: 3}
    collection.close()


def test_many_reviews_card_by_card(tmp_path: Path):
    """A large history straight from a store stand-in: 100,000 answers of 1,000 cards,
    each card's in a row (what ``all_events`` yields), 5 s apart from Jan 1 12:00 UTC."""
    from trainer.config import Config
    from trainer.progress.events import Event
    from trainer.scheduling import CardState

    start = datetime(2026, 1, 1, 12, tzinfo=UTC).timestamp()
    # Every answer leaves its card due in 30 days: the next answer is a mature review.
    after = CardState("review", None, 30.0, 5.0, start + 30 * 86400, start, 1, 0)

    class Store:
        records: ClassVar[dict[str, object]] = {}

        def all_events(self):
            for i in range(100_000):
                yield Event(
                    "review",
                    str(i),
                    start + i * 5,
                    "",
                    "dev",
                    key=f"d/{i // 100}",
                    grade=3 if i % 10 else 1,
                    duration_ms=1000,
                    after=after,
                )

    class Stub:
        clock = FakeClock(datetime(2026, 3, 1, tzinfo=UTC))
        config = Config()
        store = Store()

        def study_cards(self, deck_ids=None):
            return []

    stats = compute_stats(Stub())  # type: ignore[arg-type]
    assert stats.reviews == 100_000
    assert stats.time_spent_seconds == pytest.approx(100_000.0)
    # 500,000 s = 5 d 18 h 53 min: Jan 1 12:00 to Jan 7 06:53, seven study days.
    assert stats.study_days == 7 and stats.longest_streak == 7
    # The first answer of each card is not a review-state answer: 1,000 x 99 are, all
    # mature (30-day interval); i % 10 == 0 is Again: 10 per card, of which the first
    # (i % 100 == 0) is each card's first answer, so 9 x 1,000 mature lapses.
    assert stats.retention_mature == pytest.approx(1 - 9_000 / 99_000)
    assert stats.retention_young is None


def test_past_answers_are_binned_with_the_utc_offset_of_their_own_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """An answer at 04:30 summer time is that day's, also when the stats are looked at in
    winter: the system clock's *today's* offset (+01:00) would put it at 03:30, the day
    before."""
    import time

    from test_session_support import basic, config, deck

    from trainer.clock import SystemClock
    from trainer.scheduling import Grade

    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    try:
        summer = FakeClock(datetime(2026, 7, 1, 4, 30, tzinfo=ZoneInfo("Europe/Paris")))
        decks = [deck("d", [basic("a")])]
        writing = Collection.from_decks(
            decks, tmp_path / "progress", clock=summer, config=config(), device="dev-a"
        )
        writing.start_session().record(Grade.GOOD)
        writing.close()

        class WinterSystemClock(SystemClock):
            """The system clock on a December day: zone None, now at today's offset."""

            def now(self) -> datetime:
                return datetime(2026, 12, 1, 12, tzinfo=UTC).astimezone()

        reading = Collection.from_decks(
            decks, tmp_path / "progress", clock=WinterSystemClock(), config=config(), device="dev-a"
        )
        assert compute_stats(reading).per_day == {date(2026, 7, 1): 1}
        reading.close()
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_21_day_interval_across_a_clock_change_is_mature(tmp_path: Path):
    """21 days later at the same local time is an hour short of 21 x 24 h in spring."""
    from test_stats_support import _answer, write_decks

    zone = ZoneInfo("America/Los_Angeles")
    start = datetime(2026, 2, 20, 10, 0, tzinfo=zone)
    collection = Collection.open(
        write_decks(tmp_path), tmp_path / "progress", clock=FakeClock(start), device="dst"
    )
    try:
        due = datetime(2026, 3, 13, 10, 0, tzinfo=zone)  # after the 03-08 change
        _answer(collection, start, "geo/a", 3, 4000, None, "review", due)
        _answer(collection, due, "geo/a", 1, 4000, None, "relearning", due + timedelta(minutes=10))
        stats = compute_stats(collection)
        assert (stats.retention_young, stats.retention_mature) == (None, 0.0)
    finally:
        collection.close()
