"""Semantic rules, answer-key tests, quality warnings and near duplicates of `trainer validate`."""

from __future__ import annotations

import textwrap
from pathlib import Path

from trainer.cli import main
from trainer.diagnostics import Severity
from trainer.validation import validate
from trainer.validation.near_duplicates import find_near_duplicates

HEADER = "format: 1\nid: {deck_id}\ntitle: T\n{extra}cards:\n"  # cards start after it


def write_deck(
    directory: Path, cards: str, *, deck_id: str = "d", extra: str = "", name: str | None = None
) -> Path:
    path = directory / (name or f"{deck_id}.yaml")
    body = HEADER.format(deck_id=deck_id, extra=extra) + textwrap.indent(
        textwrap.dedent(cards), "  "
    )
    path.write_text(body, encoding="utf-8")
    return path


def found(path: Path | list[Path]) -> list[tuple[str, int, int, str | None]]:
    paths = path if isinstance(path, list) else [path]
    report = validate(paths)
    return [(d.code, d.line, d.column, d.card_id) for d in report.diagnostics]


def codes(path: Path | list[Path]) -> list[str]:
    return [code for code, *_ in found(path)]


GOOD_CHOICE = """\
- id: c
  type: choice
  question: Which receptor does ketamine block?
  answer: NMDA
  options: [NMDA, AMPA, GABA-A]
"""


def test_a_clean_deck_has_no_diagnostic(tmp_path: Path):
    assert found(write_deck(tmp_path, GOOD_CHOICE)) == []


def test_choice_answer_must_be_an_option(tmp_path: Path):
    path = write_deck(tmp_path, GOOD_CHOICE.replace("answer: NMDA", "answer: nmda"))
    assert found(path) == [("answer-not-an-option", 8, 13, "c")]
    message = validate([path]).diagnostics[0].message
    assert "only in case" in message


def test_options_must_be_distinct_after_normalizing(tmp_path: Path):
    path = write_deck(tmp_path, GOOD_CHOICE.replace("GABA-A]", "GABA-A, ' ampa ']"))
    assert found(path) == [("duplicate-option", 9, 35, "c")]


MULTI = """\
- id: m
  type: multi
  question: Which are glutamate receptors?
  answers: {answers}
  options: {options}
"""


def test_multi_answers_must_be_options(tmp_path: Path):
    path = write_deck(
        tmp_path, MULTI.format(answers="[NMDA, Kainate]", options="[NMDA, AMPA, GABA-A]")
    )
    assert found(path) == [("answer-not-an-option", 8, 21, "m")]


def test_multi_needs_a_wrong_option(tmp_path: Path):
    path = write_deck(
        tmp_path, MULTI.format(answers="[NMDA, AMPA, Kainate]", options="[NMDA, AMPA, Kainate]")
    )
    assert codes(path) == ["no-wrong-option"]


def test_valid_multi_is_clean(tmp_path: Path):
    path = write_deck(
        tmp_path, MULTI.format(answers="[NMDA, AMPA]", options="[NMDA, AMPA, GABA-A, Mu-opioid]")
    )
    assert found(path) == []


ORDER = """\
- id: o
  type: order
  question: Put these in order.
  items: {items}
"""


def test_order_needs_two_distinct_items(tmp_path: Path):
    assert codes(write_deck(tmp_path, ORDER.format(items="[Only one]"))) == ["too-few-items"]
    path = write_deck(tmp_path, ORDER.format(items="[First, Second, first]"))
    assert found(path) == [("duplicate-item", 8, 28, "o")]
    assert found(write_deck(tmp_path, ORDER.format(items="[First, Second]"))) == []


def test_duplicate_card_id_points_at_the_second_and_names_the_first(tmp_path: Path):
    path = write_deck(tmp_path, GOOD_CHOICE + GOOD_CHOICE.replace("ketamine", "esketamine"))
    report = validate([path])
    (diagnostic,) = report.diagnostics
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("duplicate-card-id", 10, 9)
    assert "line 5" in diagnostic.message


def test_deck_ids_are_unique_across_the_collection(tmp_path: Path):
    first = write_deck(tmp_path, GOOD_CHOICE, deck_id="same", name="a.yaml")
    second = write_deck(
        tmp_path, GOOD_CHOICE.replace("ketamine", "esketamine"), deck_id="same", name="b.yaml"
    )
    report = validate([tmp_path])
    (diagnostic,) = report.diagnostics
    assert (diagnostic.path, diagnostic.code, diagnostic.line, diagnostic.column) == (
        second,
        "duplicate-deck-id",
        2,
        5,
    )
    assert str(first) in diagnostic.message
    write_deck(
        tmp_path, GOOD_CHOICE.replace("ketamine", "esketamine"), deck_id="other", name="b.yaml"
    )
    assert validate([tmp_path]).diagnostics == []


TYPED = """\
- id: t
  type: typed
  question: Which receptor does ketamine block?
  answer: NMDA
  alternatives: [N-methyl-D-aspartate]
  wrong: {wrong}
"""


def test_accepted_answer_listed_as_wrong(tmp_path: Path):
    path = write_deck(tmp_path, TYPED.format(wrong="[AMPA, ' n-methyl-d-aspartate']"))
    assert ("accepted-answer-marked-wrong", 10, 19, "t") in found(path)
    assert "accepted-answer-marked-wrong" not in codes(
        write_deck(tmp_path, TYPED.format(wrong="[AMPA]"))
    )


def test_case_sensitive_policy_keeps_case_variants_apart(tmp_path: Path):
    cards = TYPED.format(wrong="[nmda]") + "    match: {case_sensitive: true}\n"
    assert "accepted-answer-marked-wrong" not in codes(write_deck(tmp_path, cards))


SOURCES = "sources:\n  - file: a.txt\n    title: A\n"


def test_cited_sources_must_be_declared(tmp_path: Path):
    cards = GOOD_CHOICE + "  source: [a.txt, b.txt]\n"
    path = write_deck(tmp_path, cards, extra=SOURCES)
    assert found(path) == [("undeclared-source", 13, 21, "c")]


def test_card_without_source_in_a_deck_with_sources_is_a_warning(tmp_path: Path):
    path = write_deck(
        tmp_path,
        GOOD_CHOICE
        + GOOD_CHOICE.replace("id: c", "id: e").replace("ketamine", "esketamine")
        + "  source: a.txt\n",
        extra=SOURCES,
    )
    report = validate([path])
    assert [(d.code, d.severity, d.card_id) for d in report.diagnostics] == [
        ("missing-source", Severity.WARNING, "c")
    ]


def test_declared_source_nobody_cites_is_a_warning(tmp_path: Path):
    extra = SOURCES + "  - file: b.txt\n    title: B\n"
    path = write_deck(tmp_path, GOOD_CHOICE + "  source: a.txt\n", extra=extra)
    assert found(path) == [("unused-source", 7, 5, None)]


# -- answer keys through the grader ---------------------------------------------------


def test_typed_samples_must_grade_as_written(tmp_path: Path):
    cards = TYPED.format(wrong="[AMPA]") + textwrap.indent(
        textwrap.dedent("""\
        tests:
          accept: [nmda, glutamate receptor, n-methyl-d-aspartate]
          reject: [AMPA, NMDA]
        """),
        "  ",
    )
    report = validate([write_deck(tmp_path, cards)])
    failures = [(d.code, d.line, d.column) for d in report.diagnostics]
    # "glutamate receptor" is not accepted, "NMDA" is not rejected.
    assert failures == [("answer-key-failed", 12, 22), ("answer-key-failed", 13, 22)]
    assert "'glutamate receptor' should be graded right" in report.diagnostics[0].message
    assert "graded it right as 'NMDA'" in report.diagnostics[1].message


def test_cloze_samples_are_graded_per_deletion(tmp_path: Path):
    cards = """\
    - id: z
      type: cloze
      text: Ketamine blocks {{c1::NMDA}} receptors and raises {{c2::glutamate}}.
      tests:
        c1: {accept: [nmda], reject: [AMPA]}
        c2: {accept: [glutamat, dopamine], reject: [glutamate]}
    """
    report = validate([write_deck(tmp_path, cards)])
    assert [(d.code, d.line) for d in report.diagnostics] == [
        ("answer-key-failed", 10),
        ("answer-key-failed", 10),
    ]
    assert "c2 accept sample 'dopamine'" in report.diagnostics[0].message
    assert "c2 reject sample 'glutamate'" in report.diagnostics[1].message


def test_typo_tolerance_that_accepts_a_distractor_like_sample_is_caught(tmp_path: Path):
    cards = """\
    - id: t
      type: typed
      question: Which enantiomer is sold as a nasal spray?
      answer: S-ketamine
      tests: {reject: [R-ketamine]}
    """
    report = validate([write_deck(tmp_path, cards)])
    assert [d.code for d in report.diagnostics] == ["answer-key-failed"]
    assert "with 1 typo" in report.diagnostics[0].message
    fixed = cards.replace("answer: S-ketamine", "answer: S-ketamine\n      wrong: [R-ketamine]")
    assert validate([write_deck(tmp_path, fixed)]).diagnostics == []


def test_grader_that_accepts_a_distractor_is_reported(tmp_path: Path, monkeypatch):
    import trainer.validation.answer_keys as answer_keys
    from trainer.grading import GradeResult

    monkeypatch.setattr(answer_keys, "grade", lambda card, response: GradeResult(True, "x"))
    report = validate([write_deck(tmp_path, GOOD_CHOICE)])
    assert [(d.code, d.line, d.column) for d in report.diagnostics] == [
        ("answer-key-failed", 9, 21),
        ("answer-key-failed", 9, 27),
    ]
    assert "distractor 'AMPA'" in report.diagnostics[0].message


def test_multi_distractor_checks_use_the_grader(tmp_path: Path, monkeypatch):
    import trainer.validation.answer_keys as answer_keys
    from trainer.grading import GradeResult

    # A grader that only checks the answers are among the selection would let a
    # distractor through: the validator must notice.
    def lax(card, response):
        return GradeResult(set(card.answers) <= set(response), "")

    monkeypatch.setattr(answer_keys, "grade", lax)
    path = write_deck(
        tmp_path, MULTI.format(answers="[NMDA, AMPA]", options="[NMDA, AMPA, GABA-A]")
    )
    report = validate([path])
    assert [d.code for d in report.diagnostics] == ["answer-key-failed"]
    assert "plus the distractor 'GABA-A'" in report.diagnostics[0].message


# -- quality warnings -----------------------------------------------------------------


def test_answer_in_its_own_question(tmp_path: Path):
    cards = """\
    - id: t
      type: typed
      question: Ketamine is an NMDA antagonist. Which receptor does it block?
      answer: nmda
    """
    assert found(write_deck(tmp_path, cards)) == [("answer-in-question", 8, 13, "t")]
    # Whole words only: "NMDAR" does not give away "NMDA".
    assert found(write_deck(tmp_path, cards.replace("an NMDA", "an NMDAR"))) == []


def test_cloze_answer_visible_elsewhere_in_the_text(tmp_path: Path):
    cards = """\
    - id: z
      type: cloze
      text: "{{c1::Glutamate}} surges; glutamate is excitatory."
    """
    assert codes(write_deck(tmp_path, cards)) == ["answer-in-question"]
    assert codes(write_deck(tmp_path, cards.replace("glutamate is", "it is"))) == []


def test_long_typed_answer(tmp_path: Path):
    cards = """\
    - id: t
      type: typed
      question: What does ketamine do at the receptor?
      answer: it blocks the channel of the receptor
    """
    assert found(write_deck(tmp_path, cards)) == [("long-typed-answer", 8, 13, "t")]
    assert (
        found(
            write_deck(
                tmp_path,
                cards.replace("it blocks the channel of the receptor", "blocks its channel"),
            )
        )
        == []
    )


def test_choice_with_two_options_and_explanation_repeating_the_answer(tmp_path: Path):
    cards = GOOD_CHOICE.replace(", GABA-A]", "]") + "  explanation: NMDA.\n"
    assert found(write_deck(tmp_path, cards)) == [
        ("few-options", 9, 14, "c"),
        ("explanation-repeats-answer", 10, 18, "c"),
    ]


def test_alternative_repeating_the_answer(tmp_path: Path):
    cards = TYPED.format(wrong="[AMPA]").replace(
        "[N-methyl-D-aspartate]", "[N-methyl-D-aspartate, nmda]"
    )
    assert found(write_deck(tmp_path, cards)) == [("alternative-repeats-answer", 9, 42, "t")]


def test_strict_turns_warnings_into_failure(tmp_path: Path, capsys):
    path = write_deck(tmp_path, GOOD_CHOICE.replace(", GABA-A]", "]"))
    assert main(["validate", str(path)]) == 0
    assert main(["validate", "--strict", str(path)]) == 1
    assert "warning few-options" in capsys.readouterr().out


# -- near duplicates --------------------------------------------------------------------


def basic(card_id: str, front: str) -> str:
    return f"- id: {card_id}\n  type: basic\n  front: {front}\n  back: B\n"


def test_reworded_duplicates_are_found_across_decks(tmp_path: Path):
    write_deck(
        tmp_path, basic("a", "Which receptor does ketamine block in the brain?"), deck_id="one"
    )
    second = write_deck(
        tmp_path, basic("b", "In the brain, which receptor is blocked by ketamine?"), deck_id="two"
    )
    report = validate([tmp_path])
    (diagnostic,) = report.diagnostics
    assert (diagnostic.path, diagnostic.code, diagnostic.line, diagnostic.card_id) == (
        second,
        "near-duplicate",
        7,
        "b",
    )
    assert "card 'a'" in diagnostic.message and "one.yaml:5" in diagnostic.message


def test_exact_repeat_of_a_short_question_is_found(tmp_path: Path):
    path = write_deck(tmp_path, basic("a", "What is NMDA?") + basic("b", "what is NMDA"))
    assert found(path) == [("near-duplicate", 11, 12, "b")]


def test_distinct_questions_on_one_topic_are_not_flagged(tmp_path: Path):
    path = write_deck(
        tmp_path,
        "".join(
            [
                basic("a", "Which receptor does ketamine block in the brain?"),
                basic("b", "Which neurotransmitter surges after ketamine blocks that receptor?"),
                basic("c", "Which receptor does ketamine not block in the brain?"),
                "- id: o1\n  type: order\n  question: Put these in order.\n  items: [A, B]\n",
                "- id: o2\n  type: order\n  question: Put these in order.\n  items: [C, D]\n",
            ]
        ),
    )
    assert found(path) == []


def test_near_duplicate_index_is_not_quadratic():
    from trainer.model import Card, CardType, Deck, Location

    # 20,000 distinct questions sharing most of their words, plus one reworded repeat:
    # an all-pairs comparison would make 200 million comparisons.
    where = Location(Path("x.yaml"), 1, 1)
    cards = [
        Card(
            id=f"c{i}",
            type=CardType.BASIC,
            location=where,
            front=f"Which receptor term{i} does ketamine block via route{i % 97}?",
            back="B",
        )
        for i in range(20_000)
    ]
    cards.append(
        Card(
            id="dup",
            type=CardType.BASIC,
            location=where,
            front="Via route5, which receptor term5 is blocked by ketamine?",
            back="B",
        )
    )
    deck = Deck(id="d", title="T", path=Path("x.yaml"), cards=cards)
    matches = find_near_duplicates([deck])
    assert [(m.earlier[1].id, m.later[1].id) for m in matches] == [("c5", "dup")]


# -- crash safety -----------------------------------------------------------------------


def test_a_crashing_rule_is_reported_at_the_card_and_the_rest_still_runs(
    tmp_path: Path, monkeypatch, capsys
):
    import trainer.validation.rules as rules

    def boom(deck, card, out):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(rules, "CARD_RULES", [boom, *rules.CARD_RULES])
    path = write_deck(tmp_path, GOOD_CHOICE.replace("answer: NMDA", "answer: X"))
    code = main(["validate", str(path)])
    out = capsys.readouterr()
    assert code == 1
    assert f"{path}:5:5: error internal-error the check boom crashed" in out.out
    assert "kaboom" in out.out and "answer-not-an-option" in out.out
    assert "Traceback" not in out.out + out.err


def test_a_crash_outside_the_checks_is_one_located_line(tmp_path: Path, monkeypatch, capsys):
    import trainer.validation.reporters as reporters

    def broken(report, strict):
        raise ValueError("renderer bug")

    monkeypatch.setitem(reporters.RENDERERS, "text", broken)
    code = main(["validate", str(write_deck(tmp_path, GOOD_CHOICE))])
    out = capsys.readouterr()
    assert code == 1
    assert out.err.count("\n") == 1
    assert "internal error: ValueError: renderer bug (at test_validate_rules.py:" in out.err
    assert "Traceback" not in out.out + out.err


def test_multi_repeated_answer_and_repeated_source(tmp_path: Path):
    extra = SOURCES + "  - file: a.txt\n    title: A again\n"
    cards = (
        MULTI.format(answers="[NMDA, NMDA]", options="[NMDA, AMPA, GABA-A]") + "  source: a.txt\n"
    )
    assert found(write_deck(tmp_path, cards, extra=extra)) == [
        ("duplicate-source", 7, 5, None),
        ("duplicate-answer", 13, 21, "m"),
    ]


def test_multi_without_any_right_answer():
    # The loader refuses an empty answers list; the rule still guards a card built in code.
    from trainer.model import Card, CardType, Deck, Location
    from trainer.validation.findings import Findings
    from trainer.validation.rules import check_options

    card = Card(
        id="m",
        type=CardType.MULTI,
        location=Location(Path("d.yaml"), 5, 3),
        question="Q",
        options=("A", "B"),
    )
    out = Findings()
    check_options(Deck(id="d", title="T", path=Path("d.yaml"), cards=[card]), card, out)
    assert [(d.code, d.line) for d in out.diagnostics] == [("no-correct-option", 5)]
