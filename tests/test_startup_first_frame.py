"""The first screen drawn in a real terminal is the one worth seeing: the home screen with
its decks listed (no empty "Loading" frame first), or with ``--start`` the first card with
its header. Runs the real program in a pseudo-terminal and reads what it writes."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")

DECK = """\
format: 1
id: first-frame
title: First frame deck
cards:
  - id: one
    type: basic
    front: The only front
    back: The only back
"""

#: Escape sequences: what remains is the text drawn, in the order it was drawn.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")


def drawn_until(command: list[str], text: str, cwd: Path, timeout: float = 60.0) -> str:
    """Everything ``command`` drew in a 100x30 terminal until ``text`` showed, as text."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env, start_new_session=True
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                break
            seen += chunk
            plain = _ESCAPES.sub(b"", seen).decode("utf-8", "replace")
            if text in plain:
                return plain
        raise AssertionError(f"{text!r} never showed: {_ESCAPES.sub(b'', seen)[-500:]!r}")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(master)


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    path = tmp_path / "deck.yaml"
    path.write_text(DECK, encoding="utf-8")
    return path


def trainer(tmp_path: Path, *args: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "--progress", str(tmp_path / "p"), *args]


def test_home_is_first_drawn_with_its_decks(tmp_path: Path, deck: Path) -> None:
    drawn = drawn_until(trainer(tmp_path, str(deck)), "First frame deck", tmp_path)
    # The key bar is drawn below the deck list: a frame drawn before the decks were
    # loaded would have put it on the terminal first.
    assert "Browse" not in drawn.split("First frame deck")[0], drawn
    assert "Loading" not in drawn


def test_study_start_first_draws_the_card_with_its_header(tmp_path: Path, deck: Path) -> None:
    drawn = drawn_until(
        trainer(tmp_path, "study", "--start", str(deck)), "The only front", tmp_path
    )
    before_card = drawn.split("The only front")[0]
    assert "1 new" in before_card, drawn  # the header, on the first frame with the card
