"""Decks plus their progress and settings: :class:`Collection`.

Shared by the home screen, a study session (:mod:`trainer.session`), browse, the stats
and the headless protocol. Today's queue is :mod:`trainer.queue`'s; this module keeps the
decks' study cards, the progress store and the scheduler settings, and answers for them
through public methods only.

Pure core: no textual, no rich.
"""

from __future__ import annotations

from collections.abc import Collection as CollectionOf
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct

from trainer.clock import Clock
from trainer.model import Card, Deck, StudyCard, StudyOutline, study_variants
from trainer.progress.errors import ProgressError
from trainer.progress.events import encode_mark, now_text
from trainer.progress.replay import CardRecord
from trainer.progress.store import new_event_id
from trainer.queue import (
    NEW_QUEUE,
    NOT_TODAY,
    SUSPENDED_QUEUE,
    DayAhead,
    DeckCounts,
    DeckDay,
    build_deck_day,
    buried_today,
    record_queue,
)
from trainer.scheduling import (
    LEARNING,
    RELEARNING,
    CardState,
    Grade,
    Scheduler,
    SchedulerSettings,
    day_start,
    to_datetime,
)

if TYPE_CHECKING:
    from trainer.config import Config
    from trainer.diagnostics import Diagnostic
    from trainer.loader import LoadResult
    from trainer.session import StudySession

__all__ = ["CardProgress", "Collection", "DayAhead", "DeckCounts", "ProgressError", "ReviewEvent"]

_EMPTY_RECORD = CardRecord()


class ReviewEvent(Struct, frozen=True):
    """One recorded answer, as kept in the progress log.

    Attributes: ``key``, ``time``, ``grade``, ``duration_ms`` (``None`` if unknown),
    ``correct`` (right or wrong for auto-graded cards; ``None`` for self-graded ones),
    ``device`` (whose log holds it).
    """

    key: str
    time: datetime
    grade: Grade
    duration_ms: int | None
    correct: bool | None
    device: str


class CardProgress(Struct, frozen=True):
    """Everything known about one study card's progress.

    Attributes: ``key``; ``state`` ("new", "learning", "review" or "relearning"); ``due``;
    FSRS ``stability`` and ``difficulty``; ``retrievability`` (predicted probability of
    recall now, ``None`` for new cards); ``reps``; ``lapses``; the marks ``suspended``,
    ``flagged``, ``leech`` and ``buried`` (until the next study day); ``history`` (its
    answers, oldest first; ``None`` when asked for without it).
    """

    key: str
    state: str
    due: datetime | None
    stability: float | None
    difficulty: float | None
    retrievability: float | None
    reps: int
    lapses: int
    suspended: bool
    flagged: bool
    leech: bool
    history: tuple[ReviewEvent, ...] | None
    buried: bool = False


class Collection:
    """Decks and their progress: shared by home screen, session, browse and headless.

    Attributes: ``decks`` (loaded, in order); ``load_diagnostics`` (problems found while
    loading the deck files, see :mod:`trainer.diagnostics`); ``warnings`` (about the
    progress store: quarantined lines...); ``store`` (the
    :class:`trainer.progress.store.ProgressStore`); ``clock``, ``config``,
    ``progress_dir``; ``read_only`` (opened with ``read_only=True``: nothing is ever
    written, and recording raises :class:`ProgressError`).
    """

    decks: list[Deck]
    load_diagnostics: list[Diagnostic]

    def __init__(
        self,
        decks: Sequence[Deck],
        progress_dir: Path,
        *,
        clock: Clock | None = None,
        config: Config | None = None,
        device: str | None = None,
        load_diagnostics: Sequence[Diagnostic] = (),
        read_only: bool = False,
    ) -> None:
        """Prefer :meth:`open` or :meth:`from_decks`."""
        from trainer.config import Config, load_config
        from trainer.progress.store import ProgressStore, this_device

        if clock is None:
            from trainer.clock import SystemClock

            clock = SystemClock()
        self.clock: Clock = clock
        self.config = config if config is not None else load_config()
        self.progress_dir = Path(progress_dir)
        self.load_diagnostics = list(load_diagnostics)
        self.read_only = read_only
        self.decks = []
        self._cards = _StudyCardIndex()
        self._schedulers: dict[SchedulerSettings, Scheduler] = {}
        #: The study keys of each deck, in deck order.
        self._deck_keys: dict[str, Sequence[str]] = {}
        #: The outline of each deck with sibling groups (the keys of one authored card
        #: with several study cards: a reverse side, cloze deletions), and once asked
        #: for, each group by its note key.
        self._sibling_outline: dict[str, StudyOutline] = {}
        self._notes: dict[str, dict[str, Sequence[str]]] = {}
        self._day_cache: dict[str, tuple[tuple[int, float, float], DeckDay]] = {}
        for deck in decks:
            self._add_deck(deck)
        assert isinstance(self.config, Config)
        self.store = ProgressStore.open(
            self.progress_dir,
            device=device or this_device(create=not read_only),
            clock=clock,
            scheduler_for=self._scheduler_for_key,
            fingerprint=self._settings_fingerprint(),
            read_only=read_only,
        )
        # The snapshot keeps each deck's rows in the order of its keys: the queue then
        # reads a deck's columns a slice at a time (trainer.queue).
        self.store.key_order = lambda: self._deck_keys
        if self.store.full_replay and self.store.records and not read_only:
            self.store.save_snapshot()

    @property
    def warnings(self) -> list[str]:
        """Problems found in the progress logs, and notes about this run."""
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
        clock: Clock | None = None,
        config: Config | None = None,
        device: str | None = None,
        read_only: bool = False,
    ) -> Collection:
        """Load the deck files (files or directories) and the progress in ``progress_dir``.

        ``clock`` defaults to the system clock, ``config`` to the global config file,
        ``device`` to this machine's id.
        Decks that fail to load are left out and reported in :attr:`load_diagnostics`.
        Unchanged deck files are read from the deck cache (:mod:`trainer.deckcache`;
        ``TRAINER_DECK_CACHE=off`` disables it).

        ``read_only=True`` writes nothing anywhere: no progress directory, snapshot or
        device id is created, the deck cache is read but not written, and recording
        raises :class:`ProgressError`. It works on a directory the user cannot write.

        Raises :class:`ProgressError` if the progress directory cannot be read, and
        :class:`trainer.config.ConfigError` for an invalid config file.
        """
        from trainer.decksource import open_decks

        decks, diagnostics = open_decks(deck_paths, update_cache=not read_only)
        return cls(
            decks,
            progress_dir,
            clock=clock,
            config=config,
            device=device,
            load_diagnostics=diagnostics,
            read_only=read_only,
        )

    @classmethod
    def from_decks(
        cls,
        decks: Sequence[Deck],
        progress_dir: Path,
        *,
        clock: Clock | None = None,
        config: Config | None = None,
        device: str | None = None,
        read_only: bool = False,
    ) -> Collection:
        """Like :meth:`open`, with decks already loaded (tests, embedding)."""
        return cls(
            decks, progress_dir, clock=clock, config=config, device=device, read_only=read_only
        )

    # -- decks and settings ----------------------------------------------------------

    def _add_deck(self, deck: Deck, replace_index: int | None = None) -> None:
        if replace_index is None:
            self.decks.append(deck)
        else:
            old = self.decks[replace_index]
            self._cards.drop_deck(old.id, self._deck_keys.pop(old.id, ()))
            self._sibling_outline.pop(old.id, None)
            self._notes.pop(old.id, None)
            self.decks[replace_index] = deck
        # Keys and sibling groups from the deck's outline: a deck from the cache does not
        # even decode its cards (card and study card objects are made on demand).
        outline = deck.study_outline()
        # Progress is kept by card id: a second card with one id would share (and double)
        # the first one's history. Only the first is studied; the others are reported.
        if outline.duplicated:
            self._report_duplicate_ids(deck)
        self._cards.add_deck(deck)
        self._deck_keys[deck.id] = outline.keys
        if outline.group_bounds:
            self._sibling_outline[deck.id] = outline

    def _report_duplicate_ids(self, deck: Deck) -> None:
        """Add a ``duplicate-card-id`` error for each card whose id an earlier card of
        ``deck`` has (what ``trainer validate`` reports too)."""
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

    def card_record(self, key: str) -> CardRecord:
        """What the progress says about ``key`` (an empty record for a new card). The
        record is the store's own: read it, never change it."""
        record = self.store.records.get(key)
        return record if record is not None else _EMPTY_RECORD

    def last_review(self, key: str) -> float | None:
        """When ``key`` was last answered (POSIX timestamp), ``None`` if never."""
        return self.store.records.last_review_of(key)

    def siblings(self, key: str) -> list[str]:
        """Keys of the study cards of ``key``'s authored card (itself included; just
        ``[key]`` for a card with no reverse side or other cloze deletions)."""
        deck_id = key.partition("/")[0]
        notes = self._notes.get(deck_id)
        if notes is None:
            outline = self._sibling_outline.get(deck_id)
            if outline is None:
                return [key]
            keys = outline.keys
            # Made for a deck when first asked (a start-up asks for few decks' siblings).
            notes = self._notes[deck_id] = {
                keys[start].partition("::")[0]: keys[start:stop] for start, stop in outline.groups()
            }
        group = notes.get(key.partition("::")[0])
        return [key] if group is None or key not in group else list(group)

    def deck_day(self, deck_id: str) -> DeckDay:
        """The deck's queue material for today (:mod:`trainer.queue`). The home screen's
        counts and the session started from it share one computation (callers never
        change what it holds); any change to the progress (``store.version``) or a new
        study day makes a new one."""
        start, end = self.day_bounds()
        stamp = (self.store.version, start, end)
        cached = self._day_cache.get(deck_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        day = build_deck_day(
            deck_id,
            self._deck_keys.get(deck_id, []),
            self.store.records,
            self.siblings,
            self.settings(deck_id),
            start,
            end,
        )
        self._day_cache[deck_id] = (stamp, day)
        return day

    def counts(self) -> dict[str, DeckCounts]:
        """Today's counts per deck id (``new`` and ``due`` capped by the daily limits)."""
        now = self.clock.now().timestamp()
        return {deck.id: self.deck_day(deck.id).counts(now) for deck in self.decks}

    def day_ahead(self, deck_ids: CollectionOf[str] | None = None) -> DayAhead:
        """What comes after today's work in the given decks (default: all): the cards
        due tomorrow (reviews and learning steps, and new cards up to the daily limit)
        and when the next card can be studied.

        That is when a learning step falls due; a review from the start of the study
        day it is due on; new cards at the next rollover. A card held back today
        (buried, a sibling answered, a daily limit reached) comes at the rollover.
        """
        from trainer.studyday import StudyDays

        start, end = self.day_bounds()
        tomorrow_end = end + 24 * 3600
        now = self.clock.now().timestamp()
        days = StudyDays(self.config.scheduler.day_rollover_hour, self.clock.zone)
        count = 0
        next_due: float | None = None
        for deck in self.decks:
            if deck_ids is not None and deck.id not in deck_ids:
                continue
            settings = self.settings(deck.id)
            reviews = new = 0
            for key in self._deck_keys.get(deck.id, []):
                record = self.card_record(key)
                # Tomorrow's queue, by the rule that makes today's.
                tomorrow_queue = record_queue(record, end, tomorrow_end)
                if tomorrow_queue == SUSPENDED_QUEUE:
                    continue
                if tomorrow_queue == NEW_QUEUE:
                    new += 1
                    continue
                if tomorrow_queue != NOT_TODAY:
                    reviews += 1
                state = record.state
                if state.due is None:
                    continue
                ready = (
                    state.due if state.state in (LEARNING, RELEARNING) else days.start(state.due)
                )
                if ready <= now or (ready < end and buried_today(record, start)):
                    ready = end
                if next_due is None or ready < next_due:
                    next_due = ready
            if new and settings.new_per_day and (next_due is None or end < next_due):
                next_due = end
            count += min(reviews, settings.reviews_per_day) + min(new, settings.new_per_day)
        when = (
            None if next_due is None else to_datetime(next_due).astimezone(self.clock.now().tzinfo)
        )
        return DayAhead(tomorrow=count, next_due=when)

    # -- cards -----------------------------------------------------------------------

    def card(self, key: str) -> StudyCard | None:
        """The study card with this key in the loaded decks, if any."""
        return self._cards.get(key)

    def has_card(self, key: str) -> bool:
        """Whether the loaded decks have a study card ``key`` (without making it)."""
        return key in self._cards

    def state(self, key: str) -> CardState:
        """Scheduling state of ``key`` (cheap: no history)."""
        return self.card_record(key).state

    def progress(self, key: str, *, history: bool = True) -> CardProgress:
        """Progress of study card ``key`` (a new card if it has none).

        ``history=False`` leaves its answers out (``history`` is ``None``): the first
        history asked for reads every log, seconds for a million answers (see
        :meth:`load_history`).
        """
        record = self.card_record(key)
        state = record.state
        scheduler = self._scheduler_for_key(key)
        answers = (
            tuple(
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
            if history
            else None
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
            history=answers,
            buried=self.is_buried(key),
        )

    @property
    def history_loaded(self) -> bool:
        """Whether every card's history has been read (:meth:`progress` is then cheap)."""
        return self.store.history_loaded

    def load_history(self) -> None:
        """Read every card's history now. Safe to call from another thread than the one
        studying: a UI calls it in the background so that it never freezes."""
        self.store.load_history()

    def study_cards(self, deck_ids: CollectionOf[str] | None = None) -> list[StudyCard]:
        """All study cards of the given decks (default: all), in deck order."""
        cards = self._cards
        return [
            cards[key]
            for deck in self.decks
            if deck_ids is None or deck.id in deck_ids
            for key in self._deck_keys[deck.id]
        ]

    def write_mark(self, kind: str, key: str) -> tuple[list[str], CardRecord]:
        """Append one mark event (``suspend``, ``flag``, ``bury``... see
        :data:`trainer.progress.events.MARK_KINDS`) for ``key``, durably; returns the
        event ids and a copy of the record before it (what an undo restores)."""
        with self.store.transaction():
            before = self.card_record(key).copy()
            now_ = now_text(self.clock.now())
            events = self.store.write([encode_mark(kind, new_event_id(), key, now_)])
        return [e.id for e in events], before

    def suspend(self, key: str) -> None:
        """Keep ``key`` out of sessions until unsuspended. Durable."""
        self.write_mark("suspend", key)

    def unsuspend(self, key: str) -> None:
        self.write_mark("unsuspend", key)

    def flag(self, key: str) -> None:
        """Mark ``key`` for attention (e.g. to fix its text). Durable."""
        self.write_mark("flag", key)

    def unflag(self, key: str) -> None:
        self.write_mark("unflag", key)

    def bury(self, key: str) -> None:
        """Keep ``key`` out of sessions until the next study day (the rollover hour, in
        every window and on every device that syncs this log). Durable; an undo of the
        event brings it back."""
        self.write_mark("bury", key)

    def is_buried(self, key: str) -> bool:
        """Whether ``key`` is buried for the rest of the current study day."""
        return buried_today(self.card_record(key), self.day_bounds()[0])

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
        from trainer.session import StudySession

        return StudySession(self, deck_ids)

    def refresh(self) -> None:
        """Pick up answers appended by other instances or synced from other devices."""
        self.store.refresh()

    def close(self) -> None:
        """Save the load cache. Answers are already on disk; closing is not needed for them."""
        self.store.close(save_snapshot=not self.read_only)


class _StudyCardIndex:
    """``key -> StudyCard`` for the loaded decks, made on first use.

    Only the decks are kept: a deck's ``card id -> position`` table is made when one of
    its keys is first looked up, and a study card when it is asked for. 50,000 study card
    objects (or even dictionary entries) made at start-up were a visible delay, and a deck
    from the deck cache decodes its cards on first use.
    """

    __slots__ = ("_decks", "_made", "_positions")

    def __init__(self) -> None:
        self._decks: dict[str, Deck] = {}
        #: Per deck: its outline's variants, and each card id's position.
        self._positions: dict[str, tuple[Sequence[tuple[str, ...]] | None, dict[str, int]]] = {}
        self._made: dict[str, StudyCard] = {}

    def add_deck(self, deck: Deck) -> None:
        """A deck's study cards: ``deck.id/card.id``, and ``::variant`` for siblings."""
        self._decks[deck.id] = deck
        self._positions.pop(deck.id, None)

    def _position(self, key: str) -> tuple[str, str, str, int | None]:
        """The deck id, card id, variant and card position of ``key`` (position ``None``:
        no such study card)."""
        base, _, variant = key.partition("::")
        deck_id, _, card_id = base.partition("/")
        known = self._positions.get(deck_id)
        if known is None:
            deck = self._decks.get(deck_id)
            if deck is None:
                return deck_id, card_id, variant, None
            ids, variants = deck.outline()
            # The first card with an id wins (a duplicate id is reported, not studied).
            known = self._positions[deck_id] = (
                variants,
                dict(zip(reversed(ids), range(len(ids) - 1, -1, -1))),
            )
        variants, positions = known
        position = positions.get(card_id)
        if position is not None and variant not in (
            ("",) if variants is None else variants[position]
        ):
            position = None
        return deck_id, card_id, variant, position

    def get(self, key: str) -> StudyCard | None:
        made = self._made.get(key)
        if made is not None:
            return made
        deck_id, card_id, variant, position = self._position(key)
        if position is None:
            return None
        deck = self._decks[deck_id]
        card = deck.card_at(position)
        if card is None or card.id != card_id:  # never another card under this key
            card = next((c for c in deck.cards if c.id == card_id), None)
            if card is None or variant not in study_variants(card):
                return None
        made = self._made[key] = StudyCard(deck_id, card, variant)
        return made

    def __getitem__(self, key: str) -> StudyCard:
        card = self.get(key)
        if card is None:
            raise KeyError(key)
        return card

    def __contains__(self, key: object) -> bool:
        if key in self._made:
            return True
        return isinstance(key, str) and self._position(key)[3] is not None

    def drop_deck(self, deck_id: str, keys: Sequence[str]) -> None:
        """Forget a deck (replaced by a live reload): its keys are ``keys``."""
        self._decks.pop(deck_id, None)
        self._positions.pop(deck_id, None)
        for key in keys:
            self._made.pop(key, None)
