"""Located problems found in deck files, and what loading one deck file gave.

What the loader and the validator report (:class:`Diagnostic`) and what loading a deck
file gives (:class:`LoadResult`). No YAML here: a start-up whose decks all come from the
deck cache never imports the YAML reader.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct, field

if TYPE_CHECKING:
    from trainer.model import Deck

__all__ = ["Diagnostic", "LoadResult", "Severity"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Diagnostic(Struct, frozen=True):
    """One problem at ``path:line:column`` (1-based; 0 when the whole file is meant).

    Attributes:
        path, line, column: where.
        severity: an error leaves the card (or deck) out; a warning does not.
        code: a stable kebab-case identifier (``duplicate-key``, ``unknown-field``...)
            that CI tools and documentation refer to.
        message: what is wrong and what to do.
        card_id: the card concerned, when there is one.
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


class LoadResult(Struct):
    """What loading one deck file gave.

    Attributes:
        deck: the deck; ``None`` when the file as a whole is unusable.
        diagnostics: every problem found, errors and warnings, in file order.
        partial: when the header has an error (``deck`` is None), the cards that loaded
            in a stand-in deck, so that ``trainer validate`` checks them in the same run.
            Never studied.
    """

    deck: Deck | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    partial: Deck | None = None

    @property
    def ok(self) -> bool:
        """True when no diagnostic is an error (warnings allowed)."""
        return all(d.severity is not Severity.ERROR for d in self.diagnostics)
