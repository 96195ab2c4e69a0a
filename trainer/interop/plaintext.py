"""CSV/TSV cards, both ways: Anki's "Notes in Plain Text" and Quizlet's export.

Reading understands Anki's header lines at the top of the file (``#separator:``,
``#html:``, ``#notetype:``/``#notetype column:``, ``#deck:``/``#deck column:``,
``#tags column:``, ``#guid column:``, ``#columns:``, ``#tags:``); options override them
or stand in when a file has none (a Quizlet export has none, and no quoting either).
Without a note type, a row whose first field holds ``{{c1::...}}`` is a cloze, any other
a basic card (front, back). Card ids come from the GUID column when there is one (the
same ids an ``.apkg`` import gives), else from the front text.

Writing gives Anki's format by default (tab-separated, header lines, GUID, note type and
deck columns naming Anki's stock note types, HTML-escaped text), or Quizlet's (``term``
separator ``definition`` per line, no header, line breaks as `` / ``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from trainer.cloze import cloze_display
from trainer.interop.anki_export import CLOZE_NOTE_TYPE, STOCK_NOTE_TYPES, note_fields
from trainer.interop.cloze import cloze_from_anki, cloze_to_anki, is_anki_cloze
from trainer.interop.deckwrite import (
    EXPORT_GUID_PREFIX,
    DeckDraft,
    Skipped,
    WriteResult,
    card_id_for,
    ids_for_guid,
    write_decks,
)
from trainer.interop.errors import InteropError
from trainer.interop.html_text import field_text
from trainer.interop.textfile import read_text_file
from trainer.model import Card, CardType, Deck, cloze_deletions
from trainer.textsafe import sanitize

__all__ = [
    "SEPARATORS",
    "PlainTextOptions",
    "export_plaintext",
    "import_plaintext",
    "separator_char",
]

#: Anki's separator names (``#separator:Tab``), also accepted by ``--separator``.
SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|", "colon": ":"}
COLUMN_NAMES = ("front", "back", "tags", "deck", "notetype", "guid", "explanation", "ignore")
_MAX_BYTES = 200_000_000


def separator_char(value: str) -> str:
    """``tab``/``comma``/... or a single character, as the separator character."""
    named = SEPARATORS.get(value.lower())
    if named is not None:
        return named
    if value == "\\t":
        return "\t"
    if len(value) == 1 and value not in '"\r\n':
        return value
    raise InteropError(
        f"separator {value!r}: give one character or one of " + ", ".join(SEPARATORS)
    )


class PlainTextOptions(Struct):
    """How to read a file; ``None`` means "from the header lines, else the default".

    Attributes:
        separator: the field separator (default: sniffed among tab, comma, semicolon).
        row_separator: what ends a row when not a line break (Quizlet: ``;``); implies no
            quoting.
        html: whether fields are HTML (default: no).
        header: the first row names the columns (``front,back,tags``).
        columns: what each column is: names from :data:`COLUMN_NAMES`.
        quoting: fields may be quoted CSV-style (default: yes unless ``row_separator``).
        deck_id, title: the deck the rows go to when there is no deck column.
    """

    separator: str | None = None
    row_separator: str | None = None
    html: bool | None = None
    header: bool = False
    columns: list[str] | None = None
    quoting: bool | None = None
    deck_id: str | None = None
    title: str | None = None


class PlainTextReport(Struct):
    """What an import did: rows read, deck files and cards written, rows skipped."""

    rows: int = 0
    written: WriteResult = field(default_factory=WriteResult)
    skipped: list[Skipped] = field(default_factory=list)


def _headers(lines: list[str]) -> tuple[dict[str, str], int]:
    """Anki's ``#key:value`` lines at the top, and how many lines they take."""
    found: dict[str, str] = {}
    count = 0
    for line in lines:
        if not line.startswith("#") or ":" not in line:
            break
        key, _, value = line[1:].partition(":")
        found[key.strip().lower()] = value.strip()
        count += 1
    return found, count


def _sniff(sample: str) -> str:
    first = sample.split("\n", 1)[0]
    return max(("\t", ";", ","), key=first.count) if any(c in first for c in "\t;,") else "\t"


def _rows(
    body: str, separator: str, options: PlainTextOptions, where: Callable[[int], str]
) -> list[list[str]]:
    """The rows of ``body`` with text in them; ``where(n)`` names its ``n``-th line."""
    if options.row_separator is not None:
        return [row.split(separator, 1) for row in body.split(options.row_separator) if row.strip()]
    reader = csv.reader(
        io.StringIO(body),
        delimiter=separator,
        quoting=csv.QUOTE_MINIMAL if options.quoting is not False else csv.QUOTE_NONE,
        strict=False,
        escapechar=None,
    )
    rows = []
    start = 1  # the line the next row starts on
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
            start = reader.line_num + 1
    except csv.Error:
        # The csv module's only error here: a field over its 128 KiB limit, nearly
        # always a quote that is never closed.
        raise InteropError(
            f"{where(start)}: a field of this row runs over 128 KiB (a quote that is never "
            "closed?): close the quote, or import with --no-quoting if quotes are text "
            "here; no card field is that long"
        ) from None
    return rows


def _column_roles(
    headers: dict[str, str], options: PlainTextOptions, first_row: list[str] | None
) -> dict[int, str]:
    """Column index -> role (front, back, tags, ...); the rest are fields in order."""
    roles: dict[int, str] = {}
    names = options.columns
    if names is None and options.header and first_row is not None:
        names = [cell.strip().lower() for cell in first_row]
    if names is not None:
        for index, name in enumerate(names):
            role = {
                "term": "front",
                "definition": "back",
                "question": "front",
                "answer": "back",
                "text": "front",
                "back extra": "explanation",
                "-": "ignore",
            }.get(name.strip().lower(), name.strip().lower())
            if role not in COLUMN_NAMES:
                raise InteropError(f"column {name!r}: use one of " + ", ".join(COLUMN_NAMES))
            roles[index] = role
    for role in ("notetype", "deck", "tags", "guid"):
        number = headers.get(f"{role} column")
        if number and number.isdigit() and int(number) >= 1:
            roles[int(number) - 1] = role
    return roles


def _card(fields: list[str], notetype: str) -> tuple[dict[str, Any] | None, str]:
    kind = notetype.lower()
    first = fields[0] if fields else ""
    second = fields[1] if len(fields) > 1 else ""
    if "cloze" in kind or (not kind and next(cloze_deletions(first), None) is not None):
        if not next(cloze_deletions(first), None) is not None:
            return None, "a cloze row without a {{c1::...}} deletion"
        card: dict[str, Any] = {"type": "cloze", "text": first}
        if second:
            card["explanation"] = second
        return card, ""
    if not first or not second:
        return None, "the row needs a front and a back"
    if "type in the answer" in kind:
        return {"type": "typed", "question": first, "answer": second}, ""
    card = {"type": "basic", "front": first, "back": second}
    # "Basic (optional reversed card)": reversed when its third field (Add Reverse) is set.
    if "reversed" in kind and ("optional" not in kind or any(fields[2:3])):
        card["reverse"] = True
    return card, ""


def import_plaintext(path: Path, out_dir: Path, options: PlainTextOptions) -> PlainTextReport:
    """Read the CSV/TSV file ``path`` into deck files under ``out_dir``."""
    text = read_text_file(path, _MAX_BYTES)
    if not text.strip():
        raise InteropError(f"{path}: the file is empty")
    lines = text.split("\n")
    headers, header_lines = _headers(lines)
    body = "\n".join(lines[header_lines:])
    if options.separator is not None:
        separator = options.separator
    elif "separator" in headers:
        separator = separator_char(headers["separator"])
    else:
        separator = _sniff(body)
    html = options.html if options.html is not None else headers.get("html", "").lower() == "true"
    rows = _rows(body, separator, options, lambda line: f"{path}:{header_lines + line}")
    roles = _column_roles(headers, options, rows[0] if rows else None)
    if options.header and rows:
        rows = rows[1:]
    first_line = header_lines + (2 if options.header else 1)
    default_deck = headers.get("deck") or options.title or path.stem
    default_id = options.deck_id or None
    shared_tags = headers.get("tags", "").split()
    report = PlainTextReport()
    drafts: dict[str, DeckDraft] = {}
    used: set[tuple[str, str]] = set()
    for number, row in enumerate(rows, first_line):
        report.rows += 1
        where = f"{path.name} row {number - first_line + 1}"
        values: dict[str, str] = {}
        fields: list[str] = []
        for index, cell in enumerate(row):
            if not html:
                cell = sanitize(cell.replace("\r", ""))[0].strip()
            elif is_anki_cloze(cell):
                cell = cloze_from_anki(cell).text
            else:
                cell = field_text(cell).text
            role = roles.get(index)
            if role is None:
                fields.append(cell)  # Anki's way: the note's fields, in order
            elif role != "ignore":
                values[role] = cell
        if "front" in values or "back" in values:
            fields = [values.pop("front", ""), values.pop("back", "")] + fields
        card, why = _card(fields, values.get("notetype", headers.get("notetype", "")))
        if card is None:
            report.skipped.append(Skipped(where, why))
            continue
        if values.get("explanation"):
            card["explanation"] = values["explanation"]
        deck_name = values.get("deck") or default_deck
        if values.get("guid"):
            deck_id, card_id = ids_for_guid(values["guid"], deck_name)
        else:
            deck_id, _ = ids_for_guid("", deck_name)
            card_id = card_id_for(card.get("front") or card.get("question") or card["text"], "t")
        if (
            default_id
            and not values.get("deck")
            and not values.get("guid", "").startswith(EXPORT_GUID_PREFIX)
        ):
            deck_id = default_id
        if (deck_id, card_id) in used:
            report.skipped.append(
                Skipped(where, "the same card as an earlier row (same front, or same GUID)")
            )
            continue
        used.add((deck_id, card_id))
        tags = values.get("tags", "").split() + shared_tags
        card = {"id": card_id, **card, "origin": where}
        if tags:
            card["tags"] = tags
        draft = drafts.get(deck_id)
        if draft is None:
            draft = drafts[deck_id] = DeckDraft(deck_id, deck_name, f"Imported from {path.name}.")
        draft.cards.append(card)
    report.written = write_decks(list(drafts.values()), out_dir)
    report.skipped.extend(report.written.skipped)
    return report


def _quizlet_pairs(card: Card) -> list[tuple[str, str]]:
    """A card as Quizlet's (term, definition) rows: a cloze card gives one row per
    deletion, the text with it hidden and its answer as the definition (Quizlet has no
    cloze cards: the raw ``{{c1::...}}`` text would be a term without a definition)."""
    if card.type is CardType.CLOZE:
        return [
            (cloze_display(card.question, cloze.number, revealed=False), ", ".join(cloze.answers))
            for cloze in card.clozes
        ]
    _, texts = note_fields(card, {})
    return [(texts[0], texts[1])]


def export_plaintext(
    decks: list[Deck], out: Path, *, separator: str = "\t", quizlet: bool = False
) -> int:
    """Write ``decks`` as one CSV/TSV file (Anki's format, or Quizlet's); returns rows."""
    from trainer.interop.html_text import text_to_html

    buffer = io.StringIO()
    rows = 0
    if quizlet:
        for deck in decks:
            for card in deck.cards:
                for pair in _quizlet_pairs(card):
                    term, definition = (
                        t.replace("\n", " / ").replace(separator, " ") for t in pair
                    )
                    buffer.write(f"{term}{separator}{definition}\n")
                    rows += 1
    else:
        name = (
            next(k for k, v in SEPARATORS.items() if v == separator)
            if separator in SEPARATORS.values()
            else separator
        )
        buffer.write(
            f"#separator:{name}\n#html:true\n#guid column:1\n#notetype column:2\n"
            "#deck column:3\n#tags column:6\n"
        )
        writer = csv.writer(buffer, delimiter=separator, lineterminator="\n")
        for deck in decks:
            sources = {s.file: s.title for s in deck.sources}
            for card in deck.cards:
                ours, texts = note_fields(card, sources)
                writer.writerow(
                    [
                        f"{EXPORT_GUID_PREFIX}{deck.id}/{card.id}",
                        STOCK_NOTE_TYPES[ours],
                        deck.title.replace("::", ":"),
                        cloze_to_anki(texts[0])
                        if ours == CLOZE_NOTE_TYPE
                        else text_to_html(texts[0]),
                        text_to_html(texts[1]),
                        " ".join(tag.replace(" ", "_") for tag in card.tags),
                    ]
                )
                rows += 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(buffer.getvalue(), encoding="utf-8")
    return rows
