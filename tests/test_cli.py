"""The command line's rough edges: options before the command, deck ids for deck paths,
clear messages for bad numbers and mistyped commands, and no empty table after an error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from trainer.cli import main
from trainer.exitcodes import ExitCode

BUNDLED = Path(__file__).parent.parent / "decks"


@pytest.fixture
def decks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "decks"
    shutil.copytree(BUNDLED, directory)
    monkeypatch.setenv("TRAINER_DECKS", str(directory))
    return directory


def test_progress_before_the_command_is_read_as_an_option(decks, tmp_path, capsys):
    assert main(["--progress", str(tmp_path / "p"), "due"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert out.split("\n")[0].split() == ["deck", "new", "learning", "due"]
    assert "ketamine-mechanism" in out


def test_a_deck_id_names_a_deck(decks, tmp_path, capsys):
    assert main(["due", "--progress", str(tmp_path / "p"), "ketamine-mechanism"]) == 0
    rows = [line.split()[0] for line in capsys.readouterr().out.strip().split("\n")]
    assert rows == ["deck", "ketamine-mechanism", "total"]


def test_an_unknown_deck_name_lists_the_deck_ids(decks, tmp_path, capsys):
    assert main(["due", "--progress", str(tmp_path / "p"), "nonesuch"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "nonesuch: no such file, directory or deck id" in err
    assert "ketamine-mechanism" in err


def test_a_file_that_is_no_deck_is_an_error_without_an_empty_table(decks, tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# Notes\n\nSome *text*: not a deck.\n- a\n")
    assert main(["due", "--progress", str(tmp_path / "p"), str(readme)]) == ExitCode.PROBLEMS
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{readme}:" in captured.err and "no deck could be loaded" in captured.err


def test_a_mistyped_command_gets_a_suggestion(capsys):
    assert main(["stdy"]) == ExitCode.USAGE
    assert "did you mean `trainer study`?" in capsys.readouterr().err


def test_a_count_that_is_not_a_number_says_so(capsys):
    assert main(["quiz", "--count", "abc"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "'abc' is not a whole number" in err and "_positive_int" not in err


def test_optimize_without_history_says_how_many_reviews_it_needs(tmp_path, capsys):
    assert main(["optimize", "--progress", str(tmp_path / "p")]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "0 of the 400 long-term reviews needed" in out
    assert "400 more reviews: 0 of the 400" not in out


def test_help_lists_every_command(capsys):
    from trainer.commands import COMMANDS

    assert main(["--help"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert all(f"    {name} " in out for name in COMMANDS)
