"""The grader's relaxations: right answers typed naturally are right, each relaxation can
be switched off per card, and none accepts a negation or a listed wrong answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.grading import grade, match_text
from trainer.model import Card, CardType, Cloze, Location, MatchPolicy, StudyCard

HERE = Location(Path("deck.yaml"), 1, 1)


def typed(
    answer: str, *alternatives: str, wrong: tuple[str, ...] = (), question: str = "?", **policy
) -> Card:
    return Card(
        id="t",
        type=CardType.TYPED,
        location=HERE,
        question=question,
        answer=answer,
        alternatives=alternatives,
        wrong=wrong,
        match=MatchPolicy(**policy),
    )


ANTAGONIST = dict(
    answer="antagonist",
    alternatives=("receptor antagonist",),
    wrong=("agonist", "partial agonist", "inverse agonist"),
)
ANESTHETIC = dict(
    answer="anesthetic", alternatives=("anaesthetic", "anesthesia"), wrong=("antidepressant",)
)
PATIENTS = dict(answer="102", alternatives=(), question="How many patients were there?")
PERCENT = dict(answer="70%", alternatives=("70",))
SEVERAL_WEEKS = dict(
    answer="several weeks",
    alternatives=("a few weeks", "weeks"),
    wrong=("several months", "several days"),
)
WEEKS = dict(
    answer="weeks", alternatives=("several weeks", "weeks or months"), wrong=("days", "hours")
)
NEURONS = dict(
    answer="neurons",
    alternatives=("new neurons", "nerve cells"),
    wrong=("glial cells", "astrocytes"),
)
HOURS = dict(
    answer="within hours",
    alternatives=("hours", "a few hours"),
    wrong=("within days", "within weeks"),
)
MILD = dict(answer="mild", alternatives=(), wrong=("moderate", "severe"))
TRIAL = dict(answer="trial and error", alternatives=("trial-and-error",), wrong=("stepped care",))
FIFTY = dict(answer="50", alternatives=(), question="How many patients were there?")
EIGHT = dict(
    answer="8", alternatives=(), numeric_tolerance=0.5, question="How many minutes did it take?"
)


def card_of(spec: dict, **policy) -> Card:
    spec = dict(spec)
    return typed(
        spec.pop("answer"), *spec.pop("alternatives"), wrong=spec.pop("wrong", ()), **spec, **policy
    )


# (card, answer, the relaxation that accepts it)
ACCEPTED = [
    (ANTAGONIST, "an antagonist", "ignore_articles"),
    (ANTAGONIST, "The antagonist", "ignore_articles"),
    (MILD, "it is mild", "ignore_articles"),
    (WEEKS, "weeks or even months", "ignore_articles"),
    (ANESTHETIC, "dissociative anesthetic", "qualifiers"),
    (ANESTHETIC, "general anesthetic", "qualifiers"),
    (ANESTHETIC, "an anesthetic drug", "qualifiers"),
    (PATIENTS, "102 patients", "number_units"),
    (PERCENT, "70 %", "number_units"),
    (PERCENT, "70 percent", "number_units"),
    (SEVERAL_WEEKS, "up to several weeks", "ignore_approximations"),
    (NEURONS, "new nerve cells", "qualifiers"),
    (HOURS, "in a few hours", "qualifiers"),
    (MILD, "mild nausea", "qualifiers"),
    (TRIAL, "a trial-and-error approach", "qualifiers"),
    (PATIENTS, "one hundred and two", "number_words"),
    (FIFTY, "fifty", "number_words"),
    (PERCENT, "seventy percent", "number_words"),
    (EIGHT, "about 8", "ignore_approximations"),
    (EIGHT, "~8", "ignore_approximations"),
    (EIGHT, "approximately 8", "ignore_approximations"),
    (EIGHT, "8.3 minutes", "number_units"),
]


@pytest.mark.parametrize(
    ("spec", "given", "switch"), ACCEPTED, ids=[given for _, given, _ in ACCEPTED]
)
def test_a_natural_right_answer_is_right_and_its_switch_turns_it_off(spec, given, switch):
    assert grade(card_of(spec), given).correct
    assert not grade(card_of(spec, **{switch: False}), given).correct


REJECTED = [
    (ANTAGONIST, "agonist"),
    (ANTAGONIST, "an agonist"),
    (ANTAGONIST, "a partial agonist"),
    (ANTAGONIST, "not an antagonist"),
    (ANTAGONIST, "no antagonist"),
    (ANESTHETIC, "an antidepressant"),
    (ANESTHETIC, "anesthetic or antidepressant"),
    (PATIENTS, "120 patients"),
    (PATIENTS, "about 100"),
    (PATIENTS, "one hundred"),
    (PATIENTS, "102 or 120"),
    (PERCENT, "17 %"),
    (PERCENT, "7 %"),
    (PERCENT, "eighty percent"),
    (SEVERAL_WEEKS, "several months"),
    (SEVERAL_WEEKS, "up to several months"),
    (SEVERAL_WEEKS, "several weeks or months"),
    (SEVERAL_WEEKS, "not several weeks"),
    (NEURONS, "new glial cells"),
    (NEURONS, "neurons and astrocytes"),
    (NEURONS, "no new neurons"),
    (HOURS, "in a few days"),
    (HOURS, "within days"),
    (MILD, "mild to moderate"),
    (MILD, "not mild"),
    (MILD, "severe nausea"),
    (MILD, "mild then severe"),
    (TRIAL, "stepped care approach"),
    (FIFTY, "fifteen"),
    (FIFTY, "five hundred"),
    (EIGHT, "about 12"),
    (EIGHT, "9 minutes"),
    (EIGHT, "~9"),
    # More than three extra words is an answer of its own, not a qualified one.
    (MILD, "mild at first but it gets worse"),
]


@pytest.mark.parametrize(("spec", "given"), REJECTED, ids=[given for _, given in REJECTED])
def test_a_wrong_answer_stays_wrong(spec, given):
    assert not grade(card_of(spec), given).correct


def test_not_nmda_is_wrong():
    assert not grade(typed("NMDA"), "not NMDA").correct
    assert not grade(typed("NMDA", "NMDA receptor"), "not the NMDA receptor").correct


def test_a_listed_wrong_answer_is_wrong_even_when_it_contains_the_answer():
    card = typed("receptor", wrong=("receptor agonist",))
    assert not grade(card, "receptor agonist").correct
    assert not grade(card, "a receptor agonist").correct
    assert grade(card, "the receptor").correct


def test_relaxations_keep_case_sensitivity():
    card = typed("NMDA", case_sensitive=True)
    assert grade(card, "the NMDA").correct
    assert not grade(card, "the nmda").correct
    assert not grade(card, "nmda receptor").correct


def test_a_unit_must_agree_when_the_answer_has_one():
    card = typed("8 minutes", numeric_tolerance=0.5)
    assert grade(card, "8.3 minutes").correct and grade(card, "about 8 minutes").correct
    assert not grade(card, "8 hours").correct


def test_relaxations_apply_to_cloze_deletions():
    cloze = Cloze(1, ("infusion",), (None,), ("infusions", "intravenous"))
    card = Card(
        id="c", type=CardType.CLOZE, location=HERE, question="{{c1::infusion}}", clozes=(cloze,)
    )
    for given in ("IV infusion", "intravenous infusion", "an infusion"):
        assert grade(StudyCard("d", card, "c1"), given).correct, given
    for given in ("nasal spray", "not an infusion", "oral"):
        assert not grade(StudyCard("d", card, "c1"), given).correct, given


def test_a_unit_after_a_bare_number_must_be_one_the_card_names():
    policy = MatchPolicy()
    question = "How many patients did the study enrol?"
    assert match_text("102 patients", ["102"], policy, prompt=question)[0] == "102"
    assert match_text("102 days", ["102"], policy, prompt=question)[0] is None
    cloze_text = "A session lasts {{c1::40}} minutes."
    assert match_text("40 minutes", ["40"], policy, prompt=cloze_text)[0] == "40"
    assert match_text("40 seconds", ["40"], policy, prompt=cloze_text)[0] is None


def test_a_list_of_guesses_is_no_qualified_answer():
    card = typed("Tokyo")
    for guesses in ("Osaka, Kyoto, Tokyo", "Kyoto; Tokyo", "Kyoto / Tokyo", "Tokyo Tokyo"):
        assert not grade(card, guesses).correct, guesses
    assert grade(card, "greater Tokyo").correct  # a qualifier still qualifies
    two = Cloze(1, ("cat", "dog"), (None, None))
    cloze = Card(
        id="c",
        type=CardType.CLOZE,
        location=HERE,
        question="The {{c1::cat}} chased the {{c1::dog}}.",
        clozes=(two,),
    )
    assert grade(StudyCard("d", cloze, "c1"), "cat, dog").correct
    assert not grade(StudyCard("d", cloze, "c1"), "fish, cat, dog").correct
