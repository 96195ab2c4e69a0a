"""``trainer export anki|csv|markdown DECK... --out FILE``: decks for other programs.

Exit status: 0 written, 1 a deck has errors (nothing written: fix them first, see
``trainer validate``), 2 bad command line or unreadable path. See docs/import-export.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from trainer.exitcodes import ExitCode

if TYPE_CHECKING:
    from trainer.commands.common import Subparsers
    from trainer.model import Deck


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write decks as an Anki package, CSV/TSV or Markdown",
        description="Write YAML decks in another program's format. See "
        "docs/import-export.md for what maps to what and what is lost.",
    )
    formats = parser.add_subparsers(dest="format", metavar="FORMAT", required=True)
    anki = formats.add_parser(
        "anki",
        help="an .apkg that Anki, AnkiDroid and AnkiMobile import",
        description="Write the decks as one Anki package: one Anki deck per deck file, one "
        "note per card. Needs the optional anki extra (pip install 'trainer[anki]').",
    )
    anki.add_argument(
        "decks", nargs="+", type=Path, metavar="DECK", help="deck files or directories of them"
    )
    anki.add_argument(
        "--out", type=Path, metavar="FILE.apkg", required=True, help="the package to write"
    )
    anki.add_argument(
        "--legacy",
        action="store_true",
        help="the older package format (collection.anki21), for Anki before "
        "2.1.50 and old AnkiDroid versions",
    )
    anki.set_defaults(handler=run_anki)

    plain = formats.add_parser(
        "csv",
        help="CSV/TSV for Anki (Notes in Plain Text) or Quizlet",
        description="Write the decks as one CSV/TSV file: Anki's Notes in Plain Text "
        "(header lines, GUID, note type and deck columns; File > Import in Anki) or, with "
        "--quizlet, term/definition rows for Quizlet's import.",
    )
    plain.add_argument("decks", nargs="+", type=Path, metavar="DECK")
    plain.add_argument("--out", type=Path, metavar="FILE", required=True)
    plain.add_argument(
        "--separator",
        default="tab",
        metavar="SEP",
        help="tab (default), comma, semicolon, pipe, or one character",
    )
    plain.add_argument(
        "--quizlet",
        action="store_true",
        help="Quizlet's format: term SEP definition per line, nothing else",
    )
    plain.set_defaults(handler=run_csv)

    markdown = formats.add_parser(
        "markdown",
        help="Markdown Q:/A:/C: cards (the hashcards style)",
        description="Write the decks as one Markdown file: a # heading per deck, Q:/A: "
        "for each card, C: with [bracketed] deletions for cloze cards.",
    )
    markdown.add_argument("decks", nargs="+", type=Path, metavar="DECK")
    markdown.add_argument("--out", type=Path, metavar="FILE.md", required=True)
    markdown.set_defaults(handler=run_markdown)


def _fail(message: str, code: ExitCode = ExitCode.USAGE) -> ExitCode:
    print(f"trainer export: {message}", file=sys.stderr)
    return code


def _write_out(out: Path, decks: list[Deck], write: Callable[[Path], object]) -> str | None:
    """Write the export with ``write(path)`` so that ``out`` is replaced whole, the file
    that was there kept as ``NAME.bak``; what to say about that (or None). Raises
    :class:`OutputRefused` when ``out`` is one of the decks being exported."""
    from trainer.durable import replace_keeping_backup

    if out.exists() and not out.is_file():
        raise OutputRefused(f"--out {out}: is not a file; name the file to write")
    target = out.resolve()
    for deck in decks:
        if deck.path.resolve() == target:
            raise OutputRefused(
                f"--out {out}: is one of the decks being exported; name another file"
            )
    backup = replace_keeping_backup(out, write)
    return f"(the file that was there is kept as {backup})" if backup else None


class OutputRefused(Exception):
    """The ``--out`` path must not be written (a deck being exported, a directory)."""


def load_decks(paths: list[Path]) -> tuple[list[Deck], ExitCode | None]:
    """The decks at ``paths``; on any problem, printed as ``file:line:col``, an exit code."""
    from trainer.diagnostics import Severity
    from trainer.loader import find_deck_files, load_deck

    files, problems = find_deck_files(paths)
    if problems:
        for problem in problems:
            print(f"{problem.path}: {problem.message}", file=sys.stderr)
        return [], ExitCode.USAGE
    if not files:
        print(
            "trainer export: no deck files (*.yaml) found in " + " ".join(map(str, paths)),
            file=sys.stderr,
        )
        return [], ExitCode.USAGE
    decks = []
    errors = []
    for path in files:
        result = load_deck(path)
        errors += [d for d in result.diagnostics if d.severity is Severity.ERROR]
        if result.deck is not None:
            decks.append(result.deck)
    if not errors:
        # What `trainer validate` adds to loading (answer keys, options...): a deck it
        # refuses would go out with its mistakes.
        from trainer.validation import check_cards

        errors = [d for d in check_cards(decks) if d.severity is Severity.ERROR]
    for problem in errors:
        print(problem, file=sys.stderr)  # path:line:column: error code message
    if errors:
        print(
            "trainer export: nothing written: fix the errors above first "
            "(`trainer validate` lists them too)",
            file=sys.stderr,
        )
        return [], ExitCode.PROBLEMS
    return decks, None


def run_anki(args: argparse.Namespace) -> ExitCode:
    from trainer.interop import InteropError
    from trainer.interop.anki_export import export_anki

    if args.out.suffix != ".apkg":
        return _fail(f"--out {args.out}: name the package FILE.apkg (Anki imports .apkg)")
    decks, failure = load_decks(args.decks)
    if failure is not None:
        return failure
    reports = []
    try:
        kept = _write_out(
            args.out,
            decks,
            lambda path: reports.append(export_anki(decks, path, legacy=args.legacy)),
        )
    except (InteropError, OutputRefused) as error:
        return _fail(str(error))
    except OSError as error:
        return _fail(f"cannot write {args.out}: {error.strerror or error}")
    report = reports[0]
    notes = sum(report.notes.values())
    print(
        f"Wrote {args.out}: {len(decks)} deck{'s' * (len(decks) != 1)}, {notes} notes, "
        f"{report.anki_cards} Anki cards" + (f" {kept}" if kept else "")
    )
    for name, count in sorted(report.notes.items()):
        print(f"  {name}: {count}")
    if report.as_basic:
        print(
            "  as basic notes, the answer on the back: "
            + ", ".join(f"{count} {kind}" for kind, count in sorted(report.as_basic.items()))
        )
    return ExitCode.OK


def run_csv(args: argparse.Namespace) -> ExitCode:
    from trainer.interop import InteropError
    from trainer.interop.plaintext import export_plaintext, separator_char

    try:
        separator = separator_char(args.separator)
    except InteropError as error:
        return _fail(str(error))
    decks, failure = load_decks(args.decks)
    if failure is not None:
        return failure
    rows: list[int] = []
    try:
        kept = _write_out(
            args.out,
            decks,
            lambda path: rows.append(
                export_plaintext(decks, path, separator=separator, quizlet=args.quizlet)
            ),
        )
    except OutputRefused as error:
        return _fail(str(error))
    except OSError as error:
        return _fail(f"cannot write {args.out}: {error.strerror or error}")
    print(
        f"Wrote {args.out}: {rows[0]} cards from {len(decks)} deck{'s' * (len(decks) != 1)}"
        + (
            " (Quizlet: term and definition)"
            if args.quizlet
            else " (Anki: File > Import reads the header lines)"
        )
        + (f" {kept}" if kept else "")
    )
    return ExitCode.OK


def run_markdown(args: argparse.Namespace) -> ExitCode:
    from trainer.interop.markdown import export_markdown

    decks, failure = load_decks(args.decks)
    if failure is not None:
        return failure
    counts: list[int] = []
    try:
        kept = _write_out(args.out, decks, lambda path: counts.append(export_markdown(decks, path)))
    except OutputRefused as error:
        return _fail(str(error))
    except OSError as error:
        return _fail(f"cannot write {args.out}: {error.strerror or error}")
    print(
        f"Wrote {args.out}: {counts[0]} cards from {len(decks)} deck{'s' * (len(decks) != 1)}"
        + (f" {kept}" if kept else "")
    )
    return ExitCode.OK
