"""The one error every importer and exporter raises for bad input."""

from __future__ import annotations

__all__ = ["AnkiUnavailable", "InteropError"]


class InteropError(Exception):
    """Input that cannot be imported or exported; the message says why and what to do."""


class AnkiUnavailable(InteropError):
    """The optional ``anki`` package is not installed."""

    def __init__(self) -> None:
        super().__init__(
            "reading and writing Anki packages needs the official anki library, an optional "
            "extra: install it with  pip install 'trainer[anki]'  (from a checkout: "
            ".venv/bin/pip install -e '.[anki]'), then run the command again"
        )
