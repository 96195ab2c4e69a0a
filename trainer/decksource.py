"""Which deck files to open: the decks named on the command line (or the defaults), with
directories searched for deck files; and opening them (:func:`open_decks`).

Finding the files needs no YAML, so a start-up whose decks all come from the deck cache
(:mod:`trainer.deckcache`) never imports the loader. :func:`find_deck_files` behaves as
:func:`trainer.loader.find_deck_files` does (a test holds them to the same results).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import trainer

if TYPE_CHECKING:
    from trainer.diagnostics import Diagnostic
    from trainer.model import Deck

DECK_EXTENSIONS = (".yaml", ".yml")


def default_deck_paths() -> list[Path]:
    """``$TRAINER_DECKS`` (paths separated by ``os.pathsep``), else the ``decks/``
    directory of a source checkout when it exists, else nothing."""
    env = os.environ.get("TRAINER_DECKS")
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    bundled = Path(trainer.__file__).resolve().parent.parent / "decks"
    return [bundled] if bundled.is_dir() else []


def find_deck_files(paths: Iterable[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Deck files named by ``paths``: files as given, directories searched recursively for
    ``*.yaml``/``*.yml`` (hidden entries skipped; sorted, so the order is deterministic).

    Paths that do not exist, cannot be read or loop through symbolic links become
    diagnostics (``path-not-found``, ``path-unreadable``, ``symlink-loop``; line 0). Never
    raises. A file reached twice is listed once.
    """
    files: list[Path] = []
    problems: list[Diagnostic] = []
    seen: set[tuple[int, int]] = set()

    def add(candidate: Path, info: os.stat_result) -> None:
        identity = (info.st_dev, info.st_ino)
        if identity not in seen:
            seen.add(identity)
            files.append(candidate)

    for given in paths:
        given = Path(given)
        try:
            info = os.stat(given)
        except OSError as problem:
            problems.append(path_error(given, problem))
            continue
        if stat.S_ISDIR(info.st_mode):
            _search_directory(given, info, add, problems, ancestors=())
        elif not stat.S_ISREG(info.st_mode):
            # A FIFO or a device would block the reader, or never end.
            problems.append(
                _error(
                    given,
                    "path-unreadable",
                    "not a regular file (a pipe or a device?); give a deck file",
                )
            )
        elif not os.access(given, os.R_OK):
            problems.append(
                _error(
                    given,
                    "path-unreadable",
                    "cannot be read (permission denied); check its permissions",
                )
            )
        else:
            add(given, info)
    return files, problems


def open_decks(
    paths: Iterable[Path], *, update_cache: bool = True
) -> tuple[list[Deck], list[Diagnostic]]:
    """The decks in ``paths`` (files, or directories searched as :func:`find_deck_files`
    does), in order, and every problem found opening them. A deck that fails to load is
    left out; a second deck with the same id too (the first one wins; an error names
    both, as ``trainer validate`` does).

    Unchanged deck files come from the deck cache (:mod:`trainer.deckcache`), which is
    updated as files are parsed unless ``update_cache`` is false. Never raises for any file
    content.
    """
    # The deck cache is imported here, not by the study session: it is how decks are
    # read quickly, not part of what a deck is.
    from trainer.deckcache import cache_dir, load_deck_cached

    cache = cache_dir()
    files, diagnostics = find_deck_files(list(paths))
    decks: list[Deck] = []
    seen: set[str] = set()
    duplicates = False
    for file in files:
        result = load_deck_cached(file, cache, update=update_cache)
        diagnostics.extend(result.diagnostics)
        if result.deck is not None:
            if result.deck.id in seen:
                duplicates = True
            else:
                seen.add(result.deck.id)
            decks.append(result.deck)
    if not duplicates:
        return decks, diagnostics
    # Rare: the validator's own rule says which deck is left out and why.
    from trainer.validation.findings import Findings
    from trainer.validation.rules import check_duplicate_deck_ids

    findings = Findings()
    check_duplicate_deck_ids(decks, findings)
    kept: dict[str, Deck] = {}
    for deck in decks:
        kept.setdefault(deck.id, deck)
    return list(kept.values()), diagnostics + findings.diagnostics


def _search_directory(
    directory: Path,
    info: os.stat_result,
    add: Callable[[Path, os.stat_result], None],
    problems: list[Diagnostic],
    ancestors: tuple[tuple[int, int], ...],
) -> None:
    identity = (info.st_dev, info.st_ino)
    if identity in ancestors:
        problems.append(
            _error(
                directory,
                "symlink-loop",
                "this symbolic link leads back to a directory that contains "
                "it; remove the link or point it elsewhere",
            )
        )
        return
    ancestors = ancestors + (identity,)
    try:
        with os.scandir(directory) as entries:
            names = sorted(entry.name for entry in entries)
    except OSError as problem:
        problems.append(path_error(directory, problem))
        return
    for name in names:
        if name.startswith("."):
            continue
        entry = directory / name
        try:
            entry_info = os.stat(entry)
        except OSError as problem:
            # A loop is reported wherever it is; other trouble only for what looks like a
            # deck (a dangling link to some other file is none of our business).
            if problem.errno == errno.ELOOP or name.lower().endswith(DECK_EXTENSIONS):
                problems.append(path_error(entry, problem))
            continue
        if stat.S_ISDIR(entry_info.st_mode):
            _search_directory(entry, entry_info, add, problems, ancestors)
        elif stat.S_ISREG(entry_info.st_mode) and name.lower().endswith(DECK_EXTENSIONS):
            add(entry, entry_info)


def _error(path: Path, code: str, message: str) -> Diagnostic:
    from trainer.diagnostics import Diagnostic, Severity  # not needed at a normal start-up

    return Diagnostic(path, 0, 0, Severity.ERROR, code, message)


def path_error(path: Path, problem: OSError) -> Diagnostic:
    """The diagnostic for an ``OSError`` met while opening ``path``."""
    if problem.errno == errno.ELOOP:
        return _error(
            path,
            "symlink-loop",
            "this path is a loop of symbolic links; point the link at a real file or directory",
        )
    if problem.errno in (errno.ENOENT, errno.ENOTDIR):
        return _error(
            path,
            "path-not-found",
            "no such file or directory; check the path (or the target of the symbolic link)",
        )
    if problem.errno == errno.EISDIR:
        return _error(
            path,
            "path-unreadable",
            "this is a directory; give a deck file, or let the command search the directory",
        )
    reason = problem.strerror or type(problem).__name__
    return _error(path, "path-unreadable", f"cannot be read ({reason}); check its permissions")


__all__ = [
    "DECK_EXTENSIONS",
    "default_deck_paths",
    "find_deck_files",
    "open_decks",
    "path_error",
]
