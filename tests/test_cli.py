"""The command line's rough edges: options before the command, deck ids for deck paths,
clear messages for bad numbers and mistyped commands, and no empty table after an error."""

from __future__ import annotations

import json
import os
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


@pytest.mark.parametrize("minutes", ["inf", "nan", "1e300", "0", "-5"])
def test_a_quiz_time_that_is_no_real_limit_is_refused_before_the_screen_opens(capsys, minutes):
    assert main(["quiz", "--time", minutes]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "argument --time" in err and "Traceback" not in err


def test_optimize_without_history_says_how_many_reviews_it_needs(tmp_path, capsys):
    assert main(["optimize", "--progress", str(tmp_path / "p")]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "0 of the 400 long-term reviews needed" in out
    assert "more reviews" not in out  # each number said once


def test_help_lists_every_command(capsys):
    from trainer.commands import COMMANDS

    assert main(["--help"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert all(f"    {name} " in out for name in COMMANDS)


def test_an_unknown_option_shows_the_usage_of_its_command(capsys):
    assert main(["due", "--bogus"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "usage: trainer due " in err and "unrecognized arguments: --bogus" in err


def test_each_command_helps_and_errs_as_listed_in_trainer_help():
    """The parser a start builds for one command is the one `trainer --help` lists."""
    import argparse

    from trainer.cli import build_command_parser, build_parser
    from trainer.commands import COMMANDS

    (listed,) = (a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert list(listed.choices) == list(COMMANDS)
    for name, whole in listed.choices.items():
        alone = build_command_parser(name)
        assert alone.format_help() == whole.format_help(), name
        assert alone.prog == whole.prog == f"trainer {name}"


# Runs `trainer ARGS` up to the parsed command line, then reports the command modules
# imported, the parsers made and the command that would run.
START_PROBE = """
import argparse, json, sys
made = []
init, parse = argparse.ArgumentParser.__init__, argparse.ArgumentParser.parse_args
def counting_init(self, *args, **kwargs):
    made.append(kwargs.get("prog"))
    init(self, *args, **kwargs)
def parse_and_report(self, *args, **kwargs):
    namespace = parse(self, *args, **kwargs)
    commands = sorted(m for m in sys.modules if m.startswith("trainer.commands."))
    handler = namespace.handler.__module__
    print(json.dumps({"commands": commands, "parsers": made, "handler": handler}))
    sys.exit(0)
argparse.ArgumentParser.__init__ = counting_init
argparse.ArgumentParser.parse_args = parse_and_report
from trainer.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    ("args", "command"),
    [
        ([], "study"),
        (["study", "--start"], "study"),
        (["decks/"], "study"),
        (["--progress", "p", "due"], "due"),
    ],
)
def test_a_start_makes_only_the_parser_of_its_command(args, command):
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", START_PROBE, *args], capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout)
    assert report["handler"] == f"trainer.commands.{command}"
    assert report["parsers"] == [f"trainer {command}"]
    assert report["commands"] == sorted(["trainer.commands.common", f"trainer.commands.{command}"])


@pytest.mark.parametrize("entry", [["main.py"], ["-m", "trainer"]])
def test_the_command_ends_with_its_exit_code_and_all_it_printed(entry, tmp_path):
    """The command skips the interpreter's teardown (trainer.cli.run): what it printed
    still reaches a pipe whole, and its exit code the shell."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    # Buffered, as a pipe is by default: what is still in the buffer at the end counts.
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    done = subprocess.run(
        [sys.executable, *entry, "due", "--json", "--progress", str(tmp_path)],
        capture_output=True,
        cwd=root,
        env=buffered,
    )
    assert done.returncode == 0
    assert json.loads(done.stdout)["total"]["new"] > 0
    wrong = subprocess.run(
        [sys.executable, *entry, "stdy"], capture_output=True, text=True, cwd=root, env=buffered
    )
    assert wrong.returncode == ExitCode.USAGE
    assert "did you mean `trainer study`?" in wrong.stderr


def test_a_second_deck_with_the_same_id_is_left_out_with_an_error_naming_both(tmp_path, capsys):
    for number in (1, 2):
        (tmp_path / f"d{number}.yaml").write_text(
            f"format: 1\nid: shared\ntitle: Deck {number}\ncards:\n"
            f"  - id: c{number}\n    type: basic\n    front: q{number}\n    back: a{number}\n"
        )
    progress = str(tmp_path / "p")
    assert main(["due", "--json", "--progress", progress, str(tmp_path)]) == ExitCode.OK
    captured = capsys.readouterr()
    assert f"{tmp_path / 'd2.yaml'}:2:5: error duplicate-deck-id" in captured.err
    assert str(tmp_path / "d1.yaml") in captured.err
    assert [deck["title"] for deck in json.loads(captured.out)["decks"]] == ["Deck 1"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["due", "--progress", "{tmp}/p"],
        ["import", "csv", "--out", "{tmp}/o"],
        ["import", "markdown", "--out", "{tmp}/o"],
        ["import", "anki", "--out", "{tmp}/o"],
    ],
)
def test_a_named_pipe_given_as_a_file_is_refused_instead_of_blocking(tmp_path, capsys, command):
    import threading

    pipe = tmp_path / "cards.yaml"
    os.mkfifo(pipe)
    argv = [part.format(tmp=tmp_path) for part in command] + [str(pipe)]
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(main(argv)), daemon=True)
    worker.start()
    worker.join(timeout=30)  # (a reader blocked on the pipe never returns)
    assert result, "the command blocked reading the pipe"
    assert result[0] in (ExitCode.USAGE, ExitCode.PROBLEMS)
    captured = capsys.readouterr()
    assert "not a regular file" in captured.out + captured.err


def test_reading_commands_do_not_create_a_mistyped_progress_directory(tmp_path, capsys):
    missing = tmp_path / "no" / "such" / "progress"
    for command in (["due"], ["stats"], ["orphans"]):
        assert main([*command, "--progress", str(missing)]) == ExitCode.OK
    assert not (tmp_path / "no").exists()
    assert main(["due", "--progress", ""]) == ExitCode.USAGE
    assert "give a directory" in capsys.readouterr().err


def test_an_option_of_a_command_given_before_it_says_where_it_goes(capsys):
    assert main(["--format", "json", "validate"]) == ExitCode.USAGE
    assert "put it after the command (`trainer validate --format json" in capsys.readouterr().err


def test_an_empty_deck_directory_and_a_link_loop_are_named_as_what_they_are(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    progress = str(tmp_path / "p")
    assert main(["due", "--progress", progress, str(empty)]) == ExitCode.PROBLEMS
    assert "no deck files (*.yaml, *.yml) in" in capsys.readouterr().err
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    assert main(["due", "--progress", progress, str(loop)]) == ExitCode.PROBLEMS
    assert "symlink-loop" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["optimize", "--no-apply"], ["stats"], ["due"]])
def test_a_progress_path_that_is_a_file_is_an_error_that_says_so(tmp_path, capsys, command):
    afile = tmp_path / "progress"
    afile.write_text("not a directory")
    assert main([*command, "--progress", str(afile)]) == ExitCode.PROGRESS
    assert "is a file" in capsys.readouterr().err
