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
import itertools
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct, field

from trainer.diagnostics import Diagnostic, LoadResult, Severity
from trainer.model import Card, Deck, Location
from trainer.validation.findings import Findings

if TYPE_CHECKING:
    from trainer.validation.near_duplicates import Terms

#: Diagnostic codes meaning the command was given a path it cannot use (exit code 2).
PATH_CODES = frozenset({"path-not-found", "path-unreadable", "symlink-loop", "no-deck-files"})

GROUNDING_SKIPPED = (
    "grounding check skipped: pass --sources DIR to check that answers "
    "occur in the documents cards cite"
)
#: Collections of at least this many bytes of deck files are worth a worker (about
#: 1,500 cards): below it, starting one costs more than it saves.
WORKER_MIN_BYTES = 500_000
#: Share of the bytes the worker loads and checks. This process loads and checks the
#: rest, then unpacks the worker's decks (see .worker) and makes their near-duplicate
#: terms as they come back, and runs the collection-wide checks at the end.
WORKER_SHARE = 0.5
#: Parts the worker's share is sent in (see _load_and_check).
WORKER_PARTS = 8
WORKER_NOTE = "the cards were checked in 2 processes"


class ValidationReport(Struct):
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
    and their cards checked there, by :func:`.worker.check_files` in
    :data:`WORKER_PARTS` parts, while this process loads and checks the rest; the
    collection-wide checks then run here over every deck.
    The report is the same, in the same order, as without one (a note says it was used);
    should the work fail there, it is done here.
    """
    from trainer.loader import find_deck_files

    report = ValidationReport()
    paths = list(paths)
    files, problems = find_deck_files(paths)
    report.files = files
    report.diagnostics.extend(problems)
    if not files and not problems:
        # Said in the report itself, so a CI job reading the JSON or JUnit sees it.
        report.diagnostics.extend(
            Diagnostic(
                Path(path),
                0,
                0,
                Severity.ERROR,
                "no-deck-files",
                "no deck files (*.yaml, *.yml) here; name a deck file or a directory "
                "that holds some",
            )
            for path in paths
        )
    results, checked, terms, shared = _load_and_check(files, executor)
    if shared:
        report.notes.append(WORKER_NOTE)
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


def _load_and_check(
    files: Sequence[Path], executor: Executor | None
) -> tuple[list[LoadResult], list[Diagnostic], list[Terms] | None, bool]:
    """The load result of each file, in order; the diagnostics of the per-card and
    per-deck checks of the decks that loaded; the near-duplicate terms of their cards
    when made ahead (see :func:`validate`); and whether a worker did a share of this."""
    from trainer.loader import load_deck

    shared = _worker_share(files) if executor is not None else 0
    if executor is None or not shared:
        loaded = [load_deck(path) for path in files]
        return loaded, check_cards(_loaded(loaded)), None, False
    from trainer.validation.worker import check_files

    # In parts, so that the worker's decks come back while it goes on with the next part
    # and this process unpacks them meanwhile: only the last part waits at the end.
    parts = _parts(files[:shared], WORKER_PARTS)
    futures = [executor.submit(check_files, part) for part in parts]
    mine = [load_deck(path) for path in files[shared:]]
    my_findings = check_cards(_loaded(mine))
    my_terms = _card_terms(mine)
    results: list[LoadResult] = []
    checked: list[Diagnostic] = []
    terms: list[list[Terms] | None] = []
    used = False
    for part, future in zip(parts, futures):
        try:
            theirs, findings = future.result()
            used = True
        except Exception:  # the worker failed: this part is loaded and checked here
            theirs = [load_deck(path) for path in part]
            findings = check_cards(_loaded(theirs))
        results += theirs
        checked += findings
        terms.append(_card_terms(theirs))
    return results + mine, checked + my_findings, _joined([*terms, my_terms]), used


def _joined(parts: Sequence[list[Terms] | None]) -> list[Terms] | None:
    """The parts end to end; None if one is missing."""
    joined: list[Terms] = []
    for part in parts:
        if part is None:
            return None
        joined += part
    return joined


def _loaded(results: Sequence[LoadResult]) -> list[Deck]:
    return [result.deck for result in results if result.deck is not None]


def _parts(paths: Sequence[Path], count: int) -> list[Sequence[Path]]:
    """``paths`` cut into at most ``count`` runs of about as many files each, in order."""
    count = max(1, min(count, len(paths)))
    bounds = [len(paths) * index // count for index in range(count + 1)]
    return [paths[start:end] for start, end in itertools.pairwise(bounds)]


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
        return card_terms(card for deck in _loaded(results) for card in deck.cards)
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
