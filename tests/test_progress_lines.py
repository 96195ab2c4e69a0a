"""Every line of a progress log reads the same through the fast path for reviews as
through the reader of every event (``trainer.progress.events._parse_any_event``): the
same event, or refused for the same reason.

Hypothesis makes valid review lines, then changes up to two fields (or fields of
``after``) to values that are wrong in every way JSON allows (types, ranges, times, the
limits themselves) or leaves them out, adds fields, writes the line compactly or not,
and sometimes damages its bytes.
"""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainer.progress import events
from trainer.progress.events import BadLine, parse_event

ORIGIN = ("reviews-a.jsonl", 7)

_MISSING = object()
json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.integers(2**62, 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=4),
    st.lists(st.integers(0, 2), max_size=2),
    st.just({}),
)
valid_times = st.sampled_from(["2026-03-02T09:00:00.000+01:00", "2026-03-02T09:00:00+00:00"])
times = st.sampled_from(
    [
        "2026-03-02T09:00:00.000+01:00",
        "2026-03-02T09:00:00+00:00",
        "2026-03-02T09:00:00.000",  # no UTC offset
        "1969-12-31T23:00:00.000+00:00",
        "9999-01-01T00:00:00.000+00:00",
        "2026-02-30T09:00:00.000+00:00",
        "yesterday",
        "",
    ]
)


AFTER_FIELDS = {
    "state": st.sampled_from(["learning", "review", "relearning"]),
    "step": st.one_of(st.none(), st.integers(0, 3)),
    "stability": st.floats(0.01, 1e9),
    "difficulty": st.floats(1.0, 10.0),
    "due": valid_times,
    "reps": st.integers(0, 40),
    "lapses": st.integers(0, 9),
}
after = st.fixed_dictionaries(AFTER_FIELDS)
REVIEW_FIELDS = {
    "ev": st.just("review"),
    "id": st.text("0123456789abcdef", min_size=12, max_size=12),
    "key": st.sampled_from(["d/card", "d/card::reverse"]),
    "time": valid_times,
    "grade": st.integers(1, 4),
    "duration_ms": st.one_of(st.none(), st.integers(0, 10**6)),
    "correct": st.sampled_from([None, True, False]),
    "prev": st.one_of(st.none(), st.just("0123456789ab")),
    "after": after,
}
review = st.fixed_dictionaries(REVIEW_FIELDS, optional={"override": st.text(max_size=3)})
#: Values that are wrong somewhere, or right elsewhere: for one field, a field of
#: ``after``, or a new field.
wrong_values = st.one_of(
    st.sampled_from([-1, 0, 5, -0.0, 0.0, 10.5, 1e9 + 1, 2**63, True, 1.0, "3"]),
    json_values,
    times,
    st.sampled_from(["review", "bury", "undo", "learning", "new", "Review"]),
    st.floats(-1.0, 2e9),
    st.integers(-2, 6),
    st.text(min_size=499, max_size=501),
)
NAMES = sorted({*REVIEW_FIELDS, "override", "targets", "extra"})
AFTER_NAMES = sorted(AFTER_FIELDS)
changes = st.lists(
    st.tuples(
        st.sampled_from([*NAMES, *(f"after.{name}" for name in AFTER_NAMES)]),
        st.one_of(wrong_values, st.just(_MISSING)),
    ),
    max_size=2,
)


def _changed(obj: dict, changes: list[tuple[str, object]]) -> dict:
    obj = {**obj, "after": dict(obj["after"])}
    for name, value in changes:
        target = obj
        if name.startswith("after."):
            if not isinstance(obj.get("after"), dict):
                continue
            target, name = obj["after"], name[len("after.") :]
        if value is _MISSING:
            target.pop(name, None)
        else:
            target[name] = copy.deepcopy(value)  # (st.just values are shared)
    return obj


def _read(parse, line: bytes) -> object:
    try:
        return parse(line, "dev-a", ORIGIN)
    except BadLine as error:
        return ("refused", str(error))


@settings(max_examples=600, deadline=None)
@given(
    review,
    changes,
    st.sampled_from([{}, {"separators": (",", ":")}, {"ensure_ascii": False}]),
    st.one_of(st.none(), st.none(), st.none(), st.integers(0, 400)),
    st.sampled_from([b"", b"x", b"\xff", b"}", b"\n", b" ", b"\r"]),
)
def test_the_fast_path_reads_every_line_as_the_reader_of_every_event_does(
    obj: dict,
    changes: list[tuple[str, object]],
    dump_options: dict,
    damage_at: int | None,
    damage: bytes,
):
    line = json.dumps(_changed(obj, changes), **dump_options).encode()
    if damage_at is not None:
        line = line[:damage_at] + damage + line[damage_at + 1 :]
    assert _read(parse_event, line) == _read(events._parse_any_event, line)


#: Every field's neighbours of its limits, and values of every other JSON type.
EDGE_VALUES = [
    *(-1, 0, 1, 4, 5, 10, 11, 2**63, 10**30),
    *(-0.0, 0.0, 1e-300, 1.0, 10.0, 10.000001, 1e9, 1e9 + 1, 1e308),
    *(None, True, False, [], {}, [1], {"state": "review"}),
    *("", "3", "x" * 500, "x" * 501, "review", "bury", "learning", "new"),
    *("2026-03-02T09:00:00.000+01:00", "2026-03-02T09:00:00.000", "1969-12-31T23:59:59+00:00"),
    _MISSING,
]
VALID = {
    "ev": "review",
    "id": "0123456789ab",
    "key": "d/card",
    "time": "2026-03-02T09:00:00.000+01:00",
    "grade": 3,
    "duration_ms": 2500,
    "correct": True,
    "prev": "ba9876543210",
    "after": {
        "state": "review",
        "step": None,
        "stability": 4.5,
        "difficulty": 5.25,
        "due": "2026-03-05T09:00:00.000+01:00",
        "reps": 3,
        "lapses": 1,
    },
}


@pytest.mark.parametrize("name", [*NAMES, *(f"after.{name}" for name in AFTER_NAMES)])
def test_every_field_at_and_past_its_limits_reads_alike(name: str):
    for value in EDGE_VALUES:
        line = json.dumps(_changed(VALID, [(name, value)])).encode()
        assert _read(parse_event, line) == _read(events._parse_any_event, line), (name, value)


def test_a_valid_review_is_read_by_the_fast_path_with_every_field():
    """The equivalence above would hold if the fast path never took a line: it takes a
    valid review, and gives every field of it."""
    line = events.encode_review(
        "0123456789ab",
        "d/card::reverse",
        "2026-03-02T09:00:00.000+01:00",
        3,
        2500,
        True,
        "ba9876543210",
        events.CardState("review", None, 4.5, 5.25, 1772529600.0, None, 3, 1),
        "Paris, France",
    )
    calls = []
    reference = events._parse_any_event
    try:
        events._parse_any_event = lambda *args: calls.append(args) or reference(*args)
        event = parse_event(line, "dev-a", ORIGIN)
    finally:
        events._parse_any_event = reference
    assert not calls
    assert event == reference(line, "dev-a", ORIGIN)
    assert (event.key, event.grade, event.duration_ms, event.correct, event.prev) == (
        "d/card::reverse",
        3,
        2500,
        True,
        "ba9876543210",
    )
    assert event.override == "Paris, France"
    assert event.after is not None and event.after.last_review == event.time


def test_a_line_nested_too_deeply_is_refused_not_a_crash():
    valid = events.encode_review(
        "0123456789ab",
        "d/card",
        "2026-03-02T09:00:00.000+01:00",
        3,
        2500,
        None,
        None,
        events.CardState("review", None, 4.5, 5.25, 1772529600.0, None, 3, 1),
    )
    for field in (b'"prev"', b'"extra"'):
        line = valid[:-2] + b", " + field + b": " + b"[" * 100_000 + b"]" * 100_000 + b"}"
        assert _read(parse_event, line) == ("refused", "not JSON (nested too deeply)")
