"""`trainer stats` as a user runs it, over the fixed synthetic history of
test_stats_support (the clock is pinned to its "now"), and the heatmap it draws."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from test_stats_support import NOW, write_history

from trainer.cli import main
from trainer.exitcodes import ExitCode
from trainer.tui.widgets.charts import SHADES, heatmap, shade

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def decks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    write_history(tmp_path, tmp_path / "progress")
    monkeypatch.setattr("trainer.clock.SystemClock.now", lambda self: NOW)
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: output still fits 80
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return [
        "--progress",
        str(tmp_path / "progress"),
        str(tmp_path / "geo.yaml"),
        str(tmp_path / "bio.yaml"),
    ]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["stats", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_report_has_every_section_within_80_columns(decks, capsys):
    code, out, _ = run(capsys, *decks)
    assert code == ExitCode.OK
    assert "\x1b[" not in out  # not a terminal: plain text
    for section in (
        "Reviews per day, last 365 days",
        "Due forecast",
        "Retention",
        "Time spent",
        "Cards by state",
    ):
        assert section in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "Statistics: all decks (2)" in out
    assert "11 (3 today)" in out and "1 day (longest 3)" in out
    assert re.search(r"young\s+50%", out) and re.search(r"mature\s+100%", out)
    assert "Due today (with overdue): 2 · tomorrow: 0 · 7 days: 2 · 30 days: 4" in out
    assert "47 s (13 s today)" in out
    assert "11 reviews on 4 days; busiest: 4" in out


def test_one_deck_by_id_with_its_title_shown_literally(decks, capsys):
    code, out, _ = run(capsys, *decks, "--deck", "bio")
    assert code == ExitCode.OK
    assert "Statistics: [b]Cells[/b] & list[int]" in out
    assert "2 (1 today)" in out


def test_unknown_deck_id_is_a_usage_error_naming_the_loaded_decks(decks, capsys):
    code, out, err = run(capsys, *decks, "--deck", "chem")
    assert code == ExitCode.USAGE and out == ""
    assert "no loaded deck with id chem; loaded decks: geo, bio" in err


def test_json_for_scripts(decks, capsys):
    code, out, _ = run(capsys, *decks, "--json", "--deck", "geo")
    data = json.loads(out)
    assert code == ExitCode.OK and data["decks"] == ["geo"]
    assert data["reviews"] == 9 and data["per_day"]["2026-03-03"] == 1
    assert data["forecast"][0] == 2 and sum(data["forecast"]) == 3
    assert data["retention_young"] == 0.5 and data["retention_mature"] == 1.0
    assert len(data["calendar"]["counts"]) == 365


def test_colours_on_a_terminal_and_none_with_no_color(decks, capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, coloured, _ = run(capsys, *decks)
    assert re.search(r"\x1b\[[0-9;]*3[0-9;]*m", coloured)  # foreground colours
    monkeypatch.setenv("NO_COLOR", "1")
    _, plain, _ = run(capsys, *decks)
    codes = set(ANSI.findall(plain))
    assert not any(re.search(r"[;\[]3[0-9]", code) for code in codes), codes
    # Without colour the shades still read: they are different characters.
    assert ANSI.sub("", plain) == ANSI.sub("", coloured)
    assert all(len(line) <= 80 for line in ANSI.sub("", plain).splitlines())


def test_shade_levels():
    assert [shade(n, 8) for n in (0, 1, 2, 3, 4, 5, 8)] == [0, 1, 1, 2, 2, 3, 4]
    assert shade(3, 0) == 0


def test_heatmap_puts_weeks_in_columns_and_weekdays_in_rows():
    today = date(2026, 3, 6)  # a Friday
    # The last five days: Mon 4, Tue 2, Wed 2, Thu 0, Fri 3 (busiest 4).
    calendar = [0] * 360 + [4, 2, 2, 0, 3]
    rows = heatmap(calendar, today).plain.splitlines()
    grid = rows[1:8]
    assert [row[:3] for row in grid] == ["Mon", "   ", "Wed", "   ", "Fri", "   ", "Sun"]
    assert {len(row) for row in grid} == {4 + 53}  # a label, then 53 weeks
    last = [row[-1] for row in grid]
    # Levels ceil(4n/4): 4 -> 4, 2 -> 2, 0 -> 0, 3 -> 3; Saturday and Sunday are to come.
    assert last == [SHADES[4], SHADES[2], SHADES[2], SHADES[0], SHADES[3], " ", " "]
    assert rows[0].split()[-1] == "Mar"  # March starts in the last weeks
    assert "365" not in rows[-1] and "11 reviews on 4 days" in rows[-1]


def test_no_history_yet(tmp_path: Path, monkeypatch, capsys):
    from test_stats_support import write_decks

    paths = write_decks(tmp_path)
    monkeypatch.setattr("trainer.clock.SystemClock.now", lambda self: NOW)
    code, out, _ = run(capsys, "--progress", str(tmp_path / "progress"), *map(str, paths))
    assert code == ExitCode.OK
    assert "0 (0 today)" in out and "0 reviews on 0 days" in out
    assert "No answers to cards in review yet" in out
