"""Cloze text between this trainer's deck format and an Anki cloze field.

The two mark deletions the same way (``{{c1::answer::hint}}``) but differ in how text
that looks like markup stays text. Here a backslash does it (``\\:``, ``\\{``, ``\\}``,
``\\\\``; see docs/deck-format.md); Anki has no escape: its field is HTML, and its cloze
parser reads the field's source, so a character written as an HTML entity
(``&#58;``) is never markup there, and the card shows the character.

* :func:`cloze_to_anki`: each plain part, answer and hint is unescaped and written as
  HTML, with ``{`` and ``}`` as entities everywhere and ``:`` as an entity inside a
  deletion, so Anki shows exactly the text our card shows.
* :func:`cloze_from_anki`: Anki's deletions are found in the field's source, the field
  is made plain text (:func:`~trainer.interop.html_text.field_text`), and each part is
  escaped where our parser would otherwise read markup.
"""

from __future__ import annotations

import re

from trainer.interop.html_text import FieldText, field_text, text_to_html
from trainer.model import cloze_deletions, cloze_unescape

__all__ = ["cloze_from_anki", "cloze_to_anki", "is_anki_cloze"]

#: A deletion as Anki's cloze parser reads it (the ``c`` in either case).
_ANKI_DELETION = re.compile(r"\{\{[cC](\d+)::(.*?)\}\}", re.DOTALL)
# Markers for the deletion syntax while the field is made plain text (private-use
# characters: not HTML, not whitespace, kept by the text cleaning).
_OPEN, _NUMBER_END, _HINT, _CLOSE = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKED = re.compile(f"{_OPEN}([0-9]+){_NUMBER_END}(.*?)(?:{_HINT}(.*?))?{_CLOSE}", re.DOTALL)
#: Characters our cloze parser gives a meaning to, each where it needs a backslash:
#: a backslash before one of them or at the end, a doubled brace, a brace or (in a
#: deletion) a colon at the end, and a doubled colon in a deletion.
_PLAIN_SPECIAL = re.compile(r"\\(?=[\\:{}]|\Z)|[{}](?=[{}]|\Z)")
_DELETION_SPECIAL = re.compile(r"\\(?=[\\:{}]|\Z)|[{}:](?=[{}:]|\Z)")


def is_anki_cloze(value: str) -> bool:
    """Whether the Anki field ``value`` holds a deletion."""
    return _ANKI_DELETION.search(value) is not None


def _html(text: str, in_deletion: bool) -> str:
    html = text_to_html(text).replace("{", "&#123;").replace("}", "&#125;")
    return html.replace(":", "&#58;") if in_deletion else html


def cloze_to_anki(text: str) -> str:
    """Our cloze ``text`` as the HTML of an Anki cloze field that shows the same."""
    parts: list[str] = []
    position = 0
    for start, end, number, answer, hint in cloze_deletions(text):
        parts.append(_html(cloze_unescape(text[position:start]), False))
        body = _html(answer, True)
        if hint is not None and hint.strip():
            body += "::" + _html(hint.strip(), True)
        parts.append(f"{{{{c{number}::{body}}}}}")
        position = end
    parts.append(_html(cloze_unescape(text[position:]), False))
    return "".join(parts)


def _mark(match: re.Match[str]) -> str:
    body = match.group(2)
    cut = body.find("::")
    if cut >= 0:
        body = f"{body[:cut]}{_HINT}{body[cut + 2 :]}"
    return f"{_OPEN}{match.group(1)}{_NUMBER_END}{body}{_CLOSE}"


def _escape(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: "\\" + m.group(0), text)


def cloze_from_anki(value: str) -> FieldText:
    """An Anki cloze field (HTML) as our cloze text, and the media it refers to."""
    converted = field_text(_ANKI_DELETION.sub(_mark, value))
    text = converted.text
    parts: list[str] = []
    position = 0
    for match in _MARKED.finditer(text):
        parts.append(_escape(text[position : match.start()], _PLAIN_SPECIAL))
        answer = _escape(match.group(2), _DELETION_SPECIAL)
        hint = match.group(3)
        body = answer if hint is None else f"{answer}::{_escape(hint, _DELETION_SPECIAL)}"
        parts.append(f"{{{{c{match.group(1)}::{body}}}}}")
        position = match.end()
    parts.append(_escape(text[position:], _PLAIN_SPECIAL))
    # A marker left over (a deletion split by a tag) is not text anyone wrote.
    joined = "".join(parts)
    for marker in (_OPEN, _NUMBER_END, _HINT, _CLOSE):
        joined = joined.replace(marker, "")
    return FieldText(joined, converted.media)
