"""Deck text as literal terminal content.

Every string that comes from a deck (or from a learner's answer) goes through these
helpers, so ``[b]``, ``[@click=app.quit]`` or ``list[int]`` are shown as typed and never
interpreted as Textual markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.content import Content

from trainer.textsafe import sanitize

if TYPE_CHECKING:
    from rich.console import JustifyMethod
    from rich.text import Text


def safe(text: str) -> str:
    """``text`` without escape sequences or control characters.

    The loader already strips them from deck text; this second line of defence keeps
    anything else (a learner's typed answer, a file name) from reaching the terminal.
    """
    return sanitize(text)[0]


def plain(text: str, style: str = "") -> Content:
    """``text`` as content, styled as a whole with ``style``; never parsed as markup."""
    text = safe(text)
    return Content.styled(text, style) if style else Content(text)


def cell(text: str, style: str = "", justify: JustifyMethod | None = None) -> Text:
    """``text`` as a literal Rich ``Text`` (what DataTable cells take)."""
    from rich.text import Text

    return Text(safe(text), style=style, justify=justify)


def join(parts: Iterable[Content | str | tuple[str, str]]) -> Content:
    """Concatenate pieces: ``Content``, plain strings, or ``(text, style)`` pairs.

    Plain strings are literal too: only the style half of a pair is a style.
    """
    pieces: list[Content] = []
    for part in parts:
        if isinstance(part, Content):
            pieces.append(part)
        elif isinstance(part, tuple):
            pieces.append(plain(*part))
        else:
            pieces.append(plain(part))
    return Content("").join(pieces) if pieces else Content("")


def lines(rows: Iterable[Content | str]) -> Content:
    """Rows joined by newlines."""
    return Content("\n").join(plain(row) if isinstance(row, str) else row for row in rows)


def typed_diff(given: str, expected: str) -> tuple[Content, Content]:
    """What was typed and what was expected, with the differences highlighted.

    Characters typed but not expected are struck through in the error colour on the first
    line; characters expected but missing are underlined in the success colour on the
    second. The styles also differ in shape so the difference survives ``NO_COLOR``.
    """
    from trainer.grading import diff_segments

    yours: list[Content] = []
    theirs: list[Content] = []
    for kind, text in diff_segments(given, expected):
        if kind == "same":
            yours.append(plain(text))
            theirs.append(plain(text))
        elif kind == "extra":
            yours.append(plain(text, "bold strike $error"))
        else:
            theirs.append(plain(text, "bold underline $success"))
    return join(yours), join(theirs)
