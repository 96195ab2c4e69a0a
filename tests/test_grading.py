"""The grader decides right/wrong for every auto-graded card type."""

from pathlib import Path

import pytest

from trainer.grading import NotAutoGraded, diff_segments, grade, normalize
from trainer.model import Card, CardType, Cloze, Deck, Location, MatchPolicy, StudyCard

HERE = Location(Path("deck.yaml"), 1, 1)


def typed(answer: str, *alternatives: str, wrong: tuple[str, ...] = (), **policy) -> Card:
    return Card(
        id="t",
        type=CardType.TYPED,
        location=HERE,
        question="?",
        answer=answer,
        alternatives=alternatives,
        wrong=wrong,
        match=MatchPolicy(**policy),
    )


@pytest.mark.parametrize(
    "given",
    ["NMDA", "nmda", "  NMDA.  ", "NMDA!", "N-methyl-D-aspartate", "n methyl d aspartate"],
)
def test_typed_accepts_case_punctuation_and_alternatives(given):
    card = typed("NMDA", "N-methyl-D-aspartate", "N methyl D aspartate")
    assert grade(card, given).correct


@pytest.mark.parametrize("given", ["AMPA", "", "   ", "NMDAR antagonist"])
def test_typed_rejects_other_answers(given):
    assert not grade(typed("NMDA"), given).correct


@pytest.mark.parametrize(
    ("answer", "right", "wrong_ones"),
    [("#", ["#", " # "], ["", "?", "##", "/"]), ("//", ["//"], ["/", "#"]), ("?!", ["?!"], ["!?"])],
)
def test_an_answer_made_of_punctuation_is_compared_as_typed(answer, right, wrong_ones):
    # "Which character starts a YAML comment?": ignoring punctuation left nothing to
    # compare, so no answer was ever right.
    card = typed(answer)
    for given in right:
        assert grade(card, given).correct, given
    for given in wrong_ones:
        assert not grade(card, given).correct, given


def test_a_punctuation_cloze_deletion_is_graded_right_when_typed():
    study = StudyCard("d", cloze_card(Cloze(1, ("//",), (None,))), "c1")
    assert grade(study, "//").correct
    assert not grade(study, "/").correct


def test_typed_accents_ignored_by_default_and_enforced_on_request():
    assert grade(typed("café"), "cafe").correct
    assert not grade(typed("café", accent_sensitive=True, max_typos=0), "cafe").correct


def test_case_sensitive_policy():
    assert not grade(typed("pH", case_sensitive=True), "PH").correct
    assert grade(typed("pH", case_sensitive=True), "pH").correct


def test_typo_tolerance_scales_with_length():
    # 4 characters or fewer: exact; up to 10: one slip; longer: two.
    assert not grade(typed("mTOR"), "mTOP").correct
    assert grade(typed("glutamate"), "glutamte").correct
    assert not grade(typed("glutamate"), "glutmte").correct
    result = grade(typed("neuroplasticity"), "neuroplastisity")
    assert result.correct and result.typos == 1
    assert grade(typed("neuroplasticity"), "nuroplastisity").correct


def test_typos_never_apply_to_numbers_or_different_digits():
    assert not grade(typed("1960"), "1961").correct
    assert not grade(typed("phase 2 trial"), "phase 3 trial").correct


def test_numbers_compare_as_numbers_with_tolerance():
    assert grade(typed("24"), "24.0").correct
    assert not grade(typed("24"), "25").correct
    assert grade(typed("0.5", numeric_tolerance=0.05), "0,52").correct
    assert not grade(typed("0.5", numeric_tolerance=0.05), "0.6").correct


def test_known_wrong_answer_rejected_even_within_typo_distance():
    card = typed("hypertension", wrong=("hypotension",))
    assert grade(card, "hypertension").correct
    verdict = grade(card, "hypotension")
    assert not verdict.correct and "wrong" in verdict.note
    # "hypetension" is one edit from both: as close to the wrong answer as to the right one.
    assert not grade(card, "hypetension").correct
    assert grade(card, "hypertensoin").correct  # a slip nearer the right answer


def test_explicit_max_typos_zero_means_exact():
    assert not grade(typed("ketamine", max_typos=0), "ketamin").correct


def cloze_card(*clozes: Cloze) -> Card:
    return Card(id="c", type=CardType.CLOZE, location=HERE, question="...", clozes=clozes)


def test_cloze_graded_per_deletion_with_alternatives():
    card = cloze_card(
        Cloze(1, ("NMDA",), (None,), alternatives=("N-methyl-D-aspartate",)),
        Cloze(2, ("glutamate",), (None,)),
    )
    deck = Deck(id="d", title="D", path=Path("d.yaml"), cards=[card])
    first, second = deck.study_cards()
    assert grade(first, "n-methyl-d-aspartate").correct
    assert not grade(first, "glutamate").correct
    assert grade(second, "Glutamate").correct


def test_cloze_with_several_spans_needs_all_in_order():
    card = cloze_card(Cloze(1, ("serotonin", "dopamine"), (None, None)))
    study = StudyCard("d", card, "c1")
    assert grade(study, "serotonin, dopamine").correct
    assert grade(study, "serotonin; dopamine").correct
    assert not grade(study, "dopamine, serotonin").correct
    assert not grade(study, "serotonin").correct


def test_choice_multi_order_truefalse():
    choice = Card(
        id="c",
        type=CardType.CHOICE,
        location=HERE,
        answer="NMDA",
        options=("NMDA", "AMPA", "GABA-A"),
    )
    assert grade(choice, "NMDA").correct and not grade(choice, "AMPA").correct

    multi = Card(
        id="m", type=CardType.MULTI, location=HERE, options=("a", "b", "c"), answers=("a", "b")
    )
    assert grade(multi, ["b", "a"]).correct
    assert grade(multi, iter(["a", "b"])).correct  # any iterable, consumed once
    assert not grade(multi, ["a"]).correct
    assert not grade(multi, ["a", "b", "c"]).correct

    order = Card(id="o", type=CardType.ORDER, location=HERE, items=("1960s", "2000", "2019"))
    assert grade(order, ["1960s", "2000", "2019"]).correct
    assert not grade(order, ["2000", "1960s", "2019"]).correct

    statement = Card(id="f", type=CardType.TRUEFALSE, location=HERE, truth=False)
    assert grade(statement, False).correct and not grade(statement, True).correct


def test_wrong_response_shapes_and_basic_cards_are_refused():
    with pytest.raises(NotAutoGraded):
        grade(Card(id="b", type=CardType.BASIC, location=HERE, front="f", back="b"), "b")
    with pytest.raises(TypeError):
        grade(typed("x"), True)
    statement = Card(id="f", type=CardType.TRUEFALSE, location=HERE, truth=True)
    with pytest.raises(TypeError):
        grade(statement, "true")


def test_normalize_collapses_inner_whitespace_and_keeps_signs():
    assert normalize("  Hello   World!! ") == "hello world"
    assert normalize("-5%") == "-5%"


def test_diff_segments_mark_missing_and_extra_characters():
    segments = diff_segments("glutamte", "glutamate")
    assert "".join(text for kind, text in segments if kind != "extra") == "glutamate"
    assert ("missing", "a") in segments
    extra = diff_segments("ketamines", "ketamine")
    assert ("extra", "s") in extra
