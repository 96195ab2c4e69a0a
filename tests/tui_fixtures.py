"""Hand-built decks and a minimal app hosting one card screen, for the TUI tests.

The card screen is tested with hand-built :class:`Deck` objects and the practice/quiz
drivers, which need neither the loader nor the progress store; the flows through the
real app (home, session, browse) are tested from YAML files in test_tui_app.py.
"""

from __future__ import annotations

import random
from pathlib import Path

from textual.app import App

from trainer.model import Card, CardType, Cloze, Deck, Location, Source, StudyCard
from trainer.tui.drivers import CardDriver
from trainer.tui.screens.card import CardScreen

HOSTILE = ["[/foo]", "list[int]", "a[i]", "[@click=app.quit]", "[link=http://x]y[/link]"]


def _card(card_id: str, type_: CardType, line: int, **fields: object) -> Card:
    return Card(id=card_id, type=type_, location=Location(Path("deck.yaml"), line, 5), **fields)  # type: ignore[arg-type]


def every_type_deck() -> Deck:
    """One card of each type, with an explanation and a cited source."""
    cards = [
        _card(
            "b",
            CardType.BASIC,
            10,
            front="What does NMDA stand for?",
            back="N-methyl-D-aspartate",
            sources=("s1.txt",),
        ),
        _card(
            "ch",
            CardType.CHOICE,
            20,
            question="Which receptor does ketamine block?",
            answer="NMDA",
            options=("NMDA", "AMPA", "GABA-A", "5-HT2A"),
            explanation="Every source agrees.",
            sources=("s1.txt",),
        ),
        _card(
            "mu",
            CardType.MULTI,
            30,
            question="Which are glutamate receptors?",
            answers=("NMDA", "AMPA"),
            options=("NMDA", "AMPA", "GABA-A", "mu-opioid"),
        ),
        _card(
            "ty",
            CardType.TYPED,
            40,
            question="A drug that blocks a receptor is an…",
            answer="antagonist",
            wrong=("agonist",),
            explanation="It occupies it.",
        ),
        _card(
            "cl",
            CardType.CLOZE,
            50,
            question="Ketamine blocks {{c1::NMDA}} receptors.",
            clozes=(Cloze(1, ("NMDA",), (None,)),),
        ),
        _card(
            "or", CardType.ORDER, 60, question="Put in order.", items=("first", "second", "third")
        ),
        _card(
            "tf",
            CardType.TRUEFALSE,
            70,
            question="Ketamine is an opioid.",
            truth=False,
            explanation="It acts at NMDA receptors.",
        ),
    ]
    return Deck(
        id="every",
        title="Every type",
        path=Path("deck.yaml"),
        sources=(Source("s1.txt", "The mechanism overview"),),
        cards=cards,
    )


def hostile_deck() -> Deck:
    """Card text that is markup to Textual or Rich, in every place text is shown."""
    text = " ".join(HOSTILE)
    cards = [
        _card(
            "hb", CardType.BASIC, 10, front=f"Front {text}", back=f"Back {text}", tags=("[b]tag",)
        ),
        _card(
            "hc",
            CardType.CHOICE,
            20,
            question=f"Pick {HOSTILE[3]}",
            answer=HOSTILE[3],
            options=tuple(HOSTILE),
            explanation=f"Why {text}",
            sources=("s.txt",),
        ),
        _card("ht", CardType.TYPED, 30, question=f"Type {HOSTILE[1]}", answer=HOSTILE[1]),
    ]
    return Deck(
        id="hostile",
        title="[b]Hostile[/b] deck",
        path=Path("hostile.yaml"),
        sources=(Source("s.txt", "[@click=app.quit]source"),),
        cards=cards,
    )


def cards_of(deck: Deck, *ids: str) -> list[StudyCard]:
    by_id = {card.card.id: card for card in deck.study_cards()}
    return [by_id[i] for i in ids] if ids else deck.study_cards()


class CardHost(App[None]):
    """An app showing one card screen; records when the driver has run out."""

    CSS_PATH = str(Path(__file__).parent.parent / "trainer" / "tui" / "trainer.tcss")

    def __init__(self, driver: CardDriver, decks: list[Deck], *, seed: int = 1) -> None:
        super().__init__()
        self.driver = driver
        self.decks = {deck.id: deck for deck in decks}
        self.seed = seed
        self.finished = False

    def on_mount(self) -> None:
        self.push_screen(
            CardScreen(
                self.driver, self.decks, rng=random.Random(self.seed), on_finish=self._finish
            )
        )

    def _finish(self) -> None:
        self.finished = True


def screen_text(app: App[object]) -> str:
    """The screen as the learner sees it: plain text, one line per terminal row."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
