"""`trainer export anki`: the bundled decks as a package, opened by the official library,
and the round trip YAML -> apkg -> YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.cli import main
from trainer.exitcodes import ExitCode
from trainer.loader import find_deck_files, load_deck
from trainer.model import CardType

anki_collection = pytest.importorskip("anki.collection")

DECKS = Path(__file__).resolve().parent.parent / "decks"


@pytest.fixture(scope="module")
def bundled():
    files, _ = find_deck_files([DECKS])
    return [load_deck(path).deck for path in files]


@pytest.fixture(scope="module")
def package(tmp_path_factory, bundled):
    out = tmp_path_factory.mktemp("export") / "bundled.apkg"
    assert main(["export", "anki", str(DECKS), "--out", str(out)]) == ExitCode.OK
    return out


def _open_in_anki(package: Path, tmp_path: Path):
    """The package imported by the official library into an empty collection."""
    col = anki_collection.Collection(str(tmp_path / "check.anki2"))
    col.import_anki_package(
        anki_collection.ImportAnkiPackageRequest(
            package_path=str(package),
            options=anki_collection.ImportAnkiPackageOptions(with_scheduling=False),
        )
    )
    return col


def _expected_anki_cards(card) -> int:
    if card.type is CardType.CLOZE:
        return len(card.clozes)
    return 2 if card.type is CardType.BASIC and card.reverse else 1


@pytest.mark.parametrize("legacy", [False, True])
def test_anki_opens_the_export_with_one_note_per_card(tmp_path, bundled, legacy):
    out = tmp_path / "bundled.apkg"
    args = ["export", "anki", str(DECKS), "--out", str(out)] + (["--legacy"] if legacy else [])
    assert main(args) == ExitCode.OK
    col = _open_in_anki(out, tmp_path)
    try:
        cards = [card for deck in bundled for card in deck.cards]
        assert col.note_count() == len(cards)
        assert col.card_count() == sum(_expected_anki_cards(card) for card in cards)
        for deck in bundled:
            assert len(col.find_notes(f'"deck:{deck.title}"')) == len(deck.cards)
    finally:
        col.close()


def test_fields_hold_each_type_as_anki_shows_it(tmp_path, bundled, package):
    col = _open_in_anki(package, tmp_path)
    try:
        by_guid = {col.get_note(nid).guid: col.get_note(nid) for nid in col.find_notes("")}
        for deck in bundled:
            for card in deck.cards:
                note = by_guid[f"trainer:{deck.id}/{card.id}"]
                kind = note.note_type()["name"]
                if card.type is CardType.CLOZE:
                    assert kind == "Trainer Cloze"
                    assert note["Text"].count("{{c") == card.question.count("{{c")
                elif card.type is CardType.TYPED:
                    assert kind == "Trainer Basic (type in the answer)"
                    assert "{{type:Back}}" in note.note_type()["tmpls"][0]["qfmt"]
                    assert note["Back"].replace("&amp;", "&") == card.answer
                elif card.type is CardType.BASIC:
                    assert kind == (
                        "Trainer Basic (and reversed card)" if card.reverse else "Trainer Basic"
                    )
                else:
                    assert kind == "Trainer Basic"
                    if card.type is CardType.CHOICE:
                        assert note["Back"] == card.answer.replace("&", "&amp;")
                    elif card.type is CardType.TRUEFALSE:
                        assert note["Back"] == ("True" if card.truth else "False")
                    elif card.type is CardType.ORDER:
                        assert note["Back"].startswith("1. ")
                if card.explanation:
                    field = "Back Extra" if card.type is CardType.CLOZE else "Explanation"
                    assert note[field]
                if card.sources:
                    assert note["Source"]
    finally:
        col.close()


def test_round_trip_yaml_apkg_yaml_keeps_ids_and_text(tmp_path, bundled, package, capsys):
    out = tmp_path / "back"
    assert main(["import", "anki", str(package), "--out", str(out)]) == ExitCode.OK
    again = {load_deck(p).deck.id: load_deck(p).deck for p in out.glob("*.yaml")}
    assert sorted(again) == sorted(deck.id for deck in bundled)
    for deck in bundled:
        returned = {card.id: card for card in again[deck.id].cards}
        assert again[deck.id].title == deck.title
        assert list(returned) == [card.id for card in deck.cards]
        for card in deck.cards:
            back = returned[card.id]
            assert sorted(back.tags) == sorted(card.tags)  # Anki sorts tags
            if card.explanation:
                assert back.explanation.startswith(card.explanation)
            if card.type is CardType.BASIC:
                assert (back.type, back.front, back.back, back.reverse) == (
                    card.type,
                    card.front,
                    card.back,
                    card.reverse,
                )
            elif card.type in (CardType.TYPED, CardType.CLOZE):
                assert (back.type, back.question) == (card.type, card.question)
                assert back.answer == card.answer
                assert [c.answers for c in back.clozes] == [c.answers for c in card.clozes]
            else:  # choice, multi, order, truefalse: basic, the answer on the back
                assert back.type is CardType.BASIC and back.front.startswith(card.question)


def test_a_deck_with_errors_is_not_exported(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "format: 1\nid: b\ntitle: B\ncards:\n  - id: x\n    type: basic\n    front: only a front\n"
    )
    out = tmp_path / "b.apkg"
    assert main(["export", "anki", str(broken), "--out", str(out)]) == ExitCode.PROBLEMS
    err = capsys.readouterr().err
    assert f"{broken}:5:" in err and "nothing written" in err
    assert not out.exists()


_CLOZE_DECK = r"""format: 1
id: escapes
title: Escapes
cards:
  - id: slicing
    type: cloze
    text: 'Reversed: {{c1::xs[\::-1]}}; a set: \{1, 2\}; the path {{c2::C\:\\temp\\::a folder}}'
  - id: types
    type: cloze
    text: "In C++ {{c1::std\\::vector}} grows; {{c2::a < b && c}} is {{c3::true}} & so on"
    explanation: "See \\{{braces\\}} too"
"""


def test_exported_cloze_cards_show_in_anki_what_our_cards_show(tmp_path):
    from trainer.interop.html_text import field_text
    from trainer.model import cloze_display

    deck_file = tmp_path / "escapes.yaml"
    deck_file.write_text(_CLOZE_DECK)
    deck = load_deck(deck_file).deck
    assert deck is not None and len(deck.cards) == 2
    out = tmp_path / "escapes.apkg"
    assert main(["export", "anki", str(deck_file), "--out", str(out)]) == ExitCode.OK
    col = _open_in_anki(out, tmp_path)
    try:
        by_guid = {col.get_note(nid).guid: col.get_note(nid) for nid in col.find_notes("")}
        for card in deck.cards:
            note = by_guid[f"trainer:escapes/{card.id}"]
            anki_cards = sorted(note.cards(), key=lambda c: c.ord)
            numbers = sorted({c.number for c in card.clozes})
            assert [c.ord + 1 for c in anki_cards] == numbers
            for anki_card, number in zip(anki_cards, numbers):
                question = field_text(anki_card.question()).text
                answer = field_text(anki_card.answer()).text
                assert question == cloze_display(card.question, number, revealed=False)
                shown = cloze_display(card.question, number, revealed=True)
                assert answer.split("\n")[0] == shown
    finally:
        col.close()


def test_cloze_escapes_survive_the_round_trip_through_anki(tmp_path, capsys):
    deck_file = tmp_path / "escapes.yaml"
    deck_file.write_text(_CLOZE_DECK)
    deck = load_deck(deck_file).deck
    out = tmp_path / "escapes.apkg"
    assert main(["export", "anki", str(deck_file), "--out", str(out)]) == ExitCode.OK
    back = tmp_path / "back"
    assert main(["import", "anki", str(out), "--out", str(back)]) == ExitCode.OK
    again = load_deck(back / "escapes.yaml").deck
    for card, returned in zip(deck.cards, again.cards, strict=True):
        # The same cards shown (the text may escape fewer characters than the author did).
        assert _shown(returned) == _shown(card)
        assert [c.answers for c in returned.clozes] == [c.answers for c in card.clozes]


def _shown(card) -> list[tuple[str, str]]:
    from trainer.model import cloze_display

    return [
        (
            cloze_display(card.question, n, revealed=False),
            cloze_display(card.question, n, revealed=True),
        )
        for n in sorted({c.number for c in card.clozes})
    ]
