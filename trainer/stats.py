"""Study statistics computed from the progress logs (no output here: see ``trainer stats``
and the TUI's stats screen, which draw them).

Definitions (docs/stats.md has the long version):

* *reviews*: answers recorded (undone ones excluded);
* *study day*: days start at ``day_rollover_hour`` (4 am by default), local time;
* *retention*: among answers to cards that were in the ``review`` state (due for a
  spaced review, not new or in learning steps), the share not graded Again: how much of
  what was learned was still remembered ("true retention", as Anki calls it);
* *young* / *mature*: a review-state answer is *mature* when the interval the card had been
  scheduled for at that review was at least :data:`MATURE_DAYS` days (Anki's threshold),
  else *young*;
* *streak*: consecutive study days, ending today (or yesterday, when today has no answer
  yet), with at least one answer;
* *forecast*: loaded, unsuspended, non-new cards by the study day they fall due, for the
  next :data:`FORECAST_DAYS` days; overdue cards count on day 0 (today);
* *time spent*: the sum of the recorded answer durations.

One pass over the events, O(events) time and O(days) memory besides the key filter.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from trainer.scheduling import NEW, REVIEW
from trainer.studyday import StudyDays

if TYPE_CHECKING:
    from trainer.session import Collection

#: A review-state answer is mature when the card's scheduled interval was this many days
#: or more (Anki's definition of a mature card).
MATURE_DAYS = 21
#: Days of the reviews calendar (the heatmap), today included.
CALENDAR_DAYS = 365
#: Days of the due forecast, today (with everything overdue) included.
FORECAST_DAYS = 30
#: Weeks of the retention series, the current one included.
RETENTION_WEEKS = 52

_DAY = 86400.0


class RetentionWeek(Struct, frozen=True):
    """Review-state answers of one week (Monday to Sunday, in study days)."""

    start: date
    young_reviews: int = 0
    young_passed: int = 0
    mature_reviews: int = 0
    mature_passed: int = 0

    @property
    def young(self) -> float | None:
        """Share of young answers not graded Again; ``None`` without any."""
        return self.young_passed / self.young_reviews if self.young_reviews else None

    @property
    def mature(self) -> float | None:
        return self.mature_passed / self.mature_reviews if self.mature_reviews else None

    def to_json(self) -> dict[str, Any]:
        return {
            "week": self.start.isoformat(),
            "young": {
                "reviews": self.young_reviews,
                "passed": self.young_passed,
                "retention": self.young,
            },
            "mature": {
                "reviews": self.mature_reviews,
                "passed": self.mature_passed,
                "retention": self.mature,
            },
        }


class Stats(Struct, frozen=True):
    reviews: int
    reviews_today: int
    #: Share of review-state answers not graded Again; ``None`` without such answers.
    retention: float | None
    #: Share of auto-graded answers that were right; ``None`` without any.
    accuracy: float | None
    streak: int
    #: Days with at least one answer.
    study_days: int
    time_spent_seconds: float
    #: Cards of the loaded decks by state ("new", "learning", "review", "relearning"),
    #: plus "suspended".
    cards: dict[str, int]
    #: Answers per study day (every day with an answer).
    per_day: dict[date, int] = field(default_factory=dict)
    #: The current study day.
    today: date = date.min
    #: The longest run of consecutive study days ever.
    longest_streak: int = 0
    #: Retention of young / mature review-state answers (all time); ``None`` without any.
    retention_young: float | None = None
    retention_mature: float | None = None
    #: Answers per study day for the last :data:`CALENDAR_DAYS` days, oldest first; the
    #: last entry is today.
    calendar: tuple[int, ...] = ()
    #: Cards due per study day from today on (:data:`FORECAST_DAYS` entries); entry 0 also
    #: holds every overdue card.
    forecast: tuple[int, ...] = ()
    #: The last :data:`RETENTION_WEEKS` weeks, oldest first; the last one holds today.
    retention_weeks: tuple[RetentionWeek, ...] = ()
    #: Seconds spent answering, per study day (days with an answer).
    time_per_day: dict[date, float] = field(default_factory=dict)

    @property
    def calendar_start(self) -> date:
        """The study day of ``calendar[0]``."""
        return self.today - timedelta(days=len(self.calendar) - 1)

    @property
    def time_today_seconds(self) -> float:
        return self.time_per_day.get(self.today, 0.0)

    def to_json(self) -> dict[str, Any]:
        return {
            "reviews": self.reviews,
            "reviews_today": self.reviews_today,
            "retention": self.retention,
            "accuracy": self.accuracy,
            "streak": self.streak,
            "study_days": self.study_days,
            "time_spent_seconds": round(self.time_spent_seconds, 3),
            "cards": self.cards,
            "per_day": {day.isoformat(): count for day, count in sorted(self.per_day.items())},
            # Added with the stats screen; the fields above are unchanged.
            "today": self.today.isoformat(),
            "longest_streak": self.longest_streak,
            "retention_young": self.retention_young,
            "retention_mature": self.retention_mature,
            "time_today_seconds": round(self.time_today_seconds, 3),
            "time_per_day": {
                day.isoformat(): round(seconds, 3)
                for day, seconds in sorted(self.time_per_day.items())
            },
            "calendar": {"start": self.calendar_start.isoformat(), "counts": list(self.calendar)},
            "forecast": list(self.forecast),
            "retention_weeks": [week.to_json() for week in self.retention_weeks],
        }


def compute_stats(collection: Collection, deck_ids: set[str] | None = None) -> Stats:
    """Statistics over the given decks' cards (default: every recorded card, orphans too,
    for the answers; the loaded decks' cards for the card counts and the forecast)."""
    now = collection.clock.now()
    # Each answer on the study day it was given on, with the UTC offset of its own time
    # (not today's: across a daylight-saving change, 4-5 am answers would shift a day).
    day_of = StudyDays(collection.config.scheduler.day_rollover_hour, collection.clock.zone).number
    today = day_of(now.timestamp())
    first_week = today - _weekday(today) - 7 * (RETENTION_WEEKS - 1)
    keys = None if deck_ids is None else {c.key for c in collection.study_cards(deck_ids)}
    per_day: Counter[int] = Counter()
    seconds_per_day: defaultdict[int, float] = defaultdict(float)
    # Per week index: [young reviews, young passed, mature reviews, mature passed].
    weeks = [[0, 0, 0, 0] for _ in range(RETENTION_WEEKS)]
    young = young_passed = mature = mature_passed = 0
    graded = right = 0
    last_key = None
    previous = None  # the card's state after its previous answer
    for event in collection.store.all_events():
        if event.kind != "review" or (keys is not None and event.key not in keys):
            continue
        if event.key != last_key:  # events come card by card, each in time order
            last_key, previous = event.key, None
        day = day_of(event.time)
        per_day[day] += 1
        if event.duration_ms:
            seconds_per_day[day] += event.duration_ms / 1000
        if event.correct is not None:
            graded += 1
            right += event.correct
        if previous is not None and previous.state == REVIEW:
            passed = event.grade > 1
            # In whole days: a 21-day interval across a clock change is 21 days less an
            # hour of seconds, and still 21 study days (as Anki counts it).
            interval = round(((previous.due or 0.0) - (previous.last_review or 0.0)) / _DAY)
            week = (day - first_week) // 7
            counts = weeks[week] if 0 <= week < RETENTION_WEEKS else None
            if interval >= MATURE_DAYS:
                mature += 1
                mature_passed += passed
                if counts is not None:
                    counts[2] += 1
                    counts[3] += passed
            else:
                young += 1
                young_passed += passed
                if counts is not None:
                    counts[0] += 1
                    counts[1] += passed
        if event.after is not None:
            previous = event.after
    streak = 0
    day = today if per_day.get(today) else today - 1
    while per_day.get(day):
        streak += 1
        day -= 1
    longest = run = 0
    last_day = None
    for day in sorted(per_day):
        run = run + 1 if last_day == day - 1 else 1
        longest = max(longest, run)
        last_day = day
    cards, forecast = _cards_and_forecast(collection, deck_ids, today, day_of)
    review_answers = young + mature
    return Stats(
        reviews=sum(per_day.values()),
        reviews_today=per_day.get(today, 0),
        retention=(young_passed + mature_passed) / review_answers if review_answers else None,
        accuracy=right / graded if graded else None,
        streak=streak,
        study_days=len(per_day),
        time_spent_seconds=sum(seconds_per_day.values()),
        cards=cards,
        per_day={date.fromordinal(n): count for n, count in per_day.items()},
        today=date.fromordinal(today),
        longest_streak=longest,
        retention_young=young_passed / young if young else None,
        retention_mature=mature_passed / mature if mature else None,
        calendar=tuple(per_day.get(n, 0) for n in range(today - CALENDAR_DAYS + 1, today + 1)),
        forecast=tuple(forecast),
        retention_weeks=tuple(
            RetentionWeek(date.fromordinal(first_week + 7 * i), *counts)
            for i, counts in enumerate(weeks)
        ),
        time_per_day={date.fromordinal(n): s for n, s in seconds_per_day.items()},
    )


def _weekday(day: int) -> int:
    """Weekday (Monday 0) of study-day ordinal ``day``."""
    return (day - 1) % 7  # ordinal 1 (0001-01-01) was a Monday


def _cards_and_forecast(
    collection: Collection, deck_ids: set[str] | None, today: int, day_of: Any
) -> tuple[dict[str, int], list[int]]:
    cards: Counter[str] = Counter(
        {NEW: 0, "learning": 0, REVIEW: 0, "relearning": 0, "suspended": 0}
    )
    forecast = [0] * FORECAST_DAYS
    records = collection.store.records
    for card in collection.study_cards(deck_ids):
        record = records.get(card.key)
        if record is None:
            cards[NEW] += 1
            continue
        state = record.state
        cards[state.state] += 1
        if record.suspended:
            cards["suspended"] += 1
            continue
        if state.state != NEW and state.due is not None:
            offset = max(0, day_of(state.due) - today)
            if offset < FORECAST_DAYS:
                forecast[offset] += 1
    return dict(cards), forecast


class Override(Struct, frozen=True):
    """Reviews of one study card that the learner overrode ("I was right" to a typed
    answer the grader called wrong): what deck authors may want to accept."""

    key: str
    count: int
    #: The distinct answers typed, oldest first.
    answers: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        deck, _, card = self.key.partition("/")
        return {
            "key": self.key,
            "deck": deck,
            "card": card.partition("::")[0],
            "count": self.count,
            "answers": list(self.answers),
        }


def compute_overrides(collection: Collection, deck_ids: set[str] | None = None) -> list[Override]:
    """Overridden reviews per study card of the given decks (default: every card,
    orphans too), most overridden first; undone reviews are left out."""
    keys = None if deck_ids is None else {c.key for c in collection.study_cards(deck_ids)}
    found: dict[str, list[str]] = {}
    for event in collection.store.all_events():
        if event.override is not None and (keys is None or event.key in keys):
            found.setdefault(event.key or "", []).append(event.override)
    return sorted(
        (Override(key, len(typed), tuple(dict.fromkeys(typed))) for key, typed in found.items()),
        key=lambda o: (-o.count, o.key),
    )
