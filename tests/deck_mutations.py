"""Hypothesis strategies that mutate a valid deck's text the way a user's edit or a hostile
file would: characters, but also keys, tags, anchors and structure (lines, dashes,
indentation), each at a place where YAML gives it meaning.

Used by the loader and validator property tests. Budgets come from the hypothesis profile
(tests/conftest.py): small in CI, ``HYPOTHESIS_PROFILE=deep`` for a long local search.
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

from trainer.deckformat import (
    CARD_TYPES,
    COMMON_CARD_FIELDS,
    DECK_FIELDS,
    MATCH_FIELDS,
    SCHEDULING_FIELDS,
    SOURCE_FIELDS,
    TEST_FIELDS,
)

__all__ = ["FIELD_NAMES", "TAGS", "mutated"]

#: Every key a deck uses (from the format's declaration), and near misses of them.
FIELD_NAMES = list(
    dict.fromkeys(
        spec.key
        for group in (
            DECK_FIELDS,
            SOURCE_FIELDS,
            SCHEDULING_FIELDS,
            MATCH_FIELDS,
            TEST_FIELDS,
            COMMON_CARD_FIELDS,
            *(spec.fields for spec in CARD_TYPES.values()),
        )
        for spec in group
    )
) + ["c1", "c2", "c0", "articles", "qestion", "Id", "id ", "? id", "<<"]
#: Tags of every kind: Python object constructors, core-schema tags on the wrong node
#: kind, local and verbatim tags.
TAGS = [
    "!!python/object:os.system",
    "!!python/object/apply:os.system",
    "!!python/name:os.system",
    "!!str",
    "!!int",
    "!!float",
    "!!bool",
    "!!null",
    "!!binary",
    "!!timestamp",
    "!!set",
    "!!omap",
    "!!pairs",
    "!!map",
    "!!seq",
    "!local",
    "!<tag:example.com,2000:x>",
    "!",
]
_PIECES = [
    "\t",
    " ",
    "\n",
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    '"',
    "'",
    "&a ",
    "*a",
    "? ",
    "---\n",
    "...\n",
    "no",
    "y",
    "{{c",
    "}}",
    "::",
    "#",
    "\x1b",
    "\xff",
    "\u202e",
    "\u200b",
    "\ufeff",
    "|\n",
    ">-\n",
    "%YAML 1.1\n",
]
_KEY = re.compile(r"(?m)^([ ]*(?:- )?)([A-Za-z_][A-Za-z0-9_]*):")
_VALUE = re.compile(r"(?m):[ ]+(?=\S)")


def _keys(text: str) -> list[tuple[int, int]]:
    """(start, end) of every block-mapping key in ``text``."""
    return [match.span(2) for match in _KEY.finditer(text)]


def _values(text: str) -> list[int]:
    """Start of every value written after 'key: '."""
    return [match.end() for match in _VALUE.finditer(text)]


@st.composite
def _mutate_once(draw: st.DrawFn, text: str) -> str:
    keys = _keys(text)
    values = _values(text)
    lines = text.split("\n")
    action = draw(
        st.sampled_from(
            [
                "tag-key",
                "tag-value",
                "rename-key",
                "anchor-alias",
                "complex-key",
                "drop-dash",
                "add-dash",
                "indent",
                "dedent",
                "duplicate-line",
                "delete-line",
                "swap-lines",
                "delete",
                "insert",
                "replace",
            ]
        )
    )
    if action == "tag-key" and keys:
        start, _ = draw(st.sampled_from(keys))
        return text[:start] + draw(st.sampled_from(TAGS)) + " " + text[start:]
    if action == "tag-value" and values:
        start = draw(st.sampled_from(values))
        return text[:start] + draw(st.sampled_from(TAGS)) + " " + text[start:]
    if action == "rename-key" and keys:
        start, end = draw(st.sampled_from(keys))
        name = draw(st.sampled_from(FIELD_NAMES) | st.text(min_size=1, max_size=6))
        return text[:start] + name + text[end:]
    if action == "anchor-alias" and len(values) >= 2:
        first, second = sorted(
            draw(st.lists(st.sampled_from(values), min_size=2, max_size=2, unique=True))
        )
        end = text.find("\n", second)
        end = len(text) if end < 0 else end
        return text[:first] + "&a " + text[first:second] + "*a" + text[end:]
    if action == "complex-key" and keys:
        start, end = draw(st.sampled_from(keys))
        wrapped = draw(st.sampled_from(["[{}]", "{{{}: 1}}", "? {}\n", '"{}"', "'{}'"]))
        return text[:start] + wrapped.format(text[start:end]) + text[end:]
    index = draw(st.integers(0, len(lines) - 1))
    line = lines[index]
    if action == "drop-dash" and "- " in line:
        lines[index] = line.replace("- ", "  ", 1)
    elif action == "add-dash":
        stripped = line.lstrip(" ")
        lines[index] = line[: len(line) - len(stripped)] + "- " + stripped
    elif action == "indent":
        lines[index] = " " * draw(st.integers(1, 4)) + line
    elif action == "dedent":
        lines[index] = line[min(len(line) - len(line.lstrip(" ")), draw(st.integers(1, 4))) :]
    elif action == "duplicate-line":
        lines.insert(index, line)
    elif action == "delete-line":
        del lines[index]
    elif action == "swap-lines":
        other = draw(st.integers(0, len(lines) - 1))
        lines[index], lines[other] = lines[other], lines[index]
    else:
        position = draw(st.integers(0, len(text)))
        if action == "delete":
            end = draw(st.integers(position, min(len(text), position + 20)))
            return text[:position] + text[end:]
        if action == "insert":
            piece = draw(
                st.sampled_from(_PIECES)
                | st.sampled_from(TAGS).map("{} ".format)
                | st.text(max_size=5)
            )
            return text[:position] + piece + text[position:]
        return text[:position] + draw(st.text(max_size=3)) + text[position + 3 :]
    return "\n".join(lines)


@st.composite
def mutated(draw: st.DrawFn, base: str, max_mutations: int = 3) -> str:
    """``base`` after one to ``max_mutations`` mutations."""
    text = base
    for _ in range(draw(st.integers(1, max_mutations))):
        text = draw(_mutate_once(text))
    return text
