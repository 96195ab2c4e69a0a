"""Which decks to open when the command line names none."""

from __future__ import annotations

import os
from pathlib import Path

import trainer


def default_deck_paths() -> list[Path]:
    """``$TRAINER_DECKS`` (paths separated by ``os.pathsep``), else the ``decks/``
    directory of a source checkout when it exists, else nothing."""
    env = os.environ.get("TRAINER_DECKS")
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    bundled = Path(trainer.__file__).resolve().parent.parent / "decks"
    return [bundled] if bundled.is_dir() else []
