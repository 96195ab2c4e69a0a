"""The safe-YAML layer: from a deck file on disk to a tree of YAML nodes, or located errors.

Only the *composer* of a safe loader is ever used (``CSafeLoader`` when PyYAML was built
with libyaml, else ``SafeLoader``): it produces ``yaml.Node`` objects that keep the
position of every value and never constructs a Python object from a tag. Turning nodes
into a deck is :mod:`trainer.deckread`'s job; the YAML 1.1 / 1.2 scalar rules it needs (which
plain scalars the two versions read differently) are at the end of this module.

Guards applied here, before the composer sees the text:

* size: files over :data:`MAX_DECK_BYTES` are refused after a ``stat``, unread;
* encoding: UTF-8 only (a leading byte-order mark is dropped);
* raw control characters, which libyaml would refuse outright, are stripped line by line
  with :func:`trainer.textsafe.sanitize` and reported as warnings;
* nesting: libyaml's composer recurses in C, one stack frame per level, and crashes the
  interpreter on very deep input (``[`` repeated 100,000 times). A cheap upper bound on
  the depth (:func:`depth_upper_bound`) decides how to compose:

  - bound <= :data:`MAX_DEPTH`: compose directly; the input cannot be too deep;
  - bound <= :data:`THREADED_DEPTH_LIMIT`: compose in a thread whose stack is sized for
    that many levels (a few hundred bytes each), so even the worst input the bound allows
    cannot overflow it; the true depth is then checked on the nodes by the caller
    (:func:`compose_unchecked`);
  - above: measure the true depth first with the (iterative) event parser, as deep input
    of that size cannot be composed safely, and refuse deeper than :data:`MAX_DEPTH`.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import ScalarNode, SequenceNode

from trainer.decksource import path_error
from trainer.diagnostics import Diagnostic, Severity
from trainer.textsafe import UNSAFE_CHARACTERS, sanitize

MAX_DECK_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
#: Largest depth bound composed in a dedicated thread (above it: the event pass first).
THREADED_DEPTH_LIMIT = 65_536
#: Stack given to the composing thread per level of the bound. libyaml's composer uses
#: about 400 bytes a level (CPython 3.11, x86-64: measured); the rest is margin.
_STACK_PER_LEVEL = 2048
#: Stack for everything else that thread runs (Python frames of the resolver, ...).
_STACK_BASE = 1 << 20

try:
    _SafeLoader: Any = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _SafeLoader = yaml.SafeLoader

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
SEQ = "tag:yaml.org,2002:seq"
MAP = "tag:yaml.org,2002:map"
_STR_TAG, _SEQ_TAG, _MAP_TAG = STR, SEQ, MAP
# The safe loader's implicit resolvers by first character ("" for the empty scalar),
# wildcard resolvers appended, as Resolver.resolve tries them.
_PLAIN_RESOLVERS: dict[str, tuple[tuple[str, Any], ...]] = {
    first: tuple(
        (tag, regexp.match)
        for tag, regexp in resolvers + _SafeLoader.yaml_implicit_resolvers.get(None, [])
    )
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
    if first is not None
}


class _Composer(_SafeLoader):
    """The safe loader with the tag resolution the C composer calls back for every node
    made cheaper (it is a third of composing time): same results as ``Resolver.resolve``
    for a safe loader, which has no path resolvers."""

    if not _SafeLoader.yaml_path_resolvers and not _SafeLoader.yaml_implicit_resolvers.get(None):

        def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
            if kind is ScalarNode:
                if implicit[0] and value is not None:  # None only for collections
                    for tag, match in _PLAIN_RESOLVERS.get(value[:1], ()):
                        if match(value):
                            return tag
                return _STR_TAG
            return _SEQ_TAG if kind is SequenceNode else _MAP_TAG

        # Without path resolvers these only track the path; any cheap callable taking the
        # same arguments does: builtins cost no Python frame.
        descend_resolver = slice
        ascend_resolver = tuple


_BOM = "\ufeff"
_BOM_BYTES = b"\xef\xbb\xbf"
# Each nested block collection needs one more column of indentation or one more block
# indicator ("- ", "? ", ": ") at the start of its line; these runs of spaces and
# indicator characters after a line break are never shorter than that prefix.
_PREFIX_LENGTHS = (8, 16, 32, 64, 256, 1024, 4096, 16384)
_AFTER_NEWLINE = [re.compile(rf"\n[ \t?:-]{{{n}}}") for n in _PREFIX_LENGTHS]
# libyaml also breaks lines at CR, NEL and the Unicode line and paragraph separators.
_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")
_AFTER_ANY_BREAK = [re.compile(f"[\n\r\x85\u2028\u2029][ \t?:-]{{{n}}}") for n in _PREFIX_LENGTHS]
_AT_START = [re.compile(rf"[ \t?:-]{{{n}}}") for n in _PREFIX_LENGTHS]
# What libyaml refuses or a terminal would act on; the fast test before sanitising.
# Tab, LF and CR are YAML's own; everything else sanitize removes.
_RAW_UNSAFE = re.compile("[" + UNSAFE_CHARACTERS.replace("\x0b-\x1f", "\x0b\x0c\x0e-\x1f") + "]")
# How each event changes the nesting depth; None ends the stream.
_DEPTH_CHANGE: dict[type, int | None] = {
    yaml.SequenceStartEvent: 1,
    yaml.MappingStartEvent: 1,
    yaml.SequenceEndEvent: -1,
    yaml.MappingEndEvent: -1,
    yaml.StreamEndEvent: None,
    type(None): None,
}


def error(
    path: Path, line: int, column: int, code: str, message: str, card_id: str | None = None
) -> Diagnostic:
    return Diagnostic(path, line, column, Severity.ERROR, code, message, card_id)


def warning(
    path: Path, line: int, column: int, code: str, message: str, card_id: str | None = None
) -> Diagnostic:
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


def _too_large(path: Path, size: int) -> Diagnostic:
    return error(
        path,
        0,
        0,
        "file-too-large",
        f"the file is {size:,} bytes; decks are limited to {MAX_DECK_BYTES:,} "
        "bytes (8 MiB): split it into several decks",
    )


def decode_deck_bytes(data: bytes, path: Path) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 text of ``data`` without a byte-order mark, or a located ``not-utf8`` error."""
    if data.startswith(_BOM_BYTES):
        data = data[len(_BOM_BYTES) :]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as problem:
        position = problem.start
        line_start = data.rfind(b"\n", 0, position) + 1
        line = data.count(b"\n", 0, position) + 1
        column = len(data[line_start:position].decode("utf-8", errors="replace")) + 1
        bad = data[position : problem.end].hex(" ")
        return None, [
            error(
                path,
                line,
                column,
                "not-utf8",
                f"byte {bad} is not valid UTF-8; save the file as UTF-8 in your editor",
            )
        ]


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
        diagnostics.append(
            warning(
                path,
                index + 1,
                found.start() + 1,
                "control-characters",
                "control characters, invisible characters (such as zero-width spaces) or "
                "terminal escape sequences were removed from this line; delete them from the "
                "file",
            )
        )
    return "\n".join(lines), diagnostics


def depth_upper_bound(text: str) -> int:
    """A cheap number that is never below the nesting depth of ``text``.

    Flow nesting needs an opening bracket; block nesting needs one more column of
    indentation or one more block indicator at the start of a line. Brackets inside
    quotes or comments make the bound loose, never wrong. Three or four passes over the
    text in C: about a millisecond for a 1,000-card deck.
    """
    flow = text.count("[") + text.count("{")
    after_break = _AFTER_ANY_BREAK if _OTHER_BREAKS.search(text) else _AFTER_NEWLINE
    # The longest line prefix of spaces and indicator characters is below the first of
    # these lengths that no line reaches (or at most the text's length).
    prefix = len(text)
    for length, anywhere, at_start in zip(_PREFIX_LENGTHS, after_break, _AT_START):
        if anywhere.search(text) is None and at_start.match(text) is None:
            prefix = length - 1
            break
    # A block sequence may sit at its parent key's indentation ("key:\n- item"), so one
    # column of indentation can carry two levels.
    return flow + 2 * prefix + 2


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


def too_deep_diagnostic(text: str, path: Path) -> Diagnostic | None:
    """The ``too-deep`` error for ``text`` if it nests deeper than :data:`MAX_DEPTH`
    (before any syntax error), else None. Exact, safe at any depth, and slow: about a
    second for 17 MB, so only run when a cheaper test says it may be needed."""
    where = _too_deep_location(text)
    if where is None:
        return None
    return error(
        path,
        where[0] + 1,
        where[1] + 1,
        "too-deep",
        f"values are nested more than {MAX_DEPTH} levels deep here; no deck needs "
        "this: flatten the structure",
    )


def compose_unchecked(text: str, path: Path) -> tuple[yaml.Node | None, list[Diagnostic], bool]:
    """Compose ``text`` (one YAML document) into nodes, refusing what is unsafe, but
    leave one check to the caller:
    ``(node, problems, depth_checked)``; when ``depth_checked`` is False, the caller
    must refuse the nodes if they nest deeper than :data:`MAX_DEPTH` (see
    :func:`too_deep_diagnostic`). Walking the nodes it reads anyway costs the caller
    little; measuring depth here would cost a pass over the text or the nodes.
    """
    if text.startswith(_BOM):
        text = text[1:]
    bound = depth_upper_bound(text)
    if bound <= MAX_DEPTH:
        node, problems = _compose(text, path)
        return node, problems, True
    if bound <= THREADED_DEPTH_LIMIT:
        composed = _compose_in_thread(text, path, bound)
        if composed is not None:
            node, problems = composed
            if problems:
                # Composing stopped at a syntax error: the event pass tells whether the
                # nesting went too deep before it, which is then the problem to report.
                too_deep = too_deep_diagnostic(text, path)
                return None, [too_deep] if too_deep is not None else problems, True
            return node, problems, False
    too_deep = too_deep_diagnostic(text, path)
    if too_deep is not None:
        return None, [too_deep], True
    node, problems = _compose(text, path)
    return node, problems, True


def _compose_in_thread(
    text: str, path: Path, levels: int
) -> tuple[yaml.Node | None, list[Diagnostic]] | None:
    """:func:`_compose` in a new thread with a stack for ``levels`` of C recursion; None
    if no such thread can be started (then the caller measures the depth first)."""
    size = _STACK_BASE + levels * _STACK_PER_LEVEL
    size += -size % (1 << 20)  # some platforms want a multiple of the page size
    result: list[tuple[yaml.Node | None, list[Diagnostic]]] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(_compose(text, path))
        except BaseException as problem:
            failure.append(problem)

    try:
        previous = threading.stack_size(size)
    except (ValueError, RuntimeError):
        return None
    try:
        worker = threading.Thread(target=run, name="compose-deck", daemon=True)
        worker.start()
    except RuntimeError:  # the system refused the thread or its stack
        return None
    finally:
        threading.stack_size(previous)
    worker.join()
    if failure:
        raise failure[0]
    return result[0]


def _compose(text: str, path: Path) -> tuple[yaml.Node | None, list[Diagnostic]]:
    loader = _Composer(text)
    try:
        return loader.get_single_node(), []
    except yaml.MarkedYAMLError as problem:
        return None, [_syntax_diagnostic(problem, text, path)]
    except yaml.reader.ReaderError as problem:
        line = text.count("\n", 0, problem.position)
        column = problem.position - (text.rfind("\n", 0, problem.position) + 1)
        return None, [
            error(
                path,
                line + 1,
                column + 1,
                "yaml-syntax",
                f"character {problem.character!r} is not allowed in YAML "
                f"({problem.reason}); remove it",
            )
        ]
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
        return error(
            path,
            line + 1,
            column + 1,
            "multiple-documents",
            "a second YAML document starts here; a deck file holds one document: "
            "remove this '---' line or split the file into two decks",
        )
    if "found undefined alias" in what:
        return error(
            path,
            line + 1,
            column + 1,
            "alias",
            "aliases (*name) are not supported in decks: write the value out",
        )
    lines = text.split("\n")
    nearby = lines[max(0, line - 1) : line + 1]
    if any(_leading_whitespace(candidate).count("\t") for candidate in nearby):
        return error(
            path,
            line + 1,
            column + 1,
            "tab-indentation",
            "a tab is used for indentation here; YAML allows only spaces: "
            "replace the tab with spaces",
        )
    if "end of stream" in what and "quoted scalar" in context and problem.context_mark:
        start = problem.context_mark
        return error(
            path,
            start.line + 1,
            start.column + 1,
            "yaml-syntax",
            "this quoted text is never closed: add the closing quote",
        )
    where = ""
    if problem.context_mark is not None and context:
        where = f" ({context} started at line {problem.context_mark.line + 1})"
    return error(
        path,
        line + 1,
        column + 1,
        "yaml-syntax",
        f"invalid YAML: {what}{where}; check the indentation and quotes here and "
        "on the line before",
    )


def _leading_whitespace(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


# ---------------------------------------------------------------------------------------
# YAML 1.1 and 1.2 scalar rules
#
# PyYAML reads YAML 1.1; editors and most other tools read YAML 1.2. A deck means the same
# to both only if its plain (unquoted) scalars do: the reader refuses the ones on which
# they differ and says to quote them.

#: The tags a deck's scalars may carry (anything else is a foreign tag).
SCALAR_TAGS = frozenset({STR, INT, FLOAT, BOOL, NULL, TIMESTAMP})
#: The spellings of a boolean both versions agree on.
TRUE_WORDS = frozenset({"true", "True", "TRUE"})
FALSE_WORDS = frozenset({"false", "False", "FALSE"})
#: Booleans in the YAML 1.1 spec that YAML 1.2 reads as text (PyYAML reads y/n as text).
YAML11_ONLY_BOOLEANS = frozenset(
    (
        "yes",
        "Yes",
        "YES",
        "no",
        "No",
        "NO",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        "y",
        "Y",
        "n",
        "N",
    )
)
#: First characters of a plain scalar :data:`YAML12_NUMBER` may match.
NUMBER_START = frozenset("0123456789+-.")
#: Numbers to a YAML 1.2 (core schema) reader that YAML 1.1 reads as text, e.g. 1e3, 0o17.
YAML12_NUMBER = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
#: What a scalar of each non-text tag is, for messages ("read as the number 24").
KIND_OF_TAG = {
    BOOL: "the boolean {value}",
    NULL: "null (no value)",
    INT: "the number {value}",
    FLOAT: "the number {value}",
    TIMESTAMP: "a date",
}

_constructor = yaml.constructor.SafeConstructor()


def construct(node: ScalarNode) -> Any:
    """The value of an int/float/bool scalar, by PyYAML's safe constructor; None for a
    scalar tagged as a number that is not one (``!!int abc``)."""
    try:
        if node.tag == INT:
            return _constructor.construct_yaml_int(node)
        if node.tag == FLOAT:
            return _constructor.construct_yaml_float(node)
    except (ValueError, IndexError, TypeError):
        return None
    return node.value


def kind_of(node: yaml.Node) -> str:
    """What a node is, for messages: "a list", "text", "a number"..."""
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if node.tag == STR:
        return "text"
    if node.tag == NULL:
        return "nothing (null)"
    if node.tag == BOOL:
        return "a boolean"
    if node.tag == TIMESTAMP:
        return "a date"
    return "a number"
