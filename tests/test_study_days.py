"""FSRS counts study days (rollover hour, local zone), and Anki's interval ordering holds.

The expected intervals in the first tests are what the official Anki library gives for the
same answers at the same times (FSRS-6 defaults, desired retention 0.9, no fuzz); the
full comparison against Anki is tests/test_anki_reference.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from trainer.scheduling import REVIEW, CardState, Grade, Scheduler, SchedulerSettings
from trainer.studyday import StudyDays

UTC = UTC
BERLIN = ZoneInfo("Europe/Berlin")
NO_FUZZ = SchedulerSettings(enable_fuzzing=False)


def _days(scheduler: Scheduler, state: CardState) -> int:
    assert state.due is not None and state.last_review is not None
    return scheduler.days.between(state.last_review, state.due)


def _run(grades: str, first: datetime, next_time, scheduler: Scheduler) -> list[str]:
    """Intervals (``10m`` or ``3d``) after each answer; ``next_time(state)`` is when the
    next answer is given."""
    state, when, shown = CardState(), first, []
    for letter in grades:
        state = scheduler.review("d/c", state, Grade("AHGE".index(letter) + 1), when)
        assert state.due is not None
        if state.state == REVIEW:
            shown.append(f"{_days(scheduler, state)}d")
        else:
            shown.append(f"{round((state.due - state.last_review) / 60)}m")
        when = next_time(state)
    return shown


def _at_due(state: CardState) -> datetime:
    return datetime.fromtimestamp(state.due, UTC)


def test_six_goods_at_the_same_hour_every_day_give_ankis_intervals():
    # Issue 10: the 24-hour-block count gave 10m 2d 7d 29d 107d 342d.
    first = datetime(2026, 3, 2, 9, 0, 0, 600_000, tzinfo=UTC)
    # Each review a few tenths of a second *earlier* in the day than the previous one.
    nudged = lambda s: _at_due(s) - timedelta(milliseconds=200)  # noqa: E731
    assert _run("GGGGGG", first, nudged, Scheduler(NO_FUZZ)) == [
        "10m",
        "2d",
        "11d",
        "46d",
        "163d",
        "498d",
    ]


def test_a_review_the_next_morning_after_an_evening_answer_counts_as_a_day():
    scheduler = Scheduler(NO_FUZZ)
    evening = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)
    state = scheduler.review("d/c", CardState(), Grade.GOOD, evening)
    state = scheduler.review("d/c", state, Grade.GOOD, evening + timedelta(minutes=10))
    morning = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)  # 2 study days, 35 hours later
    long_term = scheduler.review("d/c", state, Grade.GOOD, morning)
    exact = scheduler.review("d/c", state, Grade.GOOD, evening + timedelta(days=2))
    assert long_term.stability == exact.stability  # not the short-term rule
    assert _days(scheduler, long_term) == _days(scheduler, exact) == 11


def test_review_intervals_are_ordered_hard_good_easy_as_in_anki():
    # "A H A G A E": FSRS alone proposes 1 day for the final Easy; Anki gives 2.
    scheduler = Scheduler(NO_FUZZ)
    intervals = _run("AHAGAE", datetime(2026, 3, 2, 9, tzinfo=UTC), _at_due, scheduler)
    assert intervals[-1] == "2d"
    # In review, Hard >= 1, Good >= Hard + 1 and Easy >= Good + 1, for every card state.
    state = CardState()
    when = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for grade in (Grade.GOOD, Grade.GOOD, Grade.AGAIN, Grade.GOOD, Grade.HARD, Grade.GOOD):
        state = scheduler.review("d/c", state, grade, when)
        when = _at_due(state)
        if state.state == REVIEW:
            hard, good, easy = (
                _days(scheduler, scheduler.review("d/c", state, g, when))
                for g in (Grade.HARD, Grade.GOOD, Grade.EASY)
            )
            assert 1 <= hard < good < easy


def test_study_days_follow_the_rollover_hour_and_daylight_saving():
    days = StudyDays(4, BERLIN)
    # 03:59 local still belongs to the day before; 04:00 starts a new one.
    before = datetime(2026, 3, 3, 3, 59, tzinfo=BERLIN).timestamp()
    after = datetime(2026, 3, 3, 4, 0, tzinfo=BERLIN).timestamp()
    assert days.between(before, after) == 1
    # Summer time starts on 29 March 2026: the offset of each instant is its own.
    winter = datetime(2026, 3, 28, 4, 30, tzinfo=BERLIN).timestamp()
    summer = datetime(2026, 3, 29, 4, 30, tzinfo=BERLIN).timestamp()
    assert summer - winter == 23 * 3600
    assert days.between(winter, summer) == 1
    # "3 days later" keeps the local hour across the change.
    later = days.later(winter, 3)
    assert datetime.fromtimestamp(later, BERLIN).hour == 4
    assert days.between(winter, later) == 3
    assert days.start(after) == after


def _at_nine_when_in_review(state: CardState) -> datetime:
    due = datetime.fromtimestamp(state.due, BERLIN)
    return due.replace(hour=9) if state.state == REVIEW else due


def test_intervals_do_not_depend_on_the_hour_of_study():
    scheduler = Scheduler(SchedulerSettings(enable_fuzzing=False), BERLIN)
    results = set()
    for hour in (5, 9, 13, 23):
        first = datetime(2026, 3, 2, hour, tzinfo=BERLIN)
        results.add(tuple(_run("GGGHGEG", first, _at_nine_when_in_review, scheduler)[2:]))
    assert len(results) == 1
