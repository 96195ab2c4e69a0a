"""The program's one garbage-collector trick, for its entry points only (library calls
never touch the collector): the cyclic collector paused while a command builds a great
many long-lived objects that have no cycles.

:class:`StartupCollectorPause`: the TUI pauses it until the first screen is drawn.

Start-up makes hundreds of thousands of long-lived objects (widgets, styles, decks,
progress records) and almost no cyclic garbage, and the collector walked them all several
times before the first frame. Measured in a real terminal (benchmarks/startup_bench.py,
CPU time until the text shows, medians of 11 interleaved runs on the 2-core development
machine), removing the pause cost 6 ms for the home screen and 7 ms for the first card
with the bundled decks, 5 ms and 23 ms with 50,000 cards and 1,000,000 reviews. Textual
pauses the collector the same way while scrolling.

``trainer study`` pauses it already while it imports Textual and the app (some 80
collections, ~15 ms, before): that saved another 13-28 ms of CPU for the home screen and
5-21 ms for the first card (21 interleaved runs, three times; docs/tui.md).

:func:`collector_paused`: the bulk commands ``trainer validate`` and ``trainer import anki``
keep it off for their whole run. ``trainer import anki --with-history`` on
benchmarks/import_bench.py's package (50,000 notes): the deck files it checks with the
loader are millions of short-lived nodes made while the 50,000 drafted cards are alive,
and each collection walked them all; checking took 3.5-3.8 s with the collector on,
1.4 s with it off, the command's CPU time 6.7-7.2 s against 4.1-4.3 s, and its peak
memory stayed 219 MB. Its history process (``python -m trainer.interop.history_process``,
an entry point of its own) keeps it off too: its revlog rows, answers and memory states
are a million long-lived objects; the whole command took 4.56 s with the pause there and
4.84 s without (medians of 6, interleaved).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["StartupCollectorPause", "collector_paused"]


class StartupCollectorPause:
    """Pauses the collector (if it was running) and resumes it once.

    On resuming, what start-up made is moved out of the collector's way
    (:func:`gc.freeze`), so later collections do not walk it again.

    Attributes:
        paused: whether this pause holds the collector now.
    """

    def __init__(self) -> None:
        self.paused = False

    @contextmanager
    def during(self) -> Iterator[None]:
        """Paused from here; resumed at the end at the latest (see :meth:`resume`)."""
        if gc.isenabled():
            gc.disable()
            self.paused = True
        try:
            yield
        finally:
            self.resume()

    def resume(self) -> None:
        """Collect again (once; later calls do nothing)."""
        if self.paused:
            self.paused = False
            gc.freeze()
            gc.enable()


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off for the block, then as the caller had it (a command also runs
    in-process, from tests and scripts)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
