"""``trainer import anki|csv|markdown FILE [--out DIR]``: other programs' cards as decks.

``anki`` reads an ``.apkg``/``.colpkg`` (with ``--with-history``, its reviews too); ``csv``
reads CSV/TSV (Anki's "Notes in Plain Text", Quizlet); ``markdown`` reads ``Q:``/``A:``/
``C:`` files. Each prints a report at the end. Exit status: 0 everything imported, 1 some
notes or media left out (listed), 2 unreadable input or bad command line, 3 the progress
directory cannot be written. See docs/import-export.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trainer.commands.common import directory_argument
from trainer.exitcodes import ExitCode

if TYPE_CHECKING:
    from trainer.commands.common import Subparsers

#: Packages above this size get a note that reading them takes a while.
_LARGE_BYTES = 50_000_000
#: Packages above this size show each step as it starts (about a second per 2 MB on a
#: 2-core machine: benchmarks/import_bench.py's 20 MB package takes 12 s).
_STEPS_BYTES = 5_000_000
_SHOW_SKIPPED = 20


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "import",
        help="turn Anki packages, CSV/TSV or Markdown cards into YAML decks",
        description="Turn cards from other programs into YAML decks that pass "
        "`trainer validate`. See docs/import-export.md for what maps to what.",
    )
    formats = parser.add_subparsers(dest="format", metavar="FORMAT", required=True)
    anki = formats.add_parser(
        "anki",
        help="an Anki .apkg or .colpkg (optionally with its review history)",
        description="Import an Anki package: one deck file per Anki deck, media copied to "
        "media/ beside them, and with --with-history the reviews as a progress log of "
        "their own (reviews-anki-import.jsonl) so the schedule continues. Needs the "
        "optional anki extra (pip install 'trainer[anki]').",
    )
    anki.add_argument("file", type=Path, metavar="FILE", help="the .apkg or .colpkg file")
    _out_option(anki)
    anki.add_argument(
        "--with-history",
        action="store_true",
        help="also import the review history into the progress directory",
    )
    anki.add_argument(
        "--progress",
        type=directory_argument,
        metavar="DIR",
        help="progress directory for --with-history (default: "
        "$TRAINER_PROGRESS_DIR, else progress/ of a checkout, else your user "
        "data directory)",
    )
    anki.set_defaults(handler=run_anki)

    plain = formats.add_parser(
        "csv",
        help="CSV/TSV: Anki's Notes in Plain Text, Quizlet's export, any two columns",
        description="Import CSV/TSV cards. Anki's header lines (#separator:, #html:, "
        "#notetype column:, #deck column:, #tags column:, #guid column:) are read; the "
        "options below override them or stand in for them.",
    )
    plain.add_argument("file", type=Path, metavar="FILE")
    _out_option(plain)
    plain.add_argument(
        "--separator",
        metavar="SEP",
        help="field separator: tab, comma, semicolon, pipe, space, colon or "
        "one character (default: #separator:, else guessed from the first row)",
    )
    plain.add_argument(
        "--row-separator",
        metavar="SEP",
        help="what ends a card when not a line break (Quizlet's custom "
        "'between cards' setting, e.g. ';'); fields are then not quoted",
    )
    plain.add_argument(
        "--header",
        action="store_true",
        help="the first row names the columns (front, back, tags, deck, ...)",
    )
    plain.add_argument(
        "--columns",
        metavar="NAMES",
        help="comma-separated role of each column: front, back, tags, deck, "
        "notetype, guid, explanation, ignore (default: fields in order)",
    )
    plain.add_argument(
        "--html",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="fields are HTML, made plain text (default: #html:, else no)",
    )
    plain.add_argument(
        "--no-quoting",
        action="store_true",
        help="quotes are text, not CSV quoting (Quizlet exports)",
    )
    _deck_options(plain)
    plain.set_defaults(handler=run_csv)

    markdown = formats.add_parser(
        "markdown",
        help="Markdown Q:/A:/C: cards (the hashcards style)",
        description="Import Markdown cards: `Q:` question, `A:` answer, `C:` cloze text "
        "with [bracketed] deletions; each top-level # heading starts a deck.",
    )
    markdown.add_argument("file", type=Path, metavar="FILE")
    _out_option(markdown)
    _deck_options(markdown)
    markdown.set_defaults(handler=run_markdown)


def _deck_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--deck-id", metavar="ID", help="id of the deck the cards go to (default: from the title)"
    )
    parser.add_argument("--title", help="its title (default: from the file)")


def _out_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=directory_argument,
        metavar="DIR",
        help="directory for the deck files (default: a directory named after FILE, here)",
    )


def _fail(message: str, code: ExitCode = ExitCode.USAGE) -> ExitCode:
    print(f"trainer import: {message}", file=sys.stderr)
    return code


def out_dir(args: argparse.Namespace) -> Path:
    return args.out if args.out is not None else Path(args.file.stem)


def print_written(
    files: list[Path],
    backups: list[Path],
    cards: dict[str, int],
    skipped: list[Any],
    destination: Path,
) -> None:
    """The lines every import report shares: files, cards by type, what was left out."""
    total = sum(cards.values())
    by_type = ", ".join(f"{count} {kind}" for kind, count in sorted(cards.items())) or "none"
    print(f"  deck files:        {len(files)} in {destination}/")
    print(f"  cards written:     {total} ({by_type})")
    print(f"  skipped:           {len(skipped)}")
    for item in skipped[:_SHOW_SKIPPED]:
        print(f"    {item.where}: {item.reason}")
    if len(skipped) > _SHOW_SKIPPED:
        print(f"    ... and {len(skipped) - _SHOW_SKIPPED} more")
    if backups:
        print(f"  changed files:     {len(backups)}, previous versions kept as *.yaml.bak")


def run_anki(args: argparse.Namespace) -> ExitCode:
    from trainer.clock import SystemClock
    from trainer.collector import collector_paused
    from trainer.commands.common import step_printer
    from trainer.interop import InteropError
    from trainer.interop.anki_import import import_anki
    from trainer.locations import progress_dir
    from trainer.progress import ProgressError

    destination = out_dir(args)
    history_dir = progress_dir(args.progress) if args.with_history else None
    if args.progress is not None and not args.with_history:
        return _fail("--progress is only used with --with-history")
    try:
        size = args.file.stat().st_size
    except OSError:
        size = 0
    if size > _LARGE_BYTES:
        print(
            f"Reading {args.file} ({size / 1e6:,.0f} MB): it is unpacked to a temporary "
            "directory and its notes, media and history are streamed from there, file by "
            "file and row by row; this can take a minute.",
            file=sys.stderr,
        )
    try:
        # Checking the written decks makes millions of nodes while 50,000 drafted cards
        # are alive: with the collector on, it took 2.5 times as long (trainer.collector).
        with collector_paused():
            report = import_anki(
                args.file,
                destination,
                progress_dir=history_dir,
                clock=SystemClock(),
                on_step=step_printer() if size > _STEPS_BYTES else None,
            )
    except InteropError as error:
        return _fail(str(error))
    except ProgressError as error:
        return _fail(str(error), ExitCode.PROGRESS)
    except OSError as error:
        return _fail(
            f"cannot write {error.filename or destination}: "
            f"{error.strerror or error}; nothing was imported",
            ExitCode.USAGE,
        )
    print(f"Imported {args.file}:")
    print(f"  notes read:        {report.notes_read}")
    print_written(report.files, report.backups, report.cards_written, report.skipped, destination)
    for name, count in sorted(report.other_note_types.items()):
        print(
            f"  other note type:   {name!r}: {count} note{'s' * (count != 1)} as basic "
            "(first two fields; the rest in the explanation)"
        )
    print(
        f"  media files:       {report.media_copied} copied to {destination / 'media'}/"
        + (
            f", {len(report.media_missing)} missing from the package: "
            + ", ".join(report.media_missing[:10])
            if report.media_missing
            else ""
        )
    )
    if report.history is not None:
        history = report.history
        print(
            f"  reviews imported:  {history.written} into {history.path}"
            + (f" ({history.already} were already there)" if history.already else "")
            + (
                f"; {history.not_answers} manual reschedules left out"
                if history.not_answers
                else ""
            )
            + (
                f"; {history.bad_times} answers with an impossible date left out (a damaged revlog)"
                if history.bad_times
                else ""
            )
        )
    else:
        print("  reviews imported:  none (add --with-history to continue Anki's schedule)")
    return ExitCode.PROBLEMS if report.skipped or report.media_missing else ExitCode.OK


def _print_plain(
    source: Path, read: str, count: int, written: Any, skipped: list[Any], destination: Path
) -> ExitCode:
    print(f"Imported {source}:")
    print(f"  {read + ':':<18} {count}")
    print_written(written.files, written.backups, written.cards, skipped, destination)
    return ExitCode.PROBLEMS if skipped else ExitCode.OK


def run_csv(args: argparse.Namespace) -> ExitCode:
    from trainer.interop import InteropError
    from trainer.interop.plaintext import PlainTextOptions, import_plaintext, separator_char

    try:
        options = PlainTextOptions(
            separator=None if args.separator is None else separator_char(args.separator),
            row_separator=args.row_separator,
            html=args.html,
            header=args.header,
            columns=None if args.columns is None else args.columns.split(","),
            quoting=False if args.no_quoting else None,
            deck_id=args.deck_id,
            title=args.title,
        )
        destination = out_dir(args)
        report = import_plaintext(args.file, destination, options)
    except InteropError as error:
        return _fail(str(error))
    except OSError as error:
        return _fail(f"cannot write {error.filename}: {error.strerror or error}")
    return _print_plain(
        args.file, "rows read", report.rows, report.written, report.skipped, destination
    )


def run_markdown(args: argparse.Namespace) -> ExitCode:
    from trainer.interop import InteropError
    from trainer.interop.markdown import import_markdown

    destination = out_dir(args)
    try:
        report = import_markdown(args.file, destination, deck_id=args.deck_id, title=args.title)
    except InteropError as error:
        return _fail(str(error))
    except OSError as error:
        return _fail(f"cannot write {error.filename}: {error.strerror or error}")
    return _print_plain(
        args.file, "cards read", report.cards, report.written, report.skipped, destination
    )
