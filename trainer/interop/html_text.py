"""Anki field HTML to plain text, and plain text back to field HTML.

Deck text is never markup here, so a field is reduced to the text a reader of the card
saw: ``<br>``, ``<div>``, ``<p>``, ``<li>`` and ``<tr>`` become line breaks, entities are
decoded, ``<script>``, ``<style>`` and comments are dropped with their content, and every
other tag is stripped. Regular expressions do it rather than an HTML parser: a field is
a fragment, and this runs over every field of a 50,000-note collection. Images (``<img src>``) and sounds (``[sound:...]``) are collected as media
references and mentioned in the text, so nothing on the card disappears silently.
"""

from __future__ import annotations

import html
import re

from msgspec import Struct, field

from trainer.textsafe import sanitize

__all__ = ["FieldText", "field_text", "text_to_html"]

_BREAK_TAGS = frozenset(
    {
        "br",
        "div",
        "p",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "table",
        "blockquote",
        "pre",
        "hr",
    }
)
#: Elements whose content is not text a reader sees; dropped whole.
_HIDDEN = re.compile(
    r"<(script|style|head|title)\b.*?(?:</\1\s*>|\Z)|<!--.*?(?:-->|\Z)", re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>|<![^>]*>")
_SOURCE = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_SOUND = re.compile(r"\[sound:([^\]]+)\]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class FieldText(Struct):
    """A field as plain text.

    Attributes:
        text: the readable text, media mentioned as ``[image: NAME]`` / ``[sound: NAME]``.
        media: the media file names the field refers to, in order of appearance.
    """

    text: str
    media: list[str] = field(default_factory=list)


def field_text(value: str) -> FieldText:
    """The plain text of one Anki field (HTML) and the media it refers to."""
    media: list[str] = []
    if "<" not in value and "&" not in value and "[sound:" not in value:
        text = value  # the common case: a field that is plain text already
    else:

        def tag(match: re.Match[str]) -> str:
            name = (match.group(2) or "").lower()
            if name in _BREAK_TAGS:
                return "\n"
            if name == "img" and not match.group(1):
                found = _SOURCE.search(match.group(3) or "")
                if found:
                    source = html.unescape(next(g for g in found.groups() if g is not None))
                    media.append(source)
                    return f"[image: {source}]"
            return ""

        def sound(match: re.Match[str]) -> str:
            media.append(match.group(1))
            return f"[sound: {match.group(1)}]"

        text = _TAG.sub(tag, _HIDDEN.sub("", value))
        # Entities are decoded after the tags are gone, so "&lt;b&gt;" stays the text "<b>".
        text = _SOUND.sub(sound, html.unescape(text))
    text, _ = sanitize(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return FieldText(text, media)


def text_to_html(text: str) -> str:
    """Plain deck text as Anki field HTML: escaped, line breaks as ``<br>``."""
    return html.escape(text, quote=False).replace("\n", "<br>")
