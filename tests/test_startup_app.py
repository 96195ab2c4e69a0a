"""Start-up of the TUI: `trainer study --start` goes straight to the first card (no home
screen drawn before it), the home screen still comes after the session or when there is
nothing to study, and the garbage collector paused for start-up is running again after."""

from __future__ import annotations

import gc
from pathlib import Path

from tui_decks import EVERY_TYPE, write
from tui_fixtures import screen_text
from waiting import ready, settle, wait_for_text

from trainer.cli import build_parser
from trainer.tui.app import create_app
from trainer.tui.screens.card import CardScreen
from trainer.tui.screens.summary import SummaryScreen

SIZE = (80, 24)


async def press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def test_start_shows_the_first_card_first_and_home_after_the_session(
    tmp_path: Path, progress_dir: Path, clock
):
    write(tmp_path, "every.yaml", EVERY_TYPE)
    app = create_app([tmp_path], progress_dir, clock, seed=1, autostart=True, reload_interval=None)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        # The card screen is the only screen shown: nothing was drawn before it.
        assert isinstance(app.screen, CardScreen)
        assert app.home is None
        text = screen_text(app)
        assert "What does NMDA stand for?" in text
        # One deck: the header names it, not "All decks".
        assert "Study · Every card type" in text and "All decks" not in text
        await press(pilot, "escape")  # end the session
        assert isinstance(app.screen, SummaryScreen)
        await press(pilot, "escape")  # back home: made now, filled from the collection
        assert app.home is not None and app.screen is app.home
        assert "1 deck · 7 to study now" in screen_text(app)


async def test_start_with_nothing_to_study_shows_home_and_says_so(
    tmp_path: Path, progress_dir: Path, clock
):
    write(
        tmp_path,
        "every.yaml",
        EVERY_TYPE.replace("cards:", "scheduling:\n  new_per_day: 0\ncards:", 1),
    )
    app = create_app([tmp_path], progress_dir, clock, autostart=True, reload_interval=None)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        assert app.home is not None and app.screen is app.home
        text = screen_text(app)
        assert "Nothing to study now" in text  # the toast
        assert "1 deck · Done for today. Tomorrow: 0 cards." in text  # and the home screen


async def test_without_start_the_home_screen_comes_first(tmp_path: Path, progress_dir: Path, clock):
    write(tmp_path, "every.yaml", EVERY_TYPE)
    app = create_app([tmp_path], progress_dir, clock, reload_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.screen is app.home
        await press(pilot, "enter")
        assert isinstance(app.screen, CardScreen)


def test_study_start_option_reaches_the_app():
    parser = build_parser()
    assert parser.parse_args(["study", "--start"]).start is True
    assert parser.parse_args(["study"]).start is False


def test_the_collector_paused_for_start_up_runs_again_after_the_first_card(
    tmp_path: Path, progress_dir: Path, clock
):
    write(tmp_path, "every.yaml", EVERY_TYPE)
    app = create_app([tmp_path], progress_dir, clock, autostart=True, reload_interval=None)
    seen: dict[str, bool] = {}

    def first_card_drawn() -> None:
        seen["enabled at the first card"] = gc.isenabled()
        app.exit()

    original = CardScreen.on_mount

    def on_mount(screen: CardScreen) -> None:
        original(screen)
        seen["enabled while starting"] = gc.isenabled()
        # Two refreshes: the one drawing the card, then ours.
        screen.call_after_refresh(lambda: screen.call_after_refresh(first_card_drawn))

    CardScreen.on_mount = on_mount  # type: ignore[method-assign]
    try:
        assert gc.isenabled()
        app.run(headless=True, size=SIZE)
    finally:
        CardScreen.on_mount = original  # type: ignore[method-assign]
        gc.unfreeze()  # what start-up froze goes back to the collector of the test run
    assert seen == {"enabled while starting": False, "enabled at the first card": True}
    assert gc.isenabled()


async def test_answers_after_a_start_reach_the_progress(tmp_path: Path, progress_dir: Path, clock):
    write(tmp_path, "every.yaml", EVERY_TYPE)
    app = create_app([tmp_path], progress_dir, clock, seed=1, autostart=True, reload_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await press(pilot, "space")
        await press(pilot, "3")
        await wait_for_text(pilot, "6 new · 1 learning · 0 review left", "[choice]")
    logs = list(progress_dir.glob("reviews-*.jsonl"))
    assert len(logs) == 1 and b'"key": "every/basic"' in logs[0].read_bytes()


async def test_a_first_read_of_large_logs_is_said_on_screen_before_it_starts(
    tmp_path: Path, progress_dir: Path, clock, monkeypatch
):
    """No snapshot and a large log (the first start after importing an Anki history):
    the terminal says what it is reading before the long read, not a blank screen; the
    home screen replaces the notice, and a start with the snapshot written says nothing."""
    from trainer import collection as collection_module
    from trainer.progress.events import header_line
    from trainer.tui import app as app_module

    write(tmp_path, "every.yaml", EVERY_TYPE)
    progress_dir.mkdir(parents=True, exist_ok=True)
    (progress_dir / "reviews-anki-import.jsonl").write_bytes(
        header_line("anki-import", clock.now()) + b" " * 2_000_000
    )
    monkeypatch.setattr(app_module, "FIRST_READ_NOTICE_BYTES", 1_000_000)
    seen_when_opened: list[str] = []
    real_open = collection_module.Collection.open.__func__

    def open_collection(cls, *args, **kwargs):
        # With a snapshot the collection is opened before any screen is up.
        seen_when_opened.append(screen_text(app) if app.screen_stack else "")
        return real_open(cls, *args, **kwargs)

    monkeypatch.setattr(collection_module.Collection, "open", classmethod(open_collection))
    for _ in range(2):
        app = create_app([tmp_path], progress_dir, clock, reload_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            assert app.home is not None and app.screen is app.home
            assert "Reading" not in screen_text(app)
            await press(pilot, "q")
    assert "Reading 2 MB of answers once" in seen_when_opened[0]
    assert "Reading" not in seen_when_opened[1]  # the snapshot was written on closing
