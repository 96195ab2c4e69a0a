"""The stats screen in the app: opened with `s` from home, for the selected deck or all
decks, closed with Esc or q; and its 80x24 snapshot over the fixed synthetic history of
test_stats_support (FakeClock: deterministic).

Update the snapshot after an intended change: pytest tests/test_tui_stats.py
--snapshot-update, then look at the SVG."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_stats_support import DEVICE, NOW, write_history
from tui_fixtures import screen_text
from waiting import settle, wait_until

from trainer.clock import FakeClock
from trainer.tui.app import create_app

SIZE = (80, 24)


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    write_history(Path("."), Path("progress"))
    return create_app(
        [Path("geo.yaml"), Path("bio.yaml")],
        Path("progress"),
        FakeClock(NOW),
        seed=4,
        reload_interval=None,
        device=DEVICE,
    )


async def open_stats(pilot, row: int) -> None:
    """Home, then `s` on deck row ``row`` (0 Geography, 1 the bio deck, 2 All decks)."""
    await settle(pilot)
    for _ in range(row):
        await pilot.press("down")
    await pilot.press("s")
    await wait_until(pilot, lambda: pilot.app.screen.query("#stats-summary"), "the numbers")
    await settle(pilot)


def test_stats_screen_snapshot(app, snap_compare):
    assert snap_compare(app, terminal_size=SIZE, run_before=lambda pilot: open_stats(pilot, 2))


def test_stats_screen_snapshot_at_120x34(app, snap_compare):
    assert snap_compare(app, terminal_size=(120, 34), run_before=lambda pilot: open_stats(pilot, 2))


async def test_s_opens_the_selected_decks_stats_and_escape_goes_back(app):
    from trainer.tui.screens.home import HomeScreen
    from trainer.tui.screens.stats import StatsScreen

    async with app.run_test(size=SIZE) as pilot:
        await open_stats(pilot, 1)
        assert isinstance(app.screen, StatsScreen)
        text = screen_text(app)
        # The deck title is markup to Rich and Textual: shown exactly as written.
        assert "Statistics: [b]Cells[/b] & list[int]" in text
        # bio: x answered on Tuesday (#6) and today (#10).
        assert "2 (1 today)" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_all_decks_stats_scroll_to_the_card_counts_and_q_goes_back(app):
    from trainer.tui.screens.home import HomeScreen

    async with app.run_test(size=SIZE) as pilot:
        await open_stats(pilot, 2)
        assert "Statistics: All decks" in screen_text(app)
        assert "11 (3 today)" in screen_text(app)
        assert "Cards by state" not in screen_text(app)  # below the fold at 80x24
        await pilot.press("end")
        await settle(pilot)
        text = screen_text(app)
        assert "Cards by state" in text
        rows = text.splitlines()
        header = next(i for i, row in enumerate(rows) if "Relearning" in row)
        assert rows[header].split() == [
            "New",
            "Learning",
            "Review",
            "Relearning",
            "Suspended",
            "Total",
        ]
        # y new; a b c d x in review, b also suspended.
        assert rows[header + 1].split() == ["1", "0", "5", "0", "1", "6"]
        await pilot.press("q")  # back home, not quit
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen) and app.is_running


async def test_without_any_answer_the_screen_says_so_instead_of_empty_charts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from test_stats_support import write_decks

    monkeypatch.chdir(tmp_path)
    paths = write_decks(Path("."))
    app = create_app(paths, Path("progress"), FakeClock(NOW), seed=4, reload_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await open_stats(pilot, 0)
        text = screen_text(app)
        assert "Statistics: Geography" in text and "0 (0 today)" in text
        await pilot.press("end")
        await settle(pilot)
        assert "Retention: no answers to cards in review yet" in screen_text(app)
