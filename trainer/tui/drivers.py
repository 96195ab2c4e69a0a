"""What a card screen is driven by: a study session, a practice round, or a quiz.

The card screen shows one card at a time and sends the learner's answer and grade to a
*driver*; the three drivers differ only in what an answer changes:

* :class:`SessionDriver`: the real study session; grades are recorded durably and move
  the schedule.
* :class:`PracticeDriver`: the cards missed in a session, gone over again right away;
  graded by the same grader, never recorded.
* :class:`QuizDriver`: N random questions; graded, counted for the report, never recorded.

No Textual here: drivers are plain objects, tested without a terminal.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from msgspec import Struct

from trainer.model import CardType, StudyCard

if TYPE_CHECKING:
    from trainer.clock import Clock
    from trainer.grading import GradeResult
    from trainer.session import StudySession

#: Grade values as the scheduler numbers them (trainer.scheduling.Grade is an IntEnum of
#: these); kept here so the screens can label keys without importing the scheduler.
AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
GRADE_NAMES = {AGAIN: "Again", HARD: "Hard", GOOD: "Good", EASY: "Easy"}


class Outcome(Struct, frozen=True):
    """What the screen shows after an answer: the grader's verdict (``None`` for a
    self-graded ``basic`` card) and the grade it suggests."""

    result: GradeResult | None
    suggested: int


class CardDriver(Protocol):
    #: ``"study"``, ``"practice"`` or ``"quiz"``: what the screen calls the round.
    kind: str

    @property
    def current(self) -> StudyCard | None: ...
    @property
    def position(self) -> int: ...  # 1-based number of the current card
    @property
    def total(self) -> int: ...

    def submit(self, response: Any, *, duration: float | None) -> Outcome: ...
    def reveal(self) -> None: ...
    def record(self, grade: int) -> None: ...
    def undo(self) -> StudyCard | None: ...
    def intervals(self) -> dict[int, float] | None: ...  # grade -> seconds until due
    def can_undo(self) -> bool: ...


def suggest(result: GradeResult | None) -> int:
    """The grade a practice or quiz answer suggests: Again when wrong, else Good."""
    if result is None or result.correct:
        return GOOD
    return AGAIN


class SessionDriver:
    """Drives a :class:`trainer.session.StudySession`: answers go into the schedule."""

    kind = "study"

    def __init__(self, session: StudySession) -> None:
        self.session = session

    @property
    def current(self) -> StudyCard | None:
        return self.session.current

    @property
    def position(self) -> int:
        return self.session.position

    @property
    def total(self) -> int:
        return self.session.total

    def submit(self, response: Any, *, duration: float | None) -> Outcome:
        answer = self.session.submit(response, duration=duration)
        return Outcome(answer.result, int(answer.suggested))

    def reveal(self) -> None:
        self.session.reveal()

    def record(self, grade: int) -> None:
        from trainer.scheduling import Grade

        self.session.record(Grade(grade))

    def undo(self) -> StudyCard | None:
        return self.session.undo()

    def can_override(self) -> bool:
        return self.session.can_override()

    def record_override(self) -> None:
        """ "I was right": the typed answer graded wrong is recorded as correct (Good)."""
        from trainer.scheduling import Grade

        self.session.record(Grade.GOOD, override=True)

    def can_undo(self) -> bool:
        return self.session.can_undo

    def intervals(self) -> dict[int, float] | None:
        now = self.session.collection.clock.now()
        return {
            int(grade): (due - now).total_seconds() for grade, due in self.session.preview().items()
        }

    def bury_current(self) -> None:
        self.session.bury_current()

    def refresh_current(self) -> StudyCard | None:
        return self.session.refresh_current()

    @property
    def remaining(self) -> tuple[int, int, int]:
        """New, learning and review cards left (the current one included): the learning
        cards that can be studied now, as Anki counts them; those due later today come
        back when they are due (the summary says when)."""
        counts = self.session.remaining
        return counts.new, counts.learning_now, counts.due

    def suspend_current(self) -> None:
        self.session.suspend_current()

    def flag_current(self) -> bool:
        return self.session.flag_current()


class PracticeDriver:
    """Go over ``cards`` again now, graded but never recorded: the schedule is untouched."""

    kind = "practice"

    def __init__(self, cards: Sequence[StudyCard]) -> None:
        self.cards = list(cards)
        self._index = 0
        self.missed: list[StudyCard] = []

    @property
    def current(self) -> StudyCard | None:
        return self.cards[self._index] if self._index < len(self.cards) else None

    @property
    def position(self) -> int:
        return min(self._index + 1, len(self.cards))

    @property
    def total(self) -> int:
        return len(self.cards)

    def submit(self, response: Any, *, duration: float | None) -> Outcome:
        from trainer.grading import grade  # first needed at the first answer, not at start-up

        card = self.current
        assert card is not None, "no card to answer"
        result = None if card.type.self_graded else grade(card, response)
        return Outcome(result, suggest(result))

    def reveal(self) -> None:
        pass

    def record(self, grade: int) -> None:
        card = self.current
        if card is not None and grade == AGAIN:
            self.missed.append(card)
        self._index += 1

    def can_undo(self) -> bool:
        return self._index > 0

    def intervals(self) -> dict[int, float] | None:
        return None  # nothing is scheduled

    def undo(self) -> StudyCard | None:
        if self._index == 0:
            return None
        self._index -= 1
        if self.missed and self.missed[-1] is self.cards[self._index]:
            self.missed.pop()
        return self.current


#: A quiz asks these types; ``basic`` cards are self-graded (Again counts as wrong).
QUIZ_TYPES = frozenset(CardType)


class QuizItem(Struct):
    """One question of a quiz and what became of it."""

    card: StudyCard
    given: str | None = None  # the answer as shown in the report; None = not answered
    correct: bool = False
    expected: str = ""


class QuizDriver(Struct):
    """``count`` random questions from ``pool``, optionally within ``time_limit`` seconds.

    Nothing is recorded: a quiz is an exam, not a review, so the schedule is untouched.
    """

    items: list[QuizItem]
    clock: Clock
    time_limit: float | None = None
    started: float = 0.0
    _index: int = 0
    _pending: QuizItem | None = None
    finished: bool = False

    kind = "quiz"

    @classmethod
    def build(
        cls,
        pool: Sequence[StudyCard],
        count: int,
        clock: Clock,
        *,
        rng: random.Random,
        time_limit: float | None = None,
    ) -> QuizDriver:
        candidates = [card for card in pool if card.type in QUIZ_TYPES]
        chosen = rng.sample(candidates, min(count, len(candidates)))
        items = [QuizItem(card, expected=expected_text(card)) for card in chosen]
        return cls(items, clock, time_limit, started=clock.monotonic())

    @property
    def current(self) -> StudyCard | None:
        if self.finished or self._index >= len(self.items):
            return None
        return self.items[self._index].card

    @property
    def position(self) -> int:
        return min(self._index + 1, len(self.items))

    @property
    def total(self) -> int:
        return len(self.items)

    def seconds_left(self) -> float | None:
        """Time left, or ``None`` without a time limit; never negative."""
        if self.time_limit is None:
            return None
        return max(0.0, self.time_limit - (self.clock.monotonic() - self.started))

    def submit(self, response: Any, *, duration: float | None) -> Outcome:
        item = self.items[self._index]
        if item.card.type.self_graded:
            item.given = "(self-graded)"
            self._pending = item
            return Outcome(None, GOOD)
        from trainer.grading import grade

        result = grade(item.card, response)
        item.given = response_text(response, item.card.type)
        item.correct = result.correct
        item.expected = result.expected
        return Outcome(result, suggest(result))

    def reveal(self) -> None:
        pass

    def record(self, grade: int) -> None:
        item = self.items[self._index]
        if item.card.type.self_graded:
            item.correct = grade != AGAIN
            item.given = "knew it" if item.correct else "did not know"
        self._index += 1
        if self._index >= len(self.items):
            self.finished = True

    def undo(self) -> StudyCard | None:
        return None  # an exam answer is final

    def can_undo(self) -> bool:
        return False

    def intervals(self) -> dict[int, float] | None:
        return None  # nothing is scheduled

    def finish(self) -> None:
        """End the quiz now (time is up): unanswered questions count as wrong."""
        self.finished = True

    @property
    def score(self) -> int:
        return sum(item.correct for item in self.items)


def response_text(response: Any, card_type: CardType) -> str:
    """A learner's response as one line of text for feedback and reports."""
    if isinstance(response, bool):
        return "true" if response else "false"
    if isinstance(response, str):
        return response
    return (" → " if card_type is CardType.ORDER else ", ").join(response)


def expected_text(card: StudyCard) -> str:
    """The correct answer of any card, as text."""
    c = card.card
    match c.type:
        case CardType.BASIC:
            return c.front if card.variant == "reverse" else c.back
        case CardType.CLOZE:
            cloze = card.cloze
            return ", ".join(cloze.answers) if cloze else ""
        case CardType.TYPED | CardType.CHOICE:
            return c.answer
        case CardType.MULTI:
            return ", ".join(c.answers)
        case CardType.ORDER:
            return " → ".join(c.items)
        case CardType.TRUEFALSE:
            return "true" if c.truth else "false"
    return ""  # pragma: no cover
