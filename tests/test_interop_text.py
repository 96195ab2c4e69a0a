"""CSV/TSV and Markdown, both ways: Anki's own plain-text export read here, our export read
by Anki's own CSV importer, Quizlet's format, and Q:/A:/C: Markdown round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.cli import main
from trainer.exitcodes import ExitCode
from trainer.loader import find_deck_files, load_deck
from trainer.model import CardType
from trainer.validation import validate

FIXTURES = Path(__file__).parent / "fixtures" / "anki"
DECKS = Path(__file__).resolve().parent.parent / "decks"


def _decks(directory: Path) -> dict[str, object]:
    files, _ = find_deck_files([directory])
    return {deck.id: deck for deck in (load_deck(path).deck for path in files)}


def _anki():
    return pytest.importorskip("anki.collection")


def _fixture_collection(tmp_path: Path):
    anki_collection = _anki()
    col = anki_collection.Collection(str(tmp_path / "fixture.anki2"))
    col.import_anki_package(
        anki_collection.ImportAnkiPackageRequest(
            package_path=str(FIXTURES / "current.apkg"),
            options=anki_collection.ImportAnkiPackageOptions(with_scheduling=False),
        )
    )
    return col


def test_anki_notes_in_plain_text_import_like_the_package(tmp_path, capsys):
    """Anki's own "Notes in Plain Text" export of the fixture gives the same decks, card
    ids and texts as importing the fixture package."""
    col = _fixture_collection(tmp_path)
    exported = tmp_path / "notes.txt"
    col.export_note_csv(
        out_path=str(exported),
        limit=None,
        with_html=True,
        with_tags=True,
        with_deck=True,
        with_notetype=True,
        with_guid=True,
    )
    col.close()
    assert exported.read_text().startswith("#separator:tab\n#html:true\n")
    assert main(["import", "csv", str(exported), "--out", str(tmp_path / "csv")]) == ExitCode.OK
    report = capsys.readouterr().out
    main(["import", "anki", str(FIXTURES / "current.apkg"), "--out", str(tmp_path / "apkg")])
    from_csv, from_apkg = _decks(tmp_path / "csv"), _decks(tmp_path / "apkg")
    assert validate([tmp_path / "csv"]).errors == 0
    assert set(from_csv) <= set(from_apkg)
    for deck_id, deck in from_csv.items():
        apkg_cards = {card.id: card for card in from_apkg[deck_id].cards}
        for card in deck.cards:
            twin = apkg_cards[card.id]
            # A text file carries no media: it is mentioned by name, not copied to media/.
            twin_back = twin.back.replace("media/", "")
            assert (card.type, card.front, card.back, card.question, card.reverse) == (
                twin.type,
                twin.front,
                twin_back,
                twin.question,
                twin.reverse,
            ), card.id
    assert "rows read:" in report


def test_our_tsv_is_read_by_ankis_own_csv_importer(tmp_path, capsys):
    anki_collection = _anki()
    out = tmp_path / "decks.tsv"
    assert main(["export", "csv", str(DECKS), "--out", str(out)]) == ExitCode.OK
    col = anki_collection.Collection(str(tmp_path / "check.anki2"))
    try:
        metadata = col.get_csv_metadata(str(out), None)
        request = anki_collection.ImportCsvRequest(path=str(out), metadata=metadata)
        col.import_csv(request)
        bundled = _decks(DECKS)
        cards = [card for deck in bundled.values() for card in deck.cards]
        assert col.note_count() == len(cards)
        for deck in bundled.values():
            assert len(col.find_notes(f'"deck:{deck.title}"')) == len(deck.cards)
        clozes = sum(1 for card in cards if card.type is CardType.CLOZE)
        assert len(col.find_notes('"note:Cloze"')) == clozes
        typed = sum(1 for card in cards if card.type is CardType.TYPED)
        assert len(col.find_notes('"note:Basic (type in the answer)"')) == typed
    finally:
        col.close()


def test_tsv_round_trip_keeps_ids_and_text(tmp_path, capsys):
    out = tmp_path / "decks.tsv"
    main(["export", "csv", str(DECKS), "--out", str(out), "--separator", "comma"])
    assert out.read_text().startswith("#separator:comma\n")
    assert main(["import", "csv", str(out), "--out", str(tmp_path / "back")]) == ExitCode.OK
    original, back = _decks(DECKS), _decks(tmp_path / "back")
    assert sorted(back) == sorted(original)
    for deck_id, deck in original.items():
        returned = {card.id: card for card in back[deck_id].cards}
        assert list(returned) == [card.id for card in deck.cards]
        for card in deck.cards:
            if card.type in (CardType.BASIC, CardType.TYPED, CardType.CLOZE):
                twin = returned[card.id]
                assert (
                    twin.type,
                    twin.front,
                    twin.back,
                    twin.question,
                    twin.answer,
                    twin.reverse,
                ) == (card.type, card.front, card.back, card.question, card.answer, card.reverse)


def test_quizlet_export_and_its_custom_separators(tmp_path, capsys):
    quizlet = tmp_path / "set.txt"
    quizlet.write_text("la pomme - the apple")
    # A separator of several characters is refused (Quizlet's own is one).
    assert (
        main(["import", "csv", str(quizlet), "--separator", "ab", "--out", str(tmp_path / "q")])
        == ExitCode.USAGE
    )
    assert "give one character" in capsys.readouterr().err
    quizlet.write_text('la pomme\tthe apple;"le" chat\tthe cat;\nle chien\tthe dog;')
    code = main(
        [
            "import",
            "csv",
            str(quizlet),
            "--out",
            str(tmp_path / "q"),
            "--row-separator",
            ";",
            "--title",
            "French",
            "--deck-id",
            "french",
        ]
    )
    assert code == ExitCode.OK
    deck = load_deck(tmp_path / "q" / "french.yaml").deck
    assert [(c.front, c.back) for c in deck.cards] == [
        ("la pomme", "the apple"),
        ('"le" chat', "the cat"),
        ("le chien", "the dog"),
    ]
    out = tmp_path / "out.txt"
    assert main(["export", "csv", str(tmp_path / "q"), "--out", str(out), "--quizlet"]) == 0
    assert out.read_text() == 'la pomme\tthe apple\n"le" chat\tthe cat\nle chien\tthe dog\n'


def test_header_and_column_options(tmp_path, capsys):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("tags,answer,question\ngeo,Paris,Capital of France?\ngeo,,Capital of Spain?\n")
    code = main(["import", "csv", str(sheet), "--header", "--out", str(tmp_path / "o")])
    out = capsys.readouterr().out
    assert code == ExitCode.PROBLEMS
    assert "sheet.csv row 2: the row needs a front and a back" in out
    deck = load_deck(tmp_path / "o" / "sheet.yaml").deck
    assert [(c.front, c.back, c.tags) for c in deck.cards] == [
        ("Capital of France?", "Paris", ("geo",))
    ]
    code = main(
        [
            "import",
            "csv",
            str(sheet),
            "--columns",
            "ignore,back,front",
            "--out",
            str(tmp_path / "p"),
        ]
    )
    assert load_deck(tmp_path / "p" / "sheet.yaml").deck.cards[0].front == "question"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the file is empty"),
        (b"front\tback\n\xff\xfe\n", "sheet.tsv:2: not UTF-8"),
        # A quote never closed swallows the rest of the file into one field.
        (b"a\tb\n" * 3 + b'"unclosed\tx\n' + b"front\tback\n" * 15_000, "sheet.tsv:4: a field"),
        (b"x" * 200_000 + b"\tback\n", "sheet.tsv:1: a field of this row runs over 128 KiB"),
    ],
)
def test_bad_text_files_get_a_clear_error(tmp_path, capsys, content, message):
    sheet = tmp_path / "sheet.tsv"
    sheet.write_bytes(content)
    assert main(["import", "csv", str(sheet)]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_markdown_cards_both_ways(tmp_path, capsys):
    notes = tmp_path / "notes.md"
    notes.write_text(
        "# Geography\n\nSome prose that is not a card.\n\n"
        "Q: What is the capital of France?\nA: Paris\n\n"
        "Q: Two rivers of France?\nA: Seine\nLoire\n\n"
        "C: [Paris] is the capital of [France].\n\nA: an answer alone\n"
    )
    code = main(["import", "markdown", str(notes), "--out", str(tmp_path / "md")])
    out = capsys.readouterr().out
    assert code == ExitCode.PROBLEMS and "notes.md:14: an A: without a Q: before it" in out
    deck = load_deck(tmp_path / "md" / "geography.yaml").deck
    assert deck.title == "Geography"
    assert [(c.type, c.front, c.back) for c in deck.cards[:2]] == [
        ("basic", "What is the capital of France?", "Paris"),
        ("basic", "Two rivers of France?", "Seine\nLoire"),
    ]
    cloze = deck.cards[2]
    assert [c.answers for c in cloze.clozes] == [("Paris",), ("France",)]
    # Written back out and read again: the same cards with the same ids.
    again = tmp_path / "again.md"
    assert main(["export", "markdown", str(tmp_path / "md"), "--out", str(again)]) == 0
    assert main(["import", "markdown", str(again), "--out", str(tmp_path / "md2")]) == 0
    twin = load_deck(tmp_path / "md2" / "geography.yaml").deck
    assert [(c.id, c.front, c.back, c.question) for c in twin.cards] == [
        (c.id, c.front, c.back, c.question) for c in deck.cards
    ]


def test_markdown_export_of_the_bundled_decks_imports_and_validates(tmp_path, capsys):
    out = tmp_path / "all.md"
    assert main(["export", "markdown", str(DECKS), "--out", str(out)]) == ExitCode.OK
    assert main(["import", "markdown", str(out), "--out", str(tmp_path / "md")]) == ExitCode.OK
    original, back = _decks(DECKS), _decks(tmp_path / "md")
    assert len(back) == len(original)
    assert sum(len(d.cards) for d in back.values()) == sum(len(d.cards) for d in original.values())
    assert validate([tmp_path / "md"]).errors == 0


def test_cloze_escapes_in_tsv_show_in_anki_as_on_our_card_and_come_back(tmp_path, capsys):
    from trainer.interop.html_text import field_text
    from trainer.loader import load_deck
    from trainer.model import cloze_display

    anki_collection = _anki()
    deck_file = tmp_path / "escapes.yaml"
    deck_file.write_text(
        "format: 1\nid: escapes\ntitle: Escapes\ncards:\n  - id: slicing\n    type: cloze\n"
        "    text: 'Reversed: {{c1::xs[\\::-1]}}; a set: \\{1, 2\\}; {{c2::C\\:\\\\temp::a dir}}'\n"
    )
    card = load_deck(deck_file).deck.cards[0]
    out = tmp_path / "escapes.tsv"
    assert main(["export", "csv", str(deck_file), "--out", str(out)]) == ExitCode.OK
    col = anki_collection.Collection(str(tmp_path / "check.anki2"))
    try:
        metadata = col.get_csv_metadata(str(out), None)
        col.import_csv(anki_collection.ImportCsvRequest(path=str(out), metadata=metadata))
        anki_cards = sorted(col.get_note(col.find_notes("")[0]).cards(), key=lambda c: c.ord)
        for anki_card, number in zip(anki_cards, (1, 2), strict=True):
            question = field_text(anki_card.question()).text
            assert question == cloze_display(card.question, number, revealed=False)
    finally:
        col.close()
    assert main(["import", "csv", str(out), "--out", str(tmp_path / "back")]) == ExitCode.OK
    twin = load_deck(tmp_path / "back" / "escapes.yaml").deck.cards[0]
    for number in (1, 2):  # the same card shown (fewer characters may be escaped)
        for revealed in (False, True):
            assert cloze_display(twin.question, number, revealed=revealed) == cloze_display(
                card.question, number, revealed=revealed
            )


def test_an_export_never_overwrites_its_own_deck_and_keeps_the_file_it_replaces(tmp_path, capsys):
    deck = tmp_path / "mechanism.yaml"
    deck.write_bytes((DECKS / "mechanism.yaml").read_bytes())
    before = deck.read_bytes()
    for kind in ("markdown", "csv"):
        assert main(["export", kind, str(deck), "--out", str(deck)]) == ExitCode.USAGE
        assert "is one of the decks being exported" in capsys.readouterr().err
    assert deck.read_bytes() == before
    out = tmp_path / "notes.tsv"
    out.write_text("precious\n")
    assert main(["export", "csv", str(deck), "--out", str(out)]) == ExitCode.OK
    assert "kept as" in capsys.readouterr().out
    assert (tmp_path / "notes.tsv.bak").read_text() == "precious\n"
    # The same export again: nothing new to keep, the backup stays the first file.
    assert main(["export", "csv", str(deck), "--out", str(out)]) == ExitCode.OK
    assert "kept as" not in capsys.readouterr().out
    assert (tmp_path / "notes.tsv.bak").read_text() == "precious\n"


TRICKY = r"""format: 1
id: tricky
title: Tricky text
cards:
  - id: generic
    type: cloze
    text: "list[int] is {{c1::a generic alias}}; C:\\path and \\{x\\} stay"
  - id: markup
    type: cloze
    text: "Markup {{c1::[red]ans[/red]}} here"
  - id: lines
    type: basic
    front: "## a question that looks like a heading"
    back: |-
      First line
      Q: not a question
      A: not an answer
      # not a deck
      \Q: already escaped
      C: not a cloze
"""


def test_markdown_round_trip_keeps_text_that_looks_like_markers_brackets_or_headings(
    tmp_path, capsys
):
    deck_file = tmp_path / "tricky.yaml"
    deck_file.write_text(TRICKY)
    out = tmp_path / "tricky.md"
    assert main(["export", "markdown", str(deck_file), "--out", str(out)]) == ExitCode.OK
    assert main(["import", "markdown", str(out), "--out", str(tmp_path / "md")]) == ExitCode.OK
    (back,) = _decks(tmp_path / "md").values()
    original = load_deck(deck_file).deck
    assert [(c.type, c.question, c.front, c.back) for c in back.cards] == [
        (c.type, c.question, c.front, c.back) for c in original.cards
    ]
    assert [[d.answers for d in c.clozes] for c in back.cards] == [
        [d.answers for d in c.clozes] for c in original.cards
    ]


def test_quizlet_export_gives_each_cloze_deletion_a_term_and_its_definition(tmp_path, capsys):
    deck_file = tmp_path / "cloze.yaml"
    deck_file.write_text(
        "format: 1\nid: c\ntitle: C\ncards:\n"
        "  - {id: a, type: cloze, text: '{{c1::Paris}} is the capital of {{c2::France}}.'}\n"
    )
    out = tmp_path / "quizlet.tsv"
    assert main(["export", "csv", str(deck_file), "--quizlet", "--out", str(out)]) == 0
    assert out.read_text().splitlines() == [
        "[...] is the capital of France.\tParis",
        "Paris is the capital of [...].\tFrance",
    ]


@pytest.mark.parametrize("kind", ["csv", "markdown"])
def test_a_deck_that_validate_refuses_is_not_exported(tmp_path, capsys, kind):
    deck_file = tmp_path / "bad.yaml"
    deck_file.write_text(
        "format: 1\nid: bad\ntitle: Bad\ncards:\n"
        "  - {id: c, type: choice, question: Which?, answer: Kainate, options: [NMDA, AMPA, GABA]}\n"
    )
    out = tmp_path / "out.txt"
    assert main(["export", kind, str(deck_file), "--out", str(out)]) == ExitCode.PROBLEMS
    assert "answer-not-an-option" in capsys.readouterr().err
    assert not out.exists()
