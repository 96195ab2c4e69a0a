"""Anki field HTML to plain text, and plain text back to field HTML.

Deck text is never markup here, so a field is reduced to the text a reader of the card
saw: ``<br>``, ``<div>``, ``<p>``, ``<li>`` and ``<tr>`` become line breaks, entities are
decoded, ``<script>`` and ``<style>`` are dropped with their content, and every other tag
is stripped. Images (``<img src>``) and sounds (``[sound:...]``) are collected as media
references and mentioned in the text, so nothing on the card disappears silently.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from trainer.textsafe import sanitize

__all__ = ["FieldText", "field_text", "text_to_html"]

_BREAK_TAGS = frozenset({"br", "div", "p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                         "ul", "ol", "table", "blockquote", "pre", "hr"})
_HIDDEN_TAGS = frozenset({"script", "style", "head", "title"})
_SOUND = re.compile(r"\[sound:([^\]]+)\]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(slots=True)
class FieldText:
    """A field as plain text.

    Attributes:
        text: the readable text, media mentioned as ``[image: NAME]`` / ``[sound: NAME]``.
        media: the media file names the field refers to, in order of appearance.
    """

    text: str
    media: list[str] = field(default_factory=list)


class _TextCollector(HTMLParser):
    def __init__(self, media: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.media = media
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag in _BREAK_TAGS:
            self.parts.append("\n")
        elif tag == "img":
            source = dict(attrs).get("src")
            if source:
                self.media.append(source)
                self.parts.append(f"[image: {source}]")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HIDDEN_TAGS:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BREAK_TAGS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def field_text(value: str) -> FieldText:
    """The plain text of one Anki field (HTML) and the media it refers to."""
    media: list[str] = []
    if "<" not in value and "&" not in value and "[sound:" not in value:
        text = value  # the common case: a field that is plain text already
    else:
        collector = _TextCollector(media)
        collector.feed(value)
        collector.close()
        text = "".join(collector.parts)

        def sound(match: re.Match[str]) -> str:
            media.append(match.group(1))
            return f"[sound: {match.group(1)}]"

        text = _SOUND.sub(sound, text)
    text, _ = sanitize(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return FieldText(text, media)


def text_to_html(text: str) -> str:
    """Plain deck text as Anki field HTML: escaped, line breaks as ``<br>``."""
    return html.escape(text, quote=False).replace("\n", "<br>")
