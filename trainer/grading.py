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
from difflib import SequenceMatcher
from functools import lru_cache

from msgspec import Struct, structs

from trainer.model import Card, CardType, Cloze, MatchPolicy, StudyCard

Response = str | bool | Sequence[str] | Iterable[str]

_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
_CLOZE_SPLIT = re.compile(r"\s*[;,]\s*")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d+)?|[.,]\d+)(?:e[-+]?\d+)?%?")


class GradeResult(Struct, frozen=True):
    """How an answer was graded.

    Attributes: ``correct``; ``expected`` (the expected answer as it should be shown to
    the learner); ``matched`` and ``typos`` (for a correct typed answer: the accepted
    answer it matched, and the edit distance); ``note`` (a short explanation when
    useful: "matches a known wrong answer", ...).
    """

    correct: bool
    expected: str
    matched: str | None = None
    typos: int = 0
    note: str = ""


class NotAutoGraded(ValueError):
    """Raised when asked to grade a self-graded (``basic``) card."""


#: The match policy of a card that sets none (immutable, so one is shared).
DEFAULT_POLICY = MatchPolicy()


def normalize(text: str, policy: MatchPolicy = DEFAULT_POLICY) -> str:
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
    prompt: str | None = None,
) -> tuple[str | None, int, str]:
    """Match ``given`` against ``accepted`` answers.

    ``prompt`` is the card's question or cloze text: a unit typed after a number whose
    expected answer has none must be one the prompt names ("102 patients" for "How many
    patients...", not "40 hours" for "lasts {{c1::40}} minutes"). None: no context, any
    unit words are taken (likewise for an empty prompt).

    Returns ``(matched, typos, note)``: the accepted answer matched (``None`` when wrong),
    the edit distance used, and a note explaining a rejection that might surprise.

    The answer as typed is tried first (exact, numeric, then with typos); only when that
    matches nothing are the policy's relaxations tried (:func:`_match_relaxed`).
    """
    norm_given = normalize(given, policy)
    if not norm_given:
        if (
            policy.ignore_punctuation
            and given.strip()
            and any(not normalize(answer, policy) for answer in accepted)
        ):
            # An answer made of punctuation ("%", "->"): its characters are the answer,
            # so they are compared as typed (no typo is allowed: one character is all).
            as_typed = {answer.strip(): answer for answer in accepted}
            kept = structs.replace(policy, ignore_punctuation=False, max_typos=0)
            matched, typos, note = match_text(
                given.strip(), list(as_typed), kept, [w.strip() for w in wrong], prompt
            )
            return (None if matched is None else as_typed[matched]), typos, note
        return None, 0, "no answer given"
    norm_wrong = {normalize(w, policy) for w in wrong}
    if norm_given in norm_wrong:
        return None, 0, "a known wrong answer"
    norm_accepted = [(answer, normalize(answer, policy)) for answer in accepted]
    result = _match_normalized(norm_given, norm_accepted, policy, norm_wrong)
    if result[2] or not _relaxes(policy) or (result[0] is not None and result[1] == 0):
        return result
    numeric = any(_DIGITS.search(norm) for _, norm in norm_accepted)
    reduced_wrong = {_reduce(answer, policy, numeric) for answer in norm_wrong}
    reduced_given = _reduce(norm_given, policy, numeric)
    # "an agonist" is one typo from "antagonist", and the listed wrong "agonist" itself.
    if reduced_given in reduced_wrong:
        return None, 0, "a known wrong answer"
    if result[0] is not None:
        return result
    return _match_relaxed(
        norm_given, reduced_given, norm_accepted, policy, reduced_wrong, numeric, prompt
    )


def _match_normalized(
    norm_given: str, accepted: Sequence[tuple[str, str]], policy: MatchPolicy, norm_wrong: set[str]
) -> tuple[str | None, int, str]:
    """:func:`match_text` on normalized texts: exact, numeric, then typos."""
    # Exact and numeric matches first, across all accepted answers.
    given_number = _as_number(norm_given)
    normalized: list[tuple[str, str, float | None]] = []
    for answer, norm_answer in accepted:
        if norm_given == norm_answer:
            return answer, 0, ""
        expected_number = _as_number(norm_answer)
        if (
            given_number is not None
            and expected_number is not None
            and _close(given_number, expected_number, policy)
        ):
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


def _close(given: float, expected: float, policy: MatchPolicy) -> bool:
    return abs(given - expected) <= (policy.numeric_tolerance or 0.0) + 1e-12


# -- relaxations (each a switch of MatchPolicy; see docs/deck-format.md, "match") ----------

_ARTICLES = (("a",), ("an",), ("the",))
_FILLERS = (
    ("it", "is"),
    ("it's",),
    ("its",),
    ("it", "was"),
    ("they", "are"),
    ("they're",),
    ("that", "is"),
    ("that's",),
)
_APPROXIMATIONS = (
    ("about",),
    ("around",),
    ("approximately",),
    ("approx",),
    ("roughly",),
    ("circa",),
    ("ca",),
    ("nearly",),
    ("almost",),
    ("some",),
    ("up", "to"),
    ("close", "to"),
    ("~",),
    ("≈",),
)
#: Filler dropped wherever it stands ("weeks or even months").
_INNER_FILLERS = frozenset({"even"})
#: Words that turn a longer answer into another answer: a negation, an alternative, a
#: range, an addition. Extra words around a contained answer may be none of them.
_BLOCKERS = frozenset(
    {
        "not",
        "no",
        "non",
        "never",
        "none",
        "nothing",
        "without",
        "except",
        "neither",
        "nor",
        "or",
        "and",
        "but",
        "than",
        "then",
        "to",
        "versus",
        "vs",
        "instead",
        "rather",
        "either",
        "also",
        "plus",
        "minus",
        "with",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "don't",
        "doesn't",
        "didn't",
        "can't",
        "cannot",
        "won't",
        "un",
        "anti",
        "less",
        "more",
        "other",
    }
)
_ARTICLE_WORDS = frozenset(phrase[0] for phrase in _ARTICLES)
#: Articles and fillers are ignore_articles' business, never qualifiers.
_NOT_QUALIFIERS = _BLOCKERS | {word for phrase in _ARTICLES + _FILLERS for word in phrase}
_MAX_QUALIFIERS = 3
#: What separates the items of a list of guesses ("Osaka, Kyoto, Tokyo"): never in a
#: qualifier.
_LIST_SEPARATOR = re.compile(r"[,;/|&+]")
_APPROXIMATE_SIGN = re.compile(r"^[~≈]\s*")
_PERCENT = re.compile(r"(\d)\s*(?:%|percent\b|per cent\b)")
_NUMBER_THEN_WORDS = re.compile(r"([-+]?(?:\d+(?:[.,]\d+)?|[.,]\d+)%?)\s+(\D+)")
_TOKEN_EDGES = "".join(ch for ch in _ASCII_IGNORABLE if ch not in "'~") + "\u2019"
_LETTER = re.compile(r"[^\W\d_]")


def _relaxes(policy: MatchPolicy) -> bool:
    return (
        policy.ignore_articles
        or policy.ignore_approximations
        or policy.number_words
        or policy.number_units
        or policy.qualifiers
    )


def _words(text: str) -> list[str]:
    """Words of a normalized text, punctuation at their ends removed."""
    words = (word.strip(_TOKEN_EDGES) for word in text.split())
    return [word for word in words if word]


def _by_first_word(phrases: tuple[tuple[str, ...], ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    table: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        table.setdefault(phrase[0], []).append(phrase)
    return {first: tuple(group) for first, group in table.items()}


#: Leading phrases by first word, per (ignore_articles, ignore_approximations).
_LEADING = {
    (articles, approximations): _by_first_word(
        (_ARTICLES + _FILLERS if articles else ()) + (_APPROXIMATIONS if approximations else ())
    )
    for articles in (False, True)
    for approximations in (False, True)
}


def _drop_leading(words: list[str], phrases: dict[str, tuple[tuple[str, ...], ...]]) -> bool:
    """Drop one leading phrase from ``words`` (never the last word); False if none."""
    if len(words) < 2:
        return False
    for phrase in phrases.get(words[0].casefold(), ()):
        size = len(phrase)
        if len(words) > size and tuple(w.casefold() for w in words[:size]) == phrase:
            del words[:size]
            return True
    return False


# The same accepted and wrong answers are reduced for every sample of a card.
@lru_cache(maxsize=4096)
def _reduce(text: str, policy: MatchPolicy, numeric: bool) -> str:
    """``text`` (normalized) without what the policy says does not count."""
    if policy.ignore_approximations and text[:1] in "~≈":
        text = _APPROXIMATE_SIGN.sub("", text)
    words = _words(text)
    leading = _LEADING[policy.ignore_articles, policy.ignore_approximations]
    while leading and _drop_leading(words, leading):
        pass
    if policy.ignore_articles:
        words = [word for word in words if word.casefold() not in _INNER_FILLERS] or words
    reduced = " ".join(words)
    if numeric and policy.number_words and _LETTER.search(reduced):
        reduced = _digits_for_words(reduced)
    if policy.number_units and ("%" in reduced or "per" in reduced):
        reduced = _PERCENT.sub(r"\1%", reduced)
    return reduced


def _digits_for_words(text: str) -> str:
    """Numbers written in (English) words as digits: "one hundred and two" -> "102"."""
    global _alpha2digit
    if _alpha2digit is None:
        # text2num (Rust core, no dependencies): deferred, as few cards have numbers.
        from text_to_num import alpha2digit

        _alpha2digit = alpha2digit
    return str(_alpha2digit(text, "en", threshold=0))


_alpha2digit: Callable[..., str] | None = None


def _number_and_unit(text: str) -> tuple[float, str] | None:
    """``(number, unit words)`` of "102 patients", with the unit's words checked."""
    matched = _NUMBER_THEN_WORDS.fullmatch(text)
    if matched is None:
        return None
    number = _as_number(matched.group(1))
    words = matched.group(2).split()
    if (
        number is None
        or not words
        or len(words) > _MAX_QUALIFIERS
        or not all(_is_qualifier(word) for word in words)
    ):
        return None
    return number, " ".join(word.rstrip("s") for word in words)


def _singular_words(text: str) -> frozenset[str]:
    return frozenset(word.casefold().rstrip("s") for word in _words(text))


def _is_qualifier(word: str) -> bool:
    return (
        word.casefold() not in _NOT_QUALIFIERS
        and _LETTER.search(word) is not None
        and _DIGITS.search(word) is None
    )


def _contains(words: list[str], part: list[str]) -> int:
    """Index where ``part`` starts in ``words`` as a run of whole words, or -1."""
    size = len(part)
    for start in range(len(words) - size + 1):
        if words[start : start + size] == part:
            return start
    return -1


def _match_relaxed(
    norm_given: str,
    given: str,
    accepted: Sequence[tuple[str, str]],
    policy: MatchPolicy,
    wrong: set[str],
    numeric: bool,
    prompt: str | None = None,
) -> tuple[str | None, int, str]:
    """The policy's relaxations, for an answer that matched nothing as typed: ``given``
    is it reduced (:func:`_reduce`), ``wrong`` the known wrong answers reduced, and
    ``numeric`` tells whether an accepted answer holds a number."""
    if not given:
        return None, 0, ""
    reduced = [(answer, _reduce(norm, policy, numeric)) for answer, norm in accepted]
    if given != norm_given or any(norm != r for (_, norm), (_, r) in zip(accepted, reduced)):
        result = _match_normalized(given, reduced, policy, wrong)
        if result[0] is not None or result[2]:
            return result
    if policy.number_units:
        given_unit = _number_and_unit(given)
        if given_unit is not None:
            # Only an answer with a unit needs the prompt's words (see match_text).
            prompt_words = _singular_words(normalize(prompt, policy)) if prompt else None
            for answer, norm in reduced:
                expected = _as_number(norm)
                unit = ""
                if expected is None:
                    expected_unit = _number_and_unit(norm)
                    if expected_unit is None:
                        continue
                    expected, unit = expected_unit
                if (
                    unit == ""
                    and prompt_words is not None
                    and not all(word.casefold() in prompt_words for word in given_unit[1].split())
                ):
                    continue  # a unit the card does not speak of: "40 hours" for minutes
                if _close(given_unit[0], expected, policy) and unit in ("", given_unit[1]):
                    return answer, 0, ""
    if policy.qualifiers:
        words = given.split()
        if any(_contains(words, answer.split()) >= 0 for answer in wrong if answer):
            return None, 0, "contains a known wrong answer"
        items = len(_LIST_SEPARATOR.findall(norm_given))
        for (answer, norm), (_, accepted_norm) in zip(reduced, accepted):
            if items != len(_LIST_SEPARATOR.findall(accepted_norm)):
                continue  # a list of guesses ("Osaka, Kyoto, Tokyo") is no qualified answer
            part = norm.split()
            # Numbers take no qualifiers: units are number_units', "about" approximations'.
            start = _contains(words, part) if part and _as_number(norm) is None else -1
            if start < 0:
                continue
            extra = words[:start] + words[start + len(part) :]
            if policy.ignore_articles:  # "in a few hours": "a few hours" reduced lost its "a"
                extra = [word for word in extra if word.casefold() not in _ARTICLE_WORDS]
            # The answer said twice ("red red") qualifies nothing.
            repeated = not set(extra).isdisjoint(part)
            if (
                0 < len(extra) <= _MAX_QUALIFIERS
                and all(map(_is_qualifier, extra))
                and not repeated
            ):
                return answer, 0, ""
    return None, 0, ""


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
        text, (card.answer, *card.alternatives), card.match, card.wrong, card.question
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
        matched, typos, note = match_text(
            text, (cloze.answers[0], *cloze.alternatives), card.match, prompt=card.question
        )
        return GradeResult(matched is not None, expected, matched, typos, note)
    # Several spans: the whole string may match an alternative, else each part its span.
    matched, typos, note = match_text(
        text, (expected, *cloze.alternatives), card.match, prompt=card.question
    )
    if matched is not None:
        return GradeResult(True, expected, matched, typos)
    parts = _CLOZE_SPLIT.split(text.strip())
    if len(parts) != len(cloze.answers):
        return GradeResult(False, expected, note=f"expected {len(cloze.answers)} answers")
    total = 0
    for part, answer in zip(parts, cloze.answers):
        part_match, part_typos, _ = match_text(part, (answer,), card.match, prompt=card.question)
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
