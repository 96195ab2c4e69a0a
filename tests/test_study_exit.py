"""`trainer study` exits non-zero when the app crashed (Textual prints its dump and would
otherwise let the process end with 0, which scripts and CI read as success)."""

from __future__ import annotations

import argparse
from pathlib import Path

import trainer.tui.app
from trainer.commands import study
from trainer.exitcodes import ExitCode


class _CrashingApp(trainer.tui.app.App):
    def on_mount(self) -> None:
        raise RuntimeError("boom")


def test_a_crash_in_the_app_is_a_non_zero_exit(tmp_path: Path, monkeypatch):
    deck = Path(__file__).parent.parent / "decks"
    monkeypatch.setattr(trainer.tui.app, "create_app", lambda *a, **k: _CrashingApp())
    args = argparse.Namespace(decks=[deck], progress=tmp_path, start=False)
    assert study.run(args) is not ExitCode.OK
