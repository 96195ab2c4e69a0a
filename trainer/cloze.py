"""Cloze text: deletions ``{{c1::answer}}`` or ``{{c1::answer::hint}}``, read by one parser.

:func:`scan_cloze` is the parser: it walks a cloze text once and yields each deletion and
each problem in the order met. The loader (:func:`parse_cloze`) stops at the first
problem and reports it; display and import (:func:`cloze_deletions`) take the
well-formed deletions of any text and pass over the rest.

Anywhere in a cloze text a backslash makes the next ``:``, ``{``, ``}`` or ``\\`` literal,
so an answer can hold ``::`` or ``}}`` (docs/deck-format.md, "cloze").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

__all__ = [
    "ClozeProblem",
    "Deletion",
    "cloze_ambiguities",
    "cloze_deletions",
    "cloze_display",
    "cloze_unescape",
    "find_unescaped",
    "parse_cloze",
    "scan_cloze",
    "split_deletion",
]

_HEAD = re.compile(r"c([0-9]+)::")
_ESCAPE = re.compile(r"\\([\\:{}])")


class Deletion(NamedTuple):
    """One ``{{cN::answer::hint}}`` span.

    Attributes:
        start: offset of its ``{{``.
        end: offset just after its ``}}``.
        number: N.
        answer: the hidden text, unescaped.
        hint: the hint, unescaped; None without one.
        body: the text between ``{{cN::`` and ``}}`` as written.
    """

    start: int
    end: int
    number: int
    answer: str
    hint: str | None
    body: str


class ClozeProblem(NamedTuple):
    """Why a cloze text is malformed, at ``offset``; the scan goes on at ``resume``
    (-1: it cannot)."""

    offset: int
    message: str
    resume: int


_CLOSES_NOTHING = (
    "'}}' closes no deletion; remove it, add the '{{c1::' it closes, or "
    "write it as \\}} if it is text"
)


def cloze_unescape(text: str) -> str:
    """``text`` with the cloze escapes (``\\:``, ``\\{``, ``\\}``, ``\\\\``) resolved."""
    return _ESCAPE.sub(r"\1", text) if "\\" in text else text


def find_unescaped(text: str, token: str, start: int = 0) -> int:
    """Index of the first ``token`` at or after ``start`` whose first character is not
    escaped by a backslash, or -1."""
    while True:
        found = text.find(token, start)
        if found <= 0 or text[found - 1] != "\\":
            return found
        before = found
        while before > 0 and text[before - 1] == "\\":
            before -= 1
        if (found - before) % 2 == 0:  # the backslashes escape each other
            return found
        start = found + 1


def split_deletion(body: str) -> tuple[str, str | None, int]:
    """A deletion's body (between ``{{cN::`` and ``}}``) as ``(answer, hint, separators)``,
    both unescaped; the hint is None without one, ``separators`` counts the unescaped
    ``::`` (more than one is ambiguous)."""
    cut = find_unescaped(body, "::")
    if cut < 0:
        return cloze_unescape(body), None, 0
    hint = body[cut + 2 :]
    separators, position = 1, find_unescaped(hint, "::")
    while position >= 0:
        separators += 1
        position = find_unescaped(hint, "::", position + 2)
    return cloze_unescape(body[:cut]), cloze_unescape(hint), separators


def scan_cloze(text: str) -> Iterator[Deletion | ClozeProblem]:
    """Every deletion and every problem of ``text``, in order (escapes are text)."""
    position = 0
    found_any = False
    while True:
        opening = find_unescaped(text, "{{", position)
        closing = find_unescaped(text, "}}", position)
        if opening < 0:
            if closing >= 0:
                yield ClozeProblem(closing, _CLOSES_NOTHING, closing + 2)
                position = closing + 2
                continue
            break
        if 0 <= closing < opening:
            yield ClozeProblem(closing, _CLOSES_NOTHING, closing + 2)
            position = closing + 2
            continue
        head = _HEAD.match(text, opening + 2)
        if head is None:
            yield ClozeProblem(
                opening,
                "a deletion must start with '{{c' and its number then '::', as in {{c1::answer}}",
                opening + 2,
            )
            position = opening + 2
            continue
        number = int(head.group(1))
        body_start = head.end()
        end = find_unescaped(text, "}}", body_start)
        if number == 0:
            yield ClozeProblem(
                opening,
                "deletion numbers start at 1: write {{c1::...}}, not {{c0::...}}",
                end + 2 if end >= 0 else -1,
            )
            if end < 0:
                return
            position = end + 2
            continue
        if end < 0:
            yield ClozeProblem(
                opening, "this deletion is never closed: add '}}' after its answer", -1
            )
            return
        nested = find_unescaped(text, "{{", body_start)
        if 0 <= nested < end:
            yield ClozeProblem(
                nested,
                "deletions cannot be nested: close the previous one with '}}' "
                "first, or write braces of the answer as \\{ and \\}",
                nested,
            )
            position = nested
            continue
        position = end + 2
        body = text[body_start:end]
        answer, hint, _ = split_deletion(body)
        if not answer.strip():
            yield ClozeProblem(
                opening, "this deletion has no answer: write {{c1::answer}}", position
            )
            continue
        found_any = True
        yield Deletion(opening, position, number, answer, hint, body)
    if not found_any:
        yield ClozeProblem(
            0,
            "a cloze text needs at least one deletion such as {{c1::answer}}; "
            "or make it a basic card",
            -1,
        )


def parse_cloze(text: str) -> dict[int, list[Deletion]] | ClozeProblem:
    """The deletions of a cloze text by number, in order; or its first problem."""
    deletions: dict[int, list[Deletion]] = {}
    for item in scan_cloze(text):
        if isinstance(item, ClozeProblem):
            return item
        deletions.setdefault(item.number, []).append(item)
    return deletions


def cloze_deletions(text: str) -> Iterator[tuple[int, int, int, str, str | None]]:
    """``(start, end, number, answer, hint)`` of each well-formed deletion of ``text``,
    any text (its problems are passed over: the loader reports them)."""
    for item in scan_cloze(text):
        if isinstance(item, Deletion):
            yield item.start, item.end, item.number, item.answer, item.hint


def cloze_display(text: str, number: int, *, revealed: bool) -> str:
    """Render cloze ``text`` for deletion ``number``: that one hidden (or revealed), others
    shown (number 0: every answer shown)."""
    parts: list[str] = []
    position = 0
    for start, end, n, answer, hint in cloze_deletions(text):
        parts.append(cloze_unescape(text[position:start]))
        if n != number or revealed:
            parts.append(answer)
        else:
            parts.append(f"[{hint.strip()}]" if hint and hint.strip() else "[...]")
        position = end
    parts.append(cloze_unescape(text[position:]))
    return "".join(parts)


_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_CLOSERS = {closer: opener for opener, closer in _PAIRS.items()}
#: A short lowercase word glued to a one-word hint: a namespace more likely than an
#: answer with a hint (std::vector, os::path).
_SCOPE_LIKE = re.compile(r"[a-z_][a-z0-9_]{0,2}")


def _balanced(text: str) -> bool:
    stack: list[str] = []
    for ch in text:
        if ch in _PAIRS:
            stack.append(ch)
        elif ch in _CLOSERS and (not stack or stack.pop() != _CLOSERS[ch]):
            return False
    return not stack


def cloze_ambiguities(text: str, deletions: dict[int, list[Deletion]]) -> list[tuple[int, str]]:
    """``(offset, message)`` for each deletion (of ``parse_cloze(text)``) whose '::' may
    be meant as part of the answer rather than as the start of a hint
    (``{{c1::xs[::-1]}}``, ``std::vector``)."""
    found = []
    spans = sorted((d for group in deletions.values() for d in group), key=lambda d: d.start)
    for deletion in spans:
        answer, hint = deletion.answer, deletion.hint
        if hint is None:
            continue
        separators = split_deletion(deletion.body)[2]
        if (
            separators > 1
            or not (_balanced(answer) and _balanced(hint))
            or (" " not in hint and _SCOPE_LIKE.fullmatch(answer))
        ):
            number = deletion.number
            raw = text[deletion.start : deletion.end]
            escaped = raw.replace("::", "\\::").replace(
                "{{c" + str(number) + "\\::", "{{c" + str(number) + "::", 1
            )
            found.append(
                (
                    deletion.start,
                    f"{raw!r} reads as the answer {answer!r} with the hint {hint!r}; if '::' "
                    f"is part of the answer, escape it: {escaped}; if it starts a hint, put a "
                    "space after it (':: hint')",
                )
            )
    return found
