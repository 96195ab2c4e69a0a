"""`trainer study` exits non-zero when the app crashed (Textual prints its dump and would
otherwise let the process end with 0, which scripts and CI read as success)."""

from __future__ import annotations

import argparse
import gc
from pathlib import Path

import pytest

import trainer.tui.app
from trainer.commands import study
from trainer.exitcodes import ExitCode


class _CrashingApp(trainer.tui.app.App):
    def on_mount(self) -> None:
        raise RuntimeError("boom")


DECKS = Path(__file__).parent.parent / "decks"


def test_a_crash_in_the_app_is_a_non_zero_exit(tmp_path: Path, monkeypatch):
    deck = DECKS
    monkeypatch.setattr(trainer.tui.app, "create_app", lambda *a, **k: _CrashingApp())
    args = argparse.Namespace(decks=[deck], progress=tmp_path, start=False)
    assert study.run(args) is not ExitCode.OK


class _RecordingApp:
    """Stands in for the app: records whether the collector ran while it was made."""

    return_code = None

    def __init__(self, seen: list[bool]) -> None:
        seen.append(gc.isenabled())

    def run(self) -> int:
        return 0


@pytest.mark.parametrize("collector_on", [True, False])
def test_start_up_imports_run_with_the_collector_paused_and_the_callers_setting_is_kept(
    tmp_path: Path, monkeypatch, collector_on: bool
):
    seen: list[bool] = []
    monkeypatch.setattr(trainer.tui.app, "create_app", lambda *a, **k: _RecordingApp(seen))
    args = argparse.Namespace(decks=[DECKS], progress=tmp_path, start=False)
    was_on = gc.isenabled()
    if not collector_on:
        gc.disable()
    try:
        assert study.run(args) is ExitCode.OK
        assert seen == [False]  # paused while Textual and the app were imported and made
        assert gc.isenabled() is collector_on
    finally:
        gc.unfreeze()  # what start-up froze goes back to the collector of the test run
        if was_on:
            gc.enable()
