"""Waiting in Pilot tests for what the learner would see, never for a number of pauses.

A loaded machine runs Textual's message queue slower than an idle one: one
``pilot.pause()`` may leave the screen half drawn. :func:`wait_until` pauses until a
condition holds, with a bound, and fails with what it was waiting for.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["TIMEOUT", "ready", "settle", "wait_for_screen", "wait_for_text", "wait_until"]

#: Seconds to wait before a test gives up: generous, since a loaded CI box is slow.
TIMEOUT = 10.0


async def wait_until(
    pilot, condition: Callable[[], object], what: str = "", *, timeout: float = TIMEOUT
) -> None:
    """Pause ``pilot`` until ``condition()`` is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()
        try:
            if condition():
                return
        except Exception:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(
                f"gave up after {timeout:.0f} s waiting for "
                f"{what or getattr(condition, '__name__', 'a condition')}"
            )


async def wait_for_text(pilot, *texts: str, timeout: float = TIMEOUT) -> str:
    """Wait until every one of ``texts`` is on the screen; returns the screen's text."""
    from tui_fixtures import screen_text

    shown: list[str] = [""]

    def on_screen() -> bool:
        shown[0] = screen_text(pilot.app)
        return all(text in shown[0] for text in texts)

    try:
        await wait_until(pilot, on_screen, timeout=timeout)
    except AssertionError:
        missing = [t for t in texts if t not in shown[0]]
        raise AssertionError(f"not on the screen: {missing!r}\n{shown[0]}") from None
    return shown[0]


async def wait_for_screen(pilot, screen_type: type, *, timeout: float = TIMEOUT):
    """Wait until the app's current screen is a ``screen_type``; returns it."""
    await wait_until(
        pilot,
        lambda: isinstance(pilot.app.screen, screen_type),
        f"a {screen_type.__name__}",
        timeout=timeout,
    )
    return pilot.app.screen


async def settle(pilot, *, timeout: float = TIMEOUT) -> str:
    """Wait until the screen stops changing (two renders alike after the messages a key
    caused are handled); returns its text. For "press, then look": waits for what the
    key set off, however slow the machine, not for a guessed number of pauses."""
    from tui_fixtures import screen_text

    last = [None]

    def unchanged() -> bool:
        text = screen_text(pilot.app)
        same, last[0] = text == last[0], text
        return same

    await wait_until(pilot, unchanged, "the screen to settle", timeout=timeout)
    return last[0]  # type: ignore[return-value]


def _started(app) -> bool:
    from trainer.tui.screens.card import CardScreen
    from trainer.tui.screens.home import FatalScreen

    screen = app.screen
    if isinstance(screen, FatalScreen):
        return True
    if isinstance(screen, CardScreen):
        return screen._shown is not None
    if hasattr(app, "collection"):  # the trainer app: the decks are loaded and shown
        return app.collection is not None or app.quiz is not None
    return True


async def ready(pilot, *, timeout: float = TIMEOUT) -> str:
    """Wait until the app's first screen is filled in (the decks loaded and drawn, or
    the first card shown); returns the screen's text."""
    await wait_until(pilot, lambda: _started(pilot.app), "the first screen", timeout=timeout)
    return await settle(pilot, timeout=timeout)
