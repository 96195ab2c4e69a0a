"""`trainer validate --format junit` against a published JUnit XML schema, not our own idea
of one: the Jenkins xunit-plugin's junit-10.xsd, the Ant/Surefire format that Jenkins and
GitLab read (tests/fixtures/junit/README.md says where the file comes from and why this one).
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from test_authoring import WITH_CARD_ERRORS
from test_validate_cli import BAD, GOOD

from trainer.cli import main

SCHEMA_FILE = Path(__file__).parent / "fixtures" / "junit" / "junit-10.xsd"
#: The published file's digest (README.md beside it): the schema is used as published.
SCHEMA_SHA256 = "a1a816f58d1bf95ebabf371994df0b9246dee66ea9572fbec4f9296f1b2c0ff6"

# A second clean deck, with two cards.
ALSO_GOOD = """\
format: 1
id: also-good
title: Also good
cards:
  - id: blocker
    type: typed
    question: Which receptor does ketamine block?
    answer: NMDA
  - id: class
    type: truefalse
    statement: Ketamine is a dissociative anaesthetic.
    answer: true
"""

# A deck whose header has an error (a deck-level finding) and whose cards have their own.
HEADER_ERROR = (
    "format: 1\nid: header\ntitle: T\nscheduling:\n  desired_retention: 85\ncards:\n"
    + "".join(f"  {line}\n" for line in WITH_CARD_ERRORS.splitlines())
)

# Not YAML at all: the whole file is one deck-level error.
BROKEN = "format: 1\nid: broken\ncards: [\n"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256
    return xmlschema.XMLSchema(SCHEMA_FILE)


def conforming(schema: xmlschema.XMLSchema, report: bytes) -> ET.Element:
    """The report's root element, after checking the report against the schema: as bytes,
    so that its XML declaration's encoding is read as a CI server reads it."""
    problems = [f"{e.path}: {e.reason}" for e in schema.iter_errors(io.BytesIO(report))]
    assert not problems, "\n".join([*problems, "", report.decode("utf-8", "replace")])
    return ET.fromstring(report)


def junit(capsys, *args: str) -> tuple[int, bytes]:
    code = main(["validate", "--format", "junit", *args])
    return code, capsys.readouterr().out.encode("utf-8")


def cases(suite: ET.Element) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in suite.iter("testcase")}


def failure_type(case: ET.Element) -> str | None:
    failure = case.find("failure")
    return None if failure is None else failure.get("type")


def test_clean_decks_conform(tmp_path: Path, schema, capsys):
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "also-good.yaml").write_text(ALSO_GOOD, encoding="utf-8")
    code, report = junit(capsys, str(tmp_path))
    root = conforming(schema, report)
    assert code == 0
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert set(suites) == {str(tmp_path / "good.yaml"), str(tmp_path / "also-good.yaml")}
    assert list(cases(suites[str(tmp_path / "also-good.yaml")])) == ["(file)", "blocker", "class"]
    assert root.find(".//failure") is None
    assert (root.get("tests"), root.get("failures")) == ("5", "0")


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_errors_and_warnings_conform(tmp_path: Path, schema, capsys, strict: bool):
    files = {"good.yaml": GOOD, "bad.yaml": BAD, "header.yaml": HEADER_ERROR, "broken.yaml": BROKEN}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    code, report = junit(capsys, *(["--strict"] if strict else []), str(tmp_path))
    root = conforming(schema, report)
    assert code == 1
    suites = {Path(suite.get("name", "")).name: suite for suite in root.iter("testsuite")}
    assert set(suites) == set(files)
    bad, header, broken = (
        cases(suites[name]) for name in ("bad.yaml", "header.yaml", "broken.yaml")
    )
    # Card-level findings: the error is a failure located file:line:col; the warning is
    # one only under --strict, and is printed in the test case otherwise.
    assert failure_type(bad["receptor"]) == "answer-not-an-option"
    assert f"{tmp_path / 'bad.yaml'}:8:13: error" in bad["receptor"].findtext("failure", "")
    if strict:
        assert failure_type(bad["onset"]) == "few-options"
        assert f"{tmp_path / 'bad.yaml'}:14:14: warning" in bad["onset"].findtext("failure", "")
    else:
        assert failure_type(bad["onset"]) is None
        assert "few-options" in bad["onset"].findtext("system-out", "")
    # Deck-level findings land on the file's own test case.
    assert list(header) == ["(file)", "pick", "fine"]
    assert failure_type(header["(file)"]) == "invalid-value"
    assert failure_type(header["pick"]) == "answer-not-an-option"
    assert list(broken) == ["(file)"] and failure_type(broken["(file)"]) == "yaml-syntax"
    assert f"{tmp_path / 'broken.yaml'}:4:1: error yaml-syntax" in broken["(file)"].findtext(
        "failure", ""
    )
    failures = 5 if strict else 4
    assert (root.get("tests"), root.get("failures")) == ("9", str(failures))


def test_a_missing_path_and_no_deck_files_conform(tmp_path: Path, schema, capsys):
    code, report = junit(capsys, str(tmp_path / "gone.yaml"))
    root = conforming(schema, report)
    assert code == 2
    (suite,) = root.iter("testsuite")
    assert failure_type(cases(suite)["(file)"]) == "path-not-found"
    code, report = junit(capsys, str(tmp_path))  # a directory with no deck in it
    assert code == 2
    (suite,) = conforming(schema, report).iter("testsuite")  # a failure, not a clean run
    assert failure_type(cases(suite)["(file)"]) == "no-deck-files"


def test_characters_xml_cannot_hold_conform(tmp_path: Path, schema, capsys):
    # The input of test_validate_cli's test_junit_survives_characters_xml_cannot_hold, and
    # the same deck with such characters inside it: raw in a question, a non-character
    # (U+FFFE) that YAML refuses, and an escaped control character with XML's own markup.
    odd = tmp_path / 'bell\x07<&>"name.yaml'
    odd.write_text(BAD)
    question = "question: Which receptor does ketamine block?"
    (tmp_path / "raw.yaml").write_text(BAD.replace(question, "question: Which\x07 one?"))
    (tmp_path / "nonchar.yaml").write_text(BAD.replace(question, "question: Which\ufffe one?"))
    (tmp_path / "markup.yaml").write_text(
        BAD.replace(question, 'question: "Which\\x07 ]]> <!-- & \\x1b[2J one?"')
    )
    code, report = junit(capsys, str(tmp_path))
    root = conforming(schema, report)
    assert code == 1
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert str(tmp_path / 'bell\\x07<&>"name.yaml') in suites
    nonchar = cases(suites[str(tmp_path / "nonchar.yaml")])
    assert failure_type(nonchar["(file)"]) == "yaml-syntax"
    assert failure_type(cases(suites[str(tmp_path / "markup.yaml")])["receptor"]) == (
        "answer-not-an-option"
    )


# The report as a CI job makes it (`trainer validate --format junit decks/ > report.xml`),
# read back as bytes, as the CI server reads the file. Python writes stdout in the locale's
# encoding: UTF-8 on Linux and macOS, but on Windows a redirected stdout (a Jenkins agent's
# `> report.xml`) is the ANSI code page, cp1252 in Western locales.
@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_the_report_a_ci_job_writes_to_a_file_conforms(tmp_path: Path, schema, encoding: str):
    decks = tmp_path / "decks"
    decks.mkdir()
    # Not ASCII: a file name, and an answer quoted in the message; é is in cp1252, ✓ not.
    (decks / "café.yaml").write_text(BAD.replace("answer: Kainate", "answer: Kaïnate ✓"))
    report = tmp_path / "report.xml"
    with report.open("wb") as out:
        done = subprocess.run(
            [sys.executable, "-m", "trainer", "validate", "--format", "junit", str(decks)],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONIOENCODING": encoding},
        )
    assert done.stderr == ""
    assert done.returncode == 1
    root = conforming(schema, report.read_bytes())
    (suite,) = root.iter("testsuite")
    assert suite.get("name") == str(decks / "café.yaml")
    failure = cases(suite)["receptor"].find("failure")
    assert failure is not None and "the answer 'Kaïnate ✓' is not one of" in (failure.text or "")
