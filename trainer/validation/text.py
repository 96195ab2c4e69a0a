"""Words of deck text as the quality and grounding checks compare them.

Text is casefolded and stripped of accents; tokens are runs of letters and digits (so
hyphenated words and "D-aspartate" split apart); English stopwords are dropped; and each
token is lightly stemmed so "receptors", "blocked" and "blocking" meet "receptor" and
"block". The stemmer is deliberately crude: it only has to treat a card and a document the
same way, not produce dictionary words.
"""

from __future__ import annotations

import re
import unicodedata

#: A token: a run of letters and digits.
TOKEN = re.compile(r"[^\W_]+")

#: Function words that carry no fact. Negations are kept on purpose: "is" and "is not"
#: make different statements.
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "either",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "per",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "via",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
    ]
)

# Suffixes removed by :func:`stem`; each must leave a stem of at least 3 characters.
_SUFFIXES = ("ing", "ed", "ly", "al")
_SIBILANT_ES = ("ses", "xes", "zes", "ches", "shes")


def fold(text: str) -> str:
    """``text`` casefolded and without accents (``"Café"`` -> ``"cafe"``)."""
    text = text.casefold()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def stem(word: str) -> str:
    """A crude stem of a folded ``word``: ``"receptors"`` -> ``"receptor"``,
    ``"1960s"`` -> ``"1960"``, ``"rapidly"`` -> ``"rapid"``, ``"doses"`` and ``"dose"``
    -> ``"dos"``. Cached."""
    return _stems[word]


def _stem(word: str) -> str:
    result = word
    if len(word) > 3:
        if word.endswith("ies"):
            result = word[:-3] + "y"
        elif word.endswith(_SIBILANT_ES) and len(word) > 5:
            result = word[:-2]
        elif word[-1] == "s" and not word.endswith(("ss", "us", "is")):
            result = word[:-1]
        else:
            for suffix in _SUFFIXES:
                if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                    result = word[: -len(suffix)]
                    break
        # "dose"/"doses", "cause"/"caused": the silent e would keep them apart.
        if result.endswith("e") and len(result) > 3:
            result = result[:-1]
    elif len(word) > 1 and word[-1] == "s" and word[:-1].isdigit():
        result = word[:-1]
    return result


class _StemCache(dict[str, str]):
    """word -> stem, computed on first lookup (so ``map(cache.__getitem__, words)`` runs
    at C speed once the words are known)."""

    def __missing__(self, word: str) -> str:
        result = self[word] = _stem(word)
        return result


_stems = _StemCache()


def stem_table() -> dict[str, str]:
    """The cache behind :func:`stem` (word -> stem); indexing it stems unknown words."""
    return _stems


def words(text: str) -> list[str]:
    """All tokens of ``text``, folded, in order (stopwords kept, not stemmed)."""
    return TOKEN.findall(fold(text))


def _is_key(token: str) -> bool:
    """Not a stopword, nor a single letter: "s" of "Saturn's", "e" and "g" of "e.g."
    are pieces of words, not terms (a single digit is a number, and stays)."""
    return token not in STOPWORDS and not (len(token) == 1 and token.isalpha())


def key_terms(text: str) -> dict[str, str]:
    """Stemmed tokens of ``text`` that are not stopwords or single letters, in order, each
    mapped to the first word (folded) that gave it, for messages."""
    terms: dict[str, str] = {}
    for token in TOKEN.findall(fold(text)):
        if _is_key(token):
            terms.setdefault(stem(token), token)
    return terms


def contains_phrase(haystack: str, needle: str) -> bool:
    """Whether the words of ``needle`` occur consecutively, as whole words, in ``haystack``
    (both folded and tokenized; stopwords kept)."""
    wanted = words(needle)
    if not wanted:
        return False
    have = words(haystack)
    size = len(wanted)
    first = wanted[0]
    for index, token in enumerate(have):
        if token == first and have[index : index + size] == wanted:
            return True
    return False
