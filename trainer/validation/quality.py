"""Quality warnings: cards that work but that an experienced author would rewrite.

* ``answer-in-question``: the answer appears, as whole words, in its own question (or a
  cloze answer elsewhere in the text), so the card gives itself away;
* ``long-typed-answer``: a typed answer over 40 characters or 5 words, which learners
  will rarely type exactly (make it a basic or cloze card, or shorten it);
* ``few-options``: a choice or multi card with fewer than 3 options, a coin toss;
* ``explanation-repeats-answer``: an explanation that only restates the answer;
* ``alternative-repeats-answer``: an alternative equal to the answer (or another
  alternative) under the card's match policy, which accepts nothing new.

Near-duplicate questions are in :mod:`trainer.validation.near_duplicates`.
"""

from __future__ import annotations

from trainer.grading import normalize
from trainer.model import Card, CardType, Deck, cloze_display
from trainer.validation.findings import Findings, quote
from trainer.validation.text import contains_phrase, fold, words

LONG_ANSWER_CHARACTERS = 40
LONG_ANSWER_WORDS = 5
MIN_OPTIONS = 3


def _answers(card: Card) -> list[tuple[str, str]]:
    """``(field, answer)`` pairs that a question must not give away."""
    kind = card.type
    if kind is CardType.BASIC:
        return [("back", card.back)]
    if kind in (CardType.TYPED, CardType.CHOICE):
        return [("answer", card.answer)]
    if kind is CardType.MULTI:
        return [(f"answers[{i}]", a) for i, a in enumerate(card.answers)]
    return []


def check_answer_in_question(deck: Deck, card: Card, out: Findings) -> None:
    if card.type is CardType.CLOZE:
        _check_cloze_gives_itself_away(card, out)
        return
    question = card.prompt_text
    folded_question = fold(question)
    for field, answer in _answers(card):
        # A cheap substring test first: whole-word matching only when it could match.
        folded = fold(answer).strip()
        if not folded or folded not in folded_question:
            continue
        if contains_phrase(question, answer):
            out.warning(
                card,
                field,
                "answer-in-question",
                f"the answer {quote(answer)} appears in the question, so the card "
                "gives itself away; reword the question",
            )


def _check_cloze_gives_itself_away(card: Card, out: Findings) -> None:
    for cloze in card.clozes:
        # The text as shown while this deletion is hidden.
        shown = cloze_display(card.question, cloze.number, revealed=False)
        folded_shown = fold(shown)
        for answer in cloze.answers:
            folded = fold(answer).strip()
            if folded and folded in folded_shown and contains_phrase(shown, answer):
                out.warning(
                    card,
                    "text",
                    "answer-in-question",
                    f"deletion c{cloze.number}'s answer {quote(answer)} can be read "
                    "elsewhere in the text while it is hidden; reword the text or "
                    "hide that occurrence too",
                )
                break


def check_long_typed_answer(deck: Deck, card: Card, out: Findings) -> None:
    if card.type is not CardType.TYPED:
        return
    answer = card.answer.strip()
    count = len(words(answer))
    if len(answer) > LONG_ANSWER_CHARACTERS or count > LONG_ANSWER_WORDS:
        out.warning(
            card,
            "answer",
            "long-typed-answer",
            f"the answer is {len(answer)} characters and {count} words; learners "
            f"rarely type more than {LONG_ANSWER_WORDS} words exactly: shorten it or "
            "make it a basic or cloze card",
        )


def check_few_options(deck: Deck, card: Card, out: Findings) -> None:
    if card.type in (CardType.CHOICE, CardType.MULTI) and len(card.options) < MIN_OPTIONS:
        out.warning(
            card,
            "options",
            "few-options",
            f"only {len(card.options)} option{'s' if len(card.options) != 1 else ''} "
            f"{'make' if len(card.options) != 1 else 'makes'} guessing easy; give at least "
            f"{MIN_OPTIONS}",
        )


def check_explanation(deck: Deck, card: Card, out: Findings) -> None:
    if not card.explanation:
        return
    explanation = normalize(card.explanation)
    for _, answer in _answers(card) or [("", card.question)]:
        if answer and normalize(answer) == explanation:
            out.warning(
                card,
                "explanation",
                "explanation-repeats-answer",
                "the explanation only repeats the answer; say why the answer is "
                "right, or remove it",
            )
            return


def check_alternatives(deck: Deck, card: Card, out: Findings) -> None:
    if card.type is not CardType.TYPED or not card.alternatives:
        return
    seen = {normalize(card.answer, card.match)}
    for index, alternative in enumerate(card.alternatives):
        folded = normalize(alternative, card.match)
        if folded in seen:
            out.warning(
                card,
                f"alternatives[{index}]",
                "alternative-repeats-answer",
                f"the alternative {quote(alternative)} is already accepted (same as "
                "the answer or an earlier alternative under the match policy); "
                "remove it",
            )
        seen.add(folded)


QUALITY_RULES = [
    check_answer_in_question,
    check_long_typed_answer,
    check_few_options,
    check_explanation,
    check_alternatives,
]
