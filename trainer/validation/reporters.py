"""Output formats of ``trainer validate``: text, json, github and junit.

Each reporter turns a :class:`~trainer.validation.ValidationReport` into the full text to
print. File names are shown safely: control characters and bytes that are not UTF-8 are
escaped, never sent raw to a terminal or a CI log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from trainer.diagnostics import Diagnostic, Severity
from trainer.validation import ValidationReport

JSON_VERSION = 1

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_BUT_BREAKS = re.compile(
    "[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def shown_path(path: Path | str, *, keep_line_breaks: bool = False) -> str:
    """``path`` as text safe to print: undecodable bytes and control characters escaped
    (LF and CR too, unless ``keep_line_breaks``: for a format that encodes them itself)."""
    text = str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    unsafe = _UNSAFE_BUT_BREAKS if keep_line_breaks else _UNSAFE
    return unsafe.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _safe(text: str) -> str:
    """Message text made printable (deck text in it was sanitized by the loader already,
    but a file name or an exception message may hold anything)."""
    return shown_path(text) if _UNSAFE.search(text) or not text.isprintable() else text


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(report: ValidationReport) -> str:
    """``3 errors, 1 warning in 5 files (412 cards)``."""
    return (
        f"{_plural(report.errors, 'error')}, {_plural(report.warnings, 'warning')} in "
        f"{_plural(len(report.files), 'file')} ({_plural(report.cards, 'card')})"
    )


def _line(diagnostic: Diagnostic) -> str:
    return (
        f"{shown_path(diagnostic.path)}:{diagnostic.line}:{diagnostic.column}: "
        f"{diagnostic.severity} {diagnostic.code} {_safe(diagnostic.message)}"
    )


def render_text(report: ValidationReport, strict: bool = False) -> str:
    lines = [_line(d) for d in report.diagnostics]
    lines += [f"note: {note}" for note in report.notes]
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def render_json(report: ValidationReport, strict: bool = False) -> str:
    document = {
        "version": JSON_VERSION,
        "files": len(report.files),
        "cards": report.cards,
        "errors": report.errors,
        "warnings": report.warnings,
        "strict": strict,
        "diagnostics": [
            {
                "path": shown_path(d.path),
                "line": d.line,
                "column": d.column,
                "severity": str(d.severity),
                "code": d.code,
                "message": d.message,
                "card_id": d.card_id,
            }
            for d in report.diagnostics
        ],
        "notes": list(report.notes),
    }
    return json.dumps(document, indent=2) + "\n"


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: ValidationReport, strict: bool = False) -> str:
    """GitHub Actions workflow commands: annotations on the files in a pull request."""
    lines = []
    for d in report.diagnostics:
        command = (
            "error"
            if d.severity is Severity.ERROR
            else "warning"
            if d.severity is Severity.WARNING
            else "notice"
        )
        # GitHub decodes %0A and %0D in a file name: the annotation lands on the real file.
        props = [f"file={_github_property(shown_path(d.path, keep_line_breaks=True))}"]
        if d.line > 0:
            props.append(f"line={d.line}")
            if d.column > 0:
                props.append(f"col={d.column}")
        props.append(f"title={_github_property(d.code)}")
        lines.append(f"::{command} {','.join(props)}::{_github_data(_safe(d.message))}")
    lines += [f"::notice::{_github_data(note)}" for note in report.notes]
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render_junit(report: ValidationReport, strict: bool = False) -> str:
    """JUnit XML: one test suite per deck file, one test case per card plus one for the
    file itself; errors (and warnings under ``strict``) are failures, other warnings are
    printed in the test case's output. Valid against the Jenkins xunit-plugin's
    junit-10.xsd (tests/fixtures/junit/)."""
    import xml.etree.ElementTree as ET

    by_file: dict[Path, list[Diagnostic]] = {path: [] for path in report.files}
    for d in report.diagnostics:
        by_file.setdefault(d.path, []).append(d)
    decks = {deck.path: deck for deck in (*report.decks, *report.partial_decks)}
    root = ET.Element("testsuites", name="trainer validate")
    total_tests = total_failures = 0
    for path, diagnostics in by_file.items():
        name = _xml(shown_path(path))
        suite = ET.SubElement(root, "testsuite", name=name)
        deck = decks.get(path)
        card_ids = [card.id for card in deck.cards] if deck is not None else []
        by_card: dict[str | None, list[Diagnostic]] = {None: []}
        by_card.update((card_id, []) for card_id in card_ids)
        for d in diagnostics:
            by_card.setdefault(d.card_id, []).append(d)
        tests = failures = 0
        classname = _xml(deck.id if deck is not None else name)
        for card_id, found in by_card.items():
            case = ET.SubElement(
                suite,
                "testcase",
                classname=classname,
                name=_xml(card_id if card_id is not None else "(file)"),
            )
            tests += 1
            failing = [
                d
                for d in found
                if d.severity is Severity.ERROR or (strict and d.severity is Severity.WARNING)
            ]
            other = [d for d in found if d not in failing]
            if failing:
                failures += 1
                failure = ET.SubElement(
                    case, "failure", type=failing[0].code, message=_xml(_safe(failing[0].message))
                )
                failure.text = _xml("\n".join(_line(d) for d in failing))
            if other:
                ET.SubElement(case, "system-out").text = _xml("\n".join(_line(d) for d in other))
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        total_tests += tests
        total_failures += failures
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    ET.indent(root)
    # ASCII, every other character as a reference (&#233;): the report is then the same
    # bytes in whatever encoding stdout has (a redirected stdout on Windows is the ANSI
    # code page, not the UTF-8 a declaration would promise), and never fails to encode.
    document = ET.tostring(root, encoding="us-ascii", xml_declaration=True)
    return document.decode("ascii") + "\n"


RENDERERS: dict[str, Callable[[ValidationReport, bool], str]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
    "junit": render_junit,
}
