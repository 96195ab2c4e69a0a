"""A terminal quiz and flashcard trainer: YAML decks, FSRS scheduling, a Textual TUI.

The core (``model``, ``loader``, ``grading``, ``validation``, ``scheduling``,
``progress``, ``session``) never imports textual or rich; ``trainer.tui`` is the only layer
that does.
"""

__version__ = "0.1.0"
