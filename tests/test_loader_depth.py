"""The nesting guard in front of libyaml's C composer, which recurses once per level and
would crash the interpreter on very deep input: a cheap bound decides whether to compose
directly, in a thread with a stack sized for the bound, or only after measuring the
depth with the event parser; deeper than MAX_DEPTH is refused wherever it hides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from bounded import run_probe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trainer import yamlread
from trainer.loader import load_deck_text
from trainer.yamlread import MAX_DEPTH, THREADED_DEPTH_LIMIT, depth_upper_bound

PATH = Path("deep.yaml")
DEEP = "[" * 70 + "]" * 70
# Enough flow lists that the cheap bound exceeds MAX_DEPTH: composed in a thread.
FILLER = "".join(
    f"  - id: f{i}\n    type: basic\n    front: F{i}\n    back: B\n    tags: [t{i}]\n"
    for i in range(80)
)


def problems(text: str) -> list[tuple[str, int, int]]:
    return [(d.code, d.line, d.column) for d in load_deck_text(text, PATH).diagnostics]


def true_depth(text: str) -> int:
    """Deepest nesting the event parser reaches before the end or a syntax error."""
    depth = deepest = 0
    loader = yaml.SafeLoader(text)
    try:
        while True:
            event = loader.get_event()
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                deepest = max(deepest, depth)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            elif event is None or isinstance(event, yaml.StreamEndEvent):
                return deepest
    except yaml.YAMLError:
        return deepest


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="[]{}-?: \n\r\t\"'#,ab&*!|>\u2028", max_size=60))
def test_the_cheap_bound_is_never_below_the_depth(text: str):
    assert depth_upper_bound(text) >= true_depth(text)


@pytest.mark.parametrize("breaks", ["\n", "\r", "\r\n", "\u2028"])
def test_block_nesting_counts_every_kind_of_line_break(breaks: str):
    text = "a:" + breaks + "".join(" " * i + "- " + breaks for i in range(1, 100))
    assert true_depth(text) > MAX_DEPTH
    assert depth_upper_bound(text) >= true_depth(text)
    assert problems(text) == [("too-deep", MAX_DEPTH + 1, MAX_DEPTH + 1)]


HEADER = "format: 1\nid: d\ntitle: T\n"
CARD = "  - id: a\n    type: cloze\n    text: '{{c1::x}}'\n"


CASES = [
    ("unknown deck field", HEADER + "extra: " + DEEP + "\ncards:\n" + FILLER, 4, 8),
    (
        "unknown card field",
        HEADER + "cards:\n" + FILLER + CARD + "    extra: " + DEEP + "\n",
        4 + 5 * 80 + 4,
        12,
    ),
    (
        "a text field",
        HEADER + "cards:\n" + FILLER + CARD + "    explanation: " + DEEP + "\n",
        4 + 5 * 80 + 4,
        18,
    ),
    (
        "a list item",
        HEADER + "cards:\n" + FILLER + CARD + "    tags: [a, " + DEEP + "]\n",
        4 + 5 * 80 + 4,
        15,
    ),
    (
        "a cloze test sample",
        HEADER + "cards:\n" + FILLER + CARD + "    tests: {c1: {accept: [" + DEEP + "]}}\n",
        4 + 5 * 80 + 4,
        31,
    ),
    (
        "a match option",
        HEADER + "cards:\n" + FILLER + CARD + "    match: {max_typos: " + DEEP + "}\n",
        4 + 5 * 80 + 4,
        24,
    ),
    (
        "scheduling",
        HEADER + "scheduling: {learning_steps: [" + DEEP + "]}\ncards:\n" + FILLER,
        4,
        31,
    ),
    ("a source", HEADER + "sources: [{file: " + DEEP + "}]\ncards:\n" + FILLER, 4, 18),
    (
        "a newer format",
        "format: 2\nid: d\ntitle: T\ncards:\n" + FILLER + CARD + "    extra: " + DEEP + "\n",
        4 + 5 * 80 + 4,
        12,
    ),
]


@pytest.mark.parametrize("where, text, line, column", CASES, ids=[c[0] for c in CASES])
def test_deep_nesting_is_refused_wherever_it_hides(where: str, text: str, line: int, column: int):
    assert depth_upper_bound(text) > MAX_DEPTH  # the threaded path: depth left to the loader
    # The value starts at ``column``; the bracket that opens level MAX_DEPTH + 1 is the
    # first one too deep.
    assert text.splitlines()[line - 1][column - 1] in "[{"
    opening = text.splitlines()[line - 1].index("[" * 5)
    assert problems(text) == [
        ("too-deep", line, opening + 1 + MAX_DEPTH - levels_open(text, line, opening))
    ]


def levels_open(text: str, line: int, column: int) -> int:
    """Levels open where the run of brackets at (line, 0-based column) starts."""
    depth = 0
    loader = yaml.SafeLoader(text)
    target = column
    while True:
        event = loader.get_event()
        mark = event.start_mark
        if (mark.line, mark.column) == (line - 1, target):
            return depth
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def test_a_large_valid_deck_with_flow_lists_loads_through_the_threaded_path():
    text = HEADER + "cards:\n" + FILLER
    assert depth_upper_bound(text) > MAX_DEPTH
    result = load_deck_text(text, PATH)
    assert result.ok and len(result.deck.cards) == 80  # type: ignore[union-attr]


def test_unclosed_brackets_report_the_depth_before_the_syntax_error():
    assert problems("[" * 1000) == [("too-deep", 1, MAX_DEPTH + 1)]
    assert [code for code, _, _ in problems("[" * 10)] == ["yaml-syntax"]


def test_shallow_nesting_is_composed_directly(monkeypatch: pytest.MonkeyPatch):
    def no_thread(*args: object) -> None:
        raise AssertionError("a thread for a shallow deck")

    monkeypatch.setattr(yamlread, "_compose_in_thread", no_thread)
    assert (
        problems(HEADER + "cards:\n  - id: a\n    type: basic\n    front: F\n    back: B\n") == []
    )


def test_without_a_thread_the_depth_is_measured_first(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(yamlread, "_compose_in_thread", lambda *args: None)
    assert problems(HEADER + "extra: " + DEEP + "\ncards:\n" + FILLER) == [
        ("too-deep", 4, 8 + MAX_DEPTH - 1)
    ]
    assert load_deck_text(HEADER + "cards:\n" + FILLER, PATH).ok


PROBE = """
import json, sys
from pathlib import Path
from trainer.loader import load_deck_text
from trainer.yamlread import depth_upper_bound, THREADED_DEPTH_LIMIT
text = sys.stdin.read()
assert depth_upper_bound(text) == THREADED_DEPTH_LIMIT, depth_upper_bound(text)
print(json.dumps([[d.severity.value, d.line, d.column]
                  for d in load_deck_text(text, Path("deep.yaml")).diagnostics]))
"""


def test_the_deepest_input_composed_in_a_thread_does_not_crash():
    # A line of brackets has a prefix bound of 7: 2 * 7 + 2 = 16 levels on top.
    levels = THREADED_DEPTH_LIMIT - 16
    text = "[" * levels + "]" * levels
    completed = run_probe(PROBE, stdin=text)
    assert completed.returncode == 0, completed.stderr[-2000:]
    # One located error on the only line; which layer refused it is not the point.
    ((severity, line, column),) = json.loads(completed.stdout)
    assert (severity, line) == ("error", 1) and 1 <= column <= len(text)
