"""What a study session hands back: answers, recorded reviews, card progress, summaries.

Kept apart from :mod:`trainer.session` so that a start-up (which needs none of these until
the first answer) does not pay for creating their classes; import them from
:mod:`trainer.session` as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trainer.grading import GradeResult
    from trainer.model import StudyCard
    from trainer.scheduling import Grade


@dataclass(frozen=True, slots=True)
class Answer:
    """What :meth:`StudySession.submit` returns; nothing is recorded yet."""

    #: The grading of an auto-graded card; ``None`` for ``basic`` (self-graded) cards.
    result: GradeResult | None
    #: Wrong: Again. Right: Good, Hard when slow, Easy when fast. Basic: Good.
    suggested: Grade
    #: Seconds from showing the card to the answer (what the suggestion was based on).
    duration: float | None = None


@dataclass(frozen=True, slots=True)
class ReviewEvent:
    """One recorded answer, as kept in the progress log."""

    key: str
    time: datetime
    grade: Grade
    duration_ms: int | None
    #: Right or wrong for auto-graded cards; ``None`` for self-graded ones.
    correct: bool | None
    device: str


@dataclass(frozen=True, slots=True)
class CardProgress:
    """Everything known about one study card's progress."""

    key: str
    state: str  # "new" | "learning" | "review" | "relearning"
    due: datetime | None
    stability: float | None
    difficulty: float | None
    #: Predicted probability of recall now; ``None`` for new cards.
    retrievability: float | None
    reps: int
    lapses: int
    suspended: bool
    flagged: bool
    leech: bool
    history: tuple[ReviewEvent, ...]


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """The end-of-session report."""

    #: Answers recorded (a card answered twice counts twice).
    studied: int
    #: Answers graded Hard, Good or Easy.
    correct: int
    #: ``correct / studied``, or ``None`` when nothing was studied.
    accuracy: float | None
    #: Sum of answer durations, in seconds.
    time_spent: float
    #: Cards answered Again at least once this session, in the order first missed.
    missed: list[StudyCard] = field(default_factory=list)


__all__ = ["Answer", "CardProgress", "ReviewEvent", "SessionSummary"]
