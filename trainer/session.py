"""One sitting of study (:class:`StudySession`): the card to show, answering, recording,
undo, and the summary.

The decks and their progress are a :class:`trainer.collection.Collection`; today's queue
(what is available, in what order, within the limits) is :mod:`trainer.queue`'s.

Pure core: no textual, no rich. The TUI, the headless ``trainer review --jsonl`` protocol
and the ``due``/``stats`` commands all drive these classes.

Typical use::

    collection = Collection.open(paths, progress_dir, clock=SystemClock())
    session = collection.start_session()
    while (card := session.current) is not None:
        answer = session.submit(response)      # auto-graded types: right or wrong
        session.record(answer.suggested)       # durable before it returns; next card
    print(session.summary())
    collection.close()

:class:`Collection`, :class:`DeckCounts`, :class:`DayAhead`, :class:`CardProgress`,
:class:`ReviewEvent` and :class:`ProgressError` are importable from here as well.
"""

from __future__ import annotations

from collections.abc import Collection as CollectionOf
from datetime import datetime
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from trainer.collection import CardProgress, Collection, ReviewEvent
from trainer.model import CardType, StudyCard
from trainer.progress.errors import ProgressError
from trainer.progress.events import (
    encode_mark,
    encode_review,
    encode_undo,
    now_text,
    truncate_to_ms,
)
from trainer.progress.replay import CardRecord
from trainer.progress.store import new_event_id
from trainer.queue import DayAhead, DeckCounts, TodayQueue, buried_today
from trainer.scheduling import (
    LEARNING,
    NEW,
    RELEARNING,
    REVIEW,
    Grade,
    is_guessable,
    suggest_grade,
    to_datetime,
)

if TYPE_CHECKING:
    from trainer.grading import GradeResult

__all__ = [
    "Answer",
    "CardChanged",
    "CardProgress",
    "Collection",
    "DayAhead",
    "DeckCounts",
    "ProgressError",
    "ReviewEvent",
    "SessionSummary",
    "StudySession",
]


def is_leech_lapse(lapses: int, threshold: int) -> bool:
    """A lapse that makes (or keeps making) a card a leech: at the threshold, then every
    half threshold after it, as Anki does."""
    if lapses < threshold:
        return False
    return (lapses - threshold) % max(1, threshold // 2) == 0


class Answer(Struct, frozen=True):
    """What :meth:`StudySession.submit` returns; nothing is recorded yet.

    Attributes: ``result`` (the grading of an auto-graded card; ``None`` for ``basic``,
    self-graded cards); ``suggested`` (wrong: Again; right: Good, Hard when slow, Easy
    when fast; basic: Good); ``duration`` (seconds from showing the card to the answer,
    what the suggestion was based on).
    """

    result: GradeResult | None
    suggested: Grade
    duration: float | None = None


class SessionSummary(Struct, frozen=True):
    """The end-of-session report.

    Attributes: ``studied`` (answers recorded; a card answered twice counts twice);
    ``correct`` (answers graded Hard, Good or Easy); ``accuracy`` (``correct / studied``,
    ``None`` when nothing was studied); ``time_spent`` (sum of answer durations, seconds);
    ``missed`` (cards answered Again at least once this session, in the order first
    missed); ``cards`` (the cards answered, each once).
    """

    studied: int
    correct: int
    accuracy: float | None
    time_spent: float
    missed: list[StudyCard] = field(default_factory=list)
    cards: int = 0


class _Recorded(Struct):
    """One undoable action of a session: the ``card``, the ``event_ids`` written, the
    card's record ``before``, what it counted against (``limit``: "new" or "review", the
    daily limits; "suspend"; or "") and, for an answer, ``(grade, correct, duration)``."""

    card: StudyCard
    event_ids: list[str]
    before: CardRecord
    limit: str
    answer: tuple[Grade, bool | None, float] | None


class CardChanged(Exception):
    """The current card was answered, suspended or buried elsewhere (another window, a
    synced device) since it was shown: nothing was recorded, and the session moved on."""


class StudySession:
    """One sitting: today's queue, answering, recording, undo.

    ``current`` is the card to show; ``None`` means nothing is left to study right now
    (see :attr:`waiting_until` for learning cards due later today).

    Order: learning and relearning cards as soon as they are due; then due reviews
    (earliest due first); then new cards in deck order. Daily limits apply per deck;
    siblings (reverse side, other cloze deletions) of a card studied today wait until
    tomorrow.

    ``position``/``total`` give "card 3 of 41": ``position`` is the 1-based number of the
    current card in this session and ``total`` is answers given plus cards still to study.
    ``total`` may grow during a session, since a card answered Again (or in learning
    steps) comes back later the same day.

    Attributes: ``collection``; ``deck_ids`` (the decks studied); ``queue`` (today's
    :class:`trainer.queue.TodayQueue` over them); ``current``; :attr:`can_undo`.
    """

    current: StudyCard | None

    def __init__(self, collection: Collection, deck_ids: CollectionOf[str] | None = None) -> None:
        self.collection = collection
        self.deck_ids = [d.id for d in collection.decks if deck_ids is None or d.id in deck_ids]
        self._clock = collection.clock
        self._answers: list[tuple[StudyCard, Grade, bool | None, float]] = []
        self._undo: list[_Recorded] = []
        self._pending: Answer | None = None
        #: What was submitted for the pending answer (kept for an override).
        self._response: Any = None
        self._shown_at = 0.0
        self._revealed_at: float | None = None
        self.queue = TodayQueue(collection, self.deck_ids)
        self.current = None
        self._advance()

    def _show(self, card: StudyCard | None) -> None:
        self.current = card
        self._shown_last_id = (
            None if card is None else self.collection.card_record(card.key).last_id
        )
        self._pending = None
        self._response = None
        self._revealed_at = None
        self._shown_at = self._clock.monotonic()

    def _advance(self) -> None:
        # A new study day (4 am passed mid-session) brings a new queue and new limits;
        # so do answers from other windows: they count against the same daily limits.
        now = self._clock.now().timestamp()
        if self.queue.stale(now):
            self.queue.build()
        key = self.queue.next_key(now)
        self._show(None if key is None else self.collection.card(key))

    def next(self) -> StudyCard | None:
        """Re-check the queue (e.g. after waiting for a learning card); returns ``current``."""
        if self.current is None:
            self._advance()
        return self.current

    def _changed_elsewhere(self, record: CardRecord) -> bool:
        """Whether the current card was answered, suspended or buried by someone else
        since shown."""
        return (
            record.last_id != self._shown_last_id
            or record.suspended
            or buried_today(record, self.queue.day_start)
        )

    def recheck(self) -> bool:
        """Read what other windows and devices recorded; if the current card was answered,
        suspended or buried there since it was shown, move on. True if the current card
        changed."""
        store = self.collection.store
        store.refresh()
        card = self.current
        if card is None or not self._changed_elsewhere(self.collection.card_record(card.key)):
            return False
        self._advance()
        return True

    @property
    def remaining(self) -> DeckCounts:
        """Cards left today over the session's decks (new, learning, due; of the
        learning cards, ``learning_now`` can be studied now, as Anki counts them)."""
        return self.queue.remaining(len(self._answers), self._clock.now().timestamp())

    @property
    def can_undo(self) -> bool:
        """Whether :meth:`undo` has something to undo."""
        return bool(self._undo)

    @property
    def position(self) -> int:
        return len(self._answers) + (1 if self.current is not None else 0)

    @property
    def total(self) -> int:
        remaining = self.remaining
        to_study = remaining.new + remaining.learning + remaining.due
        if self.current is not None and not self.queue.counted(self.current.key):
            to_study += 1
        return len(self._answers) + to_study

    @property
    def waiting_until(self) -> datetime | None:
        """When ``current`` is ``None`` but learning cards are due later today: when."""
        if self.current is not None:
            return None
        when = self.queue.waiting_until()
        return None if when is None else when.astimezone(self._clock.now().tzinfo)

    # -- answering -------------------------------------------------------------------

    def _require_current(self) -> StudyCard:
        if self.current is None:
            raise ValueError("no current card: the session is done for now")
        return self.current

    def submit(self, response: Any, *, duration: float | None = None) -> Answer:
        """Grade ``response`` to the current card (not recorded yet).

        Auto-graded types are graded by :func:`trainer.grading.grade`; for ``basic`` cards
        ``response`` is ignored. ``duration`` (seconds) defaults to the time since the card
        was shown. May be called again to replace the previous answer.
        """
        card = self._require_current()
        if duration is None:
            end = self._revealed_at if self._revealed_at is not None else self._clock.monotonic()
            duration = max(0.0, end - self._shown_at)
        settings = self.collection.settings(card.deck_id)
        if card.type.self_graded:
            answer = Answer(None, suggest_grade(None, duration, settings), duration)
        else:
            from trainer.grading import grade

            result = grade(card, response)
            lucky_guess = is_guessable(card.card) and self.collection.state(card.key).state in (
                NEW,
                LEARNING,
            )
            suggested = suggest_grade(
                result.correct, duration, settings, typos=result.typos, lucky_guess=lucky_guess
            )
            answer = Answer(result, suggested, duration)
        self._pending = answer
        self._response = response
        return answer

    def preview(self) -> dict[Grade, datetime]:
        """When each grade would make the current card due next (the schedule the
        grade buttons show), as :meth:`record` would compute it now."""
        card = self._require_current()
        when = truncate_to_ms(self._clock.now())
        state = self.collection.card_record(card.key).state
        scheduler = self.collection.scheduler(card.deck_id)
        result = {}
        for grade in Grade:
            due = scheduler.review(card.key, state, grade, when).due
            assert due is not None  # every answer schedules the card
            result[grade] = to_datetime(due).astimezone(when.tzinfo)
        return result

    def bury_current(self) -> None:
        """Bury the current card until the next study day (durable, undoable) and move
        on: no session shows it again today, here, in other windows or on devices that
        sync this log. Its schedule is untouched."""
        card = self._require_current()
        ids, before = self.collection.write_mark("bury", card.key)
        self._undo.append(_Recorded(card, ids, before, "", None))
        self._advance()

    def refresh_current(self) -> StudyCard | None:
        """After a live reload: the current card with its new text (same key)."""
        if self.current is not None:
            self.current = self.collection.card(self.current.key) or self.current
        return self.current

    def reveal(self) -> None:
        """Basic cards: the back is shown now (the answer time stops here)."""
        self._require_current()
        if self._revealed_at is None:
            self._revealed_at = self._clock.monotonic()

    def can_override(self) -> bool:
        """Whether the pending answer is a typed one (typed, cloze) the grader called
        wrong."""
        pending = self._pending
        return (
            pending is not None
            and pending.result is not None
            and not pending.result.correct
            and isinstance(self._response, str)
            and self.current is not None
            and self.current.type in (CardType.TYPED, CardType.CLOZE)
        )

    def record(
        self, grade: Grade, *, override: bool = False, only_if_unchanged: bool = False
    ) -> None:
        """Record ``grade`` for the current card, durably (fsync) before returning; advance.

        ``override``: the learner says "I was right" to a typed answer graded wrong (see
        :meth:`can_override`): it is recorded as correct, with the text typed, in the
        review's ``override`` field.

        Raises :class:`ProgressError` if the answer could not be saved; the session then
        stays on the same card and nothing earlier is lost. With ``only_if_unchanged``,
        a card answered or suspended elsewhere since it was shown (checked under the
        log's lock) is not recorded again: the session moves on and :class:`CardChanged`
        is raised.
        """
        card = self._require_current()
        grade = Grade(grade)
        if override and not self.can_override():
            raise ValueError("only a typed answer graded wrong can be overridden")
        overridden = None
        if override:
            from trainer.textsafe import sanitize

            overridden = sanitize(self._response)[0]
        if self._pending is not None:
            correct = self._pending.result.correct if self._pending.result is not None else None
            correct = True if override else correct
            duration = self._pending.duration or 0.0
        else:
            correct = None
            end = self._revealed_at if self._revealed_at is not None else self._clock.monotonic()
            duration = max(0.0, end - self._shown_at)
        collection = self.collection
        store = collection.store
        key = card.key
        settings = collection.settings(card.deck_id)
        with store.transaction():
            before = collection.card_record(key).copy()
            changed = only_if_unchanged and self._changed_elsewhere(before)
            if not changed:
                when = truncate_to_ms(self._clock.now())
                after = collection.scheduler(card.deck_id).review(key, before.state, grade, when)
                lines = [
                    encode_review(
                        new_event_id(),
                        key,
                        now_text(when),
                        int(grade),
                        round(duration * 1000),
                        correct,
                        before.last_id,
                        after,
                        overridden,
                    )
                ]
                if after.lapses > before.state.lapses and is_leech_lapse(
                    after.lapses, settings.leech_lapses
                ):
                    lines.append(encode_mark("leech", new_event_id(), key, now_text(when)))
                events = store.write(lines)
        if changed:
            self._advance()
            raise CardChanged(key)
        if before.state.state == NEW:
            limit = "new"
        elif (
            before.state.state == REVIEW
            and (before.state.last_review or 0.0) < self.queue.day_start
        ):
            limit = "review"
        else:
            limit = ""
        self.queue.count(card.deck_id, limit, -1)
        if after.state in (LEARNING, RELEARNING):
            self.queue.add_learning(key)
        self._answers.append((card, grade, correct, duration))
        self._undo.append(
            _Recorded(card, [e.id for e in events], before, limit, (grade, correct, duration))
        )
        self._advance()

    def undo(self) -> StudyCard | None:
        """Undo the last recorded action (answer, suspend, flag or bury), several levels deep.

        The undo is recorded in the progress log (an ``undo`` event naming the undone
        events), so a reload gives exactly the state before the undone action. The undone
        card becomes current again; returns it, or ``None`` when there is nothing to undo.
        """
        if not self._undo:
            return None
        action = self._undo[-1]
        store = self.collection.store
        key = action.card.key
        with store.transaction():
            current = store.records.get(key)
            # Someone else (another instance, a sync) changed the card since: let the
            # replay work out the state instead of restoring our copy.
            untouched = current is not None and (
                current.last_id == (action.event_ids[0] if action.answer else action.before.last_id)
            )
            store.write(
                [encode_undo(new_event_id(), now_text(self._clock.now()), tuple(action.event_ids))],
                restore={key: action.before} if untouched else None,
            )
            if not untouched:
                store.reload()
        self._undo.pop()
        self.queue.count(action.card.deck_id, action.limit, +1)
        if action.answer is not None and self._answers:
            self._answers.pop()
        self._show(action.card)
        return action.card

    def suspend_current(self) -> None:
        """Suspend the current card (durable, undoable) and move to the next."""
        card = self._require_current()
        ids, before = self.collection.write_mark("suspend", card.key)
        self._undo.append(_Recorded(card, ids, before, "suspend", None))
        self.queue.count(card.deck_id, "suspend", -1)
        self._advance()

    def flag_current(self) -> bool:
        """Toggle the current card's flag (durable, undoable); returns the new value."""
        card = self._require_current()
        flagged = not self.collection.card_record(card.key).flagged
        ids, before = self.collection.write_mark("flag" if flagged else "unflag", card.key)
        self._undo.append(_Recorded(card, ids, before, "", None))
        return flagged

    def summary(self) -> SessionSummary:
        studied = len(self._answers)
        correct = sum(1 for _, grade, _, _ in self._answers if grade != Grade.AGAIN)
        missed: list[StudyCard] = []
        seen: set[str] = set()
        for card, grade, _, _ in self._answers:
            if grade == Grade.AGAIN and card.key not in seen:
                seen.add(card.key)
                missed.append(card)
        return SessionSummary(
            studied=studied,
            correct=correct,
            accuracy=correct / studied if studied else None,
            time_spent=sum(duration for *_, duration in self._answers),
            missed=missed,
            cards=len({card.key for card, *_ in self._answers}),
        )
