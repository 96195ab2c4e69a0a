"""Where the checks put what they find: located diagnostics, built from cards and fields."""

from __future__ import annotations

from trainer.diagnostics import Diagnostic, Severity
from trainer.model import Card, Location

#: Longest quotation of deck text inside a message.
_QUOTE_LIMIT = 60


def quote(text: str) -> str:
    """``text`` quoted for a message, shortened when long (``repr`` shows odd characters)."""
    if len(text) > _QUOTE_LIMIT:
        text = text[: _QUOTE_LIMIT - 1] + "…"
    return repr(text)


class Findings:
    """Collects diagnostics; every check appends to one of these instead of returning."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def at(
        self,
        location: Location,
        severity: Severity,
        code: str,
        message: str,
        card_id: str | None = None,
    ) -> None:
        self.diagnostics.append(
            Diagnostic(
                location.path, location.line, location.column, severity, code, message, card_id
            )
        )

    def error(self, card: Card, field: str, code: str, message: str) -> None:
        """An error at ``card``'s ``field`` (the card itself when the field has no location)."""
        where = card.where(field)
        self.diagnostics.append(
            Diagnostic(where.path, where.line, where.column, Severity.ERROR, code, message, card.id)
        )

    def warning(self, card: Card, field: str, code: str, message: str) -> None:
        where = card.where(field)
        self.diagnostics.append(
            Diagnostic(
                where.path, where.line, where.column, Severity.WARNING, code, message, card.id
            )
        )
