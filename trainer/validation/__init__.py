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

import gc
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trainer.diagnostics import Diagnostic, Severity
from trainer.model import Card, Deck, Location
from trainer.validation.findings import Findings

#: Diagnostic codes meaning the command was given a path it cannot use (exit code 2).
PATH_CODES = frozenset({"path-not-found", "path-unreadable", "symlink-loop"})

GROUNDING_SKIPPED = (
    "grounding check skipped: pass --sources DIR to check that answers "
    "occur in the documents cards cite"
)
#: Collections with at least this many cards are checked in two processes (on Linux,
#: with two CPUs or more): below it, starting the second one costs more than it saves.
PARALLEL_MIN_CARDS = 5_000
#: Share of the cards checked by the second process; the first one also runs the
#: collection-wide checks (near duplicates take some 40% of the checking time).
_CHILD_SHARE = 0.85
PARALLEL_NOTE = "the cards were checked in 2 processes"


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


def validate(paths: Iterable[Path], *, sources: Path | None = None) -> ValidationReport:
    """Find, load and check every deck file under ``paths``. Never raises for bad input.

    ``sources`` is the directory of the documents cards cite; without it the grounding
    check is skipped (and a note says so). On Linux, the cards of a large collection may
    be checked in a forked second process (see :data:`PARALLEL_MIN_CARDS`; a note says
    so): call this from a program that runs no other threads.
    """
    from trainer.loader import find_deck_files, load_deck

    report = ValidationReport()
    files, problems = find_deck_files(paths)
    report.files = files
    report.diagnostics.extend(problems)
    # The checks build many small objects and no cycles; see trainer.loader.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for path in files:
            result = load_deck(path)
            report.diagnostics.extend(result.diagnostics)
            if result.deck is not None:
                report.decks.append(result.deck)
            elif result.partial is not None:
                report.partial_decks.append(result.partial)
        diagnostics, processes = _check_decks(report.decks, sources, parallel=True)
        # Only their cards: a broken header has no place in the collection-wide checks.
        diagnostics += _check_cards(report.partial_decks)
        report.diagnostics.extend(diagnostics)
        if processes > 1:
            report.notes.append(PARALLEL_NOTE)
    finally:
        if collecting:
            gc.enable()
    if sources is None:
        report.notes.append(GROUNDING_SKIPPED)
    order = {path: index for index, path in enumerate(files)}
    report.diagnostics.sort(key=lambda d: (order.get(d.path, -1), d.line, d.column))
    return report


def check_decks(decks: Sequence[Deck], *, sources: Path | None = None) -> list[Diagnostic]:
    """Every check except loading, over ``decks`` taken as one collection."""
    return _check_decks(decks, sources, parallel=False)[0]


def _check_decks(
    decks: Sequence[Deck], sources: Path | None, *, parallel: bool
) -> tuple[list[Diagnostic], int]:
    """:func:`check_decks`, and how many processes it used. With ``parallel``, a large
    collection's first decks are checked card by card in a forked process while this one
    checks the rest and runs the collection-wide checks; the result is the same, in the
    same order, as checking in one process."""
    cut = _child_share(decks) if parallel else 0
    child = _fork(lambda: _check_cards(decks[:cut])) if cut else None
    if child is None:
        cut = 0
    mine = _check_cards(decks[cut:])
    collection = _check_collection(decks, sources)
    if child is None:
        return mine + collection, 1
    theirs = _collect(child)
    if theirs is None:  # the other process failed: do its share here
        theirs = _check_cards(decks[:cut])
    return theirs + mine + collection, 2


def _check_cards(decks: Sequence[Deck]) -> list[Diagnostic]:
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


def _check_collection(decks: Sequence[Deck], sources: Path | None) -> list[Diagnostic]:
    """The checks across decks: duplicate deck ids, near duplicates, grounding."""
    from trainer.validation import grounding, near_duplicates, rules

    out = Findings()
    collection_checks: list[Callable[[Sequence[Deck], Findings], None]] = [
        rules.check_duplicate_deck_ids,
        near_duplicates.check_near_duplicates,
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


def _child_share(decks: Sequence[Deck]) -> int:
    """How many of the first decks a second process should check: 0 for none."""
    total = sum(len(deck.cards) for deck in decks)
    if total < PARALLEL_MIN_CARDS or not sys.platform.startswith("linux"):
        return 0
    # Only with a CPU to spare: sharing one, the second process's start and the pages
    # both copy (fork shares memory until written) make it slower than one process.
    cpus = len(os.sched_getaffinity(0))
    if cpus < 2 or os.getloadavg()[0] > cpus - 1:
        return 0
    wanted, counted = total * _CHILD_SHARE, 0
    for index, deck in enumerate(decks):
        counted += len(deck.cards)
        if counted >= wanted:
            return index + 1 if index + 1 < len(decks) else index
    return 0


def _fork(work: Callable[[], list[Diagnostic]]) -> tuple[int, int] | None:
    """Run ``work`` in a forked copy of this process, which inherits the loaded decks
    without copying them; ``(pid, pipe)`` to :func:`_collect` its result, or None if no
    process could be started. Only used on Linux, where fork is the platform's way."""
    try:
        reading, writing = os.pipe()
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:  # the child: never returns
        status = 1
        try:
            os.close(reading)
            data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(writing, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)  # no cleanup: this copy of the process owns nothing
    os.close(writing)
    return pid, reading


def _collect(child: tuple[int, int]) -> list[Diagnostic] | None:
    """The diagnostics of a forked :func:`_fork` worker, or None if it failed."""
    pid, reading = child
    with os.fdopen(reading, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return None
    try:
        result = pickle.loads(data)
    except Exception:
        return None
    return result if isinstance(result, list) else None


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
