"""The grounding check: is each answer supported by the documents its card cites?

For every card citing a source, the cited files are read from the sources directory
(plain UTF-8 text; each read and tokenized once per run) and the answer's *key terms*
(:func:`trainer.validation.text.key_terms`: folded, stemmed, stopwords dropped) are looked
up in the union of the cited documents' terms.

An answer is supported when all its key terms occur, for answers of up to
:data:`STRICT_UP_TO` terms, else when at least :data:`SHARE_NEEDED` of them do (rounded
up: 3 of 4, 4 of 5, 4 of 6). An answer with no key terms at all (only stopwords) passes.
Which texts are the answers, by card type: basic -> back; typed -> the answer or any
alternative (one supported is enough); cloze -> each deletion (its hidden texts, or any
of its alternatives); choice -> the answer; multi -> each right answer; order -> each
item; truefalse -> the statement.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

from msgspec import Struct

from trainer.model import Card, CardType, Deck
from trainer.validation.findings import Findings, quote
from trainer.validation.text import STOPWORDS, TOKEN, fold, key_terms, stem

STRICT_UP_TO = 2
SHARE_NEEDED = Fraction(2, 3)


class Verdict(Struct, frozen=True):
    supported: bool
    #: The answer's key terms and those the documents lack, as words of the answer.
    terms: tuple[str, ...]
    missing: tuple[str, ...]


def judge(answer: str, document_terms: frozenset[str] | set[str]) -> Verdict:
    """Whether ``answer``'s key terms occur in ``document_terms`` (see the module doc)."""
    found = key_terms(answer)
    terms = tuple(found.values())
    missing = tuple(word for term, word in found.items() if term not in document_terms)
    if not terms:
        return Verdict(True, terms, missing)
    if len(terms) <= STRICT_UP_TO:
        needed = len(terms)
    else:
        needed = math.ceil(SHARE_NEEDED * len(terms))
    return Verdict(len(terms) - len(missing) >= needed, terms, missing)


class SourceLibrary:
    """The documents of one sources directory, read and tokenized on first use."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._terms: dict[str, frozenset[str] | None] = {}
        self._problems: dict[str, str] = {}

    def terms(self, name: str) -> frozenset[str] | None:
        """The stemmed terms of document ``name``, or ``None`` (see :meth:`problem`)."""
        if name in self._terms:
            return self._terms[name]
        terms = self._read(name)
        self._terms[name] = terms
        return terms

    def problem(self, name: str) -> str:
        """Why :meth:`terms` returned ``None`` for ``name``."""
        return self._problems.get(name, "")

    def _read(self, name: str) -> frozenset[str] | None:
        # A citation names a file directly inside the directory, never a path out of it.
        if not name or "/" in name or "\\" in name or name in (".", "..") or "\0" in name:
            self._problems[name] = "a source must name a file directly inside the sources directory"
            return None
        path = self.directory / name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            self._problems[name] = f"there is no such file in {self.directory}"
            return None
        except OSError as problem:
            self._problems[name] = f"it cannot be read ({problem.strerror or problem})"
            return None
        text = data.decode("utf-8", errors="replace")
        return frozenset(
            stem(token) for token in TOKEN.findall(fold(text)) if token not in STOPWORDS
        )


def _answer_groups(card: Card) -> list[tuple[str, list[str]]]:
    """``(field, alternatives)`` pairs: each group must be supported by one of its texts."""
    kind = card.type
    if kind is CardType.BASIC:
        return [("back", [card.back])]
    if kind is CardType.TYPED:
        return [("answer", [card.answer, *card.alternatives])]
    if kind is CardType.CHOICE:
        return [("answer", [card.answer])]
    if kind is CardType.MULTI:
        return [(f"answers[{i}]", [a]) for i, a in enumerate(card.answers)]
    if kind is CardType.ORDER:
        return [(f"items[{i}]", [item]) for i, item in enumerate(card.items)]
    if kind is CardType.TRUEFALSE:
        return [("statement", [card.question])]
    groups: list[tuple[str, list[str]]] = []
    for cloze in card.clozes:
        # Spans are checked one by one (joined, a missing one would hide among the rest).
        groups.extend(("text", [answer, *cloze.alternatives]) for answer in cloze.answers)
    return groups


def check_grounding(decks: Iterable[Deck], library: SourceLibrary, out: Findings) -> None:
    """``ungrounded-answer`` and ``unknown-source-document`` errors for every citing card."""
    for deck in decks:
        for card in deck.cards:
            if card.sources:
                check_card(card, library, out)


def check_card(card: Card, library: SourceLibrary, out: Findings) -> None:
    documents: list[frozenset[str]] = []
    for index, name in enumerate(card.sources):
        terms = library.terms(name)
        if terms is None:
            field = f"source[{index}]" if f"source[{index}]" in card.field_positions else "source"
            out.error(
                card,
                field,
                "unknown-source-document",
                f"the cited document {quote(name)} is not available: "
                f"{library.problem(name)}; fix the citation or add the document",
            )
        else:
            documents.append(terms)
    if not documents:
        return
    available = documents[0] if len(documents) == 1 else frozenset().union(*documents)
    cited = ", ".join(card.sources)
    for field, texts in _answer_groups(card):
        verdicts = [judge(text, available) for text in texts]
        if any(verdict.supported for verdict in verdicts):
            continue
        verdict = verdicts[0]
        also = f" (nor are any of its {len(texts) - 1} alternatives)" if len(texts) > 1 else ""
        out.error(
            card,
            field,
            "ungrounded-answer",
            f"the answer {quote(texts[0])} is not supported by {cited}: "
            f"{_terms_missing(verdict)}{also}; fix the answer, cite the document "
            "that says it, or reword it with the document's terms",
        )


def _terms_missing(verdict: Verdict) -> str:
    missing = ", ".join(verdict.missing)
    return f"{len(verdict.missing)} of its {len(verdict.terms)} key terms are missing ({missing})"
