"""``trainer validate``'s engine: load deck files and check them beyond their syntax.

:func:`validate` finds deck files, loads them (:mod:`trainer.loader` reports syntax, shape
and type problems), then runs, over what loaded:

* the semantic rules (:mod:`.rules`) per card, per deck and across the collection;
* the answer-key tests through the real grader (:mod:`.answer_keys`);
* the quality warnings (:mod:`.quality`, :mod:`.near_duplicates`);
* the grounding check (:mod:`.grounding`) when a sources directory is given.

A check that crashes becomes an ``internal-error`` diagnostic at the card or file it was
looking at, so one bug never hides the other results and never shows a traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from trainer.diagnostics import Diagnostic, LoadResult, Severity
from trainer.model import Card, Deck, Location
from trainer.validation.findings import Findings

if TYPE_CHECKING:
    from trainer.validation.near_duplicates import Terms

#: Diagnostic codes meaning the command was given a path it cannot use (exit code 2).
PATH_CODES = frozenset({"path-not-found", "path-unreadable", "symlink-loop"})

GROUNDING_SKIPPED = (
    "grounding check skipped: pass --sources DIR to check that answers "
    "occur in the documents cards cite"
)
#: Collections of at least this many bytes of deck files are worth a worker (about
#: 1,500 cards): below it, starting one costs more than it saves.
WORKER_MIN_BYTES = 500_000
#: Share of the bytes the worker loads and checks. This process checks the rest and
#: then runs the collection-wide checks over every deck (near duplicates, about 15% of
#: the work) while the worker idles; the worker packs its decks, this process unpacks
#: them (see .worker). Measured on benchmarks/validate_bench.py: see WORKER_SHARE's commit.
WORKER_SHARE = 0.5
WORKER_NOTE = "the cards were checked in 2 processes"


@dataclass
class ValidationReport:
    """Everything one validation run found."""

    #: Deck files examined, in the order found.
    files: list[Path] = field(default_factory=list)
    #: Decks that loaded (possibly with some cards left out).
    decks: list[Deck] = field(default_factory=list)
    #: Stand-ins for decks whose header failed: their cards are checked all the same,
    #: so one run reports everything (see trainer.loader.LoadResult.partial).
    partial_decks: list[Deck] = field(default_factory=list)
    #: Errors and warnings, in file order then position.
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: Remarks about the run itself (a check skipped, ...), not about any deck.
    notes: list[str] = field(default_factory=list)

    @property
    def cards(self) -> int:
        """Cards that loaded, over all decks (those with a header error too)."""
        return sum(len(deck.cards) for deck in (*self.decks, *self.partial_decks))

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.WARNING)

    @property
    def bad_paths(self) -> bool:
        """True when a path given (or met while searching) could not be used."""
        return any(d.code in PATH_CODES for d in self.diagnostics)


def validate(
    paths: Iterable[Path], *, sources: Path | None = None, executor: Executor | None = None
) -> ValidationReport:
    """Find, load and check every deck file under ``paths``. Never raises for bad input.

    ``sources`` is the directory of the documents cards cite; without it the grounding
    check is skipped (and a note says so).

    ``executor`` (for example a :class:`concurrent.futures.ProcessPoolExecutor` the
    calling program made): the first files (:data:`WORKER_SHARE` of the bytes) are loaded
    and their cards checked there, by :func:`.worker.check_files`, while this process
    loads and checks the rest; the collection-wide checks then run here over every deck.
    The report is the same, in the same order, as without one (a note says it was used);
    should the work fail there, it is done here.
    """
    from trainer.loader import find_deck_files, load_deck

    report = ValidationReport()
    files, problems = find_deck_files(paths)
    report.files = files
    report.diagnostics.extend(problems)
    shared = _worker_share(files) if executor is not None else 0
    future = None
    if executor is not None and shared:
        from trainer.validation.worker import check_files

        future = executor.submit(check_files, files[:shared])
    else:
        shared = 0
    results = [load_deck(path) for path in files[shared:]]
    checked = check_cards([result.deck for result in results if result.deck is not None])
    terms = None
    if future is not None:
        # While the worker finishes and packs its decks, the near-duplicate check's
        # per-card part is done for these.
        mine = _card_terms(results)
        try:
            theirs, their_findings = future.result()
            report.notes.append(WORKER_NOTE)
        except Exception:  # the worker failed: its share is loaded and checked here
            theirs = [load_deck(path) for path in files[:shared]]
            their_findings = check_cards([r.deck for r in theirs if r.deck is not None])
        results[:0] = theirs
        checked[:0] = their_findings
        if mine is not None:
            terms = _card_terms(theirs)
            terms = None if terms is None else terms + mine
    for result in results:
        report.diagnostics.extend(result.diagnostics)
        if result.deck is not None:
            report.decks.append(result.deck)
        elif result.partial is not None:
            report.partial_decks.append(result.partial)
    report.diagnostics.extend(checked)
    report.diagnostics.extend(_check_collection(report.decks, sources, terms))
    # Only their cards: a broken header has no place in the collection-wide checks.
    report.diagnostics.extend(check_cards(report.partial_decks))
    if sources is None:
        report.notes.append(GROUNDING_SKIPPED)
    order = {path: index for index, path in enumerate(files)}
    # Stable: diagnostics at one place keep the order the checks found them in.
    report.diagnostics.sort(key=lambda d: (order.get(d.path, -1), d.line, d.column))
    return report


def _worker_share(files: Sequence[Path]) -> int:
    """How many of the first files (:data:`WORKER_SHARE` of the bytes, never all) a
    worker gets; none for a small collection (starting a worker would cost more than it
    saves)."""
    sizes = []
    for path in files:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)
    total = sum(sizes)
    if total < WORKER_MIN_BYTES:
        return 0
    wanted, counted = total * WORKER_SHARE, 0
    for index, size in enumerate(sizes):
        counted += size
        if counted >= wanted:
            return min(index + 1, len(files) - 1)
    return 0


def check_decks(decks: Sequence[Deck], *, sources: Path | None = None) -> list[Diagnostic]:
    """Every check except loading, over ``decks`` taken as one collection."""
    return check_cards(decks) + _check_collection(decks, sources)


def check_cards(decks: Sequence[Deck]) -> list[Diagnostic]:
    """The checks of each card and each deck."""
    from trainer.validation import answer_keys, quality, rules

    out = Findings()
    card_rules = [*rules.CARD_RULES, answer_keys.check_answer_keys, *quality.QUALITY_RULES]
    for deck in decks:
        for card in deck.cards:
            for rule in card_rules:
                try:
                    rule(deck, card, out)
                except Exception as problem:
                    _crashed(out, rule, problem, card.location, card)
        for deck_rule in rules.DECK_RULES:
            try:
                deck_rule(deck, out)
            except Exception as problem:
                _crashed(out, deck_rule, problem, deck.location or Location(deck.path, 0, 0))
    return out.diagnostics


def _card_terms(results: Sequence[LoadResult]) -> list[Terms] | None:
    """:func:`.near_duplicates.card_terms` of the cards of the decks that loaded; None
    should that fail (the check then fails where its crash is reported)."""
    from trainer.validation.near_duplicates import card_terms

    try:
        return card_terms(card for r in results if r.deck is not None for card in r.deck.cards)
    except Exception:
        return None


def _check_collection(
    decks: Sequence[Deck], sources: Path | None, terms: Sequence[Terms] | None = None
) -> list[Diagnostic]:
    """The checks across decks: duplicate deck ids, near duplicates (``terms``: the
    decks' :func:`.near_duplicates.card_terms` if made already), grounding."""
    from trainer.validation import grounding, near_duplicates, rules

    out = Findings()
    near = near_duplicates.check_near_duplicates
    collection_checks: list[Callable[[Sequence[Deck], Findings], None]] = [
        rules.check_duplicate_deck_ids,
        # Named as the check itself, should it crash.
        functools.update_wrapper(functools.partial(near, terms=terms), near),
    ]
    if sources is not None:
        library = grounding.SourceLibrary(sources)
        collection_checks.append(
            lambda decks_, out_: grounding.check_grounding(decks_, library, out_)
        )
    for check in collection_checks:
        try:
            check(decks, out)
        except Exception as problem:
            first = decks[0].path if decks else Path(".")
            _crashed(out, check, problem, Location(first, 0, 0))
    return out.diagnostics


def _crashed(
    out: Findings,
    check: Callable[..., object],
    problem: Exception,
    where: Location,
    card: Card | None = None,
) -> None:
    name = getattr(check, "__name__", type(check).__name__)
    out.at(
        where,
        Severity.ERROR,
        "internal-error",
        f"the check {name} crashed here ({type(problem).__name__}: {problem}); this is a "
        "bug in trainer, please report it with this file. The other checks ran.",
        card.id if card is not None else None,
    )
