"""Imported cards to deck files that pass ``trainer validate``.

Every importer builds :class:`DeckDraft` objects (cards as plain dictionaries in the deck
format's own field names) and hands them to :func:`write_decks`, which

* writes YAML the loader reads back exactly (plain where that is safe, else a JSON string,
  which YAML reads as a double-quoted scalar; multi-line text as ``|-`` blocks);
* loads each file with the deck loader before writing it and runs ``trainer validate``'s
  card checks on it, and leaves out any card either refuses, reporting its own message,
  so the output always validates;
* splits a deck that would pass the loader's 8 MiB limit into parts ``ID``, ``ID-2``, ...;
* keeps the previous file as ``NAME.yaml.bak`` when a re-import changes it, and replaces
  files atomically and durably (a temporary file, fsynced, renamed; the directory
  fsynced).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from trainer.diagnostics import Severity
from trainer.durable import fsync_directory, write_synced
from trainer.loader import MAX_DECK_BYTES, load_deck_text
from trainer.model import FORMAT_VERSION

__all__ = [
    "EXPORT_GUID_PREFIX",
    "DeckDraft",
    "PlannedPart",
    "Skipped",
    "WriteResult",
    "card_id_for",
    "deck_id_for",
    "dump_deck",
    "ids_for_guid",
    "plan_decks",
    "write_decks",
    "write_planned",
]

#: GUIDs of the notes this trainer exports (Anki packages, CSV): ``trainer:DECK/CARD``.
EXPORT_GUID_PREFIX = "trainer:"
_EXPORTED_GUID = re.compile(r"trainer:([a-z0-9][a-z0-9_-]*)/([a-z0-9][a-z0-9_-]*)")

_ID_CHARS = re.compile(r"[^a-z0-9_-]+")
_VALID_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
#: Size a written deck file stays under (the loader refuses more than MAX_DECK_BYTES).
_PART_BYTES = MAX_DECK_BYTES * 7 // 8


def deck_id_for(name: str) -> str:
    """A deck id from a deck name: ``Geography::Europe`` -> ``geography-europe``."""
    slug = _ID_CHARS.sub("-", name.lower().replace("::", "-")).strip("-_")
    if _VALID_ID.fullmatch(slug):
        return slug[:80]
    return "deck-" + hashlib.sha1(name.encode()).hexdigest()[:10]


def card_id_for(stable_key: str, prefix: str = "n") -> str:
    """A card id that depends only on ``stable_key`` (an Anki GUID, a row's text...)."""
    return f"{prefix}-" + hashlib.sha1(stable_key.encode()).hexdigest()[:12]


def ids_for_guid(guid: str, deck_name: str) -> tuple[str, str]:
    """(deck id, card id) for a note: the ids a note this trainer exported carries in
    its GUID, else the deck's name made an id and the card id derived from the GUID."""
    exported = _EXPORTED_GUID.fullmatch(guid)
    if exported:
        return exported.group(1), exported.group(2)
    return deck_id_for(deck_name), card_id_for(guid)


class Skipped(Struct):
    """A note or row that did not become a card.

    Attributes:
        where: what it was (``note 1712345678 (Image Occlusion)``, ``line 12``).
        reason: why it was left out.
    """

    where: str
    reason: str


class DeckDraft(Struct):
    """A deck to write.

    Attributes:
        id: the deck id; also the file name (``ID.yaml``).
        title: shown on the home screen.
        description: one sentence saying where the deck came from.
        cards: the cards, as dictionaries keyed by deck-format field names; each has ``id``
            and ``type``. ``origin`` (not written) names the source for problem reports.
    """

    id: str
    title: str
    description: str = ""
    cards: list[dict[str, Any]] = field(default_factory=list)


class WriteResult(Struct):
    """What :func:`write_decks` did.

    Attributes:
        files: the deck files written (or left as they were, when unchanged).
        backups: previous versions kept as ``.bak`` because a re-import changed them.
        skipped: cards the loader refused, with its message.
        cards: cards written, by type.
        deck_of: the deck id each written card ended up in, by (draft id, card id): a
            draft's own id, or a part's (``ID-2``) when the deck was split.
    """

    files: list[Path] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    cards: dict[str, int] = field(default_factory=dict)
    deck_of: dict[tuple[str, str], str] = field(default_factory=dict)


# Plain (unquoted) YAML text: starts with a letter, no character YAML gives a meaning
# to, and not one of the words YAML 1.1 reads as a boolean or null.
_PLAIN = re.compile(r"[A-Za-z][^:#\"'{}\[\],&*!|>%@`\\\n\t\u0085\u2028\u2029]*(?<! )")
_YAML_WORDS = frozenset({"yes", "no", "on", "off", "true", "false", "null", "y", "n"})
_BLOCK_LINE = re.compile(r"[^\t\u0085\u2028\u2029\ufeff]*(?<! )")


def _scalar(value: str, indent: str) -> str:
    """``value`` as YAML text the loader reads back exactly."""
    if _PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS:
        return value
    if (
        "\n" in value
        and value == value.strip()
        and all(_BLOCK_LINE.fullmatch(line) for line in value.split("\n"))
    ):
        body = "\n".join(f"{indent}  {line}" if line else "" for line in value.split("\n"))
        return "|-\n" + body
    # A JSON string is a YAML double-quoted scalar; the three characters YAML also
    # takes for line breaks are escaped.
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("\u0085", "\\N")
        .replace("\u2028", "\\L")
        .replace("\u2029", "\\P")
    )


def _value(value: Any, indent: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return _scalar(value, indent)
    if isinstance(value, (list, tuple)):
        return "".join(f"\n{indent}  - {_scalar(item, indent + '    ')}" for item in value)
    raise TypeError(f"cannot write {type(value).__name__} in a deck")


def dump_deck(deck_id: str, title: str, description: str, cards: list[dict[str, Any]]) -> str:
    """The YAML text of one deck file (cards are flat: text, booleans, lists of text)."""
    lines = [f"format: {FORMAT_VERSION}", f"id: {deck_id}", f"title: {_scalar(title, '')}"]
    if description:
        lines.append(f"description: {_scalar(description, '')}")
    lines.append("cards:")
    for card in cards:
        first = True
        for key, value in card.items():
            if key == "origin":
                continue
            lead = "  - " if first else "    "
            first = False
            text = _value(value, "    ")
            lines.append(f"{lead}{key}:{text}" if text.startswith("\n") else f"{lead}{key}: {text}")
    return "\n".join(lines) + "\n"


def _checked(
    deck_id: str,
    title: str,
    description: str,
    cards: list[dict[str, Any]],
    text: str,
    path: Path,
    skipped: list[Skipped],
) -> tuple[str, list[dict[str, Any]]]:
    """``text`` (the deck), with every card the loader or ``trainer validate``'s card
    checks refuse left out and reported."""
    from trainer.validation import check_cards

    result = load_deck_text(text, path)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    if result.deck is not None:
        # The card checks (answer keys, options...): what `trainer validate` adds to
        # loading, so an imported deck passes it (0.9 s of 50,000 imported cards).
        errors += [d for d in check_cards([result.deck]) if d.severity is Severity.ERROR]
    if not errors:
        return text, cards
    refused = {d.card_id for d in errors if d.card_id is not None}
    loaded = {c.id for c in result.deck.cards if c.id not in refused} if result.deck else set()
    for card in cards:
        if card["id"] not in loaded:
            reason = next(
                (f"{d.code}: {d.message}" for d in errors if d.card_id == card["id"]),
                "refused by the deck loader",
            )
            skipped.append(Skipped(card.get("origin", card["id"]), reason))
    kept = [card for card in cards if card["id"] in loaded]
    return dump_deck(deck_id, title, description, kept), kept


def _parts(draft: DeckDraft) -> list[tuple[str, list[dict[str, Any]], str]]:
    """``draft``'s cards and text in as many files as the size limit needs."""
    text = dump_deck(draft.id, draft.title, draft.description, draft.cards)
    size = len(text.encode())
    if size <= _PART_BYTES:
        return [(draft.id, draft.cards, text)]
    count = -(-size // _PART_BYTES)
    per_part = -(-len(draft.cards) // count)
    parts = []
    for number in range(count):
        part_id = draft.id if number == 0 else f"{draft.id}-{number + 1}"
        cards = draft.cards[number * per_part : (number + 1) * per_part]
        parts.append((part_id, cards, dump_deck(part_id, draft.title, draft.description, cards)))
    return parts


def _replace(path: Path, text: str, backups: list[Path]) -> None:
    data = text.encode()
    try:
        old = path.read_bytes()
    except FileNotFoundError:
        old = None
    if old == data:
        return
    if old is not None:
        backup = path.with_name(path.name + ".bak")
        write_synced(backup, old)
        backups.append(backup)
    temporary = path.with_name(path.name + ".tmp")
    try:
        write_synced(temporary, data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


class PlannedPart(Struct):
    """One deck file to write: a draft, or a part of one too large for a single file.

    Attributes:
        id: the file's deck id (the draft's, or ``ID-2``...); ``draft``: its draft.
        cards: the cards in it; ``text``: its YAML, before the loader has checked it.
    """

    id: str
    draft: DeckDraft
    cards: list[dict[str, Any]]
    text: str


def plan_decks(drafts: list[DeckDraft]) -> list[PlannedPart]:
    """The files :func:`write_planned` writes for ``drafts``: before any card is checked,
    so a caller can start on what depends on which file each card goes to (the import's
    history) while the files are checked and written."""
    return [
        PlannedPart(part_id, draft, cards, text)
        for draft in drafts
        for part_id, cards, text in _parts(draft)
        if cards
    ]


def write_planned(plan: list[PlannedPart], out_dir: Path) -> WriteResult:
    """Check each planned file with the deck loader (leaving out what it refuses) and
    write it as ``out_dir/ID.yaml``; see the module docstring."""
    result = WriteResult()
    out_dir.mkdir(parents=True, exist_ok=True)
    for part in plan:
        draft = part.draft
        path = out_dir / f"{part.id}.yaml"
        text, kept = _checked(
            part.id, draft.title, draft.description, part.cards, part.text, path, result.skipped
        )
        if not kept:
            continue
        _replace(path, text, result.backups)
        result.files.append(path)
        for card in kept:
            result.cards[card["type"]] = result.cards.get(card["type"], 0) + 1
            result.deck_of[draft.id, card["id"]] = part.id
    fsync_directory(out_dir)  # the renames, so the files survive a power cut
    return result


def write_decks(drafts: list[DeckDraft], out_dir: Path) -> WriteResult:
    """Write each draft as ``out_dir/ID.yaml``; see the module docstring."""
    return write_planned(plan_decks(drafts), out_dir)
