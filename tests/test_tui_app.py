"""The whole app through its factory (as the CLI builds it): home, study session,
summary, practice, quiz, browse, live reload and the editor; real decks and progress in a
tmp directory, an injected clock."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from tui_decks import BROKEN, EVERY_TYPE, HOSTILE, LITERALS, write
from tui_fixtures import screen_text
from waiting import TIMEOUT, ready, settle, wait_for_text

from trainer.scheduling import Grade
from trainer.session import Collection
from trainer.tui.app import create_app
from trainer.tui.screens.browse import BrowseScreen
from trainer.tui.screens.card import CardScreen
from trainer.tui.screens.quiz_report import QuizReportScreen
from trainer.tui.screens.summary import SummaryScreen

SIZE = (80, 24)


async def press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def search(pilot, query: str) -> None:
    """Type ``query`` into the browse search box (set at once: typing it key by key
    goes through the same Input.Changed path, only slower)."""
    await press(pilot, "slash")
    pilot.app.screen.query_one("#search").value = query
    await settle(pilot)


def histories(deck_paths, progress_dir, clock) -> dict[str, int]:
    collection = Collection.open(deck_paths, progress_dir, clock=clock, device="check")
    try:
        return {
            card.key: len(collection.progress(card.key).history)
            for card in collection.study_cards()
        }
    finally:
        collection.close()


def log_bytes(progress_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(progress_dir.rglob("*.jsonl"))}


async def answer_correctly(pilot, app) -> None:
    """Answer the current card right, whatever its type (then the feedback shows)."""
    screen = app.screen
    card = screen.driver.current
    widget = screen.answer
    match card.type.value:
        case "basic":
            await press(pilot, "space")
        case "choice":
            await press(pilot, str(widget.values.index(card.card.answer) + 1))
        case "multi":
            for label in card.card.answers:
                await press(pilot, str(widget.labels.index(label) + 1))
            await press(pilot, "enter")
        case "order":
            widget.items[:] = list(card.card.items)
            await press(pilot, "enter")
        case "truefalse":
            await press(pilot, "t" if card.card.truth else "f")
        case "typed":
            await press(pilot, *card.card.answer, "enter")
        case "cloze":
            await press(pilot, *card.cloze.answers[0], "enter")


@pytest.fixture
def every_deck(tmp_path: Path) -> Path:
    return write(tmp_path, "every.yaml", EVERY_TYPE)


async def test_home_lists_decks_with_counts_and_all_decks_row(tmp_path, progress_dir, clock):
    write(tmp_path, "every.yaml", EVERY_TYPE)
    write(tmp_path, "hostile.yaml", HOSTILE)
    app = create_app([tmp_path], progress_dir, clock, seed=1)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        text = screen_text(app)
        assert "2 decks · 10 to study now · 0 reviewed today" in text
        assert "Every card type" in text and "Hostile [b]deck[/b]" in text
        row = next(line for line in text.split("\n") if "All decks" in line)
        assert row.split()[-4:] == ["10", "0", "0", "10"]
        await press(pilot, "question_mark")
        assert "this list of keys" in screen_text(app)
        await press(pilot, "escape")
        await press(pilot, "q")
    assert app.return_code == 0


async def test_broken_deck_is_listed_with_a_located_error(tmp_path, progress_dir, clock):
    write(tmp_path, "every.yaml", EVERY_TYPE)
    broken = write(tmp_path, "broken.yaml", BROKEN)
    app = create_app([tmp_path], progress_dir, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        text = screen_text(app)
        assert "broken.yaml: broken" in text
        unwrapped = "".join(line.strip() for line in text.split("\n"))
        located = next(d for d in app.collection.load_diagnostics if d.path.name == "broken.yaml")
        # file:line:col, maybe wrapped across lines in a long temporary path
        assert f"{broken}:{located.line}:{located.column}" in unwrapped
        assert "Every card type" in text  # the good deck still works
        # Selecting the broken row explains instead of crashing.
        table = app.screen.query_one("#decks")
        table.move_cursor(row=table.row_count - 1)
        await press(pilot, "enter")
        assert isinstance(app.screen, type(app.home))


async def test_study_every_type_records_answers_and_shows_the_summary(
    every_deck, progress_dir, clock
):
    app = create_app([every_deck], progress_dir, clock, seed=3)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, CardScreen)
        seen = []
        for _ in range(30):  # learning steps may bring cards back within the session
            if not isinstance(app.screen, CardScreen):
                break
            seen.append(app.screen.driver.current.type.value)
            await answer_correctly(pilot, app)
            text = screen_text(app)
            if seen[-1] != "basic":
                assert "✓ Correct" in text, text
            await press(pilot, "enter")
        assert set(seen) == {"basic", "choice", "multi", "typed", "cloze", "order", "truefalse"}
        assert isinstance(app.screen, SummaryScreen)
        text = screen_text(app)
        answers = f" ({len(seen)} answers)" if len(seen) != 7 else ""  # steps come back
        assert f"Cards studied: 7{answers}" in text
        assert "Accuracy:      100%" in text
        assert "Nothing missed." in text
    counts = histories([every_deck], progress_dir, clock)
    assert sum(counts.values()) == len(seen) and min(counts.values()) >= 1


async def test_grade_override_undo_suspend_and_flag(every_deck, progress_dir, clock):
    app = create_app([every_deck], progress_dir, clock, seed=3)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await press(pilot, "enter")
        first = app.screen.driver.current
        await answer_correctly(pilot, app)
        await press(pilot, "4")  # Easy instead of the suggestion
        second = app.screen.driver.current
        assert second != first
        await press(pilot, "u")
        assert app.screen.driver.current == first
        assert "7 new · 0 learning · 0 review left" in screen_text(app)
        await answer_correctly(pilot, app)
        await press(pilot, "2")
        await press(pilot, "at")  # suspend the second card
        assert app.screen.driver.current not in (first, second)
        third = app.screen.driver.current
        await press(pilot, "exclamation_mark")
        assert app.collection.progress(third.key).flagged
        await press(pilot, "escape")
        assert isinstance(app.screen, SummaryScreen)
        assert "Cards studied: 1" in screen_text(app)
    counts = histories([every_deck], progress_dir, clock)
    assert counts[first.key] == 1  # the undone Easy is gone, the Hard stays
    check = Collection.open([every_deck], progress_dir, clock=clock, device="check")
    try:
        assert check.progress(first.key).history[-1].grade == 2
        assert check.progress(second.key).suspended
        assert check.progress(third.key).flagged
    finally:
        check.close()


async def test_missed_cards_can_be_gone_over_without_changing_their_schedule(
    every_deck, progress_dir, clock
):
    app = create_app([every_deck], progress_dir, clock, seed=3)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await press(pilot, "enter")
        missed = app.screen.driver.current
        await answer_correctly(pilot, app)
        await press(pilot, "1")  # Again: missed
        await press(pilot, "escape")
        text = screen_text(app)
        assert "Missed (1)" in text
        before = log_bytes(progress_dir)
        await press(pilot, "r")
        assert isinstance(app.screen, CardScreen) and app.screen.driver.kind == "practice"
        assert app.screen.driver.current == missed
        assert "Practice (not scheduled)" in screen_text(app)
        await answer_correctly(pilot, app)
        await press(pilot, "enter")
        assert isinstance(app.screen, SummaryScreen)
        assert log_bytes(progress_dir) == before
        await press(pilot, "escape")
        assert app.screen is app.home


async def test_quiz_scores_every_question_and_never_touches_progress(
    every_deck, progress_dir, clock
):
    (progress_dir / "keep.txt").write_text("untouched")
    before = sorted(p.name for p in progress_dir.iterdir())
    app = create_app([every_deck], progress_dir, clock, mode="quiz", quiz_count=3, seed=5)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        screen = app.screen
        assert isinstance(screen, CardScreen) and screen.driver.kind == "quiz"
        assert "card 1 of 3" in screen_text(app)
        asked = [item.card for item in screen.driver.items]
        await answer_correctly(pilot, app)
        if not screen.driver.current.type.self_graded:  # the footer says what the button says
            footer = screen_text(app).rstrip().split("\n")[-1]
            assert "⏎ Next" in footer and "Accept" not in footer
        await press(pilot, "enter")
        # A wrong answer to the second, whatever it is.
        second = screen.driver.current
        if second.type.value in ("typed", "cloze"):
            await press(pilot, *"zzz", "enter")
        elif second.type.value == "basic":
            await press(pilot, "space")
        elif second.type.value == "truefalse":
            await press(pilot, "f" if second.card.truth else "t")
        elif second.type.value == "choice":
            wrong = next(i for i, v in enumerate(screen.answer.values) if v != second.card.answer)
            await press(pilot, str(wrong + 1))
        else:
            await press(pilot, "enter")  # nothing selected / shuffled order
        await press(pilot, "1" if second.type.value == "basic" else "enter")
        if app.screen._typing():
            await press(pilot, "escape")  # out of the answer field first
        await press(pilot, "escape")  # end early: the third is unanswered
        assert isinstance(app.screen, QuizReportScreen)
        text = screen_text(app)
        assert "Quiz finished: 1 of 3 right (33%)" in text
        assert "1 not answered (counted as wrong)." in text
        assert "(not answered)" in text
        assert text.count("Correct answer:") == 3
        assert [item.card for item in app.quiz.items] == asked
    assert sorted(p.name for p in progress_dir.iterdir()) == before


async def test_quiz_time_limit_shows_a_countdown_and_ends_the_quiz(every_deck, progress_dir, clock):
    app = create_app(
        [every_deck], progress_dir, clock, mode="quiz", quiz_count=5, quiz_minutes=2, seed=5
    )
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        assert "2:00 left" in screen_text(app)
        clock.advance(100)
        app.screen.tick()
        await settle(pilot)
        assert "0:20 left" in screen_text(app)
        clock.advance(20)
        app.screen.tick()
        await settle(pilot)
        assert isinstance(app.screen, QuizReportScreen)
        assert "Quiz finished: 0 of 5 right (0%)" in screen_text(app)


async def test_browse_searches_by_text_and_tag_and_toggles_suspension(
    every_deck, progress_dir, clock
):
    app = create_app([every_deck], progress_dir, clock, seed=1)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await press(pilot, "enter")
        await answer_correctly(pilot, app)
        await press(pilot, "enter")
        studied = app.screen.driver.session.summary()
        await press(pilot, "escape", "escape")
        await press(pilot, "b")
        assert isinstance(app.screen, BrowseScreen)
        assert "7 of 7 cards" in screen_text(app)
        await search(pilot, "tag:receptors")
        text = screen_text(app)
        assert "2 of 7 cards" in text
        assert [card.key for card in app.screen.shown] == ["every/choice", "every/multi"]
        await press(pilot, "enter")  # back to the list
        await search(pilot, "leads to")
        assert "1 of 7 cards" in screen_text(app)
        await press(pilot, "enter")
        assert "every/cloze::c1" in screen_text(app)
        await press(pilot, "s")
        assert app.collection.progress("every/cloze::c1").suspended
        assert "suspended" in screen_text(app)
        await press(pilot, "s")
        assert not app.collection.progress("every/cloze::c1").suspended
        # The card studied above shows its schedule and history.
        await search(pilot, "")
        await press(pilot, "enter")
        table = app.screen.query_one("#cards")
        table.move_cursor(row=0)
        await settle(pilot)
        text = screen_text(app)
        assert studied.studied == 1
        assert "every/basic" in text
        assert "Stability:" in text and "Retrievability:" in text, text
        assert "History (1 review, latest first):" in text


async def test_a_slow_history_read_never_freezes_browse_or_stats(
    every_deck, progress_dir, clock, monkeypatch
):
    """A million answers take seconds to read: Browse lists its cards and Stats answers
    its keys meanwhile, and the history and numbers show once read."""
    import threading

    import trainer.stats

    collection = Collection.open([every_deck], progress_dir, clock=clock, device="phone")
    session = collection.start_session()
    first = session.current.key
    session.record(Grade.GOOD)
    collection.close()
    gate = threading.Event()
    real_load, real_stats = Collection.load_history, trainer.stats.compute_stats

    def slow_load(self):
        gate.wait(TIMEOUT)
        real_load(self)

    def slow_stats(*args):
        gate.wait(TIMEOUT)
        return real_stats(*args)

    monkeypatch.setattr(Collection, "load_history", slow_load)
    monkeypatch.setattr(trainer.stats, "compute_stats", slow_stats)
    app = create_app([every_deck], progress_dir, clock, seed=1)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await ready(pilot)
            await press(pilot, "b")
            text = await wait_for_text(pilot, "7 of 7 cards", "History: reading the review logs")
            assert "Stability:" in text  # the schedule needs no history
            await press(pilot, "escape")  # the screen answers while the logs are read
            await press(pilot, "s")
            await wait_for_text(pilot, "Counting the answers")
            await press(pilot, "escape")
            assert "Statistics" not in screen_text(app)
            await press(pilot, "b")
            table = app.screen.query_one("#cards")
            table.move_cursor(row=[card.key for card in app.screen.shown].index(first))
            gate.set()
            await wait_for_text(pilot, "History (1 review, latest first):")
            await press(pilot, "escape", "s")
            await wait_for_text(pilot, "Reviews per day")
    finally:
        gate.set()


async def test_edit_opens_editor_at_the_cards_line(
    every_deck, progress_dir, clock, tmp_path, monkeypatch
):
    record = tmp_path / "editor-args.txt"
    editor = tmp_path / "fake-editor"
    editor.write_text(f'#!/bin/sh\necho "$@" > {record}\n')
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("EDITOR", str(editor))
    app = create_app([every_deck], progress_dir, clock, seed=1)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await press(pilot, "b")
        await search(pilot, "deck:every tag:mechanism leads")
        await press(pilot, "enter")
        await press(pilot, "e")
        card = next(c for c in app.collection.study_cards() if c.key == "every/cloze::c1")
        line = card.card.location.line
        assert record.read_text().split() == [f"+{line}", str(every_deck)]
        assert "id: cloze" in EVERY_TYPE.split("\n")[line - 1]


async def test_edit_without_editor_or_with_a_failing_one_says_so(
    every_deck, progress_dir, clock, monkeypatch
):
    monkeypatch.delenv("EDITOR", raising=False)
    app = create_app([every_deck], progress_dir, clock, seed=1)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await press(pilot, "b", "e")
        assert "Set the EDITOR environment variable" in screen_text(app)
        app.clear_notifications()
        monkeypatch.setenv("EDITOR", "/nonexistent/editor --flag")
        await press(pilot, "e")
        assert "Could not run the editor" in screen_text(app)
        app.clear_notifications()
        monkeypatch.setenv("EDITOR", "false")
        await press(pilot, "e")
        text = screen_text(app)
        assert "Editor failed" in text and "'false' exited with" in text
        assert isinstance(app.screen, BrowseScreen)


async def test_browse_keeps_the_edited_card_selected_after_the_reload(
    every_deck, progress_dir, clock
):
    app = create_app([every_deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await press(pilot, "b")
        assert isinstance(app.screen, BrowseScreen)
        table = app.screen.query_one("#cards")
        table.move_cursor(row=3)
        await settle(pilot)
        chosen = app.screen.selected
        assert chosen is not None
        # What `e` then the editor do: the card's text changes in its file.
        every_deck.write_text(
            EVERY_TYPE.replace("Ketamine is an opioid.", "Ketamine is an opioid agonist.")
        )
        os.utime(every_deck, ns=(1, 2_000_000_000_000_000_000))
        assert app.check_deck_files() == [every_deck]
        await settle(pilot)
        assert app.screen.selected is not None and app.screen.selected.key == chosen.key


async def test_live_reload_keeps_progress_and_survives_a_broken_edit(
    every_deck, progress_dir, clock
):
    app = create_app([every_deck], progress_dir, clock, seed=3, reload_interval=None)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await press(pilot, "enter")
        await answer_correctly(pilot, app)
        key = app.screen.driver.current.key
        await press(pilot, "enter")
        await press(pilot, "escape", "escape")
        # A good edit: a new card and changed text; the answered card keeps its history.
        text = EVERY_TYPE.replace("Ketamine is an opioid.", "Ketamine is a barbiturate.")
        text += "  - id: extra\n    type: basic\n    front: Extra front\n    back: Extra back\n"
        every_deck.write_text(text)
        os.utime(every_deck, ns=(1, 2_000_000_000_000_000_000))
        assert app.check_deck_files() == [every_deck]
        await settle(pilot)
        assert "Reloaded every.yaml" in screen_text(app)
        assert app.collection.progress(key).reps == 1
        assert any(c.key == "every/extra" for c in app.collection.study_cards())
        row = next(line for line in screen_text(app).split("\n") if "Every card type" in line)
        assert row.split()[-1] == "8"
        # A broken edit: located error, the last good version stays.
        every_deck.write_text(BROKEN.replace("id: broken", "id: every"))
        os.utime(every_deck, ns=(1, 3_000_000_000_000_000_000))
        assert app.check_deck_files() == []
        await settle(pilot)
        text = screen_text(app)
        assert "every.yaml has errors" in text
        assert re.search(r"every\.yaml:\d+:\d+: error", text), text
        assert any(c.key == "every/extra" for c in app.collection.study_cards())
        assert app.is_running


async def test_hostile_deck_renders_literally_everywhere_and_runs_no_action(
    tmp_path, progress_dir, clock
):
    deck = write(tmp_path, "hostile.yaml", HOSTILE)
    app = create_app([deck], progress_dir, clock, seed=2)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        assert "Hostile [b]deck[/b]" in screen_text(app)
        await press(pilot, "enter")
        seen = ""
        for _ in range(3):
            card = app.screen.driver.current
            if card.type.value == "choice":
                widget = app.screen.answer
                for row in range(1, 6):  # click every option: none may run an action
                    await pilot.click(widget, offset=(10, row))
                    await settle(pilot)
                    assert app.is_running
            else:
                await answer_correctly(pilot, app)
            seen += screen_text(app)
            await pilot.click(app.screen.query_one("#feedback"), offset=(12, 0))
            await press(pilot, "enter")
        assert app.is_running
        for literal in LITERALS:
            assert literal in seen, literal
        assert "Because [bold]markup[/bold] is data." in seen
        assert "[@click=app.quit]Source title" in seen
        assert "\x1b" not in seen and "\x07" not in seen
        assert "title end" not in seen or "]0;" not in seen
        while app.screen is not app.home:
            await press(pilot, "escape")
        await press(pilot, "b")
        text = screen_text(app)
        assert "Front [/foo] list[int] a[i]" in text
        assert app.is_running


async def test_an_answer_that_cannot_be_saved_is_reported_and_kept_on_screen(
    every_deck, progress_dir, clock, monkeypatch
):
    import errno

    app = create_app([every_deck], progress_dir, clock, seed=3)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await press(pilot, "enter")
        card = app.screen.driver.current
        await answer_correctly(pilot, app)
        real_fsync = os.fsync

        def full_disk(fd: int) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "fsync", full_disk)
        await press(pilot, "enter")
        text = screen_text(app)
        assert "Answer not saved" in text
        assert app.screen.driver.current == card  # still here: nothing lost, try again
        monkeypatch.setattr(os, "fsync", real_fsync)
        await press(pilot, "enter")
        assert app.screen.driver.current != card
    assert histories([every_deck], progress_dir, clock)[card.key] == 1


async def test_unusable_progress_directory_is_explained_and_exits_with_its_code(
    every_deck, tmp_path, clock
):
    not_a_dir = tmp_path / "progress-file"
    not_a_dir.write_text("I am a file")
    app = create_app([every_deck], not_a_dir, clock)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        text = screen_text(app)
        assert "Progress cannot be used" in text
        assert "Press q to quit." in text
        await press(pilot, "q")
    assert app.return_code == 3
    assert not_a_dir.read_text() == "I am a file"


async def test_home_by_mouse_a_click_on_a_deck_studies_it_and_on_a_key_presses_it(
    tmp_path, progress_dir, clock
):
    write(tmp_path, "every.yaml", EVERY_TYPE)
    write(tmp_path, "hostile.yaml", HOSTILE)
    app = create_app([tmp_path], progress_dir, clock, reload_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        text = screen_text(app)
        keys = next(line for line in text.split("\n") if "b Browse" in line)
        await pilot.click(offset=(keys.index("b Browse") + 2, SIZE[1] - 1))
        await settle(pilot)
        assert isinstance(app.screen, BrowseScreen)
        await press(pilot, "escape")
        await settle(pilot)
        # The deck table: its header row, then one row per deck (in the order shown).
        table = app.screen.query_one("#decks")
        rows = [line for line in screen_text(app).split("\n") if "Hostile [b]deck[/b]" in line]
        assert rows
        row = next(i for i in range(table.row_count) if table.row_key(i) == "hostile")
        await pilot.click(table, offset=(3, 1 + row))
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        assert "Hostile [b]deck[/b]" in screen_text(app).split("\n")[0]


ONE_CARD = """\
format: 1
id: one
title: One card
cards:
  - {id: a, type: basic, front: Only question, back: Only answer}
"""


async def test_the_summary_counts_a_card_answered_twice_once(tmp_path, progress_dir, clock):
    """Again, then Easy when it comes back: one card studied, with its two answers."""
    deck = write(tmp_path, "one.yaml", ONE_CARD)
    app = create_app([deck], progress_dir, clock, autostart=True, reload_interval=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "Only question")
        await press(pilot, "space", "1")  # Again: back within the learn-ahead
        await wait_for_text(pilot, "Only question", "1 learning")
        await press(pilot, "space", "4")  # Easy: done
        await wait_for_text(pilot, "Session finished")
        text = screen_text(app)
        assert "Cards studied: 1 (2 answers)" in text
        assert "50% (1 of 2 not graded Again)" in text
