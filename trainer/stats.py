"""Study statistics computed from the progress logs (no output here: see ``trainer stats``).

Definitions:

* *reviews*: answers recorded (undone ones excluded);
* *retention*: among answers to cards that were in the ``review`` state (due for a
  spaced review, not new or in learning steps), the share not graded Again: how much of
  what was learned was still remembered;
* *streak*: consecutive study days, ending today (or yesterday, when today has no answer
  yet), with at least one answer; days follow ``day_rollover_hour``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from trainer.scheduling import NEW, REVIEW, day_number

if TYPE_CHECKING:
    from trainer.session import Collection


@dataclass(frozen=True, slots=True)
class Stats:
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
    #: Answers per study day (for charts).
    per_day: dict[date, int] = field(default_factory=dict)

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
        }


def compute_stats(collection: Collection, deck_ids: set[str] | None = None) -> Stats:
    """Statistics over the given decks' cards (default: every recorded card, orphans too)."""
    now = collection.clock.now()
    hour = collection.config.scheduler.day_rollover_hour
    tz = now.tzinfo
    keys = None if deck_ids is None else {c.key for c in collection.study_cards(deck_ids)}
    per_day: Counter[int] = Counter()
    reviews = review_state_answers = retained = graded = right = 0
    time_spent = 0.0
    last_key = None
    previous_state = NEW
    for event in collection.store.all_events():
        if event.kind != "review" or (keys is not None and event.key not in keys):
            continue
        if event.key != last_key:  # events come card by card, each in time order
            last_key, previous_state = event.key, NEW
        reviews += 1
        per_day[day_number(datetime.fromtimestamp(event.time, tz), hour)] += 1
        if previous_state == REVIEW:
            review_state_answers += 1
            retained += event.grade > 1
        if event.correct is not None:
            graded += 1
            right += event.correct
        time_spent += (event.duration_ms or 0) / 1000
        previous_state = event.after.state if event.after is not None else previous_state
    today = day_number(now, hour)
    streak = 0
    day = today if per_day.get(today) else today - 1
    while per_day.get(day):
        streak += 1
        day -= 1
    cards: Counter[str] = Counter({NEW: 0, "learning": 0, REVIEW: 0, "relearning": 0, "suspended": 0})
    for card in collection.study_cards(deck_ids):
        record = collection.store.records.get(card.key)
        if record is None:
            cards[NEW] += 1
            continue
        cards[record.state.state] += 1
        if record.suspended:
            cards["suspended"] += 1
    return Stats(
        reviews=reviews,
        reviews_today=per_day.get(today, 0),
        retention=retained / review_state_answers if review_state_answers else None,
        accuracy=right / graded if graded else None,
        streak=streak,
        study_days=len(per_day),
        time_spent_seconds=time_spent,
        cards=dict(cards),
        per_day={date.fromordinal(n): count for n, count in per_day.items()},
    )

