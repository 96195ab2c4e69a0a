"""The grounding check: answers must occur in the documents their cards cite."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from trainer.cli import main
from trainer.validation.grounding import judge
from trainer.validation.text import key_terms, stem

ARTICLE = """\
Ketamine was first synthesized in the 1960s and used as an anaesthetic on battlefields.
It blocks N-methyl-D-aspartate (NMDA) receptors, which leads to a surge of glutamate.
Infusions are usually given over about 40 minutes; effects can begin within hours.
"""

DECK = """\
format: 1
id: d
title: T
sources:
  - file: article.txt
    title: The article
  - file: gone.txt
    title: A document nobody has
cards:
"""


def deck_with(tmp_path: Path, cards: str) -> Path:
    sources = tmp_path / "sources"
    sources.mkdir(exist_ok=True)
    (sources / "article.txt").write_text(ARTICLE, encoding="utf-8")
    path = tmp_path / "deck.yaml"
    path.write_text(DECK + textwrap.indent(textwrap.dedent(cards), "  "), encoding="utf-8")
    return path


def run(capsys, *args: str) -> tuple[int, list[str]]:
    code = main(["validate", *args])
    return code, capsys.readouterr().out.splitlines()


def problems(lines: list[str]) -> list[str]:
    return [line for line in lines if " error " in line]


SUPPORTED = """\
- id: decade
  type: basic
  front: In which decade was ketamine first made?
  back: The 1960s
  source: article.txt
- id: receptor
  type: typed
  question: Which receptor does ketamine block?
  answer: NMDA receptor
  alternatives: [N-methyl-D-aspartate]
  source: article.txt
- id: surge
  type: cloze
  text: Blocking the receptor leads to a {{c1::surge}} of {{c2::glutamate}}.
  source: article.txt
- id: facts
  type: multi
  question: Which are true of a ketamine infusion?
  answers: [Lasts about 40 minutes, Effects within hours]
  options: [Lasts about 40 minutes, Effects within hours, Given as a pill]
  source: article.txt
- id: sequence
  type: order
  question: Put these in order.
  items: [Synthesized, Used on battlefields]
  source: article.txt
- id: anaesthetic
  type: truefalse
  statement: Ketamine was used as an anesthetic on battlefields.
  answer: true
  source: article.txt
"""


def test_answers_found_in_the_cited_document_pass(tmp_path: Path, capsys):
    path = deck_with(tmp_path, SUPPORTED)
    code, lines = run(capsys, "--sources", str(tmp_path / "sources"), str(path))
    # The truefalse statement says "anesthetic", the article "anaesthetic": 4 of its 5 key
    # terms occur, enough for an answer of more than two terms.
    assert problems(lines) == []
    assert code == 0, lines
    assert not any(line.startswith("note:") for line in lines)


def test_answer_missing_from_the_document_is_located_and_lists_the_missing_terms(
    tmp_path: Path, capsys
):
    cards = (
        SUPPORTED.replace("back: The 1960s", "back: The 1970s")
        .replace(
            "answers: [Lasts about 40 minutes, Effects within hours]",
            "answers: [Lasts about 40 minutes, Lasts two days]",
        )
        .replace(
            "options: [Lasts about 40 minutes, Effects within hours,",
            "options: [Lasts about 40 minutes, Lasts two days,",
        )
    )
    path = deck_with(tmp_path, cards)
    code, lines = run(capsys, "--sources", str(tmp_path / "sources"), str(path))
    assert code == 1
    assert problems(lines) == [
        f"{path}:13:11: error ungrounded-answer the answer 'The 1970s' is not supported by "
        "article.txt: 1 of its 1 key terms are missing (1970s); fix the answer, cite the "
        "document that says it, or reword it with the document's terms",
        f"{path}:28:39: error ungrounded-answer the answer 'Lasts two days' is not supported "
        "by article.txt: 3 of its 3 key terms are missing (lasts, two, days); fix the answer, cite "
        "the document that says it, or reword it with the document's terms",
    ]


def test_typed_answer_passes_when_one_alternative_is_supported(tmp_path: Path, capsys):
    cards = """\
    - id: receptor
      type: typed
      question: Which receptor does ketamine block?
      answer: NMDAR
      alternatives: [glycine site, NMDA]
      source: article.txt
    """
    path = deck_with(tmp_path, cards)
    assert run(capsys, "--sources", str(tmp_path / "sources"), str(path))[0] == 0
    path = deck_with(tmp_path, cards.replace(", NMDA]", "]"))
    code, lines = run(capsys, "--sources", str(tmp_path / "sources"), str(path))
    assert code == 1
    assert "nor are any of its 1 alternatives" in problems(lines)[0]


def test_citation_of_a_document_not_in_the_directory(tmp_path: Path, capsys):
    cards = """\
    - id: decade
      type: basic
      front: In which decade was ketamine first made?
      back: The 1960s
      source: [article.txt, gone.txt, ../deck.yaml]
    """
    path = deck_with(tmp_path, cards)
    code, lines = run(capsys, "--sources", str(tmp_path / "sources"), str(path))
    assert code == 1
    found = problems(lines)
    assert [line.split(": error ")[0] for line in found] == [
        f"{path}:14:27",
        f"{path}:14:37",
        f"{path}:14:37",
    ]
    assert "unknown-source-document the cited document 'gone.txt' is not available" in found[0]
    # A citation may not reach outside the sources directory.
    assert "directly inside" in found[2] and "undeclared-source" in found[1]


def test_without_sources_the_check_is_skipped_with_one_note(tmp_path: Path, capsys):
    cards = SUPPORTED.replace("back: The 1960s", "back: The 1970s")
    code, lines = run(capsys, str(deck_with(tmp_path, cards)))
    assert code == 0
    notes = [line for line in lines if line.startswith("note:")]
    assert notes == [
        "note: grounding check skipped: pass --sources DIR to check that "
        "answers occur in the documents cards cite"
    ]


def test_thresholds():
    document = frozenset(
        stem(t) for t in ["ketamine", "nmda", "receptor", "glutamate", "surge", "rapid"]
    )
    assert judge("NMDA receptors", document).supported
    assert not judge("NMDA channels", document).supported  # 2 terms: all needed
    assert judge("rapid glutamate surge storms", document).supported  # 3 of 4
    assert not judge("rapid glutamate storms waves", document).supported  # 2 of 4
    assert judge("the and of", document).supported  # no key terms at all
    assert judge("Rapidly", document).supported  # stemming


@pytest.mark.parametrize(
    "text, terms",
    [
        ("The 1960s", ["1960"]),
        ("N-methyl-D-aspartate", ["methyl", "aspartat"]),
        ("Saturn's rings, e.g. these", ["saturn", "ring"]),
        ("Anesthésie", ["anesthesi"]),
        ("Blocks receptors rapidly", ["block", "receptor", "rapid"]),
        ("blocking blocked", ["block"]),
        ("doses dose", ["dos"]),
        ("therapies", ["therapy"]),
    ],
)
def test_key_terms(text: str, terms: list[str]):
    assert list(key_terms(text)) == terms
