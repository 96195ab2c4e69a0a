"""The safe-YAML layer: from a deck file on disk to a tree of YAML nodes, or located errors.

Only the *composer* of a safe loader is ever used (``CSafeLoader`` when PyYAML was built
with libyaml, else ``SafeLoader``): it produces ``yaml.Node`` objects that keep the
position of every value and never constructs a Python object from a tag. Turning nodes
into a deck is :mod:`trainer.loader`'s job.

Guards applied here, before the composer sees the text:

* size: files over :data:`MAX_DECK_BYTES` are refused after a ``stat``, unread;
* encoding: UTF-8 only (a leading byte-order mark is dropped);
* raw control characters, which libyaml would refuse outright, are stripped line by line
  with :func:`trainer.textsafe.sanitize` and reported as warnings;
* nesting: libyaml's composer recurses in C and crashes the interpreter on very deep
  input (``[`` repeated 100,000 times), so a cheap upper bound on the depth is computed
  first; only when that bound exceeds :data:`MAX_DEPTH` is the true depth measured with
  the (iterative) event parser, and deeper input is refused before composing.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import yaml

from trainer.diagnostics import Diagnostic, Severity
from trainer.textsafe import sanitize

MAX_DECK_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64

try:
    _SafeLoader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _SafeLoader = yaml.SafeLoader

_BOM = "\ufeff"
_BOM_BYTES = b"\xef\xbb\xbf"
_FLOW_OPENERS = re.compile(r"[\[{]")
# Leading indentation and block indicators ("- ", "? ", ": ") of a line: each nested block
# collection needs either more indentation or one more indicator on the same line.
_BLOCK_PREFIX = re.compile(r"^[ ]*(?:[-?:](?:[ ]+|$)[ ]*)*", re.MULTILINE)
# What libyaml refuses or a terminal would act on; the fast test before sanitising.
_RAW_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
# How each event changes the nesting depth; None ends the stream.
_DEPTH_CHANGE: dict[type, int | None] = {
    yaml.SequenceStartEvent: 1, yaml.MappingStartEvent: 1,
    yaml.SequenceEndEvent: -1, yaml.MappingEndEvent: -1,
    yaml.StreamEndEvent: None, type(None): None,
}


def error(path: Path, line: int, column: int, code: str, message: str,
          card_id: str | None = None) -> Diagnostic:
    return Diagnostic(path, line, column, Severity.ERROR, code, message, card_id)


def warning(path: Path, line: int, column: int, code: str, message: str,
            card_id: str | None = None) -> Diagnostic:
    return Diagnostic(path, line, column, Severity.WARNING, code, message, card_id)


def read_deck_bytes(path: Path) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes of ``path``, or why they cannot be had (never raises).

    The size is checked with ``stat`` before reading, so a huge file costs nothing, and
    at most ``MAX_DECK_BYTES + 1`` bytes are read in case the file grows meanwhile.
    """
    try:
        size = os.stat(path).st_size
        if size > MAX_DECK_BYTES:
            return None, [_too_large(path, size)]
        with open(path, "rb") as stream:
            data = stream.read(MAX_DECK_BYTES + 1)
    except OSError as problem:
        return None, [path_error(path, problem)]
    if len(data) > MAX_DECK_BYTES:
        return None, [_too_large(path, len(data))]
    return data, []


def path_error(path: Path, problem: OSError) -> Diagnostic:
    """The diagnostic for an ``OSError`` met while opening ``path``."""
    if problem.errno == errno.ELOOP:
        return error(path, 0, 0, "symlink-loop",
                     "this path is a loop of symbolic links; point the link at a real "
                     "file or directory")
    if problem.errno in (errno.ENOENT, errno.ENOTDIR):
        return error(path, 0, 0, "path-not-found",
                     "no such file or directory; check the path (or the target of the "
                     "symbolic link)")
    if problem.errno == errno.EISDIR:
        return error(path, 0, 0, "path-unreadable",
                     "this is a directory; give a deck file, or let the command search "
                     "the directory")
    reason = problem.strerror or type(problem).__name__
    return error(path, 0, 0, "path-unreadable",
                 f"cannot be read ({reason}); check its permissions")


def _too_large(path: Path, size: int) -> Diagnostic:
    return error(path, 0, 0, "file-too-large",
                 f"the file is {size:,} bytes; decks are limited to {MAX_DECK_BYTES:,} "
                 "bytes (8 MiB): split it into several decks")


def decode_deck_bytes(data: bytes, path: Path) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 text of ``data`` without a byte-order mark, or a located ``not-utf8`` error."""
    if data.startswith(_BOM_BYTES):
        data = data[len(_BOM_BYTES):]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as problem:
        position = problem.start
        line_start = data.rfind(b"\n", 0, position) + 1
        line = data.count(b"\n", 0, position) + 1
        column = len(data[line_start:position].decode("utf-8", errors="replace")) + 1
        bad = data[position:problem.end].hex(" ")
        return None, [error(path, line, column, "not-utf8",
                            f"byte {bad} is not valid UTF-8; save the file as UTF-8 in "
                            "your editor")]


def strip_raw_controls(text: str, path: Path) -> tuple[str, list[Diagnostic]]:
    """Remove control characters, escape sequences and bidi overrides typed raw into the
    file, line by line (so an unterminated sequence cannot swallow the rest of the file),
    with one ``control-characters`` warning per line that had any."""
    if _RAW_UNSAFE.search(text) is None:
        return text, []
    diagnostics: list[Diagnostic] = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        found = _RAW_UNSAFE.search(line)
        if found is None:
            continue
        # A carriage return ending the line is a line break for YAML, not content.
        body, ending = (line[:-1], "\r") if line.endswith("\r") else (line, "")
        if found.start() >= len(body):
            continue
        cleaned, _ = sanitize(body)
        lines[index] = cleaned + ending
        diagnostics.append(warning(
            path, index + 1, found.start() + 1, "control-characters",
            "control characters or terminal escape sequences were removed from this line; "
            "delete them from the file"))
    return "\n".join(lines), diagnostics


def depth_upper_bound(text: str) -> int:
    """A cheap number that is never below the nesting depth of ``text``.

    Block nesting needs more indentation or another block indicator on the line; flow
    nesting needs an opening bracket. Brackets inside quotes or comments make the bound
    loose, never wrong.
    """
    flow = len(_FLOW_OPENERS.findall(text))
    block = max(map(len, _BLOCK_PREFIX.findall(text)), default=0)
    # A block sequence may sit at its parent key's indentation ("key:\n- item"), so one
    # column of indentation can carry two levels.
    return flow + 2 * block + 2


def _too_deep_location(text: str) -> tuple[int, int] | None:
    """0-based (line, column) where nesting first exceeds MAX_DEPTH, or None.

    Uses the event parser, which keeps its state on the heap and so is safe at any depth.
    Syntax errors are left for the composer to report.
    """
    depth = 0
    change = _DEPTH_CHANGE.get
    loader = _SafeLoader(text)
    next_event = loader.get_event
    try:
        while True:
            event = next_event()
            step = change(type(event), 0)
            if step == 1:
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line, event.start_mark.column
            elif step == -1:
                depth -= 1
            elif step is None:
                return None
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def compose_text(text: str, path: Path) -> tuple[yaml.Node | None, list[Diagnostic]]:
    """Compose ``text`` (one YAML document) into nodes, refusing what is unsafe.

    Returns ``(None, [])`` for a document with no content (empty, or comments only).
    """
    if text.startswith(_BOM):
        text = text[1:]
    if depth_upper_bound(text) > MAX_DEPTH:
        where = _too_deep_location(text)
        if where is not None:
            return None, [error(
                path, where[0] + 1, where[1] + 1, "too-deep",
                f"values are nested more than {MAX_DEPTH} levels deep here; no deck needs "
                "this: flatten the structure")]
    loader = _SafeLoader(text)
    try:
        return loader.get_single_node(), []
    except yaml.MarkedYAMLError as problem:
        return None, [_syntax_diagnostic(problem, text, path)]
    except yaml.reader.ReaderError as problem:
        line = text.count("\n", 0, problem.position)
        column = problem.position - (text.rfind("\n", 0, problem.position) + 1)
        return None, [error(path, line + 1, column + 1, "yaml-syntax",
                            f"character {problem.character!r} is not allowed in YAML "
                            f"({problem.reason}); remove it")]
    except yaml.YAMLError as problem:  # no known location
        return None, [error(path, 1, 1, "yaml-syntax", f"invalid YAML: {problem}")]
    finally:
        loader.dispose()


def _syntax_diagnostic(problem: yaml.MarkedYAMLError, text: str, path: Path) -> Diagnostic:
    mark = problem.problem_mark or problem.context_mark
    line, column = (mark.line, mark.column) if mark is not None else (0, 0)
    what = problem.problem or "invalid YAML"
    context = problem.context or ""
    if "expected a single document" in context:
        return error(path, line + 1, column + 1, "multiple-documents",
                     "a second YAML document starts here; a deck file holds one document: "
                     "remove this '---' line or split the file into two decks")
    if "found undefined alias" in what:
        return error(path, line + 1, column + 1, "alias",
                     "aliases (*name) are not supported in decks: write the value out")
    lines = text.split("\n")
    nearby = lines[max(0, line - 1): line + 1]
    if any(_leading_whitespace(candidate).count("\t") for candidate in nearby):
        return error(path, line + 1, column + 1, "tab-indentation",
                     "a tab is used for indentation here; YAML allows only spaces: "
                     "replace the tab with spaces")
    if "end of stream" in what and "quoted scalar" in context and problem.context_mark:
        start = problem.context_mark
        return error(path, start.line + 1, start.column + 1, "yaml-syntax",
                     "this quoted text is never closed: add the closing quote")
    where = ""
    if problem.context_mark is not None and context:
        where = f" ({context} started at line {problem.context_mark.line + 1})"
    return error(path, line + 1, column + 1, "yaml-syntax",
                 f"invalid YAML: {what}{where}; check the indentation and quotes here and "
                 "on the line before")


def _leading_whitespace(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]
