"""Answer-key tests: samples run through the grader the learner meets.

Everything goes through :func:`trainer.grading.grade` on the real study card, so a deck
that passes here is graded the same way in the TUI. Checked:

* ``typed``: the answer and every alternative are graded right, ``tests.accept`` samples
  right and ``tests.reject`` samples wrong;
* ``cloze``, per deletion: its answers are graded right, and its samples as above;
* ``choice``: the answer is graded right and every other option wrong;
* ``multi``: the right answers are graded right; adding any wrong option, dropping any
  right one, or swapping one for a wrong option is graded wrong;
* ``order``: the items in order are graded right, any two swapped wrong;
* ``truefalse``: the truth is graded right, its opposite wrong.

A failure is an ``answer-key-failed`` error at the sample (or option) concerned.
"""

from __future__ import annotations

from trainer.grading import GradeResult, Response, grade
from trainer.model import Card, CardType, Deck, StudyCard
from trainer.validation.findings import Findings, quote
from trainer.validation.rules import accepted_marked_wrong


def _said(result: GradeResult) -> str:
    if result.correct:
        how = f" as {quote(result.matched)}" if result.matched is not None else ""
        typos = (
            f" with {result.typos} typo{'s' if result.typos != 1 else ''}" if result.typos else ""
        )
        return f"graded it right{how}{typos}"
    note = f" ({result.note})" if result.note else ""
    return f"graded it wrong{note}, expecting {quote(result.expected)}"


def _expect(
    out: Findings,
    card: Card,
    target: Card | StudyCard,
    response: Response,
    right: bool,
    field: str,
    what: str,
    fix: str,
    *subjects: str,
) -> None:
    """Report unless ``grade(target, response)`` is ``right``. ``what`` names the sample;
    its ``{}`` are filled with the quoted ``subjects`` (only on failure: most pass)."""
    result = grade(target, response)
    if result.correct != right:
        if subjects:
            what = what.format(*map(quote, subjects))
        out.error(
            card,
            field,
            "answer-key-failed",
            f"{what} should be graded {'right' if right else 'wrong'}, but the grader "
            f"{_said(result)}; {fix}",
        )


def check_answer_keys(deck: Deck, card: Card, out: Findings) -> None:
    """Run ``card``'s answer key through the grader (see the module docstring)."""
    kind = card.type
    if kind is CardType.TYPED:
        _check_typed(card, out)
    elif kind is CardType.CLOZE:
        _check_cloze(deck, card, out)
    elif kind is CardType.CHOICE:
        _check_choice(card, out)
    elif kind is CardType.MULTI:
        _check_multi(card, out)
    elif kind is CardType.ORDER:
        _check_order(card, out)
    elif kind is CardType.TRUEFALSE:
        _expect(
            out,
            card,
            card,
            bool(card.truth),
            True,
            "truth",
            "the answer",
            "this is a bug in the grader: please report it",
        )
        _expect(
            out,
            card,
            card,
            not card.truth,
            False,
            "truth",
            "the opposite answer",
            "this is a bug in the grader: please report it",
        )


def _check_typed(card: Card, out: Findings) -> None:
    if accepted_marked_wrong(card):
        # Reported once as accepted-answer-marked-wrong; until it is fixed every accepted
        # sample would fail with a message that contradicts itself.
        return
    fix_accepted = "it is probably also listed in wrong, or closer to a wrong answer"
    _expect(
        out, card, card, card.answer, True, "answer", "the answer {}", fix_accepted, card.answer
    )
    for index, alternative in enumerate(card.alternatives):
        _expect(
            out,
            card,
            card,
            alternative,
            True,
            f"alternatives[{index}]",
            "the alternative {}",
            fix_accepted,
            alternative,
        )
    for index, sample in enumerate(card.tests.accept):
        _expect(
            out,
            card,
            card,
            sample,
            True,
            f"tests.accept[{index}]",
            "the accept sample {}",
            "add it to alternatives, loosen match, or fix the sample",
            sample,
        )
    for index, sample in enumerate(card.tests.reject):
        _expect(
            out,
            card,
            card,
            sample,
            False,
            f"tests.reject[{index}]",
            "the reject sample {}",
            "add it to wrong, tighten match (max_typos), or fix the sample",
            sample,
        )


def _check_cloze(deck: Deck, card: Card, out: Findings) -> None:
    for cloze in card.clozes:
        study = StudyCard(deck.id, card, f"c{cloze.number}")
        label = f"c{cloze.number}"
        expected = ", ".join(cloze.answers)
        _expect(
            out,
            card,
            study,
            expected,
            True,
            "text",
            f"deletion {label}'s own answer {{}}",
            "check the deletion's text and the card's match policy",
            expected,
        )
        for index, sample in enumerate(cloze.tests.accept):
            _expect(
                out,
                card,
                study,
                sample,
                True,
                f"tests.{label}.accept[{index}]",
                f"the {label} accept sample {{}}",
                f"add it to alternatives.{label}, loosen match, or fix the sample",
                sample,
            )
        for index, sample in enumerate(cloze.tests.reject):
            _expect(
                out,
                card,
                study,
                sample,
                False,
                f"tests.{label}.reject[{index}]",
                f"the {label} reject sample {{}}",
                "tighten match (max_typos) or fix the sample",
                sample,
            )


def _check_choice(card: Card, out: Findings) -> None:
    if card.answer not in card.options:
        return  # reported by the rules as answer-not-an-option
    _expect(
        out,
        card,
        card,
        card.answer,
        True,
        "answer",
        "the answer {}",
        "check the answer",
        card.answer,
    )
    for index, option in enumerate(card.options):
        if option != card.answer:
            _expect(
                out,
                card,
                card,
                option,
                False,
                f"options[{index}]",
                "choosing the distractor {}",
                "reword the distractor",
                option,
            )


def _check_multi(card: Card, out: Findings) -> None:
    answers = list(dict.fromkeys(card.answers))  # a repeat is reported by the rules
    options = set(card.options)
    if not answers or not set(answers) <= options:
        return  # reported by the rules
    distractors = [(i, o) for i, o in enumerate(card.options) if o not in set(answers)]
    fix = "check the answers and options"
    _expect(out, card, card, answers, True, "answers", "selecting exactly the answers", fix)
    for index, option in distractors:
        _expect(
            out,
            card,
            card,
            [*answers, option],
            False,
            f"options[{index}]",
            "selecting the answers plus the distractor {}",
            fix,
            option,
        )
        _expect(
            out,
            card,
            card,
            [*answers[1:], option],
            False,
            f"options[{index}]",
            "selecting the distractor {} instead of {}",
            fix,
            option,
            answers[0],
        )
    for index, answer in enumerate(answers):
        rest = answers[:index] + answers[index + 1 :]
        _expect(
            out,
            card,
            card,
            rest,
            False,
            f"answers[{index}]",
            "selecting the answers without {}",
            fix,
            answer,
        )


def _check_order(card: Card, out: Findings) -> None:
    items = list(card.items)
    fix = "make the items distinct"
    _expect(out, card, card, items, True, "items", "the items in the written order", fix)
    for index in range(len(items) - 1):
        if items[index] == items[index + 1]:
            continue  # reported by the rules as duplicate-item
        swapped = items[:index] + [items[index + 1], items[index]] + items[index + 2 :]
        _expect(
            out,
            card,
            card,
            swapped,
            False,
            f"items[{index}]",
            f"items {index + 1} and {index + 2} swapped",
            fix,
        )
