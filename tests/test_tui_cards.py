"""The card screen, one interaction per card type, driven by a practice round over
hand-built decks (nothing recorded, so no progress store is needed)."""

from __future__ import annotations

import random

from tui_fixtures import HOSTILE, CardHost, cards_of, every_type_deck, hostile_deck, screen_text
from waiting import ready, settle

from trainer.clock import FakeClock
from trainer.tui.drivers import PracticeDriver, QuizDriver
from trainer.tui.screens.card import CardScreen
from trainer.tui.widgets.answers import ChoiceAnswer, MultiAnswer, OrderAnswer

SIZE = (80, 24)


async def press(pilot, *keys: str) -> None:
    """Press keys and let the messages they cause settle."""
    await pilot.press(*keys)
    await settle(pilot)


def host(*ids: str, seed: int = 1) -> tuple[CardHost, PracticeDriver]:
    deck = every_type_deck()
    driver = PracticeDriver(cards_of(deck, *ids))
    return CardHost(driver, [deck], seed=seed), driver


def answer_widget(app: CardHost):
    return app.screen.query_one(".answer")


async def test_basic_card_reveals_on_space_then_takes_a_grade():
    app, driver = host("b", "ch")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        text = screen_text(app)
        assert "What does NMDA stand for?" in text
        assert "N-methyl-D-aspartate" not in text
        await press(pilot, "3")  # grading before revealing does nothing
        assert driver.position == 1
        await press(pilot, "space")
        text = screen_text(app)
        assert "Answer: N-methyl-D-aspartate" in text
        assert "Source: The mechanism overview" in text
        buttons = text.split("\n")[-2]
        assert all(label in buttons for label in ("1 Again", "2 Hard", "3 Good", "4 Easy"))
        await press(pilot, "3")
        await settle(pilot)
        assert driver.position == 2
        assert "Which receptor does ketamine block?" in screen_text(app)


async def test_choice_picked_by_number_shows_verdict_explanation_and_source():
    app, driver = host("ch")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        widget = answer_widget(app)
        assert isinstance(widget, ChoiceAnswer)
        wrong = next(i for i, v in enumerate(widget.values) if v != "NMDA")
        await press(pilot, str(wrong + 1))
        text = screen_text(app)
        assert "✗ Not quite" in text
        assert "Correct answer: NMDA" in text
        assert "Why: Every source agrees." in text
        assert "Source: The mechanism overview" in text
        assert "Suggested: Again" in text
        await press(pilot, "enter")  # confirms Again: practice remembers the miss
        assert [card.key for card in driver.missed] == ["every/ch"]
        assert app.finished


async def test_options_past_nine_carry_no_number_and_are_picked_with_the_arrows():
    """No key picks option 10 (typing "10" would pick option 1), so none is shown."""
    from pathlib import Path

    from trainer.model import Card, CardType, Deck, Location

    options = tuple(f"Option {n}" for n in range(1, 13))
    card = Card(
        id="many",
        type=CardType.CHOICE,
        location=Location(Path("deck.yaml"), 1, 5),
        question="Which is the eleventh?",
        answer="Option 11",
        options=options,
    )
    deck = Deck(id="many", title="Many options", path=Path("deck.yaml"), cards=[card])
    app = CardHost(PracticeDriver(deck.study_cards()), [deck], seed=1)
    async with app.run_test(size=(80, 30)) as pilot:
        await ready(pilot)
        widget = answer_widget(app)
        text = screen_text(app)
        assert "9. " in text and "10. " not in text and "·  " in text
        eleventh = widget.values.index("Option 11")
        await press(pilot, *(["down"] * (eleventh - (widget.highlighted or 0))), "enter")
        assert "✓" in screen_text(app) and "Correct answer" not in screen_text(app)


async def test_choice_picked_with_arrows_and_enter():
    app, _ = host("ch")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        widget = answer_widget(app)
        right = widget.values.index("NMDA")
        await press(pilot, *["down"] * right, "enter")
        assert "✓ Correct" in screen_text(app)
        assert "Suggested: Good" in screen_text(app)


async def test_choice_options_are_shuffled_at_every_review():
    orders = set()
    for seed in range(8):
        app, _ = host("ch", seed=seed)
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            orders.add(tuple(answer_widget(app).values))
    assert len(orders) > 1
    assert all(sorted(order) == sorted(("NMDA", "AMPA", "GABA-A", "5-HT2A")) for order in orders)


async def test_multi_toggles_with_numbers_and_space_and_submits_with_enter():
    app, _ = host("mu")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        widget = answer_widget(app)
        assert isinstance(widget, MultiAnswer)
        nmda, ampa = widget.labels.index("NMDA"), widget.labels.index("AMPA")
        await press(pilot, str(nmda + 1))
        assert "[x] NMDA" in screen_text(app)
        await press(pilot, str(nmda + 1))  # toggles off again
        assert "[ ] NMDA" in screen_text(app)
        await press(pilot, str(nmda + 1))
        widget.highlighted = ampa
        await press(pilot, "space")
        assert "[x] AMPA" in screen_text(app)
        await press(pilot, "enter")
        assert "✓ Correct" in screen_text(app)


async def test_multi_with_a_missing_option_is_wrong():
    app, _ = host("mu")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        widget = answer_widget(app)
        await press(pilot, str(widget.labels.index("NMDA") + 1), "enter")
        text = screen_text(app)
        assert "✗ Not quite" in text
        assert "Correct answer: NMDA, AMPA" in text


async def test_typed_answer_shows_expected_and_the_difference():
    app, _ = host("ty")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await press(pilot, *"antagnist", "enter")
        text = screen_text(app)
        assert "✓ Correct  (accepted with 1 typo)" in text
        assert "You typed: antagnist" in text
        assert "Expected:  antagonist" in text
        # The missing "o" is highlighted in the expected answer.
        feedback = app.screen.query_one("#feedback").render()
        expected_line = next(line for line in feedback.split("\n") if "Expected:" in line.plain)
        styled = [
            expected_line.plain[s.start : s.end]
            for s in expected_line.spans
            if "underline" in str(s.style)
        ]
        assert styled == ["o"]


async def test_a_typed_answer_right_as_typed_is_not_repeated_as_expected():
    app, _ = host("ty")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await press(pilot, *"antagonist", "enter")
        text = screen_text(app)
        assert "✓ Correct" in text and "You typed: antagonist" in text
        assert "Expected:" not in text


async def test_typed_known_wrong_answer_is_refused_with_a_note():
    app, driver = host("ty")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await press(pilot, *"agonist", "enter")
        text = screen_text(app)
        assert "✗ Not quite" in text
        assert "a known wrong answer" in text
        await press(pilot, "2")  # override the suggested Again
        assert driver.missed == []


async def test_cloze_hides_the_deletion_then_shows_the_full_text():
    app, _ = host("cl")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert "Ketamine blocks [...] receptors." in screen_text(app)
        await press(pilot, *"nmda", "enter")
        text = screen_text(app)
        assert "✓ Correct" in text
        assert "Ketamine blocks NMDA receptors." in text


async def test_order_moves_items_with_shift_and_ctrl_arrows_then_submits():
    app, _ = host("or")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        widget = answer_widget(app)
        assert isinstance(widget, OrderAnswer)
        assert widget.items != ["first", "second", "third"]  # shown shuffled
        # Selection sort with the keyboard: bring each item up to its place.
        for target, item in enumerate(["first", "second", "third"]):
            index = widget.items.index(item)
            widget.highlighted = index
            for _ in range(index - target):
                await press(pilot, "shift+up" if target % 2 == 0 else "ctrl+up")
        assert widget.items == ["first", "second", "third"]
        await press(pilot, "enter")
        assert "✓ Correct" in screen_text(app)


async def test_truefalse_answers_with_t_and_f():
    app, _driver = host("tf", "tf")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await press(pilot, "f")
        assert "✓ Correct" in screen_text(app)
        await press(pilot, "enter")
        await press(pilot, "t")
        text = screen_text(app)
        assert "✗ Not quite" in text
        assert "Correct answer: false" in text


async def test_undo_goes_back_to_the_previous_card():
    app, driver = host("tf", "ch")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await press(pilot, "f", "enter")
        assert "Which receptor" in screen_text(app)
        await press(pilot, "u")
        await settle(pilot)
        assert "Ketamine is an opioid." in screen_text(app)
        assert driver.position == 1


async def test_long_card_text_wraps_and_scrolls_at_80x24():
    deck = every_type_deck()
    long_card = deck.cards[0]
    long_card.front = " ".join(f"word{i}" for i in range(400)) + " THE-END"
    app = CardHost(PracticeDriver(cards_of(deck, "b")), [deck])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        text = screen_text(app)
        assert "word0 word1" in text
        assert all(len(line) <= 80 for line in text.split("\n"))
        assert "THE-END" not in text  # below the fold
        body = app.screen.query_one("#body")
        body.focus()
        await press(pilot, "end")
        await settle(pilot)
        assert "THE-END" in screen_text(app)


async def test_hostile_text_is_shown_literally_and_runs_no_action():
    deck = hostile_deck()
    driver = PracticeDriver(cards_of(deck))
    app = CardHost(driver, [deck])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        text = screen_text(app)
        for hostile in HOSTILE:
            assert hostile in text
        await press(pilot, "space")
        text = screen_text(app)
        assert "Back [/foo] list[int] a[i] [@click=app.quit] [link=http://x]y[/link]" in text
        await press(pilot, "enter")
        await settle(pilot)
        # The choice card: every option literal; clicking them runs nothing.
        text = screen_text(app)
        for hostile in HOSTILE:
            assert hostile in text
        widget = answer_widget(app)
        for row in range(1, len(HOSTILE) + 1):
            await pilot.click(widget, offset=(8, row))
        await settle(pilot)
        assert app.is_running
        text = screen_text(app)
        assert "Why [/foo] list[int]" in text
        assert "Source: [@click=app.quit]source" in text
        await pilot.click(app.screen.query_one("#feedback"), offset=(10, 3))
        await press(pilot, "enter")
        await press(pilot, *"list[int]", "enter")
        assert "✓ Correct" in screen_text(app)
        assert "You typed: list[int]" in screen_text(app)
        assert app.is_running


async def test_timed_quiz_ends_when_time_runs_out_and_unanswered_count_as_wrong():
    deck = every_type_deck()
    clock = FakeClock(__import__("datetime").datetime(2026, 3, 2, 10, 0))
    driver = QuizDriver.build(deck.study_cards(), 5, clock, rng=random.Random(3), time_limit=120)
    app = CardHost(driver, [deck])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert "2:00 left" in screen_text(app)
        screen = app.screen
        assert isinstance(screen, CardScreen)
        clock.advance(61)
        screen.tick()
        await settle(pilot)
        assert "0:59 left" in screen_text(app)
        clock.advance(60)
        screen.tick()
        await settle(pilot)
        assert app.finished
        assert driver.finished
        assert driver.score == 0
        assert all(item.given is None for item in driver.items)


async def click_button(pilot, name: str) -> None:
    """Click the middle of the button ``name`` in the card screen's button row, where its
    label is drawn."""
    from rich.cells import cell_len

    bar = pilot.app.screen.query_one("#buttons")
    x = bar.styles.padding.left
    for label, button in bar.buttons:
        width = cell_len(label) + 2  # a space each side
        if button == name:
            await pilot.click(bar, offset=(x + width // 2, 0))
            return
        x += width
    raise AssertionError(f"no button {name!r} in {bar.buttons}")


async def test_mouse_only_reveal_grade_pick_and_order():
    app, driver = host("b", "ch", "or")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await click_button(pilot, "reveal")  # "Show answer"
        await settle(pilot)
        assert "Answer: N-methyl-D-aspartate" in screen_text(app)
        await click_button(pilot, "grade3")
        await settle(pilot)
        assert driver.position == 2
        widget = answer_widget(app)
        right = widget.values.index("NMDA")
        await pilot.click(widget, offset=(6, right + 1))  # the border takes row 0
        await settle(pilot)
        assert "✓ Correct" in screen_text(app)
        await press(pilot, "enter")
        order = answer_widget(app)
        order.highlighted = 0
        moved = order.items[0]
        await click_button(pilot, "down")
        await settle(pilot)
        assert order.items[1] == moved
        await click_button(pilot, "submit")
        await settle(pilot)
        assert "Correct answer: first → second → third" in screen_text(
            app
        ) or "✓ Correct" in screen_text(app)
