"""A fixed synthetic study history for the statistics tests (no tests here).

Two decks, ``geo`` (cards a, b, c, d) and ``bio`` (x, y), and eleven answers over five
study days written through the real progress store, each with the scheduler state it
leaves the card in, so that every number in the statistics can be worked out by hand.
Times are local (UTC+1); study days start at 4 am.

    #   local time          card  grade  ms    correct  state after, due
    1   Mon 03-02 10:00     geo/a Good   4000  -        review, Wed 03-04 10:00 (2 d)
    2   Mon 03-02 10:00:30  geo/b Again  6000  wrong    learning, Mon 10:10
    3   Mon 03-02 10:10     geo/b Good   5000  -        review, Tue 03-03 10:10 (1 d)
    4   Mon 03-02 10:20     geo/d Easy   3000  -        review, Mon 03-30 10:20 (28 d)
    5   Tue 03-03 11:00     geo/b Good   3000  -        review, Fri 03-13 11:00
    6   Wed 03-04 02:30     bio/x Easy   2000  -        review, Sun 03-29 02:30 (25 d)
        (before 4 am: counts for Tuesday)
    7   Wed 03-04 10:00     geo/a Again  7000  wrong    relearning, Wed 10:10
    8   Wed 03-04 10:10     geo/a Good   4000  -        review, Thu 03-05 10:10
        (Thursday: no answers)
    9   Fri 03-06 10:00     geo/c Good   5000  right    review, Sat 03-07 02:00
    10  Fri 03-06 10:05     bio/x Good   2000  right    review, Tue 03-31 10:05
    11  Fri 03-06 11:30     geo/d Good   6000  -        review, Fri 03-20 10:00
    --  Fri 03-06 11:40     geo/c Again  9000  wrong    (then undone: not counted)
    --  Fri 03-06 11:45     geo/b suspended

"Now" is Fri 03-06 12:00 local. Answers in the review state (retention): #5 (b, 1-day
interval: young, passed), #7 (a, 2 d: young, failed), #10 (x, 25 d: mature, passed),
#11 (d, 28 d: mature, passed).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from trainer.clock import FakeClock
from trainer.progress.events import encode_mark, encode_review, encode_undo, now_text
from trainer.progress.store import new_event_id
from trainer.scheduling import CardState
from trainer.session import Collection

LOCAL = timezone(timedelta(hours=1))
NOW = datetime(2026, 3, 6, 12, 0, tzinfo=LOCAL)
DEVICE = "stats-test"

GEO = """\
format: 1
id: geo
title: Geography
cards:
  - {id: a, type: basic, front: Capital of France?, back: Paris}
  - {id: b, type: basic, front: Capital of Spain?, back: Madrid}
  - {id: c, type: basic, front: Capital of Italy?, back: Rome}
  - {id: d, type: basic, front: Capital of Peru?, back: Lima}
"""

# A title that is markup to Rich and Textual: it must be shown as typed.
BIO = """\
format: 1
id: bio
title: "[b]Cells[/b] & list[int]"
cards:
  - {id: x, type: basic, front: Powerhouse of the cell?, back: Mitochondria}
  - {id: "y", type: basic, front: Unit of heredity?, back: Gene}
"""


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """Local time on March ``day``, 2026."""
    return datetime(2026, 3, day, hour, minute, second, tzinfo=LOCAL)


# (time, key, grade, duration_ms, correct, state after, due)
ANSWERS = [
    (at(2, 10), "geo/a", 3, 4000, None, "review", at(4, 10)),
    (at(2, 10, 0, 30), "geo/b", 1, 6000, False, "learning", at(2, 10, 10)),
    (at(2, 10, 10), "geo/b", 3, 5000, None, "review", at(3, 10, 10)),
    (at(2, 10, 20), "geo/d", 4, 3000, None, "review", at(30, 10, 20)),
    (at(3, 11), "geo/b", 3, 3000, None, "review", at(13, 11)),
    (at(4, 2, 30), "bio/x", 4, 2000, None, "review", at(29, 2, 30)),
    (at(4, 10), "geo/a", 1, 7000, False, "relearning", at(4, 10, 10)),
    (at(4, 10, 10), "geo/a", 3, 4000, None, "review", at(5, 10, 10)),
    (at(6, 10), "geo/c", 3, 5000, True, "review", datetime(2026, 3, 7, 2, 0, tzinfo=LOCAL)),
    (at(6, 10, 5), "bio/x", 3, 2000, True, "review", at(31, 10, 5)),
    (at(6, 11, 30), "geo/d", 3, 6000, None, "review", at(20, 10)),
]


def write_decks(directory: Path) -> list[Path]:
    paths = [directory / "geo.yaml", directory / "bio.yaml"]
    paths[0].write_text(GEO)
    paths[1].write_text(BIO)
    return paths


def _answer(
    collection: Collection,
    when: datetime,
    key: str,
    grade: int,
    ms: int,
    correct: bool | None,
    state: str,
    due: datetime,
) -> str:
    store = collection.store
    collection.clock.advance(when - collection.clock.now())  # type: ignore[attr-defined]
    with store.transaction():
        before = store.records.get(key)
        reps = before.state.reps if before is not None else 0
        after = CardState(
            state=state,
            step=0 if state.endswith("learning") else None,
            stability=max(0.1, (due - when).total_seconds() / 86400),
            difficulty=5.0,
            due=due.timestamp(),
            last_review=when.timestamp(),
            reps=reps + 1,
            lapses=0,
        )
        event_id = new_event_id()
        store.write(
            [
                encode_review(
                    event_id,
                    key,
                    now_text(when),
                    grade,
                    ms,
                    correct,
                    before.last_id if before is not None else None,
                    after,
                )
            ]
        )
    return event_id


def write_history(directory: Path, progress: Path) -> list[Path]:
    """The decks in ``directory`` and the history above in ``progress``; returns the deck
    paths. The clock used for writing is left at :data:`NOW`."""
    paths = write_decks(directory)
    clock = FakeClock(at(2, 9))
    collection = Collection.open(paths, progress, clock=clock, device=DEVICE)
    for answer in ANSWERS:
        _answer(collection, *answer)
    store = collection.store
    before = store.records["geo/c"].copy()
    undone = _answer(
        collection, at(6, 11, 40), "geo/c", 1, 9000, False, "relearning", at(6, 11, 50)
    )
    with store.transaction():
        store.write(
            [encode_undo(new_event_id(), now_text(at(6, 11, 41)), (undone,))],
            restore={"geo/c": before},
        )
    clock.advance(at(6, 11, 45) - clock.now())
    with store.transaction():
        store.write([encode_mark("suspend", new_event_id(), "geo/b", now_text(clock.now()))])
    collection.close()
    return paths


def open_history(tmp_path: Path, now: datetime = NOW) -> Collection:
    """The collection of :func:`write_history`, reopened with the clock at ``now``."""
    paths = write_history(tmp_path, tmp_path / "progress")
    return Collection.open(paths, tmp_path / "progress", clock=FakeClock(now), device=DEVICE)
