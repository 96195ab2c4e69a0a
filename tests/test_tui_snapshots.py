"""Snapshots at 80x24 and 120x34 of every card type before and after answering, the summary, the
quiz report, the browse screen and the ? list of keys. Deterministic: FakeClock, a fixed shuffle seed, decks
given by relative path from a tmp working directory, an empty tmp progress directory.

Update after an intended change of the interface: pytest tests/test_tui_snapshots.py
--snapshot-update, then look at the SVGs (snapshot_report.html shows differences)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_decks import EVERY_TYPE, one_card_deck, write
from waiting import ready, settle, wait_for_screen, wait_for_text

from trainer.tui.app import create_app
from trainer.tui.screens.card import CardScreen
from trainer.tui.screens.summary import SummaryScreen

#: The sizes the study screen's main states are checked at: the smallest supported
#: terminal and a common larger one.
SIZES = {"80x24": (80, 24), "120x34": (120, 34)}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def app_for(text: str, clock, **options):
    write(Path.cwd(), "deck.yaml", text)
    return create_app(
        [Path("deck.yaml")], Path("progress"), clock, seed=4, reload_interval=None, **options
    )


async def start(pilot) -> None:
    await ready(pilot)
    await pilot.press("enter")
    await wait_for_screen(pilot, CardScreen)
    await settle(pilot)


# How each card is answered in the "after" snapshot: some right, some wrong, so both
# verdicts and the typed-answer difference are covered.
async def answer_basic(pilot):
    await pilot.press("space")


async def answer_choice(pilot):  # wrong on purpose
    widget = pilot.app.screen.answer
    await pilot.press(str(next(i for i, v in enumerate(widget.values) if v != "NMDA") + 1))


async def answer_multi(pilot):
    widget = pilot.app.screen.answer
    for label in ("NMDA", "AMPA"):
        await pilot.press(str(widget.labels.index(label) + 1))
    await pilot.press("enter")


async def answer_typed(pilot):  # one typo: accepted, the difference highlighted
    await pilot.press(*"antagnist", "enter")


async def answer_cloze(pilot):  # wrong
    await pilot.press(*"GABA", "enter")


async def answer_order(pilot):
    await pilot.press("shift+down", "enter")


async def answer_truefalse(pilot):
    await pilot.press("f")


ANSWERS = {
    "basic": answer_basic,
    "choice": answer_choice,
    "multi": answer_multi,
    "typed": answer_typed,
    "cloze": answer_cloze,
    "order": answer_order,
    "truefalse": answer_truefalse,
}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("card_type", list(ANSWERS))
def test_card_before_answering(card_type, size, snap_compare, workdir, clock):
    app = app_for(one_card_deck(card_type), clock)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=start)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("card_type", list(ANSWERS))
def test_card_after_answering(card_type, size, snap_compare, workdir, clock):
    app = app_for(one_card_deck(card_type), clock)

    async def run_before(pilot):
        await start(pilot)
        await ANSWERS[card_type](pilot)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES))
def test_home(size, snap_compare, workdir, clock):
    app = app_for(EVERY_TYPE, clock)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=ready)


@pytest.mark.parametrize("size", list(SIZES))
def test_revealed_basic_card_with_its_intervals(size, snap_compare, workdir, clock):
    app = app_for(one_card_deck("basic"), clock)

    async def run_before(pilot):
        await start(pilot)
        await pilot.press("space")
        await wait_for_text(pilot, "3 Good · 10m")

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


async def _study_everything(pilot) -> None:
    await start(pilot)
    for _ in range(7):
        await pilot.press("4")  # before the answer: nothing; after: Easy
        pilot.app.screen.grade(4)
        await settle(pilot)
        if isinstance(pilot.app.screen, SummaryScreen):
            break
    await wait_for_screen(pilot, SummaryScreen)
    await settle(pilot)


@pytest.mark.parametrize("size", list(SIZES))
def test_summary_done_for_today(size, snap_compare, workdir, clock):
    app = app_for(EVERY_TYPE, clock)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_study_everything)


@pytest.mark.parametrize("size", list(SIZES))
def test_home_done_for_today(size, snap_compare, workdir, clock):
    app = app_for(EVERY_TYPE, clock)

    async def run_before(pilot):
        await _study_everything(pilot)
        await pilot.press("escape")
        await wait_for_text(pilot, "Done for today")

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES))
def test_summary_with_missed_cards(size, snap_compare, workdir, clock):
    app = app_for(EVERY_TYPE, clock)

    async def run_before(pilot):
        await start(pilot)
        for grade in (("space", "1"),):
            await pilot.press(*grade)
        await settle(pilot)
        await answer_choice(pilot)
        await pilot.press("enter")
        clock.advance(42)
        await pilot.press("escape")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES))
def test_quiz_report(size, snap_compare, workdir, clock):
    app = app_for(EVERY_TYPE, clock, mode="quiz", quiz_count=3)

    async def run_before(pilot):
        await settle(pilot)
        for _ in range(2):
            card = pilot.app.screen.driver.current
            await ANSWERS[card.type.value](pilot)
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES))
def test_browse(size, snap_compare, workdir, clock):
    app = app_for(EVERY_TYPE, clock)

    async def run_before(pilot):
        await start(pilot)
        await answer_basic(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("escape", "escape", "b")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES))
def test_help_keys(size, snap_compare, workdir, clock):
    """The ? list: a meaning too long for its line wraps under itself, not under the keys."""
    app = app_for(EVERY_TYPE, clock)

    async def run_before(pilot):
        await ready(pilot)
        await pilot.press("question_mark")
        await wait_for_text(pilot, "Everywhere")
        await pilot.press("pagedown")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)
