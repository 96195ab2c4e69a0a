"""The columnar progress snapshot: records survive save and load exactly, changes made
after loading are what the next snapshot holds, and a damaged snapshot is never trusted."""

from __future__ import annotations

import marshal
import math
from array import array
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainer.clock import FakeClock
from trainer.config import Config
from trainer.model import Card, CardType, Deck, Location
from trainer.progress.replay import CardRecord
from trainer.progress.table import RecordTable
from trainer.scheduling import Grade
from trainer.session import Collection


def sample_records() -> dict[str, CardRecord]:
    from trainer.scheduling import CardState

    return {
        "d/new-but-suspended": CardRecord(suspended=True),
        "d/learning": CardRecord(
            CardState("learning", 1, 2.5, 6.1, 1_700_000_600.0, 1_700_000_000.0, 1, 0),
            "e1",
            first_review=1_700_000_000.0,
            recent=(1_700_000_000.0,),
        ),
        "d/review": CardRecord(
            CardState("review", None, 12.25, 4.0, 1_701_000_000.5, 1_700_100_000.0, 5, 2),
            "e2",
            flagged=True,
            leech=True,
            first_review=1_690_000_000.0,
            recent=(1_700_000_000.0, 1_700_100_000.0),
        ),
        "d/relearning": CardRecord(
            CardState("relearning", 0, 0.5, 9.0, 1_700_000_060.0, 1_700_000_000.0, 7, 3),
            None,
            first_review=1_600_000_000.0,
            recent=(1_700_000_000.0,),
        ),
        "d/buried": CardRecord(buried=1_700_000_123.5),
    }


def round_trip(table: RecordTable) -> RecordTable:
    return RecordTable.from_columns(marshal.loads(marshal.dumps(table.to_columns())))


def test_every_field_of_every_record_survives_the_snapshot():
    records = sample_records()
    loaded = round_trip(RecordTable(records))
    assert set(loaded) == set(records)
    assert len(loaded) == len(records)
    for key, record in records.items():
        assert loaded[key] == record
    assert "d/unknown" not in loaded and loaded.get("d/unknown") is None


def test_a_record_changed_after_loading_is_what_the_next_snapshot_holds():
    loaded = round_trip(RecordTable(sample_records()))
    record = loaded["d/review"]
    record.suspended = True  # replay mutates records in place like this
    record.recent = (1.0, 2.0, 3.0)
    loaded["d/added"] = CardRecord(flagged=True)
    again = round_trip(loaded)
    assert again["d/review"].suspended and again["d/review"].recent == (1.0, 2.0, 3.0)
    assert again["d/added"] == CardRecord(flagged=True)
    assert again["d/learning"] == sample_records()["d/learning"]
    assert len(again) == 6


def test_a_deleted_record_is_gone_from_the_next_snapshot():
    loaded = round_trip(RecordTable(sample_records()))
    del loaded["d/learning"]
    again = round_trip(loaded)
    assert "d/learning" not in again and len(again) == 4
    assert again["d/review"] == sample_records()["d/review"]


#: The keys of sample_records(), in the order of their rows.
_KEYS_D = list(sample_records())


def _q(*values: int) -> bytes:
    return array("q", values).tobytes()


@pytest.mark.parametrize(
    "damage",
    [
        lambda c: c.update(due=c["due"][:-8]),  # a column too short
        lambda c: c.update(kind=b"\x09" * len(c["kind"])),  # an unknown learning state
        lambda c: c.update(native=("middle", 8, 8)),  # another machine's byte order
        lambda c: c.update(recent_rows=b"\xff" * 8),  # a row that does not exist
        lambda c: c.update(keys=(99, "x")),  # a wrong key count
        lambda c: c.update(last_id=[(4, "\0\0\0")]),  # a last id too few
        lambda c: c.update(keys=[("d", ((4, "\0".join("wxyz")), None))]),  # a key too few
        # the right keys and rows, but one prefix in two segments
        lambda c: c.update(keys=[("d", (_KEYS_D[:2], None)), ("d", (_KEYS_D[2:], None))]),
        # rows in a deck's order, with a flag that is not 0 or 1 (one key too many, then)
        lambda c: c.update(keys=[("d", ([], ([*_KEYS_D, "d/x"], b"\1\1\1\1\1\2", 0.0)))]),
        lambda c: c.update(keys=[("d", ([], ([*_KEYS_D, "d/x"], b"\1\1\1\1\1", 0.0)))]),  # short
        # rows with recent times out of order, and their starts going backwards
        lambda c: c.update(recent_rows=_q(2, 1), recent_starts=_q(0, 1, 2)),
        lambda c: c.update(recent_rows=_q(1, 2), recent_starts=_q(0, 3, 2)),
    ],
)
def test_inconsistent_columns_are_refused(damage):
    columns = RecordTable(sample_records()).to_columns()
    damage(columns)
    with pytest.raises((ValueError, KeyError, TypeError)):
        RecordTable.from_columns(columns)


def deck(cards: int) -> Deck:
    path = Path("d.yaml")
    return Deck(
        id="d",
        title="D",
        path=path,
        cards=[
            Card(
                id=f"c{i}",
                type=CardType.BASIC,
                location=Location(path, i + 1, 1),
                front=f"front {i}",
                back=f"back {i}",
            )
            for i in range(cards)
        ],
    )


def test_a_damaged_snapshot_file_means_a_full_replay_with_the_same_state(
    tmp_path: Path, clock: FakeClock
):
    progress = tmp_path / "progress"
    first = Collection.from_decks([deck(5)], progress, clock=clock, config=Config(), device="here")
    session = first.start_session()
    for grade in (Grade.GOOD, Grade.AGAIN, Grade.EASY):
        session.record(grade)
    first.close()
    expected = {f"d/c{i}": first.store.records.get(f"d/c{i}") for i in range(5)}
    snapshot = progress / ".snapshot-here.marshal"
    data = marshal.loads(snapshot.read_bytes())
    data["records"]["due"] = data["records"]["due"][:-1]  # torn column
    snapshot.write_bytes(marshal.dumps(data))
    reopened = Collection.from_decks(
        [deck(5)], progress, clock=clock, config=Config(), device="here"
    )
    assert reopened.store.full_replay
    assert {k: reopened.store.records.get(k) for k in expected} == expected


def test_the_queue_from_the_snapshot_equals_the_queue_from_a_replay(
    tmp_path: Path, clock: FakeClock
):
    progress = tmp_path / "progress"
    collection = Collection.from_decks(
        [deck(30)], progress, clock=clock, config=Config(), device="here"
    )
    session = collection.start_session()
    for n in range(25):  # some right, some wrong: learning, review and new cards remain
        session.record(Grade.AGAIN if n % 3 == 0 else Grade.GOOD)
    collection.close()
    clock.advance(timedelta(days=3))  # reviews now due

    def queue(collection: Collection) -> tuple:
        session = collection.start_session()
        return (session.remaining, session.current and session.current.key, collection.counts())

    cached = Collection.from_decks(
        [deck(30)], progress, clock=clock, config=Config(), device="here"
    )
    assert not cached.store.full_replay
    replayed = Collection.from_decks(
        [deck(30)], progress, clock=clock, config=Config(), device="here"
    )
    replayed.store.reload()
    assert queue(cached) == queue(replayed)
    assert not math.isnan(cached.store.records.due[0])


def test_a_snapshot_naming_a_buried_card_it_does_not_hold_is_refused():
    columns = RecordTable(sample_records()).to_columns()
    assert columns["buried"] == {"d/buried": 1_700_000_123.5}
    for damaged in ({"d/nowhere": 1.0}, {"d/buried": "soon"}, ["d/buried"]):
        with pytest.raises(ValueError):
            RecordTable.from_columns({**columns, "buried": damaged})


# -- many decks: the index per key prefix, against a plain dictionary ------------------

_KEYS = [f"{deck}/c{n}" for deck in ("a", "b", "c") for n in range(4)] + ["bare", "b/c1::c2"]
_RECORDS = list(sample_records().values())

_OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.sampled_from(_KEYS), st.sampled_from(range(len(_RECORDS)))),
        st.tuples(st.just("delete"), st.sampled_from(_KEYS), st.just(0)),
        st.tuples(st.just("suspend"), st.sampled_from(_KEYS), st.just(0)),  # a change in place
        st.tuples(st.just("look"), st.sampled_from(_KEYS), st.just(0)),
        st.tuples(st.just("snapshot"), st.just(""), st.just(0)),
        # A snapshot with deck b's rows in the order of its keys (a permutation of them).
        st.tuples(st.just("snapshot in deck order"), st.just(""), st.integers(0, 10_000)),
    ),
    max_size=40,
)
_DECK_B = [key for key in _KEYS if key.startswith("b/")] + ["b/never-studied"]


def _deck_b(seed: int) -> list[str]:
    import random

    keys = list(_DECK_B)
    random.Random(seed).shuffle(keys)
    return keys


def _check_aligned(table: RecordTable, deck: list[str], model: dict) -> None:
    """Deck b's rows are the records of its keys, in its order, from the first row on."""
    aligned = table.aligned_rows("b", deck)
    assert aligned is not None
    first, has_row, latest = aligned
    times = [record.state.last_review for key, record in model.items() if key in deck]
    expected = max((t for t in times if t is not None), default=None)
    assert latest == expected or (expected is None and math.isnan(latest))
    assert list(has_row) == [int(key in model) for key in deck]
    with_rows = [key for key in deck if key in model]
    for offset, key in enumerate(with_rows):
        assert table.part("b")[key] == first + offset  # (indexing changes no row)
    assert table.aligned_rows("b", deck) == aligned
    assert table.aligned_rows("b", list(reversed(deck))) is None or len(set(deck)) < 2


@given(_OPERATIONS)
def test_records_of_many_decks_survive_any_mix_of_changes_and_snapshots(operations):
    """Records of several decks (key prefixes) set, changed in place, deleted and looked
    up between snapshots: after each round trip the table holds exactly what a plain
    dictionary given the same changes holds, and so does every later snapshot."""
    import copy

    table, model = RecordTable(), {}
    for operation, key, which in operations:
        if operation == "set":
            table[key] = copy.deepcopy(_RECORDS[which])
            model[key] = copy.deepcopy(_RECORDS[which])
        elif operation == "delete" and key in model:
            del table[key]
            del model[key]
        elif operation == "suspend" and key in model:
            table[key].suspended = True
            model[key].suspended = True
        elif operation == "look":
            assert table.get(key) == model.get(key)
            assert (key in table) == (key in model)
            expected = model[key].state.last_review if key in model else None
            assert table.last_review_of(key) == expected
        elif operation == "snapshot":
            table = round_trip(table)
        elif operation == "snapshot in deck order":
            deck = _deck_b(which)
            table = RecordTable.from_columns(
                marshal.loads(marshal.dumps(table.to_columns({"b": deck})))
            )
            of_b = [record for key, record in model.items() if key.startswith("b/")]
            # (A buried record is always an object, never a row: that deck reads records.)
            if of_b and not any(record.buried is not None for record in of_b):
                _check_aligned(table, deck, model)
            elif of_b:
                assert table.aligned_rows("b", deck) is None
        assert len(table) == len(model)
    table = round_trip(table)
    assert sorted(table) == sorted(model) and len(table) == len(model)
    assert {key: table[key] for key in table} == model
    for prefix in ("a", "b", "c", "bare"):
        part = table.part(prefix)
        assert sorted(part) == sorted(k for k in model if k.partition("/")[0] == prefix)
