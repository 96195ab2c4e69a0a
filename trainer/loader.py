"""The deck loader: from deck files to :class:`~trainer.model.Deck` objects and located
diagnostics.

:func:`load_deck` never raises for any file content: every problem becomes a
:class:`~trainer.diagnostics.Diagnostic` with ``path:line:column`` (1-based) and a stable
code (listed in docs/deck-format.md). Three modules do the work, one job each:

* :mod:`trainer.yamlread`: bytes to a YAML node tree (size, encoding, depth guards; safe
  composer only) and the YAML 1.1 / 1.2 scalar rules;
* :mod:`trainer.deckread`: the node tree to a deck, each field read as
  :mod:`trainer.deckformat` declares it;
* :mod:`trainer.cloze`: cloze text.

Semantic checks across fields (answer among options, unique ids, ...) belong to
:mod:`trainer.validation`.
"""

from __future__ import annotations

from pathlib import Path

from trainer.deckread import build_deck
from trainer.decksource import find_deck_files  # re-exported: the validator and tests use it here
from trainer.diagnostics import Diagnostic, LoadResult
from trainer.yamlread import (
    MAX_DECK_BYTES,
    MAX_DEPTH,
    compose_unchecked,
    decode_deck_bytes,
    error,
    read_deck_bytes,
    strip_raw_controls,
)

__all__ = [
    "MAX_DECK_BYTES",
    "MAX_DEPTH",
    "LoadResult",
    "find_deck_files",
    "load_deck",
    "load_deck_text",
]


def load_deck(path: Path) -> LoadResult:
    """Load the deck file at ``path``. Never raises for any file content or I/O problem."""
    data, problems = read_deck_bytes(path)
    if data is None:
        return LoadResult(None, problems)
    return load_deck_text(data, path)


def load_deck_text(data: bytes | str, path: Path, *, quiet: bool = True) -> LoadResult:
    """Load a deck from its content; ``path`` is used for locations and ``Deck.path``.

    ``quiet=False`` reads every card by the reporting reader, not only the cards the
    quiet one gives up on (:mod:`trainer.deckread`): the same result, slower; the tests
    compare the two.
    """
    if isinstance(data, bytes):
        if len(data) > MAX_DECK_BYTES:
            return LoadResult(
                None,
                [
                    error(
                        path,
                        0,
                        0,
                        "file-too-large",
                        f"the file is {len(data):,} bytes; decks are limited to {MAX_DECK_BYTES:,} "
                        "bytes (8 MiB): split it into several decks",
                    )
                ],
            )
        text, problems = decode_deck_bytes(data, path)
        if text is None:
            return LoadResult(None, problems)
    else:
        text = data[1:] if data.startswith("\ufeff") else data
        if len(text) > MAX_DECK_BYTES and len(text.encode("utf-8", "replace")) > MAX_DECK_BYTES:
            return LoadResult(
                None,
                [
                    error(
                        path,
                        0,
                        0,
                        "file-too-large",
                        f"decks are limited to {MAX_DECK_BYTES:,} bytes (8 MiB): split it into "
                        "several decks",
                    )
                ],
            )
    return _load_text(text, path, quiet)


def _load_text(text: str, path: Path, quiet: bool) -> LoadResult:
    text, warnings = strip_raw_controls(text, path)
    node, problems, depth_checked = compose_unchecked(text, path)
    if problems:
        return LoadResult(None, warnings + problems)
    if node is None:
        return LoadResult(
            None,
            warnings
            + [
                error(
                    path,
                    1,
                    1,
                    "empty-file",
                    "the file holds no deck; start it with format: 1, id, title and cards "
                    "(see docs/deck-format.md)",
                )
            ],
        )
    deck, diagnostics, partial = build_deck(
        node, path, text, check_depth=not depth_checked, quiet=quiet
    )
    diagnostics[:0] = warnings
    # Deck order reads best; the sort is stable, so one place keeps its discovery order.
    diagnostics.sort(key=_position)
    return LoadResult(deck, diagnostics, partial)


def _position(diagnostic: Diagnostic) -> tuple[int, int]:
    return diagnostic.line, diagnostic.column
