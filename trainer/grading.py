"""Right or wrong: the one place that decides whether an answer is correct.

The TUI, the headless review protocol and the validator's answer-key tests all call
:func:`grade`, so an answer key that passes ``trainer validate`` behaves the same way in
front of a learner.

Responses by card type:

* ``typed``: the text typed;
* ``cloze``: the text typed; when one deletion number hides several spans, the spans'
  answers separated by ``,`` or ``;`` in order;
* ``choice``: the option chosen (its text);
* ``multi``: the options selected (any iterable of option texts);
* ``order``: the items in the order given;
* ``truefalse``: a bool.

``basic`` cards are graded by the learner, not here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from trainer.model import Card, CardType, Cloze, MatchPolicy, StudyCard

Response = str | bool | Sequence[str] | Iterable[str]

_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
_CLOZE_SPLIT = re.compile(r"\s*[;,]\s*")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d+)?|[.,]\d+)(?:e[-+]?\d+)?%?")


@dataclass(frozen=True, slots=True)
class GradeResult:
    correct: bool
    #: The expected answer as it should be shown to the learner.
    expected: str
    #: For a correct typed answer: the accepted answer it matched, and the edit distance.
    matched: str | None = None
    typos: int = 0
    #: A short human explanation when useful ("matches a known wrong answer", ...).
    note: str = ""

    def __init__(self, correct: bool, expected: str, matched: str | None = None,
                 typos: int = 0, note: str = "") -> None:
        # What the generated __init__ of a frozen dataclass does, at half its cost (the
        # validator makes some 200,000 of these): the slots are set directly.
        _set_correct(self, correct)
        _set_expected(self, expected)
        _set_matched(self, matched)
        _set_typos(self, typos)
        _set_note(self, note)


_set_correct = GradeResult.correct.__set__  # type: ignore[attr-defined]
_set_expected = GradeResult.expected.__set__  # type: ignore[attr-defined]
_set_matched = GradeResult.matched.__set__  # type: ignore[attr-defined]
_set_typos = GradeResult.typos.__set__  # type: ignore[attr-defined]
_set_note = GradeResult.note.__set__  # type: ignore[attr-defined]


class NotAutoGraded(ValueError):
    """Raised when asked to grade a self-graded (``basic``) card."""


def normalize(text: str, policy: MatchPolicy = MatchPolicy()) -> str:
    """``text`` reduced to what the match ``policy`` says matters."""
    if text.isascii():
        # ASCII is unchanged by NFKC/NFKD and has no accents: skip the per-character work
        # (the validator normalizes every option and sample of every card).
        if not policy.case_sensitive:
            text = text.lower()
        if policy.ignore_punctuation:
            # Whitespace runs to one space: split() splits on what \s matches, and the
            # stripped text has none at either end.
            text = " ".join(text.strip(_ASCII_IGNORABLE).split())
        return text
    text = unicodedata.normalize("NFKC", text)
    if not policy.accent_sensitive:
        text = "".join(
            ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
        )
    if not policy.case_sensitive:
        text = text.casefold()
    if policy.ignore_punctuation:
        text = _strip_surrounding_punctuation(text)
        text = _SPACES.sub(" ", text)
    return text


def _strip_surrounding_punctuation(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _is_ignorable(text[start]):
        start += 1
    while end > start and _is_ignorable(text[end - 1]):
        end -= 1
    return text[start:end]


def _is_ignorable(ch: str) -> bool:
    category = unicodedata.category(ch)
    # Keep a leading sign or a trailing percent: they change a number's meaning.
    return (category[0] in "PZ" or ch.isspace()) and ch not in "-+%"


#: The ASCII characters :func:`_is_ignorable` accepts, for ``str.strip`` on ASCII text.
_ASCII_IGNORABLE = "".join(ch for ch in map(chr, range(128)) if _is_ignorable(ch))


def _as_number(text: str) -> float | None:
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    text = text.rstrip("%").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def allowed_typos(expected: str, policy: MatchPolicy) -> int:
    """Edit distance accepted for ``expected`` under ``policy`` (after normalizing)."""
    if policy.max_typos is not None:
        return policy.max_typos
    length = len(expected)
    if length <= 4:
        return 0
    return 1 if length <= 10 else 2


def _distance(a: str, b: str, cutoff: int) -> int:
    global _levenshtein
    if _levenshtein is None:
        # Deferred: not needed until a typed answer; then kept, as the validator measures
        # some 100,000 distances.
        from rapidfuzz.distance import Levenshtein

        _levenshtein = Levenshtein.distance
    return _levenshtein(a, b, score_cutoff=cutoff)


_levenshtein: Callable[..., int] | None = None


def match_text(
    given: str,
    accepted: Sequence[str],
    policy: MatchPolicy,
    wrong: Sequence[str] = (),
) -> tuple[str | None, int, str]:
    """Match ``given`` against ``accepted`` answers.

    Returns ``(matched, typos, note)``: the accepted answer matched (``None`` when wrong),
    the edit distance used, and a note explaining a rejection that might surprise.
    """
    norm_given = normalize(given, policy)
    if not norm_given:
        return None, 0, "no answer given"
    norm_wrong = {normalize(w, policy) for w in wrong}
    if norm_given in norm_wrong:
        return None, 0, "a known wrong answer"

    # Exact and numeric matches first, across all accepted answers.
    given_number = _as_number(norm_given)
    normalized: list[tuple[str, str, float | None]] = []
    for answer in accepted:
        norm_answer = normalize(answer, policy)
        if norm_given == norm_answer:
            return answer, 0, ""
        expected_number = _as_number(norm_answer)
        if given_number is not None and expected_number is not None:
            tolerance = policy.numeric_tolerance or 0.0
            if abs(given_number - expected_number) <= tolerance + 1e-12:
                return answer, 0, ""
        normalized.append((answer, norm_answer, expected_number))

    # Then typos; never for numbers, never when the digits differ ("12" vs "13"), and never
    # when the answer is at least as close to a known wrong answer.
    given_digits = _DIGITS.findall(norm_given)
    best: tuple[int, str] | None = None
    for answer, norm_answer, expected_number in normalized:
        if expected_number is not None or _DIGITS.findall(norm_answer) != given_digits:
            continue
        limit = allowed_typos(norm_answer, policy)
        if limit <= 0:
            continue
        distance = _distance(norm_given, norm_answer, limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, answer)
    if best is None:
        return None, 0, ""
    distance, answer = best
    for wrong_answer in norm_wrong:
        if _distance(norm_given, wrong_answer, distance) <= distance:
            return None, 0, "closer to a known wrong answer"
    return answer, distance, ""


def grade(target: Card | StudyCard, response: Response) -> GradeResult:
    """Grade ``response`` for a card (or one sibling of it). Raises :class:`NotAutoGraded`
    for ``basic`` cards and :class:`TypeError` for a response of the wrong shape."""
    if isinstance(target, StudyCard):
        card, cloze = target.card, target.cloze
    else:
        card, cloze = target, None
    # A table rather than a match statement: the validator grades some 200,000 sample
    # answers for a 50,000-card collection. Keys are CardType members, so a plain
    # string type finds its grader as it would with ==.
    grader = _GRADERS.get(card.type)
    if grader is None:
        raise AssertionError(f"unhandled card type {card.type}")  # pragma: no cover
    return grader(card, cloze, response)


def _grade_basic(card: Card, cloze: Cloze | None, response: Response) -> GradeResult:
    raise NotAutoGraded(f"card {card.id!r} is self-graded")


def _grade_typed(card: Card, cloze: Cloze | None, response: Response) -> GradeResult:
    text = _expect_str(response)
    matched, typos, note = match_text(
        text, (card.answer, *card.alternatives), card.match, card.wrong
    )
    return GradeResult(matched is not None, card.answer, matched, typos, note)


def _grade_cloze_card(card: Card, cloze: Cloze | None, response: Response) -> GradeResult:
    if cloze is None:
        if len(card.clozes) != 1:
            raise ValueError(f"cloze card {card.id!r} has several deletions: grade one")
        cloze = card.clozes[0]
    return _grade_cloze(card, cloze, _expect_str(response))


def _grade_choice(card: Card, cloze: Cloze | None, response: Response) -> GradeResult:
    chosen = _expect_str(response)
    return GradeResult(chosen == card.answer, card.answer)


def _grade_multi(card: Card, cloze: Cloze | None, response: Response) -> GradeResult:
    chosen = set(_expect_strings(response))
    return GradeResult(chosen == set(card.answers), ", ".join(card.answers))


def _grade_order(card: Card, cloze: Cloze | None, response: Response) -> GradeResult:
    given = list(_expect_strings(response))
    return GradeResult(given == list(card.items), " → ".join(card.items))


def _grade_truefalse(card: Card, cloze: Cloze | None, response: Response) -> GradeResult:
    if not isinstance(response, bool):
        raise TypeError("a truefalse answer is a bool")
    return GradeResult(response == card.truth, "true" if card.truth else "false")


_GRADERS = {
    CardType.BASIC: _grade_basic,
    CardType.TYPED: _grade_typed,
    CardType.CLOZE: _grade_cloze_card,
    CardType.CHOICE: _grade_choice,
    CardType.MULTI: _grade_multi,
    CardType.ORDER: _grade_order,
    CardType.TRUEFALSE: _grade_truefalse,
}


def _grade_cloze(card: Card, cloze: Cloze, text: str) -> GradeResult:
    expected = ", ".join(cloze.answers)
    if len(cloze.answers) == 1:
        matched, typos, note = match_text(text, (cloze.answers[0], *cloze.alternatives), card.match)
        return GradeResult(matched is not None, expected, matched, typos, note)
    # Several spans: the whole string may match an alternative, else each part its span.
    matched, typos, note = match_text(text, (expected, *cloze.alternatives), card.match)
    if matched is not None:
        return GradeResult(True, expected, matched, typos)
    parts = _CLOZE_SPLIT.split(text.strip())
    if len(parts) != len(cloze.answers):
        return GradeResult(False, expected, note=f"expected {len(cloze.answers)} answers")
    total = 0
    for part, answer in zip(parts, cloze.answers):
        part_match, part_typos, _ = match_text(part, (answer,), card.match)
        if part_match is None:
            return GradeResult(False, expected)
        total += part_typos
    return GradeResult(True, expected, expected, total)


def _expect_str(response: Response) -> str:
    if not isinstance(response, str):
        raise TypeError("this card type takes a text answer")
    return response


def _expect_strings(response: Response) -> tuple[str, ...]:
    if isinstance(response, (str, bool)):
        raise TypeError("this card type takes a list of option texts")
    items = tuple(response)
    for item in items:
        if not isinstance(item, str):
            raise TypeError("this card type takes a list of option texts")
    return items


def diff_segments(given: str, expected: str) -> list[tuple[str, str]]:
    """Character-level difference between what was typed and what was expected, as
    ``(kind, text)`` pairs with kind ``"same"``, ``"missing"`` (in expected only) or
    ``"extra"`` (typed only), for highlighting after a typed answer."""
    segments: list[tuple[str, str]] = []
    matcher = SequenceMatcher(None, given, expected, autojunk=False)
    for op, g1, g2, e1, e2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("same", expected[e1:e2]))
            continue
        if g2 > g1:
            segments.append(("extra", given[g1:g2]))
        if e2 > e1:
            segments.append(("missing", expected[e1:e2]))
    return segments
