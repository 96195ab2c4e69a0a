"""Decks to an Anki package (``.apkg``), written by the official ``anki`` library.

The official library (the optional extra that also reads packages) builds the notes in a
temporary collection and exports them, so the file is exactly what Anki itself writes
and imports (the current format, or with ``legacy`` the one older Anki and AnkiDroid
versions read). One note per card:

* ``basic`` -> "Trainer Basic" (or "Trainer Basic (and reversed card)" when ``reverse``);
* ``typed`` -> "Trainer Basic (type in the answer)": Anki's ``{{type:Back}}`` template;
* ``cloze`` -> "Trainer Cloze": the same ``{{c1::...}}`` deletions, the text written so
  that Anki shows what our card shows (see :mod:`trainer.interop.cloze`);
* ``choice``, ``multi``, ``order``, ``truefalse`` -> "Trainer Basic": the question (with
  the options, or the items in alphabetical order) on the front, the answer on the back.

Each note type is Anki's stock one plus two fields, ``Explanation`` and ``Source`` (the
cloze type keeps the explanation in ``Back Extra``), shown on the back. The note GUID is
``trainer:DECK/CARD``: exporting again updates the notes in Anki instead of adding them
twice, and importing the package here gives the cards their own ids back.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from trainer.interop.cloze import cloze_to_anki
from trainer.interop.deckwrite import EXPORT_GUID_PREFIX
from trainer.interop.errors import AnkiUnavailable, InteropError
from trainer.interop.html_text import text_to_html
from trainer.model import Card, CardType, Deck

__all__ = [
    "CLOZE_NOTE_TYPE",
    "STOCK_NOTE_TYPES",
    "AnkiExportReport",
    "export_anki",
    "note_fields",
]

_BASIC = "Trainer Basic"
_REVERSED = "Trainer Basic (and reversed card)"
_TYPED = "Trainer Basic (type in the answer)"
_CLOZE = CLOZE_NOTE_TYPE = "Trainer Cloze"
#: Our note type name -> the stock note type it copies.
STOCK_NOTE_TYPES = {
    _BASIC: "Basic",
    _REVERSED: "Basic (and reversed card)",
    _TYPED: "Basic (type in the answer)",
    _CLOZE: "Cloze",
}
_EXTRAS = (
    "{{#Explanation}}<br><br>{{Explanation}}{{/Explanation}}"
    "{{#Source}}<br><br><small>{{Source}}</small>{{/Source}}"
)


class AnkiExportReport(Struct):
    """What :func:`export_anki` wrote.

    Attributes:
        path: the package.
        notes: notes written, by our note type name.
        anki_cards: the cards Anki generated from them (a reversed note makes two, a
            cloze note one per deletion).
        as_basic: cards of a type Anki has no note type for, written as basic notes.
    """

    path: Path
    notes: dict[str, int] = field(default_factory=dict)
    anki_cards: int = 0
    as_basic: dict[str, int] = field(default_factory=dict)


def _note_types(col: Any) -> dict[str, Any]:
    models = col.models
    made = {}
    for name, stock_name in STOCK_NOTE_TYPES.items():
        stock = models.by_name(stock_name)
        model = models.copy(stock, add=False)
        model["name"] = name
        for field_name in ("Source",) if name == _CLOZE else ("Explanation", "Source"):
            models.add_field(model, models.new_field(field_name))
        for template in model["tmpls"]:
            if name == _CLOZE:
                template["afmt"] += "{{#Source}}<br><br><small>{{Source}}</small>{{/Source}}"
            else:
                template["afmt"] += _EXTRAS
        models.add(model)
        made[name] = models.by_name(name)
    return made


def _listing(items: tuple[str, ...]) -> str:
    return "\n".join(f"- {item}" for item in items)


def note_fields(card: Card, sources: dict[str, str]) -> tuple[str, list[str]]:
    """Our note type for ``card`` and its field texts (plain; escaped later)."""
    source = "; ".join(sources.get(file, file) for file in card.sources)
    explanation = card.explanation or ""
    kind = card.type
    if kind is CardType.CLOZE:
        return _CLOZE, [card.question, explanation, source]
    if kind is CardType.BASIC:
        return (_REVERSED if card.reverse else _BASIC), [card.front, card.back, explanation, source]
    if kind is CardType.TYPED:
        return _TYPED, [card.question, card.answer, explanation, source]
    if kind is CardType.CHOICE:
        front, back = f"{card.question}\n\n{_listing(card.options)}", card.answer
    elif kind is CardType.MULTI:
        front, back = f"{card.question}\n\n{_listing(card.options)}", _listing(card.answers)
    elif kind is CardType.ORDER:
        front = f"{card.question}\n\n{_listing(tuple(sorted(card.items)))}"
        back = "\n".join(f"{n}. {item}" for n, item in enumerate(card.items, 1))
    else:
        front, back = card.question, "True" if card.truth else "False"
    return _BASIC, [front, back, explanation, source]


def export_anki(decks: list[Deck], out: Path, *, legacy: bool = False) -> AnkiExportReport:
    """Write ``decks`` (one Anki deck each, named by its title) to the package ``out``."""
    try:
        import anki.errors
        from anki.collection import AddNoteRequest, Collection, ExportAnkiPackageOptions
    except ImportError:
        raise AnkiUnavailable() from None
    report = AnkiExportReport(out)
    with tempfile.TemporaryDirectory(prefix="trainer-anki-") as scratch:
        col = Collection(str(Path(scratch) / "collection.anki2"))
        try:
            note_types = _note_types(col)
            requests = []
            titles: set[str] = set()
            for deck in decks:
                title = deck.title.replace("::", ":")
                if title in titles:
                    title = f"{title} ({deck.id})"
                titles.add(title)
                deck_id = col.decks.id(title)
                if deck_id is None:  # the library returns None only when not creating
                    raise InteropError(f"Anki could not make the deck {title!r}")
                sources = {s.file: s.title for s in deck.sources}
                for card in deck.cards:
                    name, texts = note_fields(card, sources)
                    note = col.new_note(note_types[name])
                    note.guid = f"{EXPORT_GUID_PREFIX}{deck.id}/{card.id}"
                    for index, text in enumerate(texts):
                        cloze = name == _CLOZE and index == 0
                        note.fields[index] = cloze_to_anki(text) if cloze else text_to_html(text)
                    note.tags = [tag.replace(" ", "_") for tag in card.tags]
                    requests.append(AddNoteRequest(note=note, deck_id=deck_id))
                    report.notes[name] = report.notes.get(name, 0) + 1
                    if card.type not in (CardType.BASIC, CardType.TYPED, CardType.CLOZE):
                        report.as_basic[card.type.value] = (
                            report.as_basic.get(card.type.value, 0) + 1
                        )
            if requests:
                col.add_notes(requests)
            report.anki_cards = col.card_count()
            out.parent.mkdir(parents=True, exist_ok=True)
            col.export_anki_package(
                out_path=str(out),
                limit=None,
                options=ExportAnkiPackageOptions(
                    with_scheduling=False, with_deck_configs=False, with_media=False, legacy=legacy
                ),
            )
        except anki.errors.AnkiException as error:
            raise InteropError(f"Anki could not write {out}: {error}") from None
        finally:
            col.close(downgrade=False)
    return report
