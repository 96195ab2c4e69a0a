"""Anki packages (``.apkg``, ``.colpkg``) to YAML decks, media and review history.

The package is read by the official ``anki`` library (an optional extra): it unpacks it
into a collection in a temporary directory, which handles every format Anki has written
(``collection.anki2``, ``collection.anki21``, the zstd-compressed ``collection.anki21b``
and both media maps). The collection's notes, cards and revlog are then streamed from
that file, so memory stays bounded by the number of cards, not by the history or the
media (see :class:`AnkiCollection`).

Mapping (see docs/import-export.md):

* Basic -> ``basic``; Basic (and reversed card) -> ``basic`` with ``reverse: true``
  (likewise Basic (optional reversed card) when its reverse card exists);
  Basic (type in the answer) -> ``typed``; Cloze -> ``cloze`` (Back Extra becomes the
  explanation). Note types are recognised by their fields and templates, not by name. Any other note type -> ``basic`` from its first two fields, the other fields
  in the explanation, and it is listed in the report. Image Occlusion notes are skipped.
* Each Anki deck (subdecks included) becomes one deck file, ``geography-europe.yaml``
  for ``Geography::Europe``; a note goes to the deck of its first card.
* Card ids come from the note GUID (``n-`` + 12 hex digits), so importing the package
  again updates the same cards. Notes this trainer exported keep their own deck and card
  ids (their GUID is ``trainer:DECK/CARD``).
* Media files are copied to ``media/`` beside the decks and mentioned on the card.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from trainer.clock import Clock
from trainer.interop.cloze import cloze_from_anki
from trainer.interop.deckwrite import DeckDraft, Skipped, ids_for_guid, plan_decks, write_planned
from trainer.interop.errors import AnkiUnavailable, InteropError
from trainer.interop.history import (
    DEVICE,
    HistoryResult,
    connect_collection,
    event_source,
    log_path,
    revlog_histories,
    write_history,
)
from trainer.interop.history_process import HistoryProcess
from trainer.interop.html_text import field_text
from trainer.model import cloze_deletions
from trainer.progress.events import header_line

__all__ = ["AnkiImportReport", "check_package", "import_anki", "open_anki"]

_COLLECTION_NAMES = ("collection.anki21b", "collection.anki21", "collection.anki2")
#: Anki's stock note type kinds (``originalStockKind``).
_BASIC, _REVERSED, _OPTIONAL_REVERSED, _TYPING, _CLOZE, _OCCLUSION = 1, 2, 3, 4, 5, 6
#: Fields this trainer's export adds; they do not change what kind of note it is.
_EXTRA_FIELDS = ("Explanation", "Source")
#: A package whose files need more than this share of the free temporary space is refused.
_SPACE_MARGIN = 0.9
_MEDIA_DIR = "media"
_MENTION = re.compile(r"\[(image|sound): ([^\]]+)\]")


class AnkiImportReport(Struct):
    """What an import did (printed at the end by ``trainer import anki``).

    Attributes:
        notes_read: notes in the package.
        cards_written: cards written, by type (``basic``, ``typed``, ``cloze``).
        skipped: notes left out, each with why.
        other_note_types: notes of other note types turned into ``basic``, by note type.
        files: deck files written; ``backups``: previous versions kept as ``.bak``.
        media_copied: media files copied to ``media/``; ``media_missing``: files the
            notes refer to that the package does not hold (mentioned on the card anyway).
        history: the review history written, when asked for.
    """

    notes_read: int = 0
    cards_written: dict[str, int] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    other_note_types: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)
    media_copied: int = 0
    media_missing: list[str] = field(default_factory=list)
    history: HistoryResult | None = None


def _anki() -> Any:
    try:
        import anki._backend
        import anki.collection
        import anki.errors
    except ImportError:
        raise AnkiUnavailable() from None
    import anki

    return anki


def check_package(path: Path) -> None:
    """Refuse, with a sentence saying why, what is not an Anki package we can read."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InteropError(f"{path}: no such file") from None
    except OSError as error:
        raise InteropError(f"{path}: cannot read it ({error.strerror})") from None
    size = info.st_size
    if stat.S_ISDIR(info.st_mode):
        raise InteropError(f"{path}: is a directory; give the .apkg or .colpkg file")
    if not stat.S_ISREG(info.st_mode):
        raise InteropError(
            f"{path}: not a regular file (a pipe or a device?); give the .apkg or .colpkg file"
        )
    try:
        with zipfile.ZipFile(path) as package:
            members = package.infolist()
            meta = package.read("meta") if "meta" in package.namelist() else None
    except zipfile.BadZipFile:
        what = "is empty" if size == 0 else "is not a zip file, or is cut short (truncated)"
        raise InteropError(
            f"{path}: {what}; an Anki package (.apkg/.colpkg) is a zip "
            "file: export it from Anki again"
        ) from None
    except OSError as error:
        raise InteropError(f"{path}: cannot read it ({error.strerror})") from None
    if any(member.flag_bits & 0x1 for member in members):
        raise InteropError(
            f"{path}: the zip file is password-protected; Anki never writes "
            "those: export it from Anki again without a password"
        )
    names = {member.filename for member in members}
    if not names & set(_COLLECTION_NAMES):
        raise InteropError(
            f"{path}: holds no Anki collection (no collection.anki21b, "
            ".anki21 or .anki2): it is an empty or a different kind of zip"
        )
    if meta is not None:
        from anki.import_export_pb2 import PackageMetadata

        try:
            version = PackageMetadata.FromString(meta).version
        except Exception:  # a damaged meta entry: let Anki's own reader judge
            version = 0
        if version > PackageMetadata.VERSION_LATEST:
            raise InteropError(
                f"{path}: made by a newer version of Anki (package version {version}) than "
                "the installed anki library reads; upgrade it: pip install -U anki"
            )
    unpacked = sum(member.file_size for member in members)
    free = shutil.disk_usage(tempfile.gettempdir()).free
    if unpacked > free * _SPACE_MARGIN:
        raise InteropError(
            f"{path}: unpacks to {unpacked / 1e6:,.0f} MB but the temporary directory "
            f"{tempfile.gettempdir()} has {free / 1e6:,.0f} MB free; free some space or set "
            "TMPDIR to a larger disk"
        )


class AnkiCollection:
    """A package unpacked into a temporary collection by the official library.

    The library's collection-package import (what Anki does for a ``.colpkg``) unpacks
    any package, ``.apkg`` included: it checks the package version, decompresses the
    collection and the media, and checks the database. That is a fifth of the time of
    importing the package into an empty collection, which merges note by note. Note
    types and decks are read through the library; notes, cards and the revlog, plain
    tables, are then streamed from the unpacked file with :mod:`sqlite3` (bounded
    memory, several times faster than the library's row interface, which builds every
    page of rows as one message).

    Attributes:
        path: the unpacked collection file; ``media_dir``: its media folder; ``db``:
            an :mod:`sqlite3` connection to it.
        models: the note types, as the library gives them (``col.models.all()``).
        deck_names: each deck's full name (``Parent::Child``) by deck id.
    """

    def __init__(self, package: Path, scratch: Path) -> None:
        anki = _anki()
        check_package(package)
        self.path = scratch / "collection.anki2"
        self.media_dir = scratch / "collection.media"
        try:
            self._unpack(anki, package.resolve())
            col = anki.collection.Collection(str(self.path))
            try:
                self.models: list[dict[str, Any]] = col.models.all()
                self.deck_names = {d.id: d.name for d in col.decks.all_names_and_ids()}
            finally:
                col.close(downgrade=False)
        except anki.errors.AnkiException as error:
            raise InteropError(f"{package}: Anki could not read it: {error}") from None
        self.db = connect_collection(self.path)

    def _unpack(self, anki: Any, package: Path) -> None:
        backend = anki._backend.RustBackend()
        unpack = getattr(backend, "import_collection_package", None)
        if unpack is None:  # a library without it: import into an empty collection
            self._import_into_empty(anki, package)
            return
        unpack(
            col_path=str(self.path),
            backup_path=str(package),
            media_folder=str(self.media_dir),
            media_db=str(self.path.with_name("collection.media.db2")),
        )

    def _import_into_empty(self, anki: Any, package: Path) -> None:
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        col = anki.collection.Collection(str(self.path))
        try:
            col.import_anki_package(
                ImportAnkiPackageRequest(
                    package_path=str(package),
                    options=ImportAnkiPackageOptions(
                        with_scheduling=True, merge_notetypes=False, with_deck_configs=False
                    ),
                )
            )
        finally:
            col.close(downgrade=False)

    def rows(self, sql: str) -> sqlite3.Cursor:
        """Every row of ``sql``, streamed (a large table is never in memory at once).
        A damaged table raises :class:`sqlite3.DatabaseError` while it is read."""
        return self.db.execute(sql)

    def close(self) -> None:
        self.db.close()


def open_anki(package: Path, scratch: Path) -> AnkiCollection:
    """``package`` read by the official library into a collection under ``scratch``."""
    return AnkiCollection(package, scratch)


class _NoteType(Struct):
    name: str
    kind: int
    field_names: list[str]
    #: Index of the field the answer is typed into (typing note types).
    typed_field: int | None = None


def _note_types(models: list[dict[str, Any]]) -> dict[int, _NoteType]:
    types = {}
    for model in models:
        names = [f["name"] for f in model["flds"]]
        templates = model["tmpls"]
        typed = None
        first = templates[0]["qfmt"] if templates else ""
        match = re.search(r"\{\{type:(?:[a-z]+:)*([^}]+)\}\}", first)
        if match and match.group(1) in names:
            typed = names.index(match.group(1))
        # By structure, not by name or by the stock kind Anki records (a note type the
        # user made by cloning Basic keeps Basic's kind whatever fields it has).
        text_fields = len([n for n in names if n not in _EXTRA_FIELDS])
        if model["type"] == 1:
            kind = _OCCLUSION if model.get("originalStockKind") == _OCCLUSION else _CLOZE
        elif typed is not None and len(templates) == 1 and text_fields == 2:
            kind = _TYPING
        elif len(templates) == 2 and "{{#" in templates[1]["qfmt"] and text_fields == 3:
            kind = _OPTIONAL_REVERSED
        elif len(templates) == 2 and text_fields == 2:
            kind = _REVERSED
        elif len(templates) == 1 and text_fields == 2:
            kind = _BASIC
        else:
            kind = 0
        types[model["id"]] = _NoteType(model["name"].rstrip("+"), kind, names, typed)
    return types


class _Media(Struct):
    names: set[str] = field(default_factory=set)

    def mention(self, text: str) -> str:
        """``text`` with ``[image: NAME]`` pointing into the media folder."""
        return _MENTION.sub(lambda m: f"[{m.group(1)}: {_MEDIA_DIR}/{m.group(2)}]", text)


def _note_card(
    note_type: _NoteType, fields: list[str], ords: set[int], media: _Media
) -> tuple[dict[str, Any] | None, str]:
    """One note as a card dictionary (without ``id``), or ``None`` and why not."""
    texts = []
    for index, value in enumerate(fields):
        cloze = index == 0 and note_type.kind == _CLOZE
        converted = cloze_from_anki(value) if cloze else field_text(value)
        if converted.media:
            media.names.update(converted.media)
            texts.append(media.mention(converted.text))
        else:
            texts.append(converted.text)
    names = note_type.field_names
    extras = {
        names[n] if n < len(names) else f"Field {n + 1}": texts[n]
        for n in range(len(texts))
        if texts[n]
    }
    kind = note_type.kind
    if not fields:
        return None, (
            f"the note has 0 fields (its note type {note_type.name!r} has "
            f"{len(note_type.field_names)}): it is damaged; check the collection in Anki "
            "(Tools > Check Database)"
        )
    if not any(texts):
        return None, "the note has no fields with text"
    if kind == _OCCLUSION:
        return None, "Image Occlusion notes need the image; they cannot be shown as text"
    if kind == _CLOZE:
        text = texts[0]
        if not next(cloze_deletions(text), None) is not None:
            return None, "a cloze note without a {{c1::...}} deletion"
        card: dict[str, Any] = {"type": "cloze", "text": text}
        rest = [value for name, value in extras.items() if name not in (names[0],)]
        explanation = "\n\n".join(value for value in rest if value)
        if explanation:
            card["explanation"] = explanation
        return card, ""
    if len(texts) < 2 or not texts[0] or not texts[1]:
        return None, "the note needs a front and a back with text (first two fields)"
    front, back = texts[0], texts[1]
    known = {0, 1}
    if kind == _TYPING and note_type.typed_field is not None:
        answer_field = note_type.typed_field
        answer = texts[answer_field]
        if not answer:
            return None, "the typed answer is empty"
        card = {"type": "typed", "question": front, "answer": answer}
        known = {0, answer_field}
    else:
        card = {"type": "basic", "front": front, "back": back}
        if kind == _REVERSED or (kind == _OPTIONAL_REVERSED and 1 in ords):
            card["reverse"] = True
        if kind == _OPTIONAL_REVERSED:
            known.add(2)  # the "Add Reverse" switch, not text to keep
    explanation_parts = []
    for index, (name, value) in enumerate(zip(names, texts)):
        if index in known or not value:
            continue
        explanation_parts.append(
            value if name in ("Explanation", "Back Extra") else f"{name}: {value}"
        )
    if explanation_parts:
        card["explanation"] = "\n\n".join(explanation_parts)
    return card, ""


def _quiet(_text: str) -> None:
    """The default ``on_step``: say nothing."""


def _variant(card: dict[str, Any], ordinal: int) -> str | None:
    """The study card an Anki card ordinal is (``""``, ``"reverse"``, ``"c2"``), or None."""
    if card["type"] == "cloze":
        numbers = {number for _, _, number, _, _ in cloze_deletions(card["text"])}
        return f"c{ordinal + 1}" if ordinal + 1 in numbers else None
    if ordinal == 0:
        return ""
    if ordinal == 1 and card.get("reverse"):
        return "reverse"
    return None


def import_anki(
    package: Path,
    out_dir: Path,
    *,
    progress_dir: Path | None,
    clock: Clock,
    scratch: Path | None = None,
    on_step: Callable[[str], None] | None = None,
) -> AnkiImportReport:
    """Import ``package`` into deck files under ``out_dir``; with ``progress_dir``, its
    review history too. Raises :class:`InteropError` for input it cannot read.
    ``on_step`` is told what each step does before it starts (a large collection takes
    a while: the command shows them)."""
    step = on_step or _quiet
    with tempfile.TemporaryDirectory(prefix="trainer-anki-", dir=scratch) as temporary:
        step(f"unpacking {package.name} with the anki library")
        collection = open_anki(package, Path(temporary))
        try:
            return _convert(collection, package, out_dir, progress_dir, clock, step)
        except sqlite3.DatabaseError as error:
            raise InteropError(
                f"{package}: the collection in it is damaged ({error}); check it in Anki "
                "(Tools > Check Database) and export it again"
            ) from None
        finally:
            collection.close()


def _convert(
    collection: AnkiCollection,
    package: Path,
    out_dir: Path,
    progress_dir: Path | None,
    clock: Clock,
    step: Callable[[str], None],
) -> AnkiImportReport:
    history: HistoryProcess | None = None
    if progress_dir is not None:
        # The history is written by a second process while the notes are read and the
        # deck files checked and written here (see trainer.interop.history_process).
        progress_dir.mkdir(parents=True, exist_ok=True)
        history = HistoryProcess.start(
            collection.path,
            log_path(progress_dir),
            header_line(DEVICE, clock.now()),
            package,
            collection.path.parent,
        )
    try:
        return _convert_started(collection, package, out_dir, progress_dir, clock, history, step)
    finally:
        if history is not None:
            history.abandon()


def _convert_started(
    collection: AnkiCollection,
    package: Path,
    out_dir: Path,
    progress_dir: Path | None,
    clock: Clock,
    history: HistoryProcess | None,
    step: Callable[[str], None],
) -> AnkiImportReport:
    report = AnkiImportReport()
    step(
        "reading the notes"
        + (" (the review history is read in a second process meanwhile)" if history else "")
    )
    note_types = _note_types(collection.models)
    deck_names = collection.deck_names
    # Each note's cards: (ordinal, deck) per Anki card id; a note's deck is its first card's.
    cards_of: dict[int, list[tuple[int, int, int]]] = {}
    for card_id, note_id, ordinal, deck, original_deck in collection.rows(
        "SELECT id, nid, ord, did, odid FROM cards ORDER BY id"
    ):
        cards_of.setdefault(note_id, []).append((ordinal, card_id, original_deck or deck))
    drafts: dict[str, DeckDraft] = {}
    media = _Media()
    # (deck draft id, card id) -> [(Anki card id, variant, GUID|ordinal)]
    study_cards: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
    used_ids: dict[tuple[str, str], str] = {}
    for note_id, guid, model_id, tags, flds in collection.rows(
        "SELECT id, guid, mid, tags, flds FROM notes ORDER BY id"
    ):
        report.notes_read += 1
        note_type = note_types.get(model_id)
        where = f"note {note_id}" + (f" ({note_type.name})" if note_type else "")
        cards = sorted(cards_of.get(note_id, ()))
        if note_type is None or not cards:
            report.skipped.append(Skipped(where, "the note has no note type or no cards"))
            continue
        fields = flds.split("\x1f") if flds else []
        card, why = _note_card(note_type, fields, {c[0] for c in cards}, media)
        if card is None:
            report.skipped.append(Skipped(where, why))
            continue
        if note_type.kind not in (_BASIC, _REVERSED, _OPTIONAL_REVERSED, _TYPING, _CLOZE):
            report.other_note_types[note_type.name] = (
                report.other_note_types.get(note_type.name, 0) + 1
            )
        deck_name = deck_names.get(cards[0][2], "Default")
        deck_id, card_id = ids_for_guid(guid, deck_name)
        if (deck_id, card_id) in used_ids:
            report.skipped.append(
                Skipped(where, f"its id {card_id} is already taken by {used_ids[deck_id, card_id]}")
            )
            continue
        used_ids[deck_id, card_id] = where
        card = {"id": card_id, **card, "origin": where}
        tag_list = [t for t in tags.split() if t]
        if tag_list:
            card["tags"] = tag_list
        draft = drafts.get(deck_id)
        if draft is None:
            draft = drafts[deck_id] = DeckDraft(
                deck_id, deck_name, f"Imported from the Anki deck {deck_name!r} in {package.name}."
            )
        draft.cards.append(card)
        for ordinal, anki_card_id, _deck in cards:
            variant = _variant(card, ordinal)
            if variant is not None:
                study_cards.setdefault((deck_id, card_id), []).append(
                    (anki_card_id, variant, event_source(guid, ordinal))
                )
    plan = plan_decks(list(drafts.values()))
    keys: dict[int, tuple[str, str]] = {}
    if progress_dir is not None:
        # The keys assume the loader keeps every card (it nearly always does: if not,
        # the worker's history is thrown away and written again below).
        keys = _history_keys(
            study_cards,
            {(part.draft.id, card["id"]): part.id for part in plan for card in part.cards},
        )
        if history is not None:
            history.send_keys(keys)
    step(
        f"checking and writing {len(plan)} deck file{'s' if len(plan) != 1 else ''} "
        f"({sum(len(part.cards) for part in plan):,} cards)"
    )
    written = write_planned(plan, out_dir)
    report.files, report.backups = written.files, written.backups
    report.cards_written = written.cards
    report.skipped.extend(written.skipped)
    _copy_media(collection.media_dir, out_dir / _MEDIA_DIR, media.names, report)
    if progress_dir is not None:
        final_keys = _history_keys(study_cards, written.deck_of)
        if history is not None and final_keys == keys:
            step("finishing the review history")
            report.history = history.finish()
        else:
            if history is not None:
                history.abandon()
            step("writing the review history")
            report.history = write_history(
                revlog_histories(collection.db, final_keys), progress_dir, clock
            )
    return report


def _history_keys(
    study_cards: dict[tuple[str, str], list[tuple[int, str, str]]],
    deck_of: dict[tuple[str, str], str],
) -> dict[int, tuple[str, str]]:
    """Each Anki card's progress key and what its event ids derive from, given the deck
    file each card is in (``deck_of``; a card in none has no history to continue)."""
    keys: dict[int, tuple[str, str]] = {}
    for (draft_id, card_id), members in study_cards.items():
        final_deck = deck_of.get((draft_id, card_id))
        if final_deck is None:
            continue
        base = f"{final_deck}/{card_id}"
        for anki_card_id, variant, stable in members:
            keys[anki_card_id] = (f"{base}::{variant}" if variant else base, stable)
    return keys


def _copy_media(source: Path, target: Path, names: set[str], report: AnkiImportReport) -> None:
    """Copy the media the notes refer to (streamed, file by file)."""
    for name in sorted(names):
        if "/" in name or "\\" in name or name in (".", "..") or name.startswith("."):
            report.media_missing.append(name)
            continue
        origin = source / name
        if not origin.is_file():
            report.media_missing.append(name)
            continue
        target.mkdir(parents=True, exist_ok=True)
        temporary = target / f".{name}.tmp"
        shutil.copyfile(origin, temporary)
        os.replace(temporary, target / name)
        report.media_copied += 1
