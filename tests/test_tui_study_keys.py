"""The study screen's keys and what it shows, as an Anki user expects them: space grades
Good, ctrl+z undoes from any card, bury, edit in $EDITOR, intervals on the grade buttons,
the remaining counts, and a footer listing only the keys that work now."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from tui_decks import EVERY_TYPE, write
from tui_fixtures import screen_text
from waiting import wait_for_screen, wait_for_text, wait_until

from trainer.session import Collection
from trainer.tui.app import create_app
from trainer.tui.screens.card import CardScreen
from trainer.tui.screens.summary import SummaryScreen
from trainer.tui.timetext import interval_text

SIZE = (80, 24)


@pytest.fixture
def every_deck(tmp_path: Path) -> Path:
    return write(tmp_path, "every.yaml", EVERY_TYPE)


async def start_study(pilot) -> CardScreen:
    await wait_until(pilot, lambda: pilot.app.collection is not None, "the decks to load")
    await pilot.press("enter")
    screen = await wait_for_screen(pilot, CardScreen)
    await wait_until(pilot, lambda: screen._shown is not None, "the first card")
    return screen


def footer_line(app) -> str:
    return screen_text(app).rstrip().split("\n")[-1]


async def until_card(pilot, screen: CardScreen, type_name: str) -> None:
    """Grade cards Good until one of ``type_name`` is shown."""
    for _ in range(10):
        if screen._shown.type.value == type_name:
            return
        screen.grade(3)
        await pilot.pause()
    raise AssertionError(f"no {type_name} card")


def reviews(deck: Path, progress: Path, clock) -> dict[str, list[int]]:
    check = Collection.open([deck], progress, clock=clock, device="check")
    try:
        return {
            c.key: [e.grade for e in check.progress(c.key).history] for c in check.study_cards()
        }
    finally:
        check.close()


async def test_space_reveals_then_grades_good(every_deck, progress_dir, clock):
    app = create_app([every_deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(pilot)
        first = screen._shown.key
        text = await wait_for_text(pilot, "Recall the answer, then press space")
        await pilot.press("space")
        text = await wait_for_text(pilot, "Answer: N-methyl-D-aspartate")
        assert "Recall the answer" not in text  # the hint has gone
        await pilot.press("space")
        await wait_until(pilot, lambda: screen._shown.key != first, "the next card")
    assert reviews(every_deck, progress_dir, clock)["every/basic"] == [3]


async def test_enter_reveals_then_grades_good_as_in_anki(every_deck, progress_dir, clock):
    app = create_app([every_deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(pilot)
        first = screen._shown.key
        await wait_for_text(pilot, "Recall the answer, then press space")
        await pilot.press("enter")
        await wait_for_text(pilot, "Answer: N-methyl-D-aspartate")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen._shown.key != first, "the next card")
    assert reviews(every_deck, progress_dir, clock)["every/basic"] == [3]


async def test_grade_buttons_show_intervals_and_the_suggestion_is_highlighted(
    every_deck, progress_dir, clock
):
    app = create_app([every_deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(pilot)
        await pilot.press("space")
        # Easy's interval carries the scheduler's fuzz; the one the grade would record.
        easy = interval_text(screen.driver.intervals()[4])
        text = await wait_for_text(pilot, "1 Again · 1m", "3 Good · 10m", f"4 Easy · {easy}")
        # The suggested grade is drawn reversed, the others not.
        drawn = screen.query_one("#buttons").render()
        reversed_text = [
            drawn.plain[span.start : span.end]
            for span in drawn.spans
            if "reverse" in str(span.style)
        ]
        assert [text.strip() for text in reversed_text] == ["3 Good · 10m"]
        # The buttons stay in view at 80x24: the bar is outside the scrolling body.
        assert "3 Good · 10m" in text.split("\n")[-2]


async def test_header_shows_the_remaining_counts_and_the_card_type(every_deck, progress_dir, clock):
    app = create_app([every_deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(pilot)
        await wait_for_text(pilot, "7 new · 0 learning · 0 review left", "[basic]")
        await pilot.press("space", "1")  # Again: into learning, comes back soon
        await wait_for_text(pilot, "6 new · 1 learning · 0 review left", "[choice]")
        assert screen._shown.type.value == "choice"


LONG_STEPS = """\
format: 1
id: steps
title: Long steps
scheduling:
  learning_steps: [30m, 2h]
cards:
  - {id: a, type: basic, front: First question, back: First answer}
  - {id: b, type: basic, front: Second question, back: Second answer}
"""


async def test_learning_cards_due_later_today_are_not_counted_as_left_now(
    tmp_path, progress_dir, clock
):
    """As Anki counts them: a step due in 2 h is not one of the cards left now."""
    deck = write(tmp_path, "steps.yaml", LONG_STEPS)
    app = create_app([deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await start_study(pilot)
        await wait_for_text(pilot, "2 new · 0 learning · 0 review left", "First question")
        await pilot.press("space", "3")  # Good: the next step is 2 h away
        await wait_for_text(pilot, "1 new · 0 learning · 0 review left", "Second question")
        await pilot.press("space", "1")  # Again: 30 min, beyond the 20 min learn-ahead
        await wait_for_screen(pilot, SummaryScreen)


async def test_ctrl_z_undoes_from_a_typed_card_and_u_is_text_there(every_deck, progress_dir, clock):
    app = create_app([every_deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(pilot)
        await until_card(pilot, screen, "typed")
        before = screen._shown.key
        footer = footer_line(app)
        assert "esc More keys" in footer and "^z Undo" in footer
        for hidden in ("@ Suspend", "! Flag", "q Quit", "? Keys", "- Bury"):
            assert hidden not in footer, hidden  # they are text in the field
        await pilot.press("u", "q", "question_mark")
        await wait_until(pilot, lambda: screen.answer.value == "uq?", "the typed text")
        assert app.is_running and screen._shown.key == before
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: screen._shown.key != before, "the previous card")
        assert screen._shown.type.value == "multi"


async def test_escape_leaves_the_answer_field_for_the_other_keys(every_deck, progress_dir, clock):
    app = create_app([every_deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(pilot)
        await until_card(pilot, screen, "typed")
        await pilot.press("escape")
        await wait_until(pilot, lambda: "? Keys" in footer_line(app), "the full footer")
        assert isinstance(app.screen, CardScreen)  # Esc in the field did not end the session
        assert "tab Type answer" in footer_line(app)
        await pilot.press("tab", "x")
        await wait_until(pilot, lambda: screen.answer.value == "x", "typing again")


async def test_u_on_an_answered_card_takes_back_the_answer_not_the_previous_grade(
    every_deck, progress_dir, clock
):
    app = create_app([every_deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await start_study(pilot)
        await pilot.press("space", "3")  # the basic card: Good
        await wait_until(pilot, lambda: screen._shown.type.value == "choice", "the choice card")
        choice = screen._shown.key
        await pilot.press("1")
        await wait_until(pilot, lambda: screen.phase == "answered", "the verdict")
        await pilot.press("u")
        await wait_for_text(pilot, "Answer taken back")
        assert screen.phase == "question" and screen._shown.key == choice
    assert reviews(every_deck, progress_dir, clock)["every/basic"] == [3]


async def test_footer_lists_only_keys_that_work_now(every_deck, progress_dir, clock):
    app = create_app([every_deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=(100, 24)) as pilot:
        await start_study(pilot)
        footer = footer_line(app)
        assert "space Show answer" in footer
        assert "Undo" not in footer and "Accept" not in footer  # nothing to undo or accept
        await pilot.press("space")
        await wait_until(pilot, lambda: "⏎ Accept" in footer_line(app), "the answered footer")
        footer = footer_line(app)
        assert "^z Undo" in footer and "Show answer" not in footer


async def test_bury_skips_the_card_for_this_session_and_undo_brings_it_back(
    every_deck, progress_dir, clock
):
    app = create_app([every_deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await start_study(pilot)
        buried = screen._shown.key
        await pilot.press("minus")
        await wait_for_text(pilot, "Buried every/basic", "6 new · 0 learning")
        assert screen._shown.key != buried
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: screen._shown.key == buried, "the buried card back")
        await pilot.press("minus")
        await wait_until(pilot, lambda: screen._shown.key != buried, "the next card")
        for _ in range(6):
            await wait_until(pilot, lambda: screen._shown is not None, "a card")
            assert screen._shown.key != buried
            screen.grade(4)  # Easy: graduates, nothing comes back today
            await pilot.pause()
        await wait_until(pilot, lambda: not isinstance(app.screen, CardScreen), "the summary")
    assert reviews(every_deck, progress_dir, clock)[buried] == []  # schedule untouched


async def test_edit_opens_the_card_in_the_editor_and_shows_the_change(
    every_deck, progress_dir, clock, tmp_path, monkeypatch
):
    record = tmp_path / "editor-args.txt"
    editor = tmp_path / "fake-editor"
    # A fake editor: records its arguments and rewrites the card's front.
    editor.write_text(
        f'#!/bin/sh\necho "$@" > {record}\n'
        "sed -i 's/What does NMDA stand for?/What is NMDA short for?/' \"$2\"\n"
    )
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("EDITOR", str(editor))
    app = create_app([every_deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await start_study(pilot)
        line = screen._shown.card.location.line
        await pilot.press("e")
        await wait_for_text(pilot, "What is NMDA short for?", "Reloaded every.yaml")
        assert record.read_text().split() == [f"+{line}", str(every_deck)]
        assert "id: basic" in EVERY_TYPE.split("\n")[line - 1]
        await pilot.press("space")
        await wait_for_text(pilot, "Answer: N-methyl-D-aspartate")


async def test_a_wrong_order_answer_marks_the_misplaced_items(every_deck, progress_dir, clock):
    app = create_app([every_deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(pilot)
        await until_card(pilot, screen, "order")
        correct = list(screen._shown.card.items)
        screen.answer.items[:] = list(reversed(correct))
        await pilot.press("enter")
        text = await wait_for_text(pilot, "✗ belongs at")
        middle = correct[len(correct) // 2] if len(correct) % 2 else None
        for place, item in enumerate(reversed(correct), start=1):
            row = next(r for r in text.split("\n") if f"{place}. {item}" in r)
            if item == middle:
                assert "✓" in row
            else:
                assert f"✗ belongs at {correct.index(item) + 1}" in row


async def test_done_for_today_on_the_summary_on_home_and_for_study_start(
    every_deck, progress_dir, clock
):
    app = create_app([every_deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(pilot)
        for _ in range(7):
            await wait_until(pilot, lambda: screen._shown is not None, "a card")
            screen.grade(4)  # Easy: every card graduates to days from now
            await pilot.pause()
        await wait_for_screen(pilot, SummaryScreen)
        await wait_for_text(pilot, "Done for today. Tomorrow: 0 cards, next in")
        await pilot.press("escape")
        text = await wait_for_text(pilot, "Done for today. Tomorrow: 0 cards, next in")
        assert "to study now" not in text
    clock.advance(3600)
    again = create_app(
        [every_deck], progress_dir, clock, seed=3, reload_interval=None, autostart=True
    )
    async with again.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_text(pilot, "Nothing to study now", "Done for today.")
        assert again.screen is again.home


def slow_deck(tmp_path):
    """Every card type with one-hour learning steps: a card answered Again is due after
    the learn-ahead limit."""
    return write(
        tmp_path,
        "slow.yaml",
        EVERY_TYPE.replace(
            "title: Every card type\n",
            "title: Every card type\nscheduling:\n  learning_steps: [1h, 10h]\n",
        ),
    )


async def one_again_then_easy(pilot) -> None:
    """Study: the first card Again (back in an hour), the other six Easy; the summary."""
    screen = await start_study(pilot)
    screen.grade(1)
    await pilot.pause()
    for _ in range(6):
        await wait_until(pilot, lambda: screen._shown is not None, "a card")
        screen.grade(4)
        await pilot.pause()
    await wait_for_screen(pilot, SummaryScreen)


async def test_learning_cards_due_later_are_not_counted_as_to_study_now(
    tmp_path, progress_dir, clock
):
    app = create_app([slow_deck(tmp_path)], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await one_again_then_easy(pilot)
        await wait_for_text(pilot, "Done for now. Learning cards come back at 11:00 (in 1 h)")
        await pilot.press("escape")
        text = await wait_for_text(pilot, "Done for now. Learning cards come back at 11:00")
        assert "1 to study now" not in text
        await pilot.press("enter")
        await wait_for_text(pilot, "Nothing to study now")


@pytest.mark.parametrize(
    "seconds, shown",
    [(30, "<1m"), (59.6 * 60, "1h"), (23.6 * 3600, "1d"), (36 * 3600, "2d"), (10 * 60, "10m")],
)
def test_a_button_interval_that_rounds_up_to_the_next_unit_is_shown_in_it(seconds, shown):
    """As Anki's buttons read: "1d", never "24h"; "1h", never "60m"."""
    assert interval_text(seconds) == shown


async def test_home_fills_itself_in_again_when_the_clock_moves_its_counts(
    tmp_path, progress_dir, clock
):
    """Left open, home shows a learning card once it is due, and a new day's cards after
    the rollover, without a key pressed."""
    app = create_app([slow_deck(tmp_path)], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await one_again_then_easy(pilot)
        await pilot.press("escape")
        await wait_for_text(pilot, "Learning cards come back at 11:00")
        clock.advance(3600)
        app.home.tick()
        await wait_for_text(pilot, "1 to study now")
        clock.advance(20 * 3600)  # past the 4 am rollover: the Easy cards are not due yet
        app.home.tick()
        await wait_for_text(pilot, "0 reviewed today")
