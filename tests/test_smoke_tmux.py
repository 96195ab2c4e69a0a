"""The real program in a real terminal: start, answer three cards, quit; the answers are
in the progress files. Drives tmux (80x24) with send-keys and reads it with capture-pane."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None,
    reason="tmux is not installed (apt-get install tmux) : the real-terminal smoke test needs it",
)

DECK = """\
format: 1
id: smoke
title: Smoke deck
cards:
  - id: one
    type: basic
    front: First front
    back: First back
  - id: two
    type: basic
    front: Second front
    back: Second back
  - id: three
    type: basic
    front: Third front
    back: Third back
"""


class Terminal:
    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.name = f"trainer-smoke-{uuid.uuid4().hex[:8]}"
        environment = " ".join(f"{key}={value}" for key, value in env.items())
        shell = f"env {environment} {' '.join(command)}; echo EXITED:$?; sleep 30"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", "80", "-y", "24", shell],
            check=True,
        )

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def send(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def test_study_three_cards_in_a_real_terminal(tmp_path: Path) -> None:
    deck = tmp_path / "smoke.yaml"
    deck.write_text(DECK)
    progress = tmp_path / "progress"
    env = {
        "TRAINER_DEVICE": "smoke",
        "TRAINER_CONFIG": str(tmp_path / "config.toml"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "TERM": "xterm-256color",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    terminal = Terminal(
        [sys.executable, str(ROOT / "main.py"), "study", str(deck), "--progress", str(progress)],
        env,
    )
    try:
        terminal.wait_for("Smoke deck")
        terminal.send("Enter")
        for name in ("First", "Second", "Third"):
            terminal.wait_for(f"{name} front")
            terminal.send("Space")
            terminal.wait_for(f"{name} back")
            terminal.send("3")
        # New cards come back within the session for their learning steps: end it here.
        terminal.wait_for("0 new · 3 learning")
        terminal.send("Escape")
        assert "Cards studied: 3" in terminal.wait_for("Session finished")
        terminal.send("q")
        assert "EXITED:0" in terminal.wait_for("EXITED:")
    finally:
        terminal.close()

    from trainer.clock import SystemClock
    from trainer.session import Collection

    collection = Collection.open([deck], progress, clock=SystemClock(), device="check")
    try:
        histories = {
            card.key: collection.progress(card.key).history for card in collection.study_cards()
        }
    finally:
        collection.close()
    assert {key: len(events) for key, events in histories.items()} == {
        "smoke/one": 1,
        "smoke/two": 1,
        "smoke/three": 1,
    }
    assert all(events[0].grade == 3 for events in histories.values())
    logs = list(progress.rglob("*.jsonl"))
    assert logs, f"no progress log in {sorted(p.name for p in progress.rglob('*'))}"
    assert os.path.getsize(logs[0]) > 0


def _pane_colours(no_color: bool, tmp_path: Path) -> set[tuple[int, int, int]]:
    """Truecolor foreground/background colours on the home screen, as tmux received them."""
    import re

    tmp_path.mkdir()
    deck = tmp_path / "smoke.yaml"
    deck.write_text(DECK)
    env = {
        "TRAINER_DEVICE": "smoke",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    if no_color:
        env["NO_COLOR"] = "1"
    terminal = Terminal(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "study",
            str(deck),
            "--progress",
            str(tmp_path / "progress"),
        ],
        env,
    )
    try:
        terminal.wait_for("Smoke deck")
        escaped = subprocess.run(
            ["tmux", "capture-pane", "-e", "-p", "-t", terminal.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        terminal.send("q")
        terminal.wait_for("EXITED:")
    finally:
        terminal.close()
    return {tuple(map(int, m)) for m in re.findall(r"[34]8;2;(\d+);(\d+);(\d+)", escaped)}


def test_no_color_draws_in_monochrome(tmp_path: Path) -> None:
    coloured = _pane_colours(False, tmp_path / "colour")
    assert any(len(set(rgb)) > 1 for rgb in coloured), coloured  # the check can fail
    mono = _pane_colours(True, tmp_path / "mono")
    assert mono, "no truecolor sequences at all: the capture proves nothing"
    assert all(len(set(rgb)) == 1 for rgb in mono), mono
