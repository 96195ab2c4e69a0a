"""Deck text is data: remove what a terminal would execute or a reader could not see.

Applied by the loader to every string of a deck, so nothing downstream (TUI, headless
output, reports) ever receives a control or escape sequence. Removed:

* terminal escape sequences whole (CSI ``ESC [ ... final``, OSC ``ESC ] ... BEL|ST``,
  DCS/SOS/PM/APC strings, and two-character ``ESC x`` sequences), plus the 8-bit CSI
  ``\\x9b`` form;
* C0 control characters except newline and tab, DEL, and C1 controls (U+0080-U+009F);
* bidirectional overrides, embeddings and isolates (U+202A-U+202E, U+2066-U+2069) and the
  invisible direction marks U+200E, U+200F and U+061C, which can make text read differently
  from what it is ("Trojan Source");
* invisible format characters: zero-width space U+200B, word joiner U+2060, byte-order
  mark / zero-width no-break space U+FEFF, soft hyphen U+00AD, Mongolian vowel separator
  U+180E, invisible operators U+2061-U+2064, deprecated format controls U+206A-U+206F,
  interlinear annotation U+FFF9-U+FFFB and tag characters U+E0000-U+E007F. They make two
  texts that look the same differ (an answer that can never be typed). The zero-width
  joiner and non-joiner (U+200D, U+200C) stay: emoji and several scripts need them.
"""

from __future__ import annotations

import re

__all__ = ["UNSAFE_CHARACTERS", "sanitize"]

_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[ [0-?]* [ -/]* [@-~]?            # CSI: parameters, intermediates, final byte
  | \x9b   [0-?]* [ -/]* [@-~]?            # 8-bit CSI
  | \x1b[\]PX^_] .*? (?:\x07|\x1b\\|\x9c|$)  # OSC, DCS, SOS, PM, APC: up to BEL or ST
  | [\x90\x98\x9d\x9e\x9f] .*? (?:\x07|\x1b\\|\x9c|$)  # their 8-bit introducers
  | \x1b[ -/]*[0-~]?                       # other escapes: ESC, intermediates, final
    """,
    re.VERBOSE | re.DOTALL,
)
#: What :func:`sanitize` removes besides escape sequences (see the module docstring).
UNSAFE_CHARACTERS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f"
)
_UNSAFE_CHARACTERS = re.compile(f"[{UNSAFE_CHARACTERS}]")


def sanitize(text: str) -> tuple[str, bool]:
    """Return ``text`` without escape sequences and unsafe characters, and whether any
    were removed."""
    # Every escape sequence starts with a character in the unsafe set, so one search
    # settles the common case.
    if _UNSAFE_CHARACTERS.search(text) is None:
        return text, False
    cleaned = _UNSAFE_CHARACTERS.sub("", _ESCAPE_SEQUENCE.sub("", text))
    return cleaned, True
