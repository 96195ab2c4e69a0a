"""A terminal quiz and flashcard trainer: YAML decks, FSRS scheduling, a Textual TUI.

The core (``model``, ``loader``, ``grading``, ``validation``, ``scheduling``, ``queue``,
``progress``, ``collection``, ``session``) never imports textual or rich;
``trainer.tui`` is the only layer that does.

The public API is the names in ``__all__`` (see docs/api.md): load a deck, grade an
answer, open a collection (read-only if you like), study, schedule. Each is imported on
first use, from the one table below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it. Imported on first use (PEP 562) because
#: every ``trainer`` command imports this package first: ``trainer --help`` or the TUI
#: must not pay for the loader, YAML, the grader and FSRS before it needs them (importing
#: every name here at once takes about 100 ms; ``trainer.cli`` itself 11 ms).
_PUBLIC = {
    "load_deck": "trainer.loader",  # a deck file -> LoadResult (deck + diagnostics)
    "grade": "trainer.grading",  # a card and a response -> GradeResult
    "Collection": "trainer.collection",  # decks + progress; Collection.open(read_only=...)
    "StudySession": "trainer.session",  # one sitting: current card, submit, record, undo
    "ProgressError": "trainer.progress.errors",  # progress cannot be read or written
    "Grade": "trainer.scheduling",  # Again, Hard, Good, Easy
    "CardState": "trainer.scheduling",  # one card's scheduling state (immutable)
    "Scheduler": "trainer.scheduling",  # FSRS on study days: Scheduler(...).review(...)
    "SchedulerSettings": "trainer.scheduling",  # retention, steps, limits, rollover hour
}

# Written out (not derived from the table) so that type checkers and linters read it; a
# test holds the two to the same names.
__all__ = [
    "CardState",
    "Collection",
    "Grade",
    "ProgressError",
    "Scheduler",
    "SchedulerSettings",
    "StudySession",
    "__version__",
    "grade",
    "load_deck",
]

if TYPE_CHECKING:
    from trainer.collection import Collection
    from trainer.grading import grade
    from trainer.loader import load_deck
    from trainer.progress.errors import ProgressError
    from trainer.scheduling import CardState, Grade, Scheduler, SchedulerSettings
    from trainer.session import StudySession


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'trainer' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups find it directly
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
