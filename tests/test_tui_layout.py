"""What fits where: the grade buttons and the essential keys at 60x20, a reading width at
200x50, browse at 80 columns, and the theme and the palette's keys panel."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_decks import EVERY_TYPE, write
from waiting import ready, wait_for_screen, wait_for_text, wait_until

from trainer.locations import theme_file
from trainer.tui.app import create_app
from trainer.tui.screens.browse import BrowseScreen
from trainer.tui.screens.card import CardScreen
from trainer.tui.timetext import interval_text


@pytest.fixture
def every_deck(tmp_path: Path) -> Path:
    return write(tmp_path, "every.yaml", EVERY_TYPE)


async def revealed_card(pilot) -> str:
    await ready(pilot)
    await pilot.press("enter")
    await wait_for_screen(pilot, CardScreen)
    await pilot.press("space")
    return await wait_for_text(pilot, "Answer: N-methyl-D-aspartate")


async def test_at_60x20_home_shows_every_count_column_and_cuts_long_titles(progress_dir, clock):
    from trainer.tui.screens.home import COUNT_COLUMNS

    decks = Path(__file__).resolve().parent.parent / "decks"
    app = create_app([decks], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=(60, 20)) as pilot:
        text = await wait_for_text(pilot, "All decks")
        header = next(line for line in text.split("\n") if line.strip().startswith("Deck"))
        assert all(label in header for label in COUNT_COLUMNS)
        assert "…" in text  # the longest titles give way to the numbers


async def test_a_long_answer_shows_from_its_start_under_the_question(tmp_path, progress_dir, clock):
    back = " ".join(f"word{n}" for n in range(400))
    deck = write(
        tmp_path,
        "long.yaml",
        "format: 1\nid: long\ntitle: Long\ncards:\n"
        f'  - {{id: a, type: basic, front: What is the long answer?, back: "START {back} END"}}\n',
    )
    app = create_app([deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("enter")
        await wait_for_text(pilot, "What is the long answer?")
        await pilot.press("space")
        text = await wait_for_text(pilot, "3 Good", "What is the long answer?", "Answer: START")
        assert "END" not in text


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_a_notice_stands_above_the_grade_buttons_not_over_them(
    every_deck, progress_dir, clock, size
):
    from textual.widgets._toast import Toast

    app = create_app([every_deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=size, notifications=True) as pilot:
        await revealed_card(pilot)
        app.screen.notify("A notice long enough to take two lines of its box, as bury's does.")
        await wait_until(pilot, lambda: bool(app.screen.query(Toast)))
        await pilot.pause()
        toast = app.screen.query(Toast).first().region
        buttons = app.screen.query_one("#buttons").region
        assert toast.height and not toast.overlaps(buttons)


async def test_at_60x20_every_grade_button_and_the_essential_keys_fit(
    every_deck, progress_dir, clock
):
    app = create_app([every_deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=(60, 20)) as pilot:
        text = await revealed_card(pilot)
        buttons, footer = text.rstrip("\n").split("\n")[-2:]
        intervals = app.screen.driver.intervals()
        assert "1 Again · 1m" in buttons and f"4 Easy · {interval_text(intervals[4])}" in buttons
        for key in ("⏎ Accept", "^z Undo", "esc End", "? Keys", "q Quit"):
            assert key in footer, key
        # The keys that do not fit are left out whole, never cut in half ("! Fl").
        listed = app.screen.query_one("KeyBar").keys()  # (the footer's own keys)
        shown = {binding.description for binding, _ in listed}
        assert footer.split()[-1] in shown


async def test_at_200x50_the_text_keeps_a_reading_width(every_deck, progress_dir, clock):
    long_back = "word " * 60
    deck = every_deck
    deck.write_text(
        EVERY_TYPE.replace("back: N-methyl-D-aspartate", f"back: N-methyl-D-aspartate {long_back}")
    )
    app = create_app([deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=(200, 50)) as pilot:
        text = await revealed_card(pilot)
        answer_rows = [row for row in text.split("\n") if "word word" in row]
        assert len(answer_rows) >= 3  # wrapped, not one 200-column line
        assert all(len(row.rstrip()) <= 104 for row in answer_rows)


async def browse_text(
    deck: Path, progress_dir: Path, clock, count: str, size: tuple[int, int] = (80, 24)
) -> str:
    """The browse screen (80x24 unless ``size``), once it shows ``count`` ("7 of 7 cards")."""
    app = create_app([deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await pilot.press("b")
        await wait_for_screen(pilot, BrowseScreen)
        return await wait_for_text(pilot, count)


async def test_browse_at_80_columns_shows_the_cards_and_their_text(every_deck, progress_dir, clock):
    text = await browse_text(every_deck, progress_dir, clock, "7 of 7 cards")
    rows = [
        row
        for row in text.split("\n")
        if row.split()[:1]
        and row.split()[0]
        in ("basic", "choice", "multi", "typed", "cloze::c1", "order", "truefalse")
    ]
    assert len(rows) == 7
    assert "What does NMDA stand for?" in text


async def test_browse_gives_the_text_what_the_other_columns_leave(every_deck, progress_dir, clock):
    """The text column fills the width, cut with an ellipsis (no sideways scrolling);
    Type is a column only where there is room for it, the footer keeps Back and q."""
    narrow = await browse_text(every_deck, progress_dir, clock, "7 of 7 cards")
    assert "Type" not in narrow.split("\n")[2]
    long_prompt = "A drug that blocks a receptor without activating it is a receptor what?"
    row = next(line for line in narrow.split("\n") if line.startswith(" typed "))
    assert long_prompt[:30] in row and "…" in row and len(row.rstrip()) <= 80
    wide = await browse_text(every_deck, progress_dir, clock, "7 of 7 cards", (120, 34))
    assert "Type" in wide.split("\n")[2]
    row = next(line for line in wide.split("\n") if line.startswith(" typed "))
    assert long_prompt[:55] in row and " typed " in row[17:]  # and its Type cell
    footer = (await browse_text(every_deck, progress_dir, clock, "7 of 7 cards", (60, 20))).split(
        "\n"
    )[-1]
    assert "esc Back" in footer and "q Quit" in footer


LONG_IDS = """\
format: 1
id: long
title: Long ids
cards:
  - id: primary-indication-of-ketamine
    type: cloze
    text: Ketamine treats {{c1::depression}} and {{c2::pain}}.
  - id: treatment-resistant-definition
    type: basic
    front: Treatment-resistant
    back: Not helped by two or more treatments
    reverse: true
"""


async def test_browse_keeps_the_variant_of_a_long_card_id_in_view(tmp_path, progress_dir, clock):
    deck = write(tmp_path, "long.yaml", LONG_IDS)
    text = await browse_text(deck, progress_dir, clock, "4 of 4 cards")
    labels = [row.split()[0] for row in text.split("\n")[3:7]]
    # four cards of two notes: each tells which card of its note it is
    assert len(set(labels)) == 4, labels
    assert [label[-4:] for label in labels[:2]] == ["::c1", "::c2"], labels
    assert labels[3].endswith("::reverse"), labels


async def test_the_theme_chosen_is_kept_after_a_restart(every_deck, progress_dir, clock):
    app = create_app([every_deck], progress_dir, clock, reload_interval=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert app.theme != "nord"
        app.theme = "nord"
        await wait_until(pilot, lambda: theme_file().exists(), "the theme saved")
    again = create_app([every_deck], progress_dir, clock, reload_interval=None)
    async with again.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert again.theme == "nord"


async def test_the_theme_is_kept_beside_the_config_file_trainer_config_names(
    every_deck, progress_dir, clock, tmp_path, monkeypatch
):
    monkeypatch.setenv("TRAINER_CONFIG", str(tmp_path / "elsewhere" / "config.toml"))
    app = create_app([every_deck], progress_dir, clock, reload_interval=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        app.theme = "nord"
        saved = tmp_path / "elsewhere" / "theme"
        await wait_until(pilot, saved.exists, "the theme saved beside the config file")
    assert saved.read_text().strip() == "nord"


async def test_the_palettes_keys_panel_closes_with_escape(every_deck, progress_dir, clock):
    app = create_app([every_deck], progress_dir, clock, reload_interval=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        app.action_show_help_panel()
        await wait_until(pilot, lambda: app.screen.query("HelpPanel"), "the keys panel")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.screen.query("HelpPanel"), "the panel gone")
        assert app.is_running and app.screen is app.home
