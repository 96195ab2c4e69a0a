"""Today's queue is computed once for the home screen's counts and the session started
from it, and computed again whenever the progress or the day changes: the counts a
learner sees are never stale."""

from __future__ import annotations

import marshal
import math
import shutil
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st
from test_session_support import basic, clock, config, deck

from trainer.queue import DeckCounts
from trainer.scheduling import Grade
from trainer.session import Collection


def test_counts_and_sessions_follow_every_answer_and_the_next_day(tmp_path: Path):
    fake = clock()
    collection = Collection.from_decks(
        [deck("d", [basic("a"), basic("b"), basic("c")]), deck("e", [basic("x")])],
        tmp_path / "progress",
        clock=fake,
        config=config(new_per_day=2),
        device="dev-a",
    )
    assert collection.counts()["d"].new == 2
    session = collection.start_session(["d"])
    assert session.remaining.new == 2
    session.record(Grade.EASY)  # graduates: due in days, not today
    assert collection.counts()["d"].new == 1
    assert collection.counts()["d"].reviewed_today == 1
    assert collection.start_session(["d"]).remaining.new == 1
    assert collection.counts()["e"].new == 1  # other decks untouched
    fake.advance(2 * 86400)
    counts = collection.counts()["d"]
    assert counts.new == 2 and counts.reviewed_today == 0  # a new day, new limits


def test_a_deck_reloaded_with_other_cards_is_counted_anew(tmp_path: Path):
    fake = clock()
    path = tmp_path / "d.yaml"
    path.write_text(
        "format: 1\nid: d\ntitle: D\ncards:\n  - {id: a, type: basic, front: A, back: a}\n"
    )
    collection = Collection.open(
        [path], tmp_path / "progress", clock=fake, device="dev-a", config=config()
    )
    assert collection.counts()["d"].new == 1
    path.write_text(path.read_text() + "  - {id: b, type: basic, front: B, back: b}\n")
    collection.reload_deck(path)
    assert collection.counts()["d"].new == 2
    assert collection.card("d/b").card.front == "B"


def test_home_counts_are_what_a_session_then_serves(tmp_path: Path):
    """Every rule of the queue at once: the daily limits, due and not-yet-due reviews, a
    suspended and a buried card, a sibling waiting for tomorrow, learning steps due now,
    within the learn-ahead limit and later today. Home's "to study now" is the number of
    cards a session then shows (each answered Easy, so none comes back today)."""
    fake = clock()
    d = deck("d", [basic(k) for k in ("r1", "r2", "r3", "s1", "b1", "n1", "n2", "n3", "n4", "n5")])
    e = deck("e", [basic("l2"), basic("l3"), basic("l1"), basic("p", reverse=True)], new_per_day=7)
    settings = dict(learning_steps=(1.0, 120.0), new_per_day=4, reviews_per_day=2)

    def collection() -> Collection:
        return Collection.from_decks(
            [d, e], tmp_path / "progress", clock=fake, config=config(**settings), device="a"
        )

    session = collection().start_session(["d"])
    for _ in range(4):  # r1, r2, r3 and s1 become reviews, due in a few days
        session.record(Grade.EASY)
    fake.advance(40 * 86400)  # all four are due now
    settings["new_per_day"] = 3
    today = collection()
    session = today.start_session(["e"])
    for grade in (Grade.AGAIN, Grade.GOOD, Grade.AGAIN, Grade.EASY):  # l2, l3, l1, p
        session.record(grade)
    fake.advance(30)  # l1 and l2 due in 30 s: shown early; l3 due in two hours
    today.suspend("d/s1")
    today.bury("d/b1")

    counts = today.counts()
    assert (counts["d"].new, counts["d"].due, counts["d"].suspended, counts["d"].buried) == (
        3,
        2,
        1,
        1,
    )
    assert (counts["e"].new, counts["e"].learning, counts["e"].learning_now) == (0, 3, 2)
    session = today.start_session()
    remaining = session.remaining
    assert (remaining.new, remaining.learning, remaining.due) == (
        sum(c.new for c in counts.values()),
        sum(c.learning for c in counts.values()),
        sum(c.due for c in counts.values()),
    )
    shown = []
    while session.current is not None:
        shown.append(session.current.key)
        session.record(Grade.EASY)
    assert len(shown) == len(set(shown)) == sum(c.to_study_now for c in counts.values()) == 7
    assert "d/b1" not in shown and "d/s1" not in shown and "e/p::reverse" not in shown


def test_a_review_is_counted_and_served_on_the_day_it_falls_due_not_the_day_before(
    tmp_path: Path,
):
    fake = clock()
    collection = Collection.from_decks(
        [deck("d", [basic("a")])], tmp_path / "progress", clock=fake, config=config(), device="a"
    )
    collection.start_session().record(Grade.EASY)
    due = collection.state("d/a").due
    assert due is not None
    fake.advance(due - fake.now().timestamp() - 86400)  # the day before it is due
    assert collection.counts()["d"].due == 0
    assert collection.start_session().current is None
    fake.advance(86400)
    assert collection.counts()["d"].due == 1
    session = collection.start_session()
    assert session.current is not None and session.current.key == "d/a"


def test_counts_and_order_are_the_same_read_from_the_snapshot_or_replayed(tmp_path: Path):
    """A start-up reads the records from the snapshot's columns (the quick path); a
    replay of the logs makes them as objects. Every queue (new, learning due now and
    later, due and not-yet-due reviews, suspended, buried, answered today or not) counts
    and serves the same either way, today and on the days after."""
    fake = clock()
    d = deck("d", [basic(k) for k in ("r1", "r2", "r3", "s1", "b1", "n1", "n2", "n3", "n4")])
    e = deck("e", [basic("l1"), basic("l2"), basic("l3"), basic("x"), basic("y")])
    settings = config(learning_steps=(1.0, 120.0), new_per_day=5, reviews_per_day=2)

    def collection(progress: Path) -> Collection:
        return Collection.from_decks([d, e], progress, clock=fake, config=settings, device="a")

    progress = tmp_path / "progress"
    session = collection(progress).start_session(["d"])
    for _ in range(4):  # r1, r2, r3, s1: reviews due in a few days
        session.record(Grade.EASY)
    fake.advance(40 * 86400)
    today = collection(progress)
    session = today.start_session(["e"])
    for grade in (Grade.AGAIN, Grade.GOOD, Grade.EASY, Grade.HARD):  # l1, l2, l3, x
        session.record(grade)
    today.suspend("d/s1")
    today.bury("e/y")  # a buried record is an object: deck e is sorted key by key
    today.store.save_snapshot()
    today.close()

    def seen(collection: Collection) -> tuple[dict[str, DeckCounts], list[str]]:
        counts = collection.counts()
        session = collection.start_session()
        shown = []
        while session.current is not None and len(shown) < 50:
            shown.append(session.current.key)
            session.record(Grade.EASY)
        collection.close()
        return counts, shown

    for day, days in enumerate((0, 1, 3, 45)):
        fake.advance(days * 86400)
        with_snapshot, replaying = tmp_path / f"snapshot-{day}", tmp_path / f"replay-{day}"
        shutil.copytree(progress, with_snapshot)
        shutil.copytree(progress, replaying)
        for snapshot in replaying.glob(".snapshot-*"):
            snapshot.unlink()
        from_snapshot, replayed = collection(with_snapshot), collection(replaying)
        assert not from_snapshot.store.full_replay and replayed.store.full_replay
        expected = seen(from_snapshot)
        assert expected[1]  # something to study each time
        assert seen(replayed) == expected


# -- the bulk pass over a deck's column slices, against the pass key by key -------------

_START, _END = 1_700_000_000.0, 1_700_086_400.0
_TIMES = st.sampled_from(
    [math.nan, _START - 86400 * 3, _START - 1.0, _START, _START + 60.0, _END - 1.0, _END, _END + 9]
)
_BEFORE_TODAY = st.sampled_from([math.nan, _START - 86400 * 3, _START - 1.0])


def _rows(kinds: list[str], last_reviews: st.SearchStrategy[float]) -> st.SearchStrategy:
    return st.lists(
        st.one_of(
            st.none(),  # never studied: no record
            st.tuples(st.sampled_from(kinds), st.booleans(), _TIMES, last_reviews),
        ),
        min_size=1,
        max_size=30,
    )


@given(
    st.one_of(
        # What the bulk pass takes: nothing reviewed today, no record still new.
        _rows(["learning", "review", "relearning"], _BEFORE_TODAY),
        # Anything (the bulk pass may decline, and the pass key by key runs).
        _rows(["new", "learning", "review", "relearning"], _TIMES),
    )
)
@example(rows=[("review", False, _START + 60.0, _START), None])  # answered as the day began
def test_a_deck_read_a_slice_at_a_time_gets_the_queue_it_gets_key_by_key(rows):
    """A deck whose snapshot rows are in the order of its keys is sorted into today's
    queues from column slices (trainer.queue._deck_day_in_bulk); whatever the records
    (kind, suspended, due and last review around the study day's bounds), the result is
    the deck day that the pass key by key builds."""
    from trainer.progress.replay import CardRecord
    from trainer.progress.table import RecordTable
    from trainer.queue import _deck_day_in_bulk, build_deck_day
    from trainer.scheduling import CardState, SchedulerSettings

    keys = [f"d/c{n}" for n in range(len(rows))]
    table = RecordTable()
    for key, row in zip(keys, rows, strict=True):
        if row is not None:
            kind, suspended, due, last = row
            due, last = (None if math.isnan(t) else t for t in (due, last))
            state = CardState(kind, None, 1.0, 5.0, due, last, 1, 0)
            table[key] = CardRecord(state, "e", suspended, first_review=last)
    columns = marshal.loads(marshal.dumps(table.to_columns({"d": keys})))
    in_order, by_key = RecordTable.from_columns(columns), RecordTable.from_columns(columns)
    by_key._touched.add("d")  # a deck read key by key, as after a change to a record
    settings = SchedulerSettings()

    def day(records: RecordTable) -> tuple:
        built = build_deck_day("d", keys, records, lambda key: [key], settings, _START, _END)
        return tuple(getattr(built, name) for name in built.__struct_fields__)

    aligned = in_order.aligned_rows("d", keys)
    assert aligned is not None
    eligible = all(row is None or (row[0] != "new" and not row[3] >= _START) for row in rows)
    if eligible:  # the bulk pass takes it
        assert _deck_day_in_bulk("d", keys, in_order, *aligned, _START, _END) is not None
    assert day(in_order) == day(by_key)
