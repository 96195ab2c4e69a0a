"""Shared builders for the session, progress and headless tests (no tests here)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from trainer.clock import FakeClock
from trainer.config import Config
from trainer.model import Card, CardType, Cloze, Deck, Location, SchedulingSettings
from trainer.scheduling import SchedulerSettings

#: A local time zone one hour east of UTC: "4 am local" is 03:00 UTC.
LOCAL = timezone(timedelta(hours=1))
#: Monday 9 am, local.
START = datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL)


def clock(start: datetime = START) -> FakeClock:
    return FakeClock(start)


def basic(card_id: str, *, reverse: bool = False) -> Card:
    return Card(
        id=card_id,
        type=CardType.BASIC,
        location=Location(Path("d.yaml"), 1, 1),
        front=f"front {card_id}",
        back=f"back {card_id}",
        reverse=reverse,
    )


def typed(card_id: str, answer: str = "paris") -> Card:
    return Card(
        id=card_id,
        type=CardType.TYPED,
        location=Location(Path("d.yaml"), 1, 1),
        question=f"question {card_id}?",
        answer=answer,
    )


def choice(card_id: str) -> Card:
    return Card(
        id=card_id,
        type=CardType.CHOICE,
        location=Location(Path("d.yaml"), 1, 1),
        question="Pick one",
        answer="b",
        options=("a", "b", "c", "d"),
    )


def cloze(card_id: str, count: int = 2) -> Card:
    clozes = tuple(Cloze(n, (f"x{n}",), (None,)) for n in range(1, count + 1))
    text = " ".join(f"{{{{c{n}::x{n}}}}}" for n in range(1, count + 1))
    return Card(
        id=card_id,
        type=CardType.CLOZE,
        location=Location(Path("d.yaml"), 1, 1),
        question=text,
        clozes=clozes,
    )


def deck(deck_id: str, cards: list[Card], **scheduling: object) -> Deck:
    return Deck(
        id=deck_id,
        title=deck_id.title(),
        path=Path(f"{deck_id}.yaml"),
        cards=cards,
        scheduling=SchedulingSettings(**scheduling),  # type: ignore[arg-type]
    )


def config(**settings: object) -> Config:
    return Config(scheduler=SchedulerSettings(**settings))  # type: ignore[arg-type]


def log_lines(directory: Path, device: str = "dev-a") -> list[str]:
    return (directory / f"reviews-{device}.jsonl").read_text().splitlines()
