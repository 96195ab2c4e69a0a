"""Today's queue: which cards can be studied now, in what order, within the daily limits.

One predicate decides whether a card is available today, :func:`record_queue` (with
:func:`queue_of`, its part that reads no record object): suspended, buried for today,
new, a review due today (not twice on one study day), or a (re)learning step due before
the day ends. Around it, per deck:

* siblings (the reverse side, the other deletions of a cloze card) of a card studied
  today wait until tomorrow (:func:`siblings_waiting`; learning cards are not held back);
* the daily limits cap new cards and reviews (:class:`DeckDay` ``new_left``,
  ``review_left``);
* learning cards due within :data:`LEARN_AHEAD_SECONDS` are shown early when nothing
  else is left (Anki's "learn ahead limit").

The home screen's counts (:func:`build_deck_day`, a bulk pass over every key) and a live
session (:class:`TodayQueue`, which re-checks single cards as answers come in) both ask
it, so what home says is what a session serves.

Pure core: no textual, no rich, and nothing of :class:`trainer.collection.Collection` but
its public methods.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from itertools import chain, compress, islice
from typing import TYPE_CHECKING

from msgspec import Struct, field

from trainer.progress.table import KIND_CODES, SUSPENDED
from trainer.scheduling import NEW, REVIEW, SchedulerSettings, to_datetime

if TYPE_CHECKING:
    from trainer.collection import Collection
    from trainer.progress.replay import CardRecord
    from trainer.progress.table import RecordTable

__all__ = [
    "LEARNING_QUEUE",
    "LEARN_AHEAD_SECONDS",
    "NEW_QUEUE",
    "NOT_TODAY",
    "REVIEW_QUEUE",
    "SUSPENDED_QUEUE",
    "DayAhead",
    "DeckCounts",
    "DeckDay",
    "TodayQueue",
    "build_deck_day",
    "buried_today",
    "queue_of",
    "record_queue",
    "siblings_waiting",
]

#: Learning cards due within this many seconds are shown early when nothing else is left
#: (Anki's "learn ahead limit").
LEARN_AHEAD_SECONDS = 20 * 60

#: What :func:`queue_of` says about a card today.
NEW_QUEUE, LEARNING_QUEUE, REVIEW_QUEUE, NOT_TODAY, SUSPENDED_QUEUE = range(5)

_NEW_KIND, _REVIEW_KIND = KIND_CODES[NEW], KIND_CODES[REVIEW]
_NAN = math.nan


def queue_of(
    kind: int, suspended: int, due: float, last_review: float, start: float, end: float
) -> int:
    """Where a card that is not buried stands today: the availability rule of the queue
    (:func:`record_queue` adds burying).

    ``kind`` is the state's code (:data:`trainer.progress.table.KIND_CODES`); times are
    POSIX timestamps, NaN for "none"; ``start``/``end`` bound the study day. Returns
    :data:`SUSPENDED_QUEUE`; :data:`NOT_TODAY` (not due before the day ends, or a review
    already answered today); else :data:`NEW_QUEUE`, :data:`REVIEW_QUEUE` or
    :data:`LEARNING_QUEUE` (learning and relearning steps). Daily limits and siblings
    are the caller's (they depend on the other cards).
    """
    if suspended:
        return SUSPENDED_QUEUE
    if kind == _NEW_KIND:
        return NEW_QUEUE
    if not due < end:  # NaN (no due time) compares false
        return NOT_TODAY
    if kind == _REVIEW_KIND:
        return NOT_TODAY if last_review >= start else REVIEW_QUEUE
    return LEARNING_QUEUE


def buried_today(record: CardRecord, start: float) -> bool:
    """Whether the card of ``record`` is buried for the study day that began at ``start``
    (buried on or after it: a bury lasts until the next rollover)."""
    return record.buried is not None and record.buried >= start


def record_queue(record: CardRecord, start: float, end: float) -> int:
    """Where the card of ``record`` stands today: :func:`queue_of`, and
    :data:`NOT_TODAY` while it is buried (buried on or after ``start``, the study day's
    start; a suspended card stays :data:`SUSPENDED_QUEUE`). The one availability
    predicate: the bulk count and the live session both ask it (the bulk count asks
    :func:`queue_of` directly for the record table's rows, which are never buried)."""
    state = record.state
    queue = queue_of(
        KIND_CODES[state.state],
        record.suspended,
        _NAN if state.due is None else state.due,
        _NAN if state.last_review is None else state.last_review,
        start,
        end,
    )
    if queue != SUSPENDED_QUEUE and buried_today(record, start):
        return NOT_TODAY
    return queue


def siblings_waiting(
    groups: Iterable[Sequence[str]],
    last_review: Callable[[str], float | None],
    start: float,
    end: float,
) -> set[str]:
    """Keys that wait for tomorrow because a sibling was studied today: in each group of
    sibling keys (one authored card's study cards), every key but those studied today,
    once one of them was. (Only new cards and reviews are held back: the queue ignores
    this set for learning cards.)"""
    waiting: set[str] = set()
    for group in groups:
        if len(group) < 2:
            continue
        studied = [key for key in group if _studied_today(last_review(key), start, end)]
        if studied:
            waiting.update(key for key in group if key not in studied)
    return waiting


def _studied_today(last_review: float | None, start: float, end: float) -> bool:
    # Within the day: an answer recorded under a clock set days ahead, then put back,
    # belongs to that later day (it must not use up today's limits).
    return last_review is not None and start <= last_review < end


class DeckCounts(Struct, frozen=True):
    """What is left to study today in one deck (or a whole session).

    Attributes: ``new`` and ``due`` (reviews), capped by the daily limits; ``learning``
    cards in (re)learning steps due before the end of the study day, ``learning_now``
    those of them that can be studied now (due within the learn-ahead limit); ``total``
    study cards; ``suspended`` of them; ``reviewed_today`` answers given today (in a
    session's ``remaining``: answers given in that session); ``buried`` cards buried
    until tomorrow (home's counts only).
    """

    new: int
    learning: int
    due: int
    total: int
    suspended: int
    reviewed_today: int
    learning_now: int = 0
    buried: int = 0

    @property
    def to_study(self) -> int:
        return self.new + self.learning + self.due

    @property
    def to_study_now(self) -> int:
        """What a session started now would show before waiting for learning steps."""
        return self.new + self.learning_now + self.due


class DayAhead(Struct, frozen=True):
    """After today's work: ``tomorrow`` cards to study tomorrow, and when the next card
    falls due (``next_due``, ``None`` if nothing is scheduled)."""

    tomorrow: int
    next_due: datetime | None


class DeckDay(Struct, eq=False):
    """One deck's queue material for the current study day (callers never change it).

    Attributes: ``deck_id``; ``waiting`` (siblings held back, :func:`siblings_waiting`);
    ``new_keys`` (deck order), ``review_keys`` with their ``review_dues`` (same order),
    ``learning`` (``(due, key)`` of steps due before the day ends, deck order): each
    available by :func:`queue_of`; ``new_done``/``review_done`` (new cards and reviews
    answered today, what the limits count), ``new_left``/``review_left`` (what the limits
    still allow), ``reviewed_today`` (answers today), ``suspended``, ``buried`` and
    ``total`` (cards of the deck).
    """

    deck_id: str
    waiting: set[str]
    new_keys: list[str] = field(default_factory=list)
    learning: list[tuple[float, str]] = field(default_factory=list)
    review_keys: list[str] = field(default_factory=list)
    review_dues: list[float] = field(default_factory=list)
    new_done: int = 0
    review_done: int = 0
    reviewed_today: int = 0
    suspended: int = 0
    buried: int = 0
    total: int = 0
    new_left: int = 0
    review_left: int = 0

    @property
    def new_allowed(self) -> int:
        """New cards it may show today: those waiting, up to the daily limit."""
        return min(len(self.new_keys), self.new_left)

    @property
    def reviews_allowed(self) -> int:
        """Reviews it may show today: those due, up to the daily limit."""
        return min(len(self.review_keys), self.review_left)

    def counts(self, now: float) -> DeckCounts:
        """This deck's counts at ``now`` (POSIX timestamp)."""
        ahead = now + LEARN_AHEAD_SECONDS
        return DeckCounts(
            new=self.new_allowed,
            learning=len(self.learning),
            due=self.reviews_allowed,
            total=self.total,
            suspended=self.suspended,
            reviewed_today=self.reviewed_today,
            learning_now=sum(1 for due, _ in self.learning if due <= ahead),
            buried=self.buried,
        )


def build_deck_day(
    deck_id: str,
    keys: Sequence[str],
    records: RecordTable,
    siblings: Callable[[str], Sequence[str]],
    settings: SchedulerSettings,
    start: float,
    end: float,
) -> DeckDay:
    """Sort a deck's ``keys`` (each ``deck_id/…``) into today's queues by
    :func:`queue_of`, holding back the siblings of the cards studied today
    (``siblings(key)``: the keys of ``key``'s authored card,
    :meth:`trainer.collection.Collection.siblings`).

    The hot loop of every start-up (50,000 keys): records nobody has asked for yet are
    read from the record table's columns (no objects made); a buried record is always a
    record object (:class:`trainer.progress.table.RecordTable` keeps them so), so the
    columns' rows are never buried. Every card studied today is a record object too, so
    only those few are asked for their siblings.
    """
    aligned = records.aligned_rows(deck_id, keys)
    if aligned is not None:
        day = _deck_day_in_bulk(deck_id, keys, records, *aligned, start, end)
        if day is not None:
            return _with_limits(day, settings)
    day = DeckDay(deck_id, set())
    studied: list[str] = []
    row_get, record_get = records.part(deck_id).get, records.get
    kinds, flags_column, dues = records.kind, records.flags, records.due
    last_reviews = records.last_review
    add_new, add_review = day.new_keys.append, day.review_keys.append
    add_review_due, add_learning = day.review_dues.append, day.learning.append
    nan = _NAN
    suspended = 0
    # Locals, not globals, in the loop: a global lookup per key was a visible cost.
    available_today = queue_of
    new_queue, review_queue, learning_queue = NEW_QUEUE, REVIEW_QUEUE, LEARNING_QUEUE
    not_today, suspended_queue = NOT_TODAY, SUSPENDED_QUEUE
    for key, row in zip(keys, map(row_get, keys)):
        if row is None:  # never studied
            queue, due = new_queue, nan
        elif row >= 0 and not (last_review := last_reviews[row]) >= start:
            # The usual case: untouched, not reviewed today (NaN: never reviewed).
            due = dues[row]
            queue = available_today(
                kinds[row], flags_column[row] & SUSPENDED, due, last_review, start, end
            )
            if queue == not_today:  # most cards on most days: not due yet
                continue
        else:
            # -1: the record object is the truth; reviewed today: counts need the object.
            record = record_get(key)
            state = record.state
            if _studied_today(state.last_review, start, end):
                studied.append(key)
                day.reviewed_today += sum(1 for t in record.recent if start <= t < end)
                if record.first_review is not None and start <= record.first_review < end:
                    day.new_done += 1
                else:
                    day.review_done += 1
            due = nan if state.due is None else state.due
            queue = record_queue(record, start, end)
            if queue == not_today and buried_today(record, start):
                day.buried += 1  # (or not due today anyway: it is buried all the same)
        if queue == review_queue:  # first: a backlog is mostly reviews
            add_review(key)
            add_review_due(due)
        elif queue == new_queue:
            add_new(key)
        elif queue == learning_queue:
            add_learning((due, key))
        elif queue == suspended_queue:
            suspended += 1
    if studied:
        groups = [group for group in map(siblings, studied) if len(group) > 1]
        day.waiting = siblings_waiting(groups, records.last_review_of, start, end)
        if day.waiting:
            _hold_back(day)
    day.suspended = suspended
    day.total = len(keys)
    return _with_limits(day, settings)


def _with_limits(day: DeckDay, settings: SchedulerSettings) -> DeckDay:
    day.new_left = max(0, settings.new_per_day - day.new_done)
    day.review_left = max(0, settings.reviews_per_day - day.review_done)
    return day


def _queue_by_class() -> bytes:
    """:func:`queue_of` as a table, for rows not reviewed today: index ``kind | suspended
    << 2 | due_today << 3`` (each a code from the columns), value the queue. Made by asking
    :func:`queue_of` itself, so that the bulk path below follows the one rule."""
    table = bytearray(256)
    for kind in range(len(KIND_CODES)):
        for suspended in (0, 1):
            for due_today in (0, 1):
                start, end = 0.0, 1.0
                due = start if due_today else end  # before the day ends, or not
                queue = queue_of(kind, suspended, due, _NAN, start, end)
                table[kind | suspended << 2 | due_today << 3] = queue
    return bytes(table)


_QUEUE_BY_CLASS = _queue_by_class()
_SUSPENDED_BIT = bytes(value & SUSPENDED for value in range(256))
_NO_ROW = bytes([1, 0]) + bytes(254)  # has_row 0 -> 1: the keys never studied
_IN_QUEUE = {
    queue: bytes(int(value == queue) for value in range(256))
    for queue in (REVIEW_QUEUE, LEARNING_QUEUE)
}


def _deck_day_in_bulk(
    deck_id: str,
    keys: Sequence[str],
    records: RecordTable,
    first: int,
    has_row: bytes,
    latest: float,
    start: float,
    end: float,
) -> DeckDay | None:
    """:func:`build_deck_day` for a deck whose records are the rows from ``first`` on,
    in the order of ``keys``, the latest of them reviewed at ``latest``
    (:meth:`RecordTable.aligned_rows`), a slice of each column at
    a time, at C speed: each row's :func:`queue_of` read from a table of it. ``None``
    (build it key by key) when a row is not that simple: a card reviewed today (the
    counts need its record, its siblings may wait), or one with a record that is still
    new (it takes its place among the new cards in deck order).

    This is the start-up's one pass over 75,000 keys: one Python step per key was most
    of the 50,000-card start (about 70 ms against 10 here).
    """
    if latest >= start:  # a card of the deck reviewed today (NaN: none ever)
        return None
    count = has_row.count(1)
    rows = slice(first, first + count)
    dues = records.due[rows]
    suspended = records.flags[rows].translate(_SUSPENDED_BIT)
    due_today = bytes(map(end.__gt__, dues))  # due before the day ends (NaN: never)
    # Per row, kind | suspended << 2 | due_today << 3: each byte of the three is small, so
    # adding them as integers adds them byte by byte, with no carry between rows.
    classes = (
        int.from_bytes(records.kind[rows], "little")
        + (int.from_bytes(suspended, "little") << 2)
        + (int.from_bytes(due_today, "little") << 3)
    ).to_bytes(count, "little")
    queues = classes.translate(_QUEUE_BY_CLASS)
    if NEW_QUEUE in queues:
        return None
    with_record = list(compress(keys, has_row))  # one per row, in the rows' order
    day = DeckDay(deck_id, set())
    day.new_keys = list(compress(keys, has_row.translate(_NO_ROW)))
    reviews = queues.translate(_IN_QUEUE[REVIEW_QUEUE])
    day.review_keys = list(compress(with_record, reviews))
    day.review_dues = list(compress(dues, reviews))
    learning = queues.translate(_IN_QUEUE[LEARNING_QUEUE])
    day.learning = list(zip(compress(dues, learning), compress(with_record, learning)))
    day.suspended = queues.count(SUSPENDED_QUEUE)
    day.total = len(keys)
    return day


def _hold_back(day: DeckDay) -> None:
    """``day``'s new cards and reviews without its :attr:`DeckDay.waiting` siblings."""
    waiting = day.waiting
    day.new_keys = [key for key in day.new_keys if key not in waiting]
    kept = [(key, due) for key, due in zip(day.review_keys, day.review_dues) if key not in waiting]
    day.review_keys = [key for key, _ in kept]
    day.review_dues = [due for _, due in kept]


class TodayQueue:
    """The live queue of one session over some decks: what to show next, what is left.

    Built from the decks' :class:`DeckDay` (what home counted), then kept current card by
    card: each candidate is checked again with :func:`queue_of` when it comes up, since
    answers, suspends and buries (here, in other windows, from other devices) change it.

    Order: learning and relearning cards as soon as they are due; then due reviews
    (earliest due first); then new cards in deck order; then learning cards due within
    :data:`LEARN_AHEAD_SECONDS`.
    """

    def __init__(self, collection: Collection, deck_ids: Sequence[str]) -> None:
        self._collection = collection
        self._deck_ids = list(deck_ids)
        self.build()

    def build(self) -> None:
        """(Re)compute from the collection's deck days (a new study day, foreign answers)."""
        collection = self._collection
        self.day_start, self.day_end = collection.day_bounds()
        days = [collection.deck_day(d) for d in self._deck_ids]
        self._new_left = {day.deck_id: day.new_left for day in days}
        self._review_left = {day.deck_id: day.review_left for day in days}
        self._new_by_deck = {day.deck_id: day.new_keys for day in days}
        self._reviews_by_deck = {day.deck_id: day.review_keys for day in days}
        self._new_keys = list(chain.from_iterable(day.new_keys for day in days))
        # Due reviews, earliest due first (deck order on ties), ordered when first needed
        # beyond the earliest one (see _reviews_in_order): a big collection has tens of
        # thousands, and the first card and the counts do not need their order.
        self._reviews = list(chain.from_iterable(day.review_keys for day in days))
        self._review_dues = list(chain.from_iterable(day.review_dues for day in days))
        self._review_order: list[str] | None = None
        learning = sorted(pair for day in days for pair in day.learning)
        self._learning_candidates = {key for _, key in learning}
        self.total_cards = sum(day.total for day in days)
        self.suspended = sum(day.suspended for day in days)
        #: What others had recorded when the limits above were counted.
        self.foreign_version = collection.store.foreign_version
        # What the deck days hold is exactly what is available right now: seed the
        # caches with it rather than checking 50,000 keys one by one again.
        version = collection.store.version
        self._learning_cache: tuple[tuple[int, float], list[tuple[float, str]]] | None = (
            (version, self.day_end),
            learning,
        )
        counts = DeckCounts(
            new=sum(day.new_allowed for day in days),
            learning=len(learning),
            due=sum(day.reviews_allowed for day in days),
            total=self.total_cards,
            suspended=self.suspended,
            reviewed_today=0,
        )
        self._remaining_cache: tuple[tuple[int, float, int, int], DeckCounts] | None = (
            (version, self.day_end, self.suspended, 0),
            counts,
        )

    def stale(self, now: float) -> bool:
        """Whether a new study day began or others recorded answers since :meth:`build`."""
        return now >= self.day_end or (
            self._collection.store.foreign_version != self.foreign_version
        )

    # -- the predicate, live -------------------------------------------------------------

    def available(self, key: str, queue: int) -> bool:
        """Whether ``key`` can be shown now from ``queue`` (:func:`queue_of`, the daily
        limits and the siblings)."""
        collection = self._collection
        if not collection.has_card(key):
            return False  # removed by a live reload
        record = collection.card_record(key)
        if record_queue(record, self.day_start, self.day_end) != queue:
            return False
        if queue == LEARNING_QUEUE:
            return True
        deck_id = key.split("/", 1)[0]
        left = self._new_left if queue == NEW_QUEUE else self._review_left
        return left.get(deck_id, 0) > 0 and not self._sibling_waits(key)

    def _sibling_waits(self, key: str) -> bool:
        collection = self._collection
        group = collection.siblings(key)
        if len(group) < 2:
            return False
        waiting = siblings_waiting((group,), collection.last_review, self.day_start, self.day_end)
        return key in waiting

    def queue_of_key(self, key: str) -> int:
        """:func:`queue_of` for ``key`` today."""
        return record_queue(self._collection.card_record(key), self.day_start, self.day_end)

    # -- limits ---------------------------------------------------------------------------

    def count(self, deck_id: str, limit: str, delta: int) -> None:
        """Count one answer against (``delta=-1``) or back into (``+1``) a deck's ``limit``:
        ``"new"``, ``"review"``; ``"suspend"`` counts suspended cards; ``""`` nothing."""
        if limit == "new":
            self._new_left[deck_id] = self._new_left.get(deck_id, 0) + delta
        elif limit == "review":
            self._review_left[deck_id] = self._review_left.get(deck_id, 0) + delta
        elif limit == "suspend":
            self.suspended -= delta  # an undone suspend: one suspended card fewer

    def add_learning(self, key: str) -> None:
        """``key`` entered (re)learning steps: a candidate for later today."""
        self._learning_candidates.add(key)

    # -- order ----------------------------------------------------------------------------

    def learning(self) -> list[tuple[float, str]]:
        """(due, key) of learning cards due today, earliest first."""
        store = self._collection.store
        stamp = (store.version, self.day_end)
        cached = self._learning_cache
        if cached is not None and cached[0] == stamp:
            return cached[1]
        result = [
            (self._collection.card_record(key).state.due or 0.0, key)
            for key in self._learning_candidates
            if self.available(key, LEARNING_QUEUE)
        ]
        result.sort()
        self._learning_cache = (stamp, result)
        return result

    def _reviews_in_order(self) -> Iterator[str]:
        """Today's due reviews, earliest due first (the sort is stable: deck order on
        ties). Until the earliest is not enough, that one is found without sorting."""
        if self._review_order is None:
            dues = self._review_dues
            if not dues:
                return
            # index() finds the first of equal dues: the sorted order's first key.
            yield self._reviews[dues.index(min(dues))]
            if self._review_order is None:
                reviews = self._reviews
                self._review_order = list(
                    map(reviews.__getitem__, sorted(range(len(dues)), key=dues.__getitem__))
                )
            yield from islice(self._review_order, 1, None)
        else:
            yield from self._review_order

    def next_key(self, now: float) -> str | None:
        """The key to show at ``now``, or ``None`` when nothing is left right now."""
        learning = self.learning()
        if learning and learning[0][0] <= now:
            return learning[0][1]
        for key in self._reviews_in_order():
            if self.available(key, REVIEW_QUEUE):
                return key
        for key in self._new_keys:
            if self.available(key, NEW_QUEUE):
                return key
        if learning and learning[0][0] <= now + LEARN_AHEAD_SECONDS:
            return learning[0][1]
        return None

    def waiting_until(self) -> datetime | None:
        """When the first learning card left today is due (``None``: none)."""
        learning = self.learning()
        return to_datetime(learning[0][0]) if learning else None

    # -- counts ---------------------------------------------------------------------------

    def remaining(self, answered: int, now: float) -> DeckCounts:
        """Cards left today (new, learning, due; ``learning_now``: those of the learning
        cards that can be studied at ``now``), with ``answered`` answers given."""
        learning = self.learning()
        ahead = now + LEARN_AHEAD_SECONDS
        learning_now = sum(1 for due, _ in learning if due <= ahead)
        stamp = (self._collection.store.version, self.day_end, self.suspended, answered)
        cached = self._remaining_cache
        if cached is not None and cached[0] == stamp and cached[1].learning_now == learning_now:
            return cached[1]
        counts = DeckCounts(
            new=self._available_up_to(self._new_by_deck, self._new_left, NEW_QUEUE),
            learning=len(learning),
            due=self._available_up_to(self._reviews_by_deck, self._review_left, REVIEW_QUEUE),
            total=self.total_cards,
            suspended=self.suspended,
            reviewed_today=answered,
            learning_now=learning_now,
        )
        self._remaining_cache = (stamp, counts)
        return counts

    def _available_up_to(
        self, keys_by_deck: dict[str, list[str]], left_by_deck: dict[str, int], queue: int
    ) -> int:
        # Counting stops at each deck's limit: cheap even with 50,000 cards.
        total = 0
        for deck_id, keys in keys_by_deck.items():
            left = left_by_deck.get(deck_id, 0)
            available = 0
            for key in keys:
                if available >= left:
                    break
                available += self.available(key, queue)
            total += available
        return total

    def counted(self, key: str) -> bool:
        """Whether ``key`` is already in :meth:`remaining`'s numbers."""
        queue = self.queue_of_key(key)
        if queue == LEARNING_QUEUE:
            return key in self._learning_candidates and self.available(key, queue)
        return queue in (NEW_QUEUE, REVIEW_QUEUE) and self.available(key, queue)
