"""Studying: decks plus progress (:class:`Collection`) and one sitting (:class:`StudySession`).

Pure core: no textual, no rich. The TUI, the headless ``trainer review --jsonl`` protocol
and the ``due``/``stats`` commands all drive these classes.

Typical use::

    collection = Collection.open(paths, progress_dir, clock=SystemClock())
    session = collection.start_session()
    while (card := session.current) is not None:
        answer = session.submit(response)      # auto-graded types: right or wrong
        session.record(answer.suggested)       # durable before it returns; next card
    print(session.summary())
    collection.close()
"""

from __future__ import annotations

import math
from collections.abc import Collection as CollectionOf
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trainer.clock import Clock
from trainer.deckcache import deck_outline
from trainer.model import Card, CardType, Deck, StudyCard
from trainer.progress.errors import ProgressError
from trainer.progress.events import (
    encode_mark,
    encode_review,
    encode_undo,
    now_text,
    truncate_to_ms,
)
from trainer.progress.replay import CardRecord
from trainer.progress.store import new_event_id
from trainer.progress.table import KIND_CODES, SUSPENDED
from trainer.scheduling import (
    LEARNING,
    NEW,
    RELEARNING,
    REVIEW,
    CardState,
    Grade,
    Scheduler,
    SchedulerSettings,
    day_start,
    is_guessable,
    suggest_grade,
    to_datetime,
)

if TYPE_CHECKING:
    from trainer.config import Config
    from trainer.diagnostics import Diagnostic
    from trainer.loader import LoadResult
    from trainer.sessionresults import Answer, CardProgress, ReviewEvent, SessionSummary


@dataclass(frozen=True, slots=True)
class DeckCounts:
    """What is left to study today in one deck (or a whole session).

    ``new`` and ``due`` are capped by the daily limits; ``learning`` counts cards in
    (re)learning steps due before the end of the study day, ``learning_now`` those of
    them that can be studied now (due within the learn-ahead limit).
    """

    new: int
    learning: int
    due: int
    total: int
    suspended: int
    reviewed_today: int
    learning_now: int = 0

    @property
    def to_study(self) -> int:
        return self.new + self.learning + self.due

    @property
    def to_study_now(self) -> int:
        """What a session started now would show before waiting for learning steps."""
        return self.new + self.learning_now + self.due


#: Defined in :mod:`trainer.sessionresults`, created on first use (see :func:`__getattr__`).
_RESULT_CLASSES = frozenset({"Answer", "CardProgress", "ReviewEvent", "SessionSummary"})


def __getattr__(name: str) -> Any:
    # The result classes are first needed after the first card is drawn: importing them
    # lazily keeps their class creation out of the start-up.
    if name in _RESULT_CLASSES:
        from trainer import sessionresults

        return getattr(sessionresults, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True, slots=True)
class DayAhead:
    """After today's work: ``tomorrow`` cards to study tomorrow, and when the next card
    falls due (``next_due``, ``None`` if nothing is scheduled)."""

    tomorrow: int
    next_due: datetime | None


_EMPTY_RECORD = CardRecord()

__all__ = [
    "Answer",
    "CardChanged",
    "CardProgress",
    "Collection",
    "DayAhead",
    "DeckCounts",
    "ProgressError",
    "ReviewEvent",
    "SessionSummary",
    "StudySession",
]

#: Learning cards due within this many seconds are shown early when nothing else is left
#: (Anki's "learn ahead limit").
LEARN_AHEAD_SECONDS = 20 * 60


def is_leech_lapse(lapses: int, threshold: int) -> bool:
    """A lapse that makes (or keeps making) a card a leech: at the threshold, then every
    half threshold after it, as Anki does."""
    if lapses < threshold:
        return False
    return (lapses - threshold) % max(1, threshold // 2) == 0


class Collection:
    """Decks and their progress: shared by home screen, session, browse and headless."""

    decks: list[Deck]
    #: Problems found while loading the deck files (see :mod:`trainer.diagnostics`).
    load_diagnostics: list[Diagnostic]
    #: Human-readable warnings about the progress store (quarantined lines...).
    warnings: list[str]

    def __init__(
        self,
        decks: Sequence[Deck],
        progress_dir: Path,
        *,
        clock: Clock,
        config: Config | None = None,
        device: str | None = None,
        load_diagnostics: Sequence[Diagnostic] = (),
    ) -> None:
        """Prefer :meth:`open` or :meth:`from_decks`."""
        from trainer.config import Config, load_config
        from trainer.progress.store import ProgressStore, this_device

        self.clock = clock
        self.config = config if config is not None else load_config()
        self.progress_dir = Path(progress_dir)
        self.load_diagnostics = list(load_diagnostics)
        self.decks = []
        self._cards = _StudyCardIndex()
        #: Study cards of decks whose cards have siblings (reverse, cloze), for burying.
        self._deck_cards: dict[str, list[StudyCard]] = {}
        self._schedulers: dict[SchedulerSettings, Scheduler] = {}
        self._notes: dict[str, list[StudyCard]] = {}
        self._deck_keys: dict[str, list[str]] = {}
        self._day_cache: dict[str, tuple[tuple[int, float, float], _DeckDay]] = {}
        for deck in decks:
            self._add_deck(deck)
        assert isinstance(self.config, Config)
        self.store = ProgressStore.open(
            self.progress_dir,
            device=device or this_device(),
            clock=clock,
            scheduler_for=self._scheduler_for_key,
            fingerprint=self._settings_fingerprint(),
        )
        if self.store.full_replay and self.store.records:
            self.store.save_snapshot()

    @property
    def warnings(self) -> list[str]:  # type: ignore[override]
        return self.store.warnings

    @property
    def device(self) -> str:
        return self.store.device

    @classmethod
    def open(
        cls,
        deck_paths: Sequence[Path],
        progress_dir: Path,
        *,
        clock: Clock,
        config: Config | None = None,
        device: str | None = None,
    ) -> Collection:
        """Load the deck files (files or directories) and the progress in ``progress_dir``.

        ``config`` defaults to the global config file; ``device`` to this machine's id.
        Decks that fail to load are left out and reported in :attr:`load_diagnostics`.
        Unchanged deck files are read from the deck cache (:mod:`trainer.deckcache`;
        ``TRAINER_DECK_CACHE=off`` disables it).
        Raises :class:`ProgressError` if the progress directory cannot be read, and
        :class:`trainer.config.ConfigError` for an invalid config file.
        """
        from trainer.deckcache import cache_dir, load_deck_cached
        from trainer.decksource import find_deck_files

        cache = cache_dir()
        files, diagnostics = find_deck_files(list(deck_paths))
        decks: list[Deck] = []
        seen: set[str] = set()
        for file in files:
            result = load_deck_cached(file, cache)
            diagnostics = list(diagnostics) + list(result.diagnostics)
            if result.deck is not None and result.deck.id not in seen:
                seen.add(result.deck.id)
                decks.append(result.deck)
        return cls(
            decks,
            progress_dir,
            clock=clock,
            config=config,
            device=device,
            load_diagnostics=diagnostics,
        )

    @classmethod
    def from_decks(
        cls,
        decks: Sequence[Deck],
        progress_dir: Path,
        *,
        clock: Clock,
        config: Config | None = None,
        device: str | None = None,
    ) -> Collection:
        """Like :meth:`open`, with decks already loaded (tests, embedding)."""
        return cls(decks, progress_dir, clock=clock, config=config, device=device)

    # -- decks and settings ----------------------------------------------------------

    def _add_deck(self, deck: Deck, replace_index: int | None = None) -> None:
        if replace_index is None:
            self.decks.append(deck)
        else:
            old = self.decks[replace_index]
            self._cards.drop_deck(old.id, self._deck_keys.pop(old.id, []))
            self._deck_cards.pop(old.id, None)
            self.decks[replace_index] = deck
        card_ids, one_each = deck_outline(deck)
        # Progress is kept by card id: a second card with one id would share (and double)
        # the first one's history. Only the first is studied; the others are reported.
        duplicated = len(set(card_ids)) != len(card_ids) and self._report_duplicate_ids(deck)
        if not one_each:
            study_cards = deck.study_cards()
            if duplicated:
                first: dict[str, Card] = {}
                for card in deck.cards:
                    first.setdefault(card.id, card)
                study_cards = [s for s in study_cards if first[s.card.id] is s.card]
            self._deck_cards[deck.id] = study_cards
            keys = self._cards.add_made(study_cards)
        else:
            # One study card per card (the usual case): keys only; card and study card
            # objects on demand (a deck from the cache does not even decode its cards).
            keys = list(map((deck.id + "/").__add__, card_ids))
            if duplicated:
                keys = list(dict.fromkeys(keys))
            self._cards.add_plain(deck)
            study_cards = []
        self._deck_keys[deck.id] = keys
        if replace_index is not None:
            self._notes = {}
            for deck_cards in self._deck_cards.values():
                self._index_siblings(deck_cards)
        else:
            self._index_siblings(study_cards)

    def _report_duplicate_ids(self, deck: Deck) -> bool:
        """Add a ``duplicate-card-id`` error for each card whose id an earlier card of
        ``deck`` has (what ``trainer validate`` reports too); returns True."""
        from trainer.diagnostics import Diagnostic, Severity

        seen: dict[str, Card] = {}
        for card in deck.cards:
            first = seen.setdefault(card.id, card)
            if first is not card:
                where = card.location
                self.load_diagnostics.append(
                    Diagnostic(
                        where.path,
                        where.line,
                        where.column,
                        Severity.ERROR,
                        "duplicate-card-id",
                        f"card id {card.id!r} is already used on line {first.location.line}; "
                        "only that card is studied (progress is kept by id): give this card "
                        "another id",
                        card.id,
                    )
                )
        return True

    def _index_siblings(self, cards: list[StudyCard]) -> None:
        previous: StudyCard | None = None
        for card in cards:
            if card.variant and previous is not None and previous.card is card.card:
                # Only authored cards with several study cards need an entry.
                note = card.note_key
                self._notes.setdefault(note, [previous]).append(card)
            previous = card

    def settings(self, deck_id: str | None = None) -> SchedulerSettings:
        """Scheduler settings for a deck (defaults < config file < deck), or global ones."""
        base = self.config.scheduler
        for deck in self.decks:
            if deck.id == deck_id:
                return base.with_deck(deck.scheduling)
        return base

    def scheduler(self, deck_id: str | None = None) -> Scheduler:
        settings = self.settings(deck_id)
        scheduler = self._schedulers.get(settings)
        if scheduler is None:
            scheduler = self._schedulers[settings] = Scheduler(settings, self.clock.zone)
        return scheduler

    def _scheduler_for_key(self, key: str) -> Scheduler:
        return self.scheduler(key.split("/", 1)[0])

    def _settings_fingerprint(self) -> str:
        base = self.config.scheduler.fingerprint()
        parts = [base] + sorted(
            f"{deck.id}={self.settings(deck.id).fingerprint()}"
            for deck in self.decks
            if self.settings(deck.id).fingerprint() != base
        )
        return "|".join(parts)

    # -- the study day ---------------------------------------------------------------

    def day_bounds(self) -> tuple[float, float]:
        """Start and end (POSIX timestamps) of the current study day."""
        start = day_start(self.clock.now(), self.config.scheduler.day_rollover_hour)
        return start.timestamp(), (start + timedelta(days=1)).timestamp()

    def _record(self, key: str) -> CardRecord:
        record = self.store.records.get(key)
        return record if record is not None else _EMPTY_RECORD

    def _buried(self, deck_id: str, day_start_ts: float) -> set[str]:
        """Keys of new/review cards whose sibling was studied today (shown tomorrow)."""
        buried: set[str] = set()
        prefix = deck_id + "/"
        for note, siblings in self._notes.items():
            if len(siblings) < 2 or not note.startswith(prefix):
                continue
            studied = [
                c.key
                for c in siblings
                if (last := self._record(c.key).state.last_review) is not None
                and last >= day_start_ts
            ]
            if studied:
                for card in siblings:
                    state = self._record(card.key).state.state
                    if card.key not in studied and state in (NEW, REVIEW):
                        buried.add(card.key)
        return buried

    def _siblings(self, card: StudyCard) -> list[StudyCard]:
        """Study cards of the same authored card (itself included)."""
        if not card.variant and not (card.card.reverse or card.type is CardType.CLOZE):
            return [card]
        siblings = self._notes.get(card.note_key)
        return siblings if siblings is not None else [card]

    def _deck_day(self, deck_id: str) -> _DeckDay:
        """The deck's queue material for today. The home screen's counts and the session
        started from it share one computation (callers never change what it holds); any
        change to the progress (``store.version``) or a new study day makes a new one."""
        start, end = self.day_bounds()
        stamp = (self.store.version, start, end)
        cached = self._day_cache.get(deck_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        day = self._compute_deck_day(deck_id, start, end)
        self._day_cache[deck_id] = (stamp, day)
        return day

    def _compute_deck_day(self, deck_id: str, start: float, end: float) -> _DeckDay:
        settings = self.settings(deck_id)
        buried = self._buried(deck_id, start)
        day = _DeckDay(deck_id=deck_id, buried=buried)
        records = self.store.records
        keys = self._deck_keys.get(deck_id, [])
        # The hot loop of every start-up (50,000 keys): plain locals, and the record
        # table's columns for records nobody has asked for yet (no objects made).
        row_get, record_get = records.index.get, records.get
        kinds, flags_column, dues = records.kind, records.flags, records.due
        last_reviews = records.last_review
        add_new, add_review = day.new_keys.append, day.review_keys.append
        add_review_due, add_learning = day.review_dues.append, day.learning.append
        nan = math.nan
        suspended_count = 0
        for key, row in zip(keys, map(row_get, keys)):
            if row is None:  # never studied
                if not buried or key not in buried:
                    add_new(key)
                continue
            if row >= 0:
                last_review = last_reviews[row]  # NaN: never reviewed (compares false)
                if not last_review >= start:  # the usual case: not reviewed today
                    if flags_column[row] & SUSPENDED:
                        suspended_count += 1
                    elif buried and key in buried:
                        pass
                    elif (kind := kinds[row]) == 2:  # review
                        if (due := dues[row]) < end:
                            add_review(key)
                            add_review_due(due)
                    elif kind == 0:  # new
                        add_new(key)
                    elif (due := dues[row]) < end:  # (re)learning
                        add_learning((due, key))
                    continue
            # -1: the record object is the truth; reviewed today: counts need the object.
            record = record_get(key)
            state = record.state
            kind = KIND_CODES[state.state]
            last_review = state.last_review
            if last_review is None:
                last_review = nan
            elif last_review >= start:
                day.reviewed_today += sum(1 for t in record.recent if t >= start)
                if record.first_review is not None and record.first_review >= start:
                    day.new_done += 1
                else:
                    day.review_done += 1
            due = nan if state.due is None else state.due
            if record.suspended:
                suspended_count += 1
                continue
            if key in buried:
                continue
            if kind == 0:  # new
                add_new(key)
            elif due < end:
                if kind == 2:  # review: not again on the day it was reviewed
                    if not last_review >= start:
                        add_review(key)
                        add_review_due(due)
                else:
                    add_learning((due, key))
        day.suspended = suspended_count
        day.total = len(keys)
        day.new_left = max(0, settings.new_per_day - day.new_done)
        day.review_left = max(0, settings.reviews_per_day - day.review_done)
        return day

    def counts(self) -> dict[str, DeckCounts]:
        """Today's counts per deck id (``new`` and ``due`` capped by the daily limits)."""
        result = {}
        ahead = self.clock.now().timestamp() + LEARN_AHEAD_SECONDS
        for deck in self.decks:
            day = self._deck_day(deck.id)
            result[deck.id] = DeckCounts(
                new=min(len(day.new_keys), day.new_left),
                learning=len(day.learning),
                due=min(len(day.review_keys), day.review_left),
                total=day.total,
                suspended=day.suspended,
                reviewed_today=day.reviewed_today,
                learning_now=sum(1 for due, _ in day.learning if due <= ahead),
            )
        return result

    def day_ahead(self, deck_ids: CollectionOf[str] | None = None) -> DayAhead:
        """What comes after today's work in the given decks (default: all): the cards
        due tomorrow (reviews and learning steps, and new cards up to the daily limit)
        and when the next card falls due."""
        start, end = self.day_bounds()
        tomorrow_end = end + 24 * 3600
        now = self.clock.now().timestamp()
        count = 0
        next_due: float | None = None
        for deck in self.decks:
            if deck_ids is not None and deck.id not in deck_ids:
                continue
            settings = self.settings(deck.id)
            reviews = new = 0
            for key in self._deck_keys.get(deck.id, []):
                record = self._record(key)
                if record.suspended:
                    continue
                state = record.state
                if state.state == NEW:
                    new += 1
                    continue
                if state.due is None:
                    continue
                if state.due > now and (next_due is None or state.due < next_due):
                    next_due = state.due
                if state.due < tomorrow_end:
                    reviews += 1
            count += min(reviews, settings.reviews_per_day) + min(new, settings.new_per_day)
        when = (
            None if next_due is None else to_datetime(next_due).astimezone(self.clock.now().tzinfo)
        )
        return DayAhead(tomorrow=count, next_due=when)

    # -- cards -----------------------------------------------------------------------

    def card(self, key: str) -> StudyCard | None:
        """The study card with this key in the loaded decks, if any."""
        return self._cards.get(key)

    def state(self, key: str) -> CardState:
        """Scheduling state of ``key`` (cheap: no history)."""
        return self._record(key).state

    def progress(self, key: str) -> CardProgress:
        """Progress of study card ``key`` (a new card if it has none)."""
        from trainer.sessionresults import CardProgress, ReviewEvent

        record = self._record(key)
        state = record.state
        scheduler = self._scheduler_for_key(key)
        history = tuple(
            ReviewEvent(
                key=key,
                time=event.when,
                grade=Grade(event.grade),
                duration_ms=event.duration_ms,
                correct=event.correct,
                device=event.device,
            )
            for event in self.store.history(key)
            if event.kind == "review"
        )
        return CardProgress(
            key=key,
            state=state.state,
            due=None
            if state.due is None
            else to_datetime(state.due).astimezone(self.clock.now().tzinfo),
            stability=state.stability,
            difficulty=state.difficulty,
            retrievability=scheduler.retrievability(state, self.clock.now()),
            reps=state.reps,
            lapses=state.lapses,
            suspended=record.suspended,
            flagged=record.flagged,
            leech=record.leech,
            history=history,
        )

    def study_cards(self, deck_ids: CollectionOf[str] | None = None) -> list[StudyCard]:
        """All study cards of the given decks (default: all), in deck order."""
        cards = self._cards
        return [
            cards[key]
            for deck in self.decks
            if deck_ids is None or deck.id in deck_ids
            for key in self._deck_keys[deck.id]
        ]

    def _mark(self, kind: str, key: str) -> tuple[list[str], CardRecord]:
        """Append one suspend/flag-type event; returns its ids and the record before."""
        with self.store.transaction():
            before = self._record(key).copy()
            now_ = now_text(self.clock.now())
            events = self.store.write([encode_mark(kind, new_event_id(), key, now_)])
        return [e.id for e in events], before

    def suspend(self, key: str) -> None:
        """Keep ``key`` out of sessions until unsuspended. Durable."""
        self._mark("suspend", key)

    def unsuspend(self, key: str) -> None:
        self._mark("unsuspend", key)

    def flag(self, key: str) -> None:
        """Mark ``key`` for attention (e.g. to fix its text). Durable."""
        self._mark("flag", key)

    def unflag(self, key: str) -> None:
        self._mark("unflag", key)

    def orphans(self) -> list[str]:
        """Keys with recorded progress but no card in the loaded decks (history is kept;
        it applies again if the card comes back)."""
        return sorted(key for key in self.store.records if key not in self._cards)

    def reload_deck(self, path: Path) -> LoadResult:
        """Reload one deck file; on error the last good version stays in use.

        Sessions already started keep their queue; cards removed by the edit are skipped,
        cards added appear in the next session.
        """
        from trainer.loader import load_deck

        result = load_deck(path)
        if result.deck is None or not result.ok:
            return result
        deck = result.deck
        for index, old in enumerate(self.decks):
            if old.id == deck.id or Path(old.path).resolve() == Path(path).resolve():
                self._add_deck(deck, replace_index=index)
                break
        else:
            self._add_deck(deck)
        self.store.version += 1  # cards came or went: cached queue views are stale
        return result

    def start_session(self, deck_ids: CollectionOf[str] | None = None) -> StudySession:
        """A study session over the given decks (default: all)."""
        return StudySession(self, deck_ids)

    def refresh(self) -> None:
        """Pick up answers appended by other instances or synced from other devices."""
        self.store.refresh()

    def close(self) -> None:
        """Save the load cache. Answers are already on disk; closing is not needed for them."""
        self.store.close()


class _StudyCardIndex:
    """``key -> StudyCard`` for the loaded decks, made on first use.

    Most decks have one study card per card; for those only the deck is kept, and a
    deck's ``card id -> position`` table is made when one of its keys is first looked up:
    50,000 study card objects (or even dictionary entries) made at start-up were a
    visible delay, and a deck from the deck cache decodes its cards on first use.
    """

    __slots__ = ("_made", "_plain", "_positions")

    def __init__(self) -> None:
        #: Decks of plain cards by id, and their card positions once looked up.
        self._plain: dict[str, Deck] = {}
        self._positions: dict[str, dict[str, int]] = {}
        self._made: dict[str, StudyCard] = {}

    def add_plain(self, deck: Deck) -> None:
        """A deck whose every card is one study card, keyed ``deck.id/card.id``."""
        self._plain[deck.id] = deck
        self._positions.pop(deck.id, None)

    def add_made(self, cards: list[StudyCard]) -> list[str]:
        """Study cards made already; returns their keys."""
        keys = [card.key for card in cards]
        self._made.update(zip(keys, cards))
        return keys

    def _position(self, key: str) -> tuple[str, str, int | None]:
        deck_id, _, card_id = key.partition("/")
        positions = self._positions.get(deck_id)
        if positions is None:
            deck = self._plain.get(deck_id)
            if deck is None:
                return deck_id, card_id, None
            ids, _ = deck_outline(deck)
            # The first card with an id wins (a duplicate id is reported, not studied).
            positions = self._positions[deck_id] = dict(
                zip(reversed(ids), range(len(ids) - 1, -1, -1))
            )
        return deck_id, card_id, positions.get(card_id)

    def get(self, key: str) -> StudyCard | None:
        made = self._made.get(key)
        if made is not None:
            return made
        deck_id, card_id, position = self._position(key)
        if position is None:
            return None
        cards = self._plain[deck_id].cards
        card = cards[position] if position < len(cards) else None
        if card is None or card.id != card_id:  # never another card under this key
            card = next((c for c in cards if c.id == card_id), None)
            if card is None:
                return None
        made = self._made[key] = StudyCard(deck_id, card)
        return made

    def __getitem__(self, key: str) -> StudyCard:
        card = self.get(key)
        if card is None:
            raise KeyError(key)
        return card

    def __contains__(self, key: object) -> bool:
        if key in self._made:
            return True
        return isinstance(key, str) and self._position(key)[2] is not None

    def drop_deck(self, deck_id: str, keys: list[str]) -> None:
        """Forget a deck (replaced by a live reload): its keys are ``keys``."""
        self._plain.pop(deck_id, None)
        self._positions.pop(deck_id, None)
        for key in keys:
            self._made.pop(key, None)


class _DeckDay:
    """One deck's queue material for the current study day.

    A plain class, not a dataclass: this and :class:`_Recorded` are private, and creating
    a dataclass costs about half a millisecond of every start-up.
    """

    __slots__ = (
        "buried",
        "deck_id",
        "learning",
        "new_done",
        "new_keys",
        "new_left",
        "review_done",
        "review_dues",
        "review_keys",
        "review_left",
        "reviewed_today",
        "suspended",
        "total",
    )

    def __init__(self, deck_id: str, buried: set[str]) -> None:
        self.deck_id = deck_id
        self.buried = buried
        self.new_keys: list[str] = []
        #: (due, key) of cards in (re)learning steps due before the day ends, in deck order.
        self.learning: list[tuple[float, str]] = []
        self.review_keys: list[str] = []
        #: Due times of ``review_keys``, in the same order.
        self.review_dues: list[float] = []
        self.new_done = 0
        self.review_done = 0
        self.reviewed_today = 0
        self.suspended = 0
        self.total = 0
        self.new_left = 0
        self.review_left = 0


class _Recorded:
    """One undoable action of a session."""

    __slots__ = ("answer", "before", "card", "event_ids", "limit")

    def __init__(
        self,
        card: StudyCard,
        event_ids: list[str],
        before: CardRecord,
        limit: str,
        answer: tuple[Grade, bool | None, float] | None,
    ) -> None:
        self.card = card
        self.event_ids = event_ids
        self.before = before
        #: What the action counted against: "new" or "review" (daily limits), "suspend",
        #: or "".
        self.limit = limit  # or "bury": skipped in this session, nothing written
        self.answer = answer


class CardChanged(Exception):
    """The current card was answered or suspended elsewhere (another window, a synced
    device) since it was shown: nothing was recorded, and the session moved on."""


class StudySession:
    """One sitting: today's queue, answering, recording, undo.

    ``current`` is the card to show; ``None`` means nothing is left to study right now
    (see :attr:`waiting_until` for learning cards due later today).

    Order: learning and relearning cards as soon as they are due; then due reviews
    (earliest due first); then new cards in deck order. Daily limits apply per deck;
    siblings (reverse side, other cloze deletions) of a card studied today wait until
    tomorrow.

    ``position``/``total`` give "card 3 of 41": ``position`` is the 1-based number of the
    current card in this session and ``total`` is answers given plus cards still to study.
    ``total`` may grow during a session, since a card answered Again (or in learning
    steps) comes back later the same day.
    """

    current: StudyCard | None

    def __init__(self, collection: Collection, deck_ids: CollectionOf[str] | None = None) -> None:
        self.collection = collection
        self.deck_ids = [d.id for d in collection.decks if deck_ids is None or d.id in deck_ids]
        self._clock = collection.clock
        self._answers: list[tuple[StudyCard, Grade, bool | None, float]] = []
        self._undo: list[_Recorded] = []
        self._pending: Answer | None = None
        #: What was submitted for the pending answer (kept for an override).
        self._response: Any = None
        self._shown_at = 0.0
        self._revealed_at: float | None = None
        #: Keys buried (skipped) in this session: not shown again until the next one.
        self._buried_now: set[str] = set()
        self._build()
        self.current = None
        self._advance()

    # -- queue -----------------------------------------------------------------------

    def _build(self) -> None:
        self._day_start, self._day_end = self.collection.day_bounds()
        days = [self.collection._deck_day(d) for d in self.deck_ids]
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
        self._total_cards = sum(day.total for day in days)
        self._suspended = sum(day.suspended for day in days)
        #: What others had recorded when the limits above were counted.
        self._foreign_version = self.collection.store.foreign_version
        # What the deck days hold is exactly what is available right now: seed the
        # caches with it rather than checking 50,000 keys one by one again.
        version = self.collection.store.version
        self._learning_cache: tuple[tuple[int, float, int], list[tuple[float, str]]] | None = (
            (version, self._day_end, len(self._buried_now)),
            learning,
        )
        counts = DeckCounts(
            new=sum(min(len(day.new_keys), day.new_left) for day in days),
            learning=len(learning),
            due=sum(min(len(day.review_keys), day.review_left) for day in days),
            total=self._total_cards,
            suspended=self._suspended,
            reviewed_today=len(self._answers),
        )
        self._remaining_cache: tuple[tuple, DeckCounts] | None = (
            (version, self._day_end, len(self._answers), self._suspended, len(self._buried_now)),
            counts,
        )

    def _deck_of(self, key: str) -> str:
        return key.split("/", 1)[0]

    def _available(self, key: str, want: str) -> bool:
        collection = self.collection
        if key not in collection._cards or key in self._buried_now:
            return False  # removed by a live reload, or buried in this session
        record = collection._record(key)
        if record.suspended:
            return False
        state = record.state.state
        if want == NEW:
            return (
                state == NEW
                and self._new_left.get(self._deck_of(key), 0) > 0
                and not self._is_buried(key)
            )
        if want == REVIEW:
            return (
                state == REVIEW
                and record.state.due is not None
                and record.state.due < self._day_end
                and (record.state.last_review or 0.0) < self._day_start
                and self._review_left.get(self._deck_of(key), 0) > 0
                and not self._is_buried(key)
            )
        return state in (LEARNING, RELEARNING) and (record.state.due or 0.0) < self._day_end

    def _is_buried(self, key: str) -> bool:
        card = self.collection._cards.get(key)
        if card is None:
            return False
        for sibling in self.collection._siblings(card):
            if sibling.note_key == card.note_key and sibling.key != key:
                last = self.collection._record(sibling.key).state.last_review
                if last is not None and last >= self._day_start:
                    return True
        return False

    def _learning(self) -> list[tuple[float, str]]:
        """(due, key) of learning cards due today, earliest first."""
        store = self.collection.store
        stamp = (store.version, self._day_end, len(self._buried_now))
        cached = self._learning_cache
        if cached is not None and cached[0] == stamp:
            return cached[1]
        records = store.records
        result = []
        for key in self._learning_candidates:
            if self._available(key, LEARNING):
                result.append((records[key].state.due or 0.0, key))
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
            # min() returns the first of equal dues: the sorted order's first key.
            yield self._reviews[min(range(len(dues)), key=dues.__getitem__)]
            if self._review_order is None:
                reviews = self._reviews
                self._review_order = list(
                    map(reviews.__getitem__, sorted(range(len(dues)), key=dues.__getitem__))
                )
            yield from islice(self._review_order, 1, None)
        else:
            yield from self._review_order

    def _next_key(self) -> str | None:
        now = self._clock.now().timestamp()
        learning = self._learning()
        if learning and learning[0][0] <= now:
            return learning[0][1]
        for key in self._reviews_in_order():
            if self._available(key, REVIEW):
                return key
        for key in self._new_keys:
            if self._available(key, NEW):
                return key
        if learning and learning[0][0] <= now + LEARN_AHEAD_SECONDS:
            return learning[0][1]
        return None

    def _show(self, card: StudyCard | None) -> None:
        self.current = card
        self._shown_last_id = None if card is None else self.collection._record(card.key).last_id
        self._pending = None
        self._response = None
        self._revealed_at = None
        self._shown_at = self._clock.monotonic()

    def _advance(self) -> None:
        # A new study day (4 am passed mid-session) brings a new queue and new limits;
        # so do answers from other windows: they count against the same daily limits.
        if (
            self._clock.now().timestamp() >= self._day_end
            or self.collection.store.foreign_version != self._foreign_version
        ):
            self._build()
        key = self._next_key()
        self._show(None if key is None else self.collection._cards[key])

    def next(self) -> StudyCard | None:
        """Re-check the queue (e.g. after waiting for a learning card); returns ``current``."""
        if self.current is None:
            self._advance()
        return self.current

    def _changed_elsewhere(self, record: CardRecord) -> bool:
        """Whether the current card was answered or suspended by someone else since shown."""
        return record.last_id != self._shown_last_id or record.suspended

    def recheck(self) -> bool:
        """Read what other windows and devices recorded; if the current card was answered
        or suspended there since it was shown, move on. True if the current card changed."""
        store = self.collection.store
        store.refresh()
        card = self.current
        if card is None or not self._changed_elsewhere(self.collection._record(card.key)):
            return False
        self._advance()
        return True

    @property
    def remaining(self) -> DeckCounts:
        """Cards left today over the session's decks (new, learning, due)."""
        stamp = (
            self.collection.store.version,
            self._day_end,
            len(self._answers),
            self._suspended,
            len(self._buried_now),
        )
        if self._remaining_cache is not None and self._remaining_cache[0] == stamp:
            return self._remaining_cache[1]
        new = due = 0
        # Counting stops at each deck's limit: cheap even with 50,000 cards.
        for deck_id, keys in self._new_by_deck.items():
            left = self._new_left.get(deck_id, 0)
            available = 0
            for key in keys:
                if available >= left:
                    break
                available += self._available(key, NEW)
            new += available
        for deck_id, keys in self._reviews_by_deck.items():
            left = self._review_left.get(deck_id, 0)
            available = 0
            for key in keys:
                if available >= left:
                    break
                available += self._available(key, REVIEW)
            due += available
        counts = DeckCounts(
            new=new,
            learning=len(self._learning()),
            due=due,
            total=self._total_cards,
            suspended=self._suspended,
            reviewed_today=len(self._answers),
        )
        self._remaining_cache = (stamp, counts)
        return counts

    @property
    def position(self) -> int:
        return len(self._answers) + (1 if self.current is not None else 0)

    @property
    def total(self) -> int:
        remaining = self.remaining
        to_study = remaining.new + remaining.learning + remaining.due
        if self.current is not None and not self._counted(self.current.key):
            to_study += 1
        return len(self._answers) + to_study

    def _counted(self, key: str) -> bool:
        """Whether ``key`` is already in ``remaining``'s numbers."""
        record = self.collection._record(key)
        state = record.state.state
        if state == NEW:
            return self._available(key, NEW)
        if state == REVIEW:
            return self._available(key, REVIEW)
        return key in self._learning_candidates and self._available(key, LEARNING)

    @property
    def waiting_until(self) -> datetime | None:
        """When ``current`` is ``None`` but learning cards are due later today: when."""
        if self.current is not None:
            return None
        learning = self._learning()
        if not learning:
            return None
        return to_datetime(learning[0][0]).astimezone(self._clock.now().tzinfo)

    # -- answering -------------------------------------------------------------------

    def _require_current(self) -> StudyCard:
        if self.current is None:
            raise ValueError("no current card: the session is done for now")
        return self.current

    def submit(self, response: Any, *, duration: float | None = None) -> Answer:
        """Grade ``response`` to the current card (not recorded yet).

        Auto-graded types are graded by :func:`trainer.grading.grade`; for ``basic`` cards
        ``response`` is ignored. ``duration`` (seconds) defaults to the time since the card
        was shown. May be called again to replace the previous answer.
        """
        from trainer.sessionresults import Answer

        card = self._require_current()
        if duration is None:
            end = self._revealed_at if self._revealed_at is not None else self._clock.monotonic()
            duration = max(0.0, end - self._shown_at)
        settings = self.collection.settings(card.deck_id)
        if card.type.self_graded:
            answer = Answer(None, suggest_grade(None, duration, settings), duration)
        else:
            from trainer.grading import grade

            result = grade(card, response)
            lucky_guess = is_guessable(card.card) and self.collection.state(card.key).state in (
                NEW,
                LEARNING,
            )
            suggested = suggest_grade(
                result.correct, duration, settings, typos=result.typos, lucky_guess=lucky_guess
            )
            answer = Answer(result, suggested, duration)
        self._pending = answer
        self._response = response
        return answer

    def preview(self) -> dict[Grade, datetime]:
        """When each grade would make the current card due next (the schedule the
        grade buttons show), as :meth:`record` would compute it now."""
        card = self._require_current()
        when = truncate_to_ms(self._clock.now())
        state = self.collection._record(card.key).state
        scheduler = self.collection.scheduler(card.deck_id)
        return {
            grade: to_datetime(scheduler.review(card.key, state, grade, when).due).astimezone(
                when.tzinfo
            )
            for grade in Grade
        }

    def bury_current(self) -> None:
        """Skip the current card for the rest of this session (undoable); the next
        session shows it again. Nothing is written: its schedule is untouched."""
        card = self._require_current()
        self._buried_now.add(card.key)
        self._undo.append(_Recorded(card, [], self.collection._record(card.key), "bury", None))
        self._advance()

    def refresh_current(self) -> StudyCard | None:
        """After a live reload: the current card with its new text (same key)."""
        if self.current is not None:
            self.current = self.collection._cards.get(self.current.key) or self.current
        return self.current

    def reveal(self) -> None:
        """Basic cards: the back is shown now (the answer time stops here)."""
        self._require_current()
        if self._revealed_at is None:
            self._revealed_at = self._clock.monotonic()

    def can_override(self) -> bool:
        """Whether the pending answer is a typed one (typed, cloze) the grader called
        wrong."""
        pending = self._pending
        return (
            pending is not None
            and pending.result is not None
            and not pending.result.correct
            and isinstance(self._response, str)
            and self.current is not None
            and self.current.type in (CardType.TYPED, CardType.CLOZE)
        )

    def record(
        self, grade: Grade, *, override: bool = False, only_if_unchanged: bool = False
    ) -> None:
        """Record ``grade`` for the current card, durably (fsync) before returning; advance.

        ``override``: the learner says "I was right" to a typed answer graded wrong (see
        :meth:`can_override`): it is recorded as correct, with the text typed, in the
        review's ``override`` field.

        Raises :class:`ProgressError` if the answer could not be saved; the session then
        stays on the same card and nothing earlier is lost. With ``only_if_unchanged``,
        a card answered or suspended elsewhere since it was shown (checked under the
        log's lock) is not recorded again: the session moves on and :class:`CardChanged`
        is raised.
        """
        card = self._require_current()
        grade = Grade(grade)
        if override and not self.can_override():
            raise ValueError("only a typed answer graded wrong can be overridden")
        overridden = None
        if override:
            from trainer.textsafe import sanitize

            overridden = sanitize(self._response)[0]
        if self._pending is not None:
            correct = self._pending.result.correct if self._pending.result is not None else None
            correct = True if override else correct
            duration = self._pending.duration or 0.0
        else:
            correct = None
            end = self._revealed_at if self._revealed_at is not None else self._clock.monotonic()
            duration = max(0.0, end - self._shown_at)
        collection = self.collection
        store = collection.store
        key = card.key
        settings = collection.settings(card.deck_id)
        with store.transaction():
            before = collection._record(key).copy()
            changed = only_if_unchanged and self._changed_elsewhere(before)
            if not changed:
                when = truncate_to_ms(self._clock.now())
                after = collection.scheduler(card.deck_id).review(key, before.state, grade, when)
                lines = [
                    encode_review(
                        new_event_id(),
                        key,
                        now_text(when),
                        int(grade),
                        round(duration * 1000),
                        correct,
                        before.last_id,
                        after,
                        overridden,
                    )
                ]
                if after.lapses > before.state.lapses and is_leech_lapse(
                    after.lapses, settings.leech_lapses
                ):
                    lines.append(encode_mark("leech", new_event_id(), key, now_text(when)))
                events = store.write(lines)
        if changed:
            self._advance()
            raise CardChanged(key)
        if before.state.state == NEW:
            limit = "new"
        elif before.state.state == REVIEW and (before.state.last_review or 0.0) < self._day_start:
            limit = "review"
        else:
            limit = ""
        self._count_limit(card.deck_id, limit, -1)
        if after.state in (LEARNING, RELEARNING):
            self._learning_candidates.add(key)
        self._answers.append((card, grade, correct, duration))
        self._undo.append(
            _Recorded(card, [e.id for e in events], before, limit, (grade, correct, duration))
        )
        self._advance()

    def _count_limit(self, deck_id: str, limit: str, delta: int) -> None:
        if limit == "new":
            self._new_left[deck_id] = self._new_left.get(deck_id, 0) + delta
        elif limit == "review":
            self._review_left[deck_id] = self._review_left.get(deck_id, 0) + delta
        elif limit == "suspend":
            self._suspended -= delta  # an undone suspend: one suspended card fewer

    def undo(self) -> StudyCard | None:
        """Undo the last recorded action (answer or suspend), several levels deep.

        The undo is recorded in the progress log (an ``undo`` event naming the undone
        events), so a reload gives exactly the state before the undone action. The undone
        card becomes current again; returns it, or ``None`` when there is nothing to undo.
        """
        if not self._undo:
            return None
        action = self._undo[-1]
        if action.limit == "bury":  # nothing was written
            self._undo.pop()
            self._buried_now.discard(action.card.key)
            self._show(action.card)
            return action.card
        store = self.collection.store
        key = action.card.key
        with store.transaction():
            current = store.records.get(key)
            # Someone else (another instance, a sync) changed the card since: let the
            # replay work out the state instead of restoring our copy.
            untouched = current is not None and (
                current.last_id == (action.event_ids[0] if action.answer else action.before.last_id)
            )
            store.write(
                [encode_undo(new_event_id(), now_text(self._clock.now()), tuple(action.event_ids))],
                restore={key: action.before} if untouched else None,
            )
            if not untouched:
                store.reload()
        self._undo.pop()
        self._count_limit(action.card.deck_id, action.limit, +1)
        if action.answer is not None and self._answers:
            self._answers.pop()
        self._show(action.card)
        return action.card

    def suspend_current(self) -> None:
        """Suspend the current card (durable, undoable) and move to the next."""
        card = self._require_current()
        ids, before = self.collection._mark("suspend", card.key)
        self._undo.append(_Recorded(card, ids, before, "suspend", None))
        self._suspended += 1
        self._advance()

    def flag_current(self) -> bool:
        """Toggle the current card's flag (durable, undoable); returns the new value."""
        card = self._require_current()
        flagged = not self.collection._record(card.key).flagged
        ids, before = self.collection._mark("flag" if flagged else "unflag", card.key)
        self._undo.append(_Recorded(card, ids, before, "", None))
        return flagged

    def summary(self) -> SessionSummary:
        from trainer.sessionresults import SessionSummary

        studied = len(self._answers)
        correct = sum(1 for _, grade, _, _ in self._answers if grade != Grade.AGAIN)
        missed: list[StudyCard] = []
        seen: set[str] = set()
        for card, grade, _, _ in self._answers:
            if grade == Grade.AGAIN and card.key not in seen:
                seen.add(card.key)
                missed.append(card)
        return SessionSummary(
            studied=studied,
            correct=correct,
            accuracy=correct / studied if studied else None,
            time_spent=sum(duration for *_, duration in self._answers),
            missed=missed,
        )
