r"""Markdown question/answer files in the ``Q:``/``A:``/``C:`` style of hashcards, both ways.

::

    # Geography                      <- a top-level heading: the deck title

    Q: What is the capital of France?
    A: Paris

    C: [Paris] is the capital of [France].

Each top-level heading starts a deck (a file with several, as ``trainer export markdown``
writes, gives several deck files). ``Q:`` starts a card and ``A:`` gives its answer (a basic card); ``C:`` is a cloze card
whose ``[bracketed]`` spans are the deletions, one study card each (``c1``, ``c2``, ...
in order). A field runs on over the following lines until the next ``Q:``, ``A:`` or
``C:`` line or a heading; blank lines at its ends are dropped. Other lines outside cards
are ignored. Card ids come from the question (or cloze) text, so editing it in the
Markdown file starts that card afresh.

Writing gives ``Q:``/``A:`` for every card type but cloze (``choice``, ``multi``,
``order``, ``truefalse`` as in an Anki export: the options on the question, the answer
after ``A:``) and ``C:`` for cloze cards.

Escapes, so that any card's text comes back as it was: a line of a field that would read
as a marker or a heading (``Q:``, ``A:``, ``C:``, ``# ``...) is written with a backslash
before it (``\Q: ...``, ``\# ...``, as Markdown escapes ``#``), and one backslash is
taken off such a line when reading (a line already starting with backslashes gets one
more). In ``C:`` text, ``\[``, ``\]`` and ``\\`` stand for a literal ``[``, ``]`` and
``\`` (inside a deletion too); any other backslash is text.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from trainer.interop.anki_export import note_fields
from trainer.interop.deckwrite import (
    DeckDraft,
    Skipped,
    WriteResult,
    card_id_for,
    deck_id_for,
    write_decks,
)
from trainer.interop.errors import InteropError
from trainer.interop.textfile import read_text_file
from trainer.model import CardType, Deck, cloze_deletions
from trainer.textsafe import sanitize

__all__ = ["MarkdownReport", "export_markdown", "import_markdown"]

_MARKER = re.compile(r"^(Q|A|C):[ \t]?(.*)$")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
#: In C: text: an escaped bracket or backslash, or a [deletion] (escapes allowed in it).
_CLOZE_PART = re.compile(r"\\([\\\[\]])|\[((?:\\[\\\[\]]|[^\[\]\n])+?)\]")
_BRACKET_ESCAPE = re.compile(r"\\([\\\[\]])")
_NEEDS_BRACKET_ESCAPE = re.compile(r"([\\\[\]])")
#: A field line that would read as a marker or a heading, after its escaping backslashes.
_MARKER_LIKE = re.compile(r"\\*(?:[QAC]:|#{1,6}\s)")
_MAX_BYTES = 50_000_000


class MarkdownReport(Struct):
    """What an import did: cards read, deck files and cards written, cards skipped."""

    cards: int = 0
    written: WriteResult = field(default_factory=WriteResult)
    skipped: list[Skipped] = field(default_factory=list)


def _sections(lines: list[str]) -> list[tuple[str | None, list[tuple[int, str, str]]]]:
    """Per top-level heading (``None`` before the first one), its (line, marker, text)
    fields in order."""
    sections: list[tuple[str | None, list[tuple[int, str, list[str]]]]] = [(None, [])]
    for number, line in enumerate(lines, 1):
        marker = _MARKER.match(line)
        heading = _HEADING.match(line)
        fields = sections[-1][1]
        if marker:
            fields.append((number, marker.group(1), [_unescape_line(marker.group(2))]))
        elif heading:
            if line.startswith("# "):
                sections.append((heading.group(1), []))
            else:
                fields.append((number, "#", []))  # a lower heading ends the field before it
        elif fields:
            fields[-1][2].append(_unescape_line(line))
    return [
        (title, [(n, m, "\n".join(t).strip()) for n, m, t in fields if m != "#"])
        for title, fields in sections
    ]


def _unescape_line(line: str) -> str:
    """A field line as written, less the backslash :func:`_escape_lines` put before it."""
    return line[1:] if line.startswith("\\") and _MARKER_LIKE.match(line) else line


def _escape_lines(text: str) -> str:
    """``text`` with a backslash before each line that would read as a marker or heading."""
    return "\n".join("\\" + line if _MARKER_LIKE.match(line) else line for line in text.split("\n"))


def _cloze_text(text: str) -> str:
    """``C:`` text in the deck's cloze syntax: ``[...]`` spans as ``{{cN::...}}``."""
    numbers = iter(range(1, 10_000))

    def part(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return match.group(1)  # an escaped bracket or backslash stands for itself
        answer = _BRACKET_ESCAPE.sub(r"\1", match.group(2))
        return f"{{{{c{next(numbers)}::{answer}}}}}"

    return _CLOZE_PART.sub(part, text)


def import_markdown(
    path: Path, out_dir: Path, *, deck_id: str | None = None, title: str | None = None
) -> MarkdownReport:
    """Read the Markdown file ``path`` into deck files under ``out_dir``: one per
    top-level heading (``# Title``), cards before the first one in a deck named after
    the file (or ``title``/``deck_id`` when the file holds one deck)."""
    text = read_text_file(path, _MAX_BYTES)
    text, _ = sanitize(text.replace("\r\n", "\n"))
    sections = [(heading, fields) for heading, fields in _sections(text.split("\n")) if fields]
    if not sections:
        raise InteropError(
            f"{path}: no cards: write `Q: question` and `A: answer` lines, "
            "or `C: text with [deletions]`"
        )
    report = MarkdownReport()
    drafts: dict[str, DeckDraft] = {}
    for heading, fields in sections:
        deck_title = (title if len(sections) == 1 else None) or heading or path.stem
        own_id = (deck_id if len(sections) == 1 else None) or deck_id_for(deck_title)
        draft = drafts.setdefault(
            own_id, DeckDraft(own_id, deck_title, f"Imported from {path.name}.")
        )
        _read_cards(path, fields, draft, report)
    report.written = write_decks(list(drafts.values()), out_dir)
    report.skipped.extend(report.written.skipped)
    return report


def _read_cards(
    path: Path, fields: list[tuple[int, str, str]], draft: DeckDraft, report: MarkdownReport
) -> None:
    seen = {card["id"] for card in draft.cards}
    index = 0
    while index < len(fields):
        line, marker, value = fields[index]
        where = f"{path.name}:{line}"
        index += 1
        if marker == "A":
            report.skipped.append(Skipped(where, "an A: without a Q: before it"))
            continue
        report.cards += 1
        card: dict[str, Any]
        if marker == "C":
            cloze = _cloze_text(value)
            if not next(cloze_deletions(cloze), None) is not None:
                report.skipped.append(Skipped(where, "a C: card without a [deletion]"))
                continue
            card = {"type": "cloze", "text": cloze}
        else:
            answer = fields[index] if index < len(fields) and fields[index][1] == "A" else None
            if answer is None or not answer[2] or not value:
                report.skipped.append(
                    Skipped(
                        where, "a Q: needs a question and an A: line with the answer right after it"
                    )
                )
                continue
            index += 1
            card = {"type": "basic", "front": value, "back": answer[2]}
        card_id = card_id_for(value, "m")
        if card_id in seen:
            report.skipped.append(Skipped(where, "the same question as an earlier card"))
            continue
        seen.add(card_id)
        draft.cards.append({"id": card_id, **card, "origin": where})


def _bracketed(text: str) -> str:
    """Cloze text with ``{{cN::answer::hint}}`` as ``[answer]`` (hints are lost), its
    brackets and backslashes escaped."""

    def escaped(part: str) -> str:
        return _NEEDS_BRACKET_ESCAPE.sub(r"\\\1", part)

    parts, position = [], 0
    for start, end, _, answer, _ in cloze_deletions(text):
        parts += [escaped(text[position:start]), f"[{escaped(answer)}]"]
        position = end
    return "".join(parts) + escaped(text[position:])


def export_markdown(decks: list[Deck], out: Path) -> int:
    """Write ``decks`` as one Markdown file (a heading per deck); returns the cards."""
    parts: list[str] = []
    count = 0
    for deck in decks:
        parts.append(f"# {deck.title}\n")
        for card in deck.cards:
            count += 1
            if card.type is CardType.CLOZE:
                parts.append(f"C: {_escape_lines(_bracketed(card.question))}\n")
            else:
                _, texts = note_fields(card, {})
                parts.append(f"Q: {_escape_lines(texts[0])}\nA: {_escape_lines(texts[1])}\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(parts), encoding="utf-8")
    return count
