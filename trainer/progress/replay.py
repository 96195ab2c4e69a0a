"""Rebuilding per-card state from events, in time order.

A review carries the scheduler state computed when it was recorded. Replay adopts it when
the recording instance had seen the same previous review of that card (``prev``) and held
the same state, which is the normal case and costs no scheduling. Otherwise (two devices
studied the same card before syncing) the review is recomputed with the scheduler, so the
merged state is what answering every review in time order gives. Once a recomputed state
differs from the recorded one, the card is *diverged*: the recording device's later
reviews of it were computed from a state that is no longer the card's, so they are
recomputed too, until a recomputation agrees with what was recorded again. Fuzz is
deterministic, so recomputing an adopted review gives the same state
(``trust_recorded=False`` recomputes everything: the reference the others must equal).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping

from msgspec import Struct

from trainer.progress.events import NEW_STATE, Event
from trainer.scheduling import CardState, Grade, Scheduler

#: Review times kept per card: enough to count "today" whatever the rollover hour.
RECENT_WINDOW = 2 * 86400.0

SchedulerFor = Callable[[str], Scheduler]


class CardRecord(Struct):
    """Everything the store knows about one study card (attributes below)."""

    state: CardState = NEW_STATE
    #: Id of the last review applied (what the next review's ``prev`` must say).
    last_id: str | None = None
    suspended: bool = False
    flagged: bool = False
    leech: bool = False
    first_review: float | None = None
    #: Times of the reviews within RECENT_WINDOW of the latest one.
    recent: tuple[float, ...] = ()
    #: The state was recomputed and differs from what the last review's device recorded.
    diverged: bool = False
    #: When the card was last buried (POSIX timestamp): it is out of the queue for the
    #: rest of that study day (:func:`trainer.queue.queue_of`). ``None``: never.
    buried: float | None = None

    def copy(self) -> CardRecord:
        return CardRecord(
            self.state,
            self.last_id,
            self.suspended,
            self.flagged,
            self.leech,
            self.first_review,
            self.recent,
            self.diverged,
            self.buried,
        )


def apply(
    records: MutableMapping[str, CardRecord],
    event: Event,
    scheduler_for: SchedulerFor,
    *,
    trust_recorded: bool = True,
) -> None:
    """Apply one (not undone) event to ``records``."""
    if event.kind == "undo" or event.key is None:
        return
    record = records.get(event.key)
    if record is None:
        record = records[event.key] = CardRecord()
    kind = event.kind
    if kind == "review":
        recorded = event.after
        if (
            trust_recorded
            and recorded is not None
            and event.prev == record.last_id
            and not record.diverged
        ):
            record.state = recorded
        else:
            record.state = scheduler_for(event.key).review(
                event.key, record.state, Grade(event.grade), event.when
            )
            record.diverged = record.state != recorded
        record.last_id = event.id
        if record.first_review is None:
            record.first_review = event.time
        cutoff = event.time - RECENT_WINDOW
        record.recent = tuple(t for t in record.recent if t >= cutoff) + (event.time,)
    elif kind == "suspend":
        record.suspended = True
    elif kind == "unsuspend":
        record.suspended = False
    elif kind == "flag":
        record.flagged = True
    elif kind == "unflag":
        record.flagged = False
    elif kind == "leech":
        record.leech = record.suspended = record.flagged = True
    elif kind == "bury":
        # Events come in time order: the latest bury is the one that counts.
        record.buried = event.time


def order_key(event: Event) -> tuple[float, str, int]:
    return (event.time, event.origin[0], event.origin[1])


def undone_ids(events: Iterable[Event]) -> set[str]:
    return {target for event in events if event.kind == "undo" for target in event.targets}


def replay(
    events: Iterable[Event],
    scheduler_for: SchedulerFor,
    *,
    trust_recorded: bool = True,
) -> dict[str, CardRecord]:
    """Per-card records from all ``events`` (any order, any number of devices)."""
    events = list(events)
    undone = undone_ids(events)
    records: dict[str, CardRecord] = {}
    for event in sorted(events, key=order_key):
        if event.id not in undone:
            apply(records, event, scheduler_for, trust_recorded=trust_recorded)
    return records
