"""When a card comes back: FSRS scheduling, grades, suggested grades and the study day.

The FSRS algorithm itself comes from the ``fsrs`` package; this module adapts it to the
trainer: settings merged from defaults, the global config file and the deck, immutable
per-card :class:`CardState`, and *deterministic* fuzz, so that replaying the review log
reproduces exactly the due dates that were shown to the learner.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, tzinfo
from enum import IntEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from msgspec import Struct
from msgspec.structs import replace

from trainer.intervals import (
    days_per_stability,
    graduating_easy_interval,
    graduating_interval,
    passing_review_interval,
    round_half_up,
)
from trainer.studyday import StudyDays

if TYPE_CHECKING:
    from trainer.model import Card, SchedulingSettings


class Grade(IntEnum):
    """The four answers of spaced repetition, numbered as FSRS and Anki number them."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class SchedulerSettings(Struct, frozen=True):
    """Everything that decides when cards come back, merged from defaults < config < deck."""

    desired_retention: float = 0.9
    learning_steps: tuple[float, ...] = (1.0, 10.0)  # minutes
    relearning_steps: tuple[float, ...] = (10.0,)  # minutes
    maximum_interval: int = 36500  # days
    enable_fuzzing: bool = True
    new_per_day: int = 20
    reviews_per_day: int = 200
    #: A card that lapses this many times becomes a leech (suspended and flagged).
    leech_lapses: int = 8
    #: The study day starts at this local hour: reviews at 1 am count for the day before.
    day_rollover_hour: int = 4
    #: An auto-graded right answer given within this many seconds suggests Easy...
    fast_seconds: float = 5.0
    #: ...and one that took longer than this suggests Hard.
    slow_seconds: float = 25.0
    #: Fitted FSRS weights (21 numbers), or ``None`` for the package defaults.
    parameters: tuple[float, ...] | None = None

    def with_deck(self, deck: SchedulingSettings | None) -> SchedulerSettings:
        """These settings with a deck's ``scheduling:`` overrides applied."""
        if deck is None:
            return self
        # Every field of a deck's scheduling: (declared in trainer.deckformat) is one of
        # ours of the same name; None leaves ours as it is.
        overrides = {
            name: value
            for name in deck.__struct_fields__
            if (value := getattr(deck, name)) is not None
        }
        return replace(self, **overrides) if overrides else self

    def fingerprint(self) -> str:
        """A short stable digest of what affects computed intervals (for caches)."""
        relevant = (
            self.desired_retention,
            self.learning_steps,
            self.relearning_steps,
            self.maximum_interval,
            self.enable_fuzzing,
            self.parameters,
            self.day_rollover_hour,
            "study-days",
        )
        return hashlib.sha1(repr(relevant).encode()).hexdigest()[:16]


#: Learning states, as stored in the progress log.
NEW, LEARNING, REVIEW, RELEARNING = "new", "learning", "review", "relearning"
_FSRS_STATE = {LEARNING: 1, REVIEW: 2, RELEARNING: 3}
_STATE_NAME = {1: LEARNING, 2: REVIEW, 3: RELEARNING}


class CardState(NamedTuple):
    """The scheduling state of one study card after its reviews so far (immutable).

    Times are POSIX timestamps (seconds, UTC) so that thousands of states stay cheap to
    cache; :func:`to_datetime` converts them. A named tuple because tens of thousands are
    built at every start-up.
    """

    state: str = NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: float | None = None
    last_review: float | None = None
    reps: int = 0
    lapses: int = 0

    @property
    def is_new(self) -> bool:
        return self.state == NEW


def to_datetime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _places(value: float, places: int) -> float:
    """``value`` rounded to ``places`` decimals, halves away from zero (as Anki rounds)."""
    factor = 10**places
    return round_half_up(value * factor) / factor


def _fuzz_factor(key: str, when: datetime) -> float:
    """Where in its fuzz range a card's interval lands (0 <= f < 1): a function of the
    card and the time of the answer, so a replay gives the same due dates."""
    digest = hashlib.sha256(f"{key}|{when.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:7], "big") / 2**56


class Scheduler:
    """FSRS on study days, with Anki's interval rules and reproducible fuzz.

    The ``fsrs`` package computes memory states (stability, difficulty) and learning
    steps. This class feeds it elapsed time in *study days* (:class:`StudyDays`: the
    rollover hour in the learner's zone), as Anki does, so that an answer at 09:00:00.4
    eleven days after one at 09:00:00.6 counts as 11 days, and one the next morning after
    an evening answer counts as a day, not as "same day". Reviews within one study day
    keep FSRS's short-term handling. Intervals in days then follow Anki's rules
    (:mod:`trainer.intervals`): Hard >= 1 day, Good >= Hard + 1, Easy >= Good + 1 in
    review; Easy >= Good + 1 when graduating; fuzz as Anki draws it.
    """

    def __init__(
        self, settings: SchedulerSettings = SchedulerSettings(), zone: tzinfo | None = None
    ) -> None:
        import fsrs  # deferred: only needed once something is scheduled

        self.settings = settings
        self.days = StudyDays(settings.day_rollover_hour, zone)
        from fsrs.scheduler import DEFAULT_PARAMETERS

        self._fsrs = fsrs.Scheduler(
            parameters=DEFAULT_PARAMETERS if settings.parameters is None else settings.parameters,
            desired_retention=settings.desired_retention,
            learning_steps=tuple(timedelta(minutes=m) for m in settings.learning_steps),
            relearning_steps=tuple(timedelta(minutes=m) for m in settings.relearning_steps),
            maximum_interval=settings.maximum_interval,
            enable_fuzzing=False,  # fuzz is applied here, as Anki applies it
        )
        self._days_per_stability = days_per_stability(
            self._fsrs.parameters, settings.desired_retention
        )

    def _card(self, state: CardState, when: datetime) -> Any:
        """``state`` as an ``fsrs`` card whose last review lies exactly as many whole days
        before ``when`` as there are study days between them."""
        import fsrs

        if state.is_new:
            return fsrs.Card(card_id=0, due=when)
        assert state.due is not None
        last_review = None
        if state.last_review is not None:
            elapsed = max(0, self.days.between(state.last_review, when.timestamp()))
            last_review = when - timedelta(days=elapsed)
        return fsrs.Card(
            card_id=0,
            state=fsrs.State(_FSRS_STATE[state.state]),
            step=state.step,
            stability=state.stability,
            difficulty=state.difficulty,
            due=to_datetime(state.due),
            last_review=last_review,
        )

    def review(
        self, key: str, state: CardState, grade: Grade, when: datetime, *, schedule: bool = True
    ) -> CardState:
        """The state of card ``key`` after answering ``grade`` at ``when`` (aware datetime).

        Deterministic: the same (key, state, grade, when) always gives the same result,
        fuzz included. ``schedule=False`` leaves a card in review due at once instead of
        working out its interval (three more FSRS steps): for replaying a history to
        predict recall, which needs the memory state only (the due date never feeds it).
        """
        import fsrs

        when_utc = when.astimezone(UTC)
        card = self._card(state, when_utc)
        answered, _ = self._fsrs.review_card(card, fsrs.Rating(int(grade)), when_utc)
        stability, difficulty = answered.stability, answered.difficulty
        assert stability is not None and difficulty is not None  # set by every review
        now = when_utc.timestamp()
        if answered.state == fsrs.State.Review and not schedule:
            due = when_utc.timestamp()
        elif answered.state == fsrs.State.Review:
            days = self._interval_days(key, state, card, grade, stability, when_utc)
            due = self.days.later(now, days)
        else:
            due = answered.due.timestamp()
        lapsed = grade == Grade.AGAIN and state.state == REVIEW
        return CardState(
            state=_STATE_NAME[int(answered.state)],
            step=answered.step,
            # Kept as Anki keeps them (the next review starts from these): stability to
            # 4 decimals, difficulty to 3. This answer's interval used the exact values.
            stability=_places(stability, 4),
            difficulty=_places(difficulty, 3),
            due=due,
            last_review=now,
            reps=state.reps + 1,
            lapses=state.lapses + (1 if lapsed else 0),
        )

    def _interval_days(
        self, key: str, state: CardState, card: Any, grade: Grade, stability: float, when: datetime
    ) -> int:
        """Days until a card that is (now) in review comes back, by Anki's rules."""
        import fsrs

        settings = self.settings
        fuzz = _fuzz_factor(key, when) if settings.enable_fuzzing else None

        def raw(rating: int) -> float:
            if rating == grade:
                return stability * self._days_per_stability
            other, _ = self._fsrs.review_card(card, fsrs.Rating(int(rating)), when)
            assert other.stability is not None  # set by every review
            return other.stability * self._days_per_stability

        maximum = settings.maximum_interval
        if state.state == REVIEW and grade != Grade.AGAIN:
            assert state.due is not None and state.last_review is not None
            scheduled = max(0, self.days.between(state.last_review, state.due))
            return passing_review_interval(int(grade), raw, scheduled, maximum, fuzz)
        if grade == Grade.EASY:
            return graduating_easy_interval(raw(Grade.GOOD), raw(Grade.EASY), maximum, fuzz)
        return graduating_interval(raw(grade), maximum, fuzz)

    def retrievability(self, state: CardState, now: datetime) -> float | None:
        """Predicted probability of recalling the card at ``now``; ``None`` for new cards."""
        if state.is_new or state.stability is None or state.last_review is None:
            return None
        now_utc = now.astimezone(UTC)
        card = self._card(state._replace(due=state.due or state.last_review), now_utc)
        return float(self._fsrs.get_card_retrievability(card, now_utc))


#: ``multi`` and ``order`` cards with at most this many options or items can be answered
#: right by a guess often enough (1 in 7, 1 in 6) that a right answer does not show the
#: card is known.
GUESSABLE_ITEMS = 3


def is_guessable(card: Card) -> bool:
    """Whether a right answer to ``card`` may well be a lucky guess: every ``truefalse``
    and ``choice`` card, and ``multi``/``order`` cards with few options or items."""
    kind = str(card.type)
    if kind in ("truefalse", "choice"):
        return True
    if kind == "multi":
        return len(card.options) <= GUESSABLE_ITEMS
    if kind == "order":
        return len(card.items) <= GUESSABLE_ITEMS
    return False


def suggest_grade(
    correct: bool | None,
    duration: float | None,
    settings: SchedulerSettings,
    *,
    typos: int = 0,
    lucky_guess: bool = False,
) -> Grade:
    """The grade proposed to the learner, who may override it before it is recorded.

    Wrong is Again; right is Good, or Hard when it took longer than ``slow_seconds``, or
    Easy when it took less than ``fast_seconds``, except that it is never Easy for an
    answer accepted with ``typos`` (the learner did not quite have it) or one that may be
    a ``lucky_guess`` (a guessable card, :func:`is_guessable`, not yet out of learning: a
    fast right guess would otherwise send a card nobody knows a week away). Self-graded
    cards (``correct is None``) suggest Good.
    """
    if correct is None:
        return Grade.GOOD
    if not correct:
        return Grade.AGAIN
    if duration is not None:
        if duration > settings.slow_seconds:
            return Grade.HARD
        if duration < settings.fast_seconds and not typos and not lucky_guess:
            return Grade.EASY
    return Grade.GOOD


def day_start(now: datetime, rollover_hour: int) -> datetime:
    """Start of the study day containing ``now``, in ``now``'s own (local) time zone.

    With the default rollover at 4 am, 1 am on Tuesday still belongs to Monday.
    """
    start = now.replace(hour=rollover_hour, minute=0, second=0, microsecond=0)
    if now < start:
        start -= timedelta(days=1)
    return start
