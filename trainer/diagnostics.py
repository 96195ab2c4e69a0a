"""Located problems found in deck files: what the loader and the validator report."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem at ``path:line:column`` (1-based; 0 when the whole file is meant).

    ``code`` is a stable kebab-case identifier (``duplicate-key``, ``unknown-field``...)
    that CI tools and documentation refer to; ``message`` says what is wrong and what to do.
    ``card_id`` names the card concerned, when there is one.
    """

    path: Path
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    card_id: str | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.severity} {self.code} {self.message}"


class DeckLoadError(Exception):
    """A deck file could not be loaded at all; carries the located reasons."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(str(d) for d in diagnostics))
        self.diagnostics = diagnostics
