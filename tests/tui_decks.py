"""Deck files for the TUI tests, written by the tests into their tmp directory."""

from __future__ import annotations

from pathlib import Path

#: One card of every type, each citing the deck's source; the order is the study order.
EVERY_TYPE = """\
format: 1
id: every
title: Every card type
sources:
  - file: s1.txt
    title: The mechanism overview
cards:
  - id: basic
    type: basic
    tags: [terms]
    front: What does NMDA stand for?
    back: N-methyl-D-aspartate
    source: s1.txt
  - id: choice
    type: choice
    tags: [receptors]
    question: Which receptor does ketamine block?
    answer: NMDA
    options: [NMDA, AMPA, GABA-A, 5-HT2A]
    explanation: Every source agrees on this target.
    source: s1.txt
  - id: multi
    type: multi
    tags: [receptors]
    question: Which are glutamate receptors?
    answers: [NMDA, AMPA]
    options: [NMDA, AMPA, GABA-A, Mu-opioid]
    source: s1.txt
  - id: typed
    type: typed
    tags: [terms, mechanism]
    question: A drug that blocks a receptor without activating it is a receptor what?
    answer: antagonist
    wrong: [agonist]
    explanation: An antagonist occupies the receptor without switching it on.
    source: s1.txt
  - id: cloze
    type: cloze
    tags: [mechanism]
    text: Ketamine blocks {{c1::NMDA}} receptors, which leads to a surge of glutamate.
    source: s1.txt
  - id: order
    type: order
    question: Put these steps in order.
    items: [Blockade, Surge, Plasticity]
    source: s1.txt
  - id: truefalse
    type: truefalse
    statement: Ketamine is an opioid.
    answer: false
    explanation: It acts mainly at NMDA receptors.
    source: s1.txt
"""

#: Text that is markup to Textual or Rich, and a terminal escape sequence (OSC title).
HOSTILE = """\
format: 1
id: hostile
title: "Hostile [b]deck[/b]"
sources:
  - file: s.txt
    title: "[@click=app.quit]Source title"
cards:
  - id: markup-basic
    type: basic
    tags: ["[red]tag"]
    front: "Front [/foo] list[int] a[i]"
    back: "Back [@click=app.quit] [link=http://x]y[/link] \\e]0;title\\a end"
    source: s.txt
  - id: markup-choice
    type: choice
    question: "Which is literal? [@click=app.quit]"
    answer: "[@click=app.quit]"
    options: ["[/foo]", "list[int]", "a[i]", "[@click=app.quit]", "[link=http://x]y[/link]"]
    explanation: "Because [bold]markup[/bold] is data."
    source: s.txt
  - id: markup-typed
    type: typed
    question: "Type list[int]"
    answer: "list[int]"
    source: s.txt
"""

LITERALS = ["[/foo]", "list[int]", "a[i]", "[@click=app.quit]", "[link=http://x]y[/link]"]

BROKEN = """\
format: 1
id: broken
title: Broken deck
cards:
  - id: one
    type: basic
    front: "unclosed
"""


def one_card_deck(card_id: str) -> str:
    """EVERY_TYPE with only the card ``card_id`` (the ids are the type names)."""
    header, _, cards = EVERY_TYPE.partition("cards:\n")
    blocks = ["  - id:" + block for block in cards.split("  - id:")[1:]]
    chosen = [block for block in blocks if block.startswith(f"  - id: {card_id}\n")]
    assert chosen, card_id
    return f"{header}cards:\n{chosen[0]}"


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path
