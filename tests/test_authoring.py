"""Authoring blind spots: each problem an author meets gets one located message with the
right fix, and nothing is silently mis-read."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from trainer.cli import main
from trainer.diagnostics import Severity
from trainer.grading import grade
from trainer.loader import load_deck, load_deck_text
from trainer.model import CardType, StudyCard, cloze_display
from trainer.validation import validate

HEADER = "format: 1\nid: d\ntitle: T\n{extra}cards:\n"


def deck(tmp_path: Path, cards: str, extra: str = "", name: str = "d.yaml") -> Path:
    path = tmp_path / name
    path.write_text(
        HEADER.format(extra=extra) + textwrap.indent(textwrap.dedent(cards), "  "), encoding="utf-8"
    )
    return path


def found(path: Path) -> list[tuple[str, int, int]]:
    return [(d.code, d.line, d.column) for d in validate([path]).diagnostics]


# -- cloze: '::' and '}}' in answers ------------------------------------------------------

ESCAPED = r"""
- id: code
  type: cloze
  text: 'Reverse a list with {{c1::xs[\::-1]}}; a C++ vector is {{c2::std\::vector}}; an empty dict is {{c3::\{\}}}, and \}} is text.'
"""


def test_escaped_colons_and_braces_are_part_of_the_answer(tmp_path: Path):
    result = load_deck(deck(tmp_path, ESCAPED))
    assert result.diagnostics == []
    card = result.deck.cards[0]
    assert [c.answers for c in card.clozes] == [("xs[::-1]",), ("std::vector",), ("{}",)]
    assert [c.hints for c in card.clozes] == [(None,), (None,), (None,)]
    assert grade(StudyCard("d", card, "c1"), "xs[::-1]").correct
    assert grade(StudyCard("d", card, "c2"), "std::vector").correct
    shown = cloze_display(card.question, 1, revealed=False)
    assert shown == (
        "Reverse a list with [...]; a C++ vector is std::vector; an empty dict "
        "is {}, and }} is text."
    )


@pytest.mark.parametrize(
    ("deletion", "answer"),
    [
        ("{{c1::xs[::-1]}}", "xs["),
        ("{{c1::std::vector}}", "std"),
        ("{{c1::a::b::c}}", "a"),
        ("{{c1::f(x::y)}}", "f(x"),
    ],
)
def test_the_ambiguous_form_is_a_warning_at_the_deletion(tmp_path: Path, deletion, answer):
    path = deck(
        tmp_path,
        f"""\
        - id: code
          type: cloze
          text: "In Python: {deletion}"
        """,
    )
    report = validate([path])
    [warning] = report.diagnostics
    assert (warning.code, warning.severity) == ("cloze-ambiguous", Severity.WARNING)
    assert (warning.line, warning.column) == (7, 23)  # the '{{' of the deletion
    assert repr(answer) in warning.message and "\\::" in warning.message
    assert main(["validate", "--strict", str(path)]) == 1


@pytest.mark.parametrize(
    "deletion",
    [
        "{{c1::rigid::unbending}}",
        "{{c1::mood::emotional tone}}",
        "{{c1::ox:: animal}}",
        "{{c1::DNA::molecule}}",
    ],
)
def test_a_plain_hint_is_not_ambiguous(tmp_path: Path, deletion):
    assert (
        found(
            deck(
                tmp_path,
                f"""\
        - id: word
          type: cloze
          text: "It is {deletion}."
        """,
            )
        )
        == []
    )


def test_the_hint_after_a_space_is_shown_without_it(tmp_path: Path):
    card = load_deck(
        deck(
            tmp_path,
            """\
        - id: word
          type: cloze
          text: "An {{c1::ox:: animal}}."
        """,
        )
    ).deck.cards[0]
    assert cloze_display(card.question, 1, revealed=False) == "An [animal]."


# -- cloze errors inside block scalars -------------------------------------------------


@pytest.mark.parametrize("indicator", [">-", "|"])
def test_a_cloze_error_in_a_block_scalar_is_located_at_the_deletion_and_quoted(
    tmp_path: Path, indicator: str
):
    path = deck(
        tmp_path,
        f"""\
        - id: long
          type: cloze
          text: {indicator}
            A first line that is fine, with {{{{c1::one}}}} deletion,
            then a broken {{{{c2::deletion that never
            closes.
        """,
    )
    [error] = validate([path]).diagnostics
    assert (error.code, error.line, error.column) == ("cloze-syntax", 9, 21)
    assert "'{{c2::deletion that never" in error.message


# -- a deck-level error hides nothing -----------------------------------------------------

WITH_CARD_ERRORS = """\
- id: pick
  type: choice
  question: Which?
  answer: D
  options: [A, B, C]
- id: fine
  type: choice
  question: Which receptor?
  answer: NMDA
  options: [NMDA, AMPA, GABA]
"""


def test_cards_are_checked_after_a_deck_level_error(tmp_path: Path, capsys):
    path = deck(tmp_path, WITH_CARD_ERRORS, extra="scheduling:\n  desired_retention: 85\n")
    assert [code for code, *_ in found(path)] == ["invalid-value", "answer-not-an-option"]
    assert main(["validate", str(path)]) == 1
    assert "(2 cards)" in capsys.readouterr().out
    # The deck is still not studied: its header is wrong.
    assert load_deck(path).deck is None


def test_junit_keeps_the_cards_test_cases_after_a_deck_level_error(tmp_path: Path, capsys):
    path = deck(tmp_path, WITH_CARD_ERRORS, extra="scheduling:\n  desired_retention: 85\n")
    main(["validate", "--format", "junit", str(path)])
    suite = ET.fromstring(capsys.readouterr().out).find("testsuite")
    cases = {case.get("name"): case.find("failure") for case in suite.iter("testcase")}
    assert list(cases) == ["(file)", "pick", "fine"]
    assert cases["(file)"].get("type") == "invalid-value"
    assert cases["pick"].get("type") == "answer-not-an-option" and cases["fine"] is None
    assert suite.get("tests") == "3" and suite.get("failures") == "2"


def test_a_header_with_bad_sources_adds_no_source_errors_to_its_cards(tmp_path: Path):
    path = deck(
        tmp_path,
        """\
        - id: fine
          type: choice
          question: Which receptor?
          answer: NMDA
          options: [NMDA, AMPA, GABA]
          source: a.txt
        """,
        extra="sources: a.txt\n",
    )
    assert [code for code, *_ in found(path)] == ["wrong-type"]


# -- one error, the right fix -------------------------------------------------------------


def test_a_card_without_its_dash_is_one_error_naming_the_fix(tmp_path: Path):
    path = deck(
        tmp_path,
        """\
        - id: first
          type: typed
          question: Q?
          answer: A
          id: second
          type: typed
          question: Q2?
          answer: B
        - id: third
          type: basic
          front: F
          back: B
        """,
    )
    report = validate([path])
    [error] = report.diagnostics
    assert (error.code, error.line, error.column) == ("missing-dash", 9, 5)
    assert "'  - id: ...'" in error.message
    assert report.cards == 1  # the third card is fine


def test_a_wrong_list_holding_the_answer_is_one_error(tmp_path: Path):
    path = deck(
        tmp_path,
        """\
        - id: t
          type: typed
          question: Which transmitter?
          answer: glutamate
          alternatives: [glutamic acid]
          wrong: [glutamate, GABA]
          tests: {accept: [glutamate, Glutamate], reject: [GABA]}
        """,
    )
    assert found(path) == [("accepted-answer-marked-wrong", 10, 13)]


# -- characters -----------------------------------------------------------------------------


def test_a_control_character_in_the_type_is_stripped_and_the_card_accepted():
    text = HEADER.format(extra="") + textwrap.indent(
        textwrap.dedent("""\
        - id: c
          type: "choi\\rce"
          question: Which?
          answer: A
          options: [A, B, C]
        """),
        "  ",
    )
    result = load_deck_text(text, Path("d.yaml"))
    assert [(d.code, d.severity) for d in result.diagnostics] == [
        ("control-characters", Severity.WARNING)
    ]
    assert result.deck.cards[0].type is CardType.CHOICE


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff", "\u2060", "\u00ad", "\U000e0041"])
def test_zero_width_characters_are_stripped_and_flagged(invisible: str):
    raw = HEADER.format(extra="") + (
        f"  - id: c\n    type: typed\n    question: Which{invisible} receptor?\n"
        f'    answer: "NM{invisible}DA"\n    alternatives: ["N\\u200bMDA"]\n'
    )
    result = load_deck_text(raw, Path("d.yaml"))
    card = result.deck.cards[0]
    assert (card.question, card.answer, card.alternatives) == ("Which receptor?", "NMDA", ("NMDA",))
    assert [(d.code, d.line) for d in result.diagnostics] == [
        ("control-characters", 7),
        ("control-characters", 8),
        ("control-characters", 9),
    ]


def test_joiners_that_scripts_and_emoji_need_are_kept():
    raw = HEADER.format(extra="") + (
        '  - id: c\n    type: basic\n    front: "\U0001f469\u200d\U0001f52c"\n'
        '    back: "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"\n'
    )
    result = load_deck_text(raw, Path("d.yaml"))
    assert result.diagnostics == []
    assert "\u200d" in result.deck.cards[0].front and "\u200c" in result.deck.cards[0].back


# -- GitHub annotations ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "encoded"), [("a\nb", "a%0Ab"), ("c\rd", "c%0Dd")])
def test_github_format_encodes_line_breaks_in_file_names(tmp_path: Path, capsys, name, encoded):
    directory = tmp_path / name
    directory.mkdir()
    deck(directory, WITH_CARD_ERRORS)
    main(["validate", "--format", "github", str(directory)])
    first = capsys.readouterr().out.splitlines()[0]
    assert f"/{encoded}/d.yaml,line=" in first and "\\n" not in first and "\\r" not in first
