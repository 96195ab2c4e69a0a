"""`trainer validate` on the command line: output formats, exit codes, bad inputs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bounded import run_probe

from trainer.cli import main

GOOD = """\
format: 1
id: good
title: Good deck
cards:
  - id: surge
    type: choice
    question: Which neurotransmitter surges after a ketamine dose?
    answer: Glutamate
    options: [Glutamate, Dopamine, Serotonin]
"""

# One error (answer not an option) and one warning (only two options).
BAD = """\
format: 1
id: bad
title: Bad deck
cards:
  - id: receptor
    type: choice
    question: Which receptor does ketamine block?
    answer: Kainate
    options: [NMDA, AMPA, GABA-A]
  - id: onset
    type: choice
    question: How fast can the antidepressant effect begin?
    answer: Hours
    options: [Hours, Months]
"""


@pytest.fixture
def decks(tmp_path: Path) -> Path:
    directory = tmp_path / "decks"
    directory.mkdir()
    (directory / "good.yaml").write_text(GOOD, encoding="utf-8")
    (directory / "bad.yaml").write_text(BAD, encoding="utf-8")
    return directory


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_text_format_lists_located_problems_and_a_summary(decks: Path, capsys):
    code, out, err = run(capsys, str(decks))
    bad = decks / "bad.yaml"
    assert code == 1
    assert out.splitlines() == [
        f"{bad}:8:13: error answer-not-an-option the answer 'Kainate' is not one of the "
        "options; add it to options or fix its spelling",
        f"{bad}:14:14: warning few-options only 2 options make guessing easy; give at least 3",
        "note: grounding check skipped: pass --sources DIR to check that answers occur in "
        "the documents cards cite",
        "1 error, 1 warning in 2 files (3 cards)",
    ]
    assert err == ""


def test_clean_decks_exit_zero(decks: Path, capsys):
    (decks / "bad.yaml").unlink()
    code, out, _ = run(capsys, str(decks))
    assert code == 0
    assert out.splitlines()[-1] == "0 errors, 0 warnings in 1 file (1 card)"


def test_strict_fails_on_warnings_only(decks: Path, capsys):
    (decks / "bad.yaml").write_text(BAD.replace("answer: Kainate", "answer: NMDA"))
    assert run(capsys, str(decks))[0] == 0
    code, out, _ = run(capsys, "--strict", str(decks))
    assert code == 1 and "warning few-options" in out


def test_default_path_is_decks_in_the_current_directory(decks: Path, capsys, monkeypatch):
    monkeypatch.chdir(decks.parent)
    code, out, _ = run(capsys)
    assert code == 1
    assert "decks/bad.yaml:8:13: error answer-not-an-option" in out
    monkeypatch.chdir(decks)
    code, out, err = run(capsys)
    assert code == 2 and out == ""
    assert "no decks/ directory here" in err


def test_json_format(decks: Path, capsys):
    code, out, _ = run(capsys, "--format", "json", str(decks))
    assert code == 1
    document = json.loads(out)
    assert {k: document[k] for k in ("version", "files", "cards", "errors", "warnings")} == {
        "version": 1,
        "files": 2,
        "cards": 3,
        "errors": 1,
        "warnings": 1,
    }
    first = document["diagnostics"][0]
    assert first == {
        "path": str(decks / "bad.yaml"),
        "line": 8,
        "column": 13,
        "severity": "error",
        "code": "answer-not-an-option",
        "message": first["message"],
        "card_id": "receptor",
    }
    assert [d["code"] for d in document["diagnostics"]] == ["answer-not-an-option", "few-options"]
    assert document["notes"] and "grounding" in document["notes"][0]


def test_github_format(decks: Path, capsys):
    code, out, _ = run(capsys, "--format", "github", str(decks))
    bad = decks / "bad.yaml"
    lines = out.splitlines()
    assert code == 1
    assert lines[0] == (
        f"::error file={bad},line=8,col=13,title=answer-not-an-option::the "
        "answer 'Kainate' is not one of the options; add it to options or "
        "fix its spelling"
    )
    assert lines[1].startswith(f"::warning file={bad},line=14,col=14,title=few-options::")
    assert lines[2].startswith("::notice::grounding check skipped")


def test_github_format_escapes_percent_newlines_and_property_separators(tmp_path: Path, capsys):
    odd = tmp_path / "50%,a:b"
    odd.mkdir()
    # A multi-line answer the options lack: the message quotes it with repr (\n escaped),
    # and the % in the text must be encoded.
    (odd / "d.yaml").write_text(BAD.replace("answer: Kainate", 'answer: "100%\\nsure"'))
    _, out, _ = run(capsys, "--format", "github", str(odd / "d.yaml"))
    first = out.splitlines()[0]
    assert first.startswith(
        "::error file=" + str(tmp_path).replace(":", "%3A") + "/50%25%2Ca%3Ab/d.yaml,line=8,"
    )
    assert "answer '100%25\\nsure' is not" in first
    from trainer.validation.reporters import _github_data

    assert _github_data("a%b\r\nc") == "a%25b%0D%0Ac"


def test_junit_format_is_valid_xml_with_one_suite_per_file(decks: Path, capsys):
    code, out, _ = run(capsys, "--format", "junit", str(decks))
    assert code == 1
    root = ET.fromstring(out.split("\n", 1)[1] if out.startswith("<?xml") else out)
    assert root.tag == "testsuites"
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert set(suites) == {str(decks / "bad.yaml"), str(decks / "good.yaml")}
    bad = suites[str(decks / "bad.yaml")]
    cases = {case.get("name"): case for case in bad.iter("testcase")}
    assert set(cases) == {"(file)", "receptor", "onset"}
    failure = cases["receptor"].find("failure")
    assert failure is not None and failure.get("type") == "answer-not-an-option"
    assert "bad.yaml:8:13" in failure.text
    # A warning is not a failure unless --strict.
    assert cases["onset"].find("failure") is None
    assert "few-options" in cases["onset"].find("system-out").text
    assert bad.get("tests") == "3" and bad.get("failures") == "1"
    run(capsys, "--format", "junit", "--strict", str(decks))


def test_junit_survives_characters_xml_cannot_hold(tmp_path: Path, capsys):
    odd = tmp_path / 'bell\x07<&>"name.yaml'
    odd.write_text(BAD)
    code, out, _ = run(capsys, "--format", "junit", str(odd))
    assert code == 1
    root = ET.fromstring(out.split("\n", 1)[1])
    (suite,) = root.iter("testsuite")
    assert suite.get("name") == str(tmp_path / 'bell\\x07<&>"name.yaml')


def test_text_output_escapes_control_characters_in_file_names(tmp_path: Path, capsys):
    odd = tmp_path / "evil\x1b[2J.yaml"
    odd.write_text(BAD)
    _, out, _ = run(capsys, str(odd))
    assert "\x1b" not in out and "evil\\x1b[2J.yaml:8:13: error" in out


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys):
    code, out, _ = run(capsys, str(tmp_path / "nope.yaml"))
    assert code == 2
    assert f"{tmp_path / 'nope.yaml'}:0:0: error path-not-found" in out


def test_directory_without_decks_is_a_usage_error_in_the_report_itself(tmp_path: Path, capsys):
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 2 and f"{tmp_path}:0:0: error no-deck-files" in out
    code, out, _ = run(capsys, "--format", "json", str(tmp_path))
    report = json.loads(out)  # a CI job reading only the JSON sees the error too
    assert code == 2 and report["errors"] == 1
    assert [d["code"] for d in report["diagnostics"]] == ["no-deck-files"]


def test_bad_option_is_a_usage_error(capsys):
    assert run(capsys, "--format", "xml")[0] == 2
    assert run(capsys, "--sources", "/nonexistent-dir", ".")[0] == 2


def test_validate_never_imports_the_ui(tmp_path: Path):
    deck = tmp_path / "d.yaml"
    deck.write_text(GOOD)
    probe = (
        f"import sys; from trainer.cli import main; main(['validate', {str(deck)!r}]); "
        "assert not any(m.split('.')[0] in ('textual', 'rich') for m in sys.modules), "
        "sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert "1 card" in completed.stdout


def test_bundled_decks_validate_with_the_console_entry_point():
    # The module form, as the pre-commit hook and CI use it.
    root = Path(__file__).resolve().parent.parent
    completed = subprocess.run(
        [sys.executable, "-m", "trainer", "validate", "--format", "json", str(root / "decks")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
    )
    document = json.loads(completed.stdout)
    assert document["files"] >= 1 and document["cards"] >= 1
    assert completed.returncode == (1 if document["errors"] else 0)


@pytest.mark.parametrize("output_format", ["text", "github", "json", "junit"])
def test_a_report_reaches_a_terminal_that_cannot_show_the_deck_text(
    tmp_path: Path, output_format: str
):
    """A latin-1 terminal (or CI log) and deck text it cannot encode: the report is
    written, with such characters escaped, instead of an internal error in its place."""
    deck = tmp_path / "d.yaml"
    deck.write_text(
        "format: 1\nid: d\ntitle: Kanji\ncards:\n"
        "  - id: 日本\n    type: basic\n    front: 日本 → Japan\n    back: b\n",
        encoding="utf-8",
    )
    completed = subprocess.run(
        [sys.executable, "-m", "trainer", "validate", "--format", output_format, str(deck)],
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "latin-1"},
    )
    out = completed.stdout.decode("latin-1")
    assert completed.returncode == 1, completed.stderr
    assert "internal error" not in completed.stderr.decode("latin-1")
    assert "invalid-value" in out and ("d.yaml" in out)
    if output_format in ("text", "github"):
        assert ":5:9" in out or "line=5,col=9" in out
        assert "\\u65e5\\u672c" in out


# -- every bad input from the loader's list, end to end ---------------------------------

HEADER = "format: 1\nid: d\ntitle: T\ncards:\n"


def card(body: str) -> str:
    return HEADER + textwrap.indent(textwrap.dedent(body), "  ")


BASIC = "- id: a\n  type: basic\n  front: F\n  back: B\n"
ALIAS_BOMB = "".join(
    f"{name}: &{name} [{','.join(['*' + prev] * 9) if prev else ','.join(['lol'] * 9)}]\n"
    for prev, name in zip([""] + list("abcdefgh"), "abcdefghi")
)

BAD_INPUTS = {
    "empty-file": (b"", "empty-file", 1, 1),
    "yaml-list": (b"- a\n- b\n", "not-a-mapping", 1, 1),
    "yaml-scalar": (b"just text\n", "not-a-mapping", 1, 1),
    "unclosed-quote": (b'format: 1\nid: d\ntitle: "Ketamine\ncards: []\n', "yaml-syntax", 3, 8),
    "bad-indent": (b"format: 1\nid: d\n  title: T\n", "yaml-syntax", 3, 8),
    "tab": ((HEADER + "\t- id: a\n").encode(), "tab-indentation", 5, 1),
    "duplicate-key": (
        card("- id: a\n  type: basic\n  front: F\n  back: B\n  front: G\n").encode(),
        "duplicate-key",
        9,
        5,
    ),
    "duplicate-card-id": (
        (card(BASIC) + card(BASIC.replace("F", "G")).split("cards:\n")[1]).encode(),
        "duplicate-card-id",
        9,
        9,
    ),
    "answer-not-an-option": (
        card(
            "- id: a\n  type: choice\n  question: Q\n  answer: X\n  options: [A, B, C]\n"
        ).encode(),
        "answer-not-an-option",
        8,
        13,
    ),
    "missing-field": (
        card("- id: a\n  type: choice\n  question: Q\n  answer: A\n").encode(),
        "missing-field",
        5,
        5,
    ),
    "unknown-field": (
        card("- id: a\n  type: typed\n  qestion: Q\n  answer: x\n").encode(),
        "unknown-field",
        7,
        5,
    ),
    "answer-no": (
        card("- id: a\n  type: typed\n  question: Q\n  answer: no\n").encode(),
        "quote-this",
        8,
        13,
    ),
    "answer-1e3": (
        card("- id: a\n  type: typed\n  question: Q\n  answer: 1e3\n").encode(),
        "quote-this",
        8,
        13,
    ),
    "answer-12:30": (
        card("- id: a\n  type: typed\n  question: Q\n  answer: 12:30\n").encode(),
        "quote-this",
        8,
        13,
    ),
    "alias-bomb": (ALIAS_BOMB.encode(), "alias", 2, 4),
    "python-tag": (b'!!python/object/apply:os.system ["true"]\n', "unsafe-tag", 1, 1),
    "two-documents": ((card(BASIC) + "---\nformat: 1\n").encode(), "multiple-documents", 9, 1),
    "not-utf8": ("format: 1\nid: d\ntitle: Café ".encode() + b"\xe9t\xe9\n", "not-utf8", 3, 13),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_gives_a_located_error_and_exit_1(name: str, tmp_path: Path, capsys):
    data, code_name, line, column = BAD_INPUTS[name]
    path = tmp_path / "deck.yaml"
    path.write_bytes(data)
    code, out, err = run(capsys, str(path))
    assert code == 1, out
    assert f"{path}:{line}:{column}: error {code_name} " in out
    assert "Traceback" not in out + err


def test_escape_sequences_in_text_are_a_located_warning(tmp_path: Path, capsys):
    path = tmp_path / "deck.yaml"
    path.write_text(card('- id: a\n  type: basic\n  front: "Title\\e[2J here"\n  back: B\n'))
    code, out, _ = run(capsys, str(path))
    assert code == 0
    assert f"{path}:7:12: warning control-characters" in out and "\x1b" not in out
    assert run(capsys, "--strict", str(path))[0] == 1


def test_huge_file_is_refused_unread(tmp_path: Path, capsys):
    huge = tmp_path / "huge.yaml"
    with open(huge, "wb") as stream:
        stream.truncate(50 * 1024 * 1024)
    code, out, _ = run(capsys, str(huge))
    assert code == 1
    assert f"{huge}:0:0: error file-too-large" in out


def test_symlink_loop_and_missing_path_exit_2(tmp_path: Path, capsys):
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "good.yaml").write_text(GOOD)
    os.symlink(decks, decks / "loop")
    code, out, err = run(capsys, str(decks))
    assert code == 2
    assert f"{decks / 'loop'}:0:0: error symlink-loop" in out
    assert "Traceback" not in out + err
    code, out, _ = run(capsys, str(tmp_path / "missing"))
    assert code == 2 and "path-not-found" in out


DEEP_PROBE = """
import sys
from trainer.cli import main
sys.exit(main(["validate", sys.argv[1]]))
"""


def test_pathologically_deep_nesting_is_refused_in_a_fresh_process(tmp_path: Path):
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 100_000)
    completed = run_probe(DEEP_PROBE, str(path))
    assert completed.returncode == 1, completed.stderr[-2000:]
    # path:line:col of the one line; the column is wherever the refusing layer stopped.
    assert re.search(
        rf"^{re.escape(str(path))}:1:[1-9][0-9]*: error ", completed.stdout, re.MULTILINE
    ), completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr


def test_the_callers_garbage_collector_setting_is_restored(decks: Path, capsys):
    import gc

    assert gc.isenabled()
    run(capsys, str(decks))
    assert gc.isenabled()  # a script or test calling the command keeps its collector


def test_the_command_checks_with_the_garbage_collector_off(
    decks: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    import gc

    import trainer.validation as validation

    seen: list[bool] = []
    real = validation.validate
    monkeypatch.setattr(
        validation, "validate", lambda *a, **k: seen.append(gc.isenabled()) or real(*a, **k)
    )
    run(capsys, str(decks))
    assert seen == [False] and gc.isenabled()


def test_a_tagged_card_key_in_a_bundled_deck_is_a_located_error_everywhere(tmp_path: Path):
    """`- !!python/object:os.system id: ...` once crashed study (Textual's dump, exit 0),
    printed a traceback from `due` and an internal error from `validate`."""
    bundled = Path(__file__).parent.parent / "decks"
    first = sorted(bundled.glob("*.yaml"))[0]
    text = first.read_text("utf-8")
    card_line = next(line for line in text.split("\n") if line.startswith("  - id: "))
    deck = tmp_path / first.name
    deck.write_text(
        text.replace(card_line, card_line.replace("- id:", "- !!python/object:os.system id:"), 1),
        encoding="utf-8",
    )
    line = text.split("\n").index(card_line) + 1
    for command in (
        ["validate", str(tmp_path)],
        ["due", str(tmp_path), "--progress", str(tmp_path / "progress")],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "trainer", *command], capture_output=True, text=True, timeout=60
        )
        output = done.stdout + done.stderr
        assert "Traceback" not in output and "internal error" not in output, output
        assert f"{deck}:{line}:5: error unsafe-tag" in output, output
    assert done.returncode == 0  # due: the deck's other cards are still counted


def test_messages_say_the_reason_and_the_count(tmp_path: Path, capsys):
    deck = tmp_path / "d.yaml"
    deck.write_text(
        "format: 1.5\nid: x\ntitle: X\ncards:\n"
        '  - {id: a, type: basic, front: "", back: b}\n'
        "  - {id: c, type: choice, question: q, answer: a, options: [a]}\n"
    )
    _, out, _ = run(capsys, str(deck))
    assert "format must be a whole number, not 1.5 (it has a fraction)" in out
    assert "front is empty; write its text (it is required)" in out
    assert "only 1 option makes guessing easy" in out
