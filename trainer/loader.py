"""The deck loader: from deck files to :class:`~trainer.model.Deck` objects and located
diagnostics.

:func:`load_deck` never raises for any file content: every problem becomes a
:class:`~trainer.diagnostics.Diagnostic` with ``path:line:column`` (1-based) and a stable
code (listed in docs/deck-format.md). The YAML is read by :mod:`trainer.yamlread` (safe
composer only); this module walks the node tree itself, so each value keeps its position,
and checks the shape and type of every field as format v1 specifies. Semantic checks
across fields (answer among options, unique ids, ...) belong to :mod:`trainer.validation`.

Cards with errors are left out of the deck and their problems reported, so one run lists
every problem; the deck itself is ``None`` when its header (format, id, title, sources,
scheduling, the cards list) has an error.

Field locations recorded in :attr:`Card.field_locations` (the location of the *value*):
every key as written (``front``, ``text``, ``statement``, ``source``, ...), the model name
too where it differs (``question`` for ``text``/``statement``, ``sources`` for
``source``, ``truth`` for a true/false ``answer``), list items as ``options[0]``,
``answers[1]``, ``items[2]``, ``alternatives[0]``, ``wrong[0]``, ``tags[0]``,
``source[0]``, samples as ``tests.accept[0]`` / ``tests.reject[0]``, and per cloze
deletion ``alternatives.c1``, ``alternatives.c1[0]``, ``tests.c1``,
``tests.c1.accept[0]``, ``tests.c1.reject[0]``.
"""

from __future__ import annotations

import difflib
import gc
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from trainer.decksource import find_deck_files  # re-exported: the validator and tests use it here
from trainer.diagnostics import Diagnostic, Severity
from trainer.lazylocations import LazyLocations
from trainer.model import (
    FORMAT_VERSION,
    AnswerTests,
    Card,
    CardType,
    Cloze,
    Deck,
    Location,
    MatchPolicy,
    SchedulingSettings,
    Source,
    cloze_deletions,
    find_unescaped,
    split_deletion,
)
from trainer.textsafe import sanitize
from trainer.yamlread import (
    MAX_DECK_BYTES,
    MAX_DEPTH,
    compose_unchecked,
    decode_deck_bytes,
    error,
    read_deck_bytes,
    strip_raw_controls,
    too_deep_diagnostic,
    warning,
)

__all__ = [
    "MAX_DECK_BYTES",
    "MAX_DEPTH",
    "LoadResult",
    "find_deck_files",
    "load_deck",
    "load_deck_text",
]

#: Longest interval or step a deck may ask for (100 years): beyond it dates overflow.
MAX_INTERVAL_DAYS = 36500


@dataclass
class LoadResult:
    """What loading one deck file gave: the deck (``None`` when the file as a whole is
    unusable) and every problem found, errors and warnings."""

    deck: Deck | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: When the header has an error (``deck`` is None): the cards that loaded, in a
    #: stand-in deck, so that ``trainer validate`` checks them in the same run. Never
    #: studied.
    partial: Deck | None = None

    @property
    def ok(self) -> bool:
        """True when no diagnostic is an error (warnings allowed)."""
        return all(d.severity is not Severity.ERROR for d in self.diagnostics)


def load_deck(path: Path) -> LoadResult:
    """Load the deck file at ``path``. Never raises for any file content or I/O problem."""
    data, problems = read_deck_bytes(path)
    if data is None:
        return LoadResult(None, problems)
    return load_deck_text(data, path)


def load_deck_text(data: bytes | str, path: Path) -> LoadResult:
    """Load a deck from its content; ``path`` is used for locations and ``Deck.path``."""
    if isinstance(data, bytes):
        if len(data) > MAX_DECK_BYTES:
            return LoadResult(
                None,
                [
                    error(
                        path,
                        0,
                        0,
                        "file-too-large",
                        f"the file is {len(data):,} bytes; decks are limited to {MAX_DECK_BYTES:,} "
                        "bytes (8 MiB): split it into several decks",
                    )
                ],
            )
        text, problems = decode_deck_bytes(data, path)
        if text is None:
            return LoadResult(None, problems)
    else:
        text = data[1:] if data.startswith("\ufeff") else data
        if len(text) > MAX_DECK_BYTES and len(text.encode("utf-8", "replace")) > MAX_DECK_BYTES:
            return LoadResult(
                None,
                [
                    error(
                        path,
                        0,
                        0,
                        "file-too-large",
                        f"decks are limited to {MAX_DECK_BYTES:,} bytes (8 MiB): split it into "
                        "several decks",
                    )
                ],
            )
    # Deck building makes millions of small objects and no cycles; the cyclic collector
    # would walk them all again and again for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_text(text, path)
    finally:
        if collecting:
            gc.enable()


def _load_text(text: str, path: Path) -> LoadResult:
    text, warnings = strip_raw_controls(text, path)
    node, problems, depth_checked = compose_unchecked(text, path)
    if problems:
        return LoadResult(None, warnings + problems)
    if node is None:
        return LoadResult(
            None,
            warnings
            + [
                error(
                    path,
                    1,
                    1,
                    "empty-file",
                    "the file holds no deck; start it with format: 1, id, title and cards "
                    "(see docs/deck-format.md)",
                )
            ],
        )
    builder = _DeckBuilder(path, text, check_depth=not depth_checked)
    try:
        deck = builder.build(node)
    except _MaybeTooDeep:
        too_deep = too_deep_diagnostic(text, path)
        if too_deep is not None:
            return LoadResult(None, warnings + [too_deep])
        builder = _DeckBuilder(path, text, check_depth=False)
        deck = builder.build(node)
    builder.diagnostics[:0] = warnings
    # Deck order reads best; the sort is stable, so one place keeps its discovery order.
    builder.diagnostics.sort(key=_position)
    return LoadResult(deck, builder.diagnostics, builder.partial)


def _position(diagnostic: Diagnostic) -> tuple[int, int]:
    return diagnostic.line, diagnostic.column


# ---------------------------------------------------------------------------------------
# Finding deck files


# ---------------------------------------------------------------------------------------
# From nodes to a deck

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_SCALAR_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP})

_TRUE_WORDS = frozenset({"true", "True", "TRUE"})
_FALSE_WORDS = frozenset({"false", "False", "FALSE"})
# Booleans in the YAML 1.1 spec that YAML 1.2 reads as text (PyYAML reads y/n as text).
_YAML11_ONLY_BOOLEANS = frozenset(
    {
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
    }
)
_NUMBER_START = frozenset("0123456789+-.")
# Numbers to a YAML 1.2 (core schema) reader that YAML 1.1 reads as text, e.g. 1e3, 0o17.
_YAML12_NUMBER = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)([smhd])")
_DURATION_MINUTES = {"s": 1 / 60, "m": 1.0, "h": 60.0, "d": 1440.0}
_CLOZE_KEY = re.compile(r"c([1-9][0-9]*)")
_CLOZE_HEAD = re.compile(r"c([0-9]+)::")

_KIND_OF_TAG = {
    _BOOL: "the boolean {value}",
    _NULL: "null (no value)",
    _INT: "the number {value}",
    _FLOAT: "the number {value}",
    _TIMESTAMP: "a date",
}

_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()

_BAD: Any = object()  # returned by field readers after reporting a problem

DECK_FIELDS = ("format", "id", "title", "description", "sources", "scheduling", "cards")
SCHEDULING_FIELDS = (
    "desired_retention",
    "learning_steps",
    "relearning_steps",
    "maximum_interval",
    "enable_fuzzing",
    "new_per_day",
    "reviews_per_day",
)
MATCH_FIELDS = (
    "case_sensitive",
    "accent_sensitive",
    "ignore_punctuation",
    "numeric_tolerance",
    "max_typos",
    "ignore_articles",
    "ignore_approximations",
    "number_words",
    "number_units",
    "qualifiers",
)
COMMON_CARD_FIELDS = ("id", "type", "tags", "source", "explanation")
CARD_FIELDS: dict[CardType, tuple[str, ...]] = {
    CardType.BASIC: ("front", "back", "reverse"),
    CardType.CLOZE: ("text", "alternatives", "tests", "match"),
    CardType.TYPED: ("question", "answer", "alternatives", "wrong", "match", "tests"),
    CardType.CHOICE: ("question", "answer", "options"),
    CardType.MULTI: ("question", "answers", "options"),
    CardType.ORDER: ("question", "items"),
    CardType.TRUEFALSE: ("statement", "answer"),
}
REQUIRED_CARD_FIELDS: dict[CardType, tuple[str, ...]] = {
    CardType.BASIC: ("front", "back"),
    CardType.CLOZE: ("text",),
    CardType.TYPED: ("question", "answer"),
    CardType.CHOICE: ("question", "answer", "options"),
    CardType.MULTI: ("question", "answers", "options"),
    CardType.ORDER: ("question", "items"),
    CardType.TRUEFALSE: ("statement", "answer"),
}
_ALL_CARD_FIELDS = sorted(set(COMMON_CARD_FIELDS).union(*CARD_FIELDS.values()))


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _kind(node: Node) -> str:
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    if node.tag == _STR:
        return "text"
    if node.tag == _NULL:
        return "nothing (null)"
    if node.tag == _BOOL:
        return "a boolean"
    if node.tag == _TIMESTAMP:
        return "a date"
    return "a number"


class _MaybeTooDeep(Exception):
    """Raised by a builder checking depth when a subtree may nest deeper than MAX_DEPTH."""


#: Depth of the deepest node the builder reads by its known shape (a cloze card's
#: tests.c1.accept item: deck, cards, card, tests, c1, accept, item); anything deeper is
#: only ever reached by :meth:`_DeckBuilder.scan`.
_DEEPEST_READ = 7
# An anchor (&name) starts a token: at the start of the text, after white space, or
# after a flow indicator or a JSON-like key's colon. Without one there are no aliases.
_ANCHOR = re.compile(r"(?:^|(?<=[\s\[{,:]))&")


class _DeckBuilder:
    """Walks one document's node tree, building model objects and collecting diagnostics.

    Readers return :data:`_BAD` after reporting a problem instead of raising, so one bad
    value never hides the next.

    With ``check_depth`` (the composer left the depth unchecked), raises
    :class:`_MaybeTooDeep` when some subtree may nest deeper than ``MAX_DEPTH``.
    """

    def __init__(self, path: Path, text: str | None = None, *, check_depth: bool = False) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        # Composed aliases are the same node object reached twice: that is how they show.
        self.seen: set[int] = set()
        self.alias_reported: set[int] = set()
        self.card_id: str | None = None
        self.errors = 0
        #: The stand-in deck of a deck whose header failed (see LoadResult.partial).
        self.partial: Deck | None = None
        #: The composed text, to place cloze errors at their exact column.
        self.text_source = text
        self.check_depth = check_depth
        #: Whether cards may be read by :func:`_read_valid_card`: only when the text has
        #: no anchor, so no node can be reached twice (an alias), which it does not track.
        self.fast_cards = (
            FAST_CARDS and text is not None and ("&" not in text or _ANCHOR.search(text) is None)
        )

    # -- reporting ------------------------------------------------------------------

    def at(self, node: Node) -> Location:
        mark = node.start_mark
        return Location(self.path, mark.line + 1, mark.column + 1)

    def fail(self, node: Node, code: str, message: str) -> Any:
        mark = node.start_mark
        self.diagnostics.append(
            error(self.path, mark.line + 1, mark.column + 1, code, message, self.card_id)
        )
        self.errors += 1
        return _BAD

    def warn(self, node: Node, code: str, message: str) -> None:
        mark = node.start_mark
        self.diagnostics.append(
            warning(self.path, mark.line + 1, mark.column + 1, code, message, self.card_id)
        )

    # -- generic checks --------------------------------------------------------------

    def visit(self, node: Node, owner: Node | None = None) -> bool:
        """Record ``node`` as used; False (after reporting) for a reused or foreign node."""
        key = id(node)
        if key in self.seen:
            where = owner if owner is not None else node
            # One report per place: a list of nine aliases is one problem, not nine.
            if id(where) not in self.alias_reported:
                self.alias_reported.add(id(where))
                self.fail(
                    where,
                    "alias",
                    "this value reuses another through an anchor (&) and alias (*); "
                    "decks do not support them: write the value out in each place",
                )
            else:
                self.errors += 1
            return False
        self.seen.add(key)
        tag = node.tag
        if isinstance(node, ScalarNode):
            if tag in _SCALAR_TAGS:
                return True
        elif tag == (_SEQ if isinstance(node, SequenceNode) else _MAP):
            return True
        self.fail(
            node,
            "unsafe-tag",
            f"the tag {tag.replace('tag:yaml.org,2002:', '!!')!r} is not allowed in "
            "decks; remove it (decks hold plain text, numbers, lists and mappings)",
        )
        return False

    def scan(self, node: Node) -> None:
        """Check a subtree that is not otherwise read (unknown or mistyped fields) for
        aliases and foreign tags."""
        # Scanned nodes sit at most _DEEPEST_READ + 1 levels down (children of a value
        # read by its shape), so a subtree this much shallower needs no exact measure.
        limit = MAX_DEPTH - _DEEPEST_READ if self.check_depth else -1
        stack: list[tuple[Node, Node | None, int]] = [(node, None, 0)]
        while stack:
            current, owner, level = stack.pop()
            if not self.visit(current, owner):
                continue
            if level == limit and not isinstance(current, ScalarNode):
                raise _MaybeTooDeep
            if isinstance(current, SequenceNode):
                stack.extend((child, current, level + 1) for child in reversed(current.value))
            elif isinstance(current, MappingNode):
                for key, value in reversed(current.value):
                    stack.append((value, key, level + 1))
                    stack.append((key, current, level + 1))

    def mapping(
        self,
        node: Node,
        what: str,
        allowed: Iterable[str],
        owner: Node | None = None,
        unknown: Callable[[Node, str], None] | None = None,
    ) -> dict[str, tuple[Node, Node]] | None:
        """The entries of a mapping by key, after checking keys: duplicates and fields
        not in ``allowed`` are reported (and their values scanned), then dropped."""
        if not self.visit(node, owner):
            return None
        if not isinstance(node, MappingNode):
            self.scan_children(node)
            self.fail(
                node,
                "wrong-type",
                f"{what} must be a mapping of 'key: value' lines, not {_kind(node)}",
            )
            return None
        entries: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            if not self.visit(key, node):
                self.scan(value)
                continue
            if not isinstance(key, ScalarNode):
                self.fail(
                    key, "wrong-type", f"keys of {what} must be plain names, not {_kind(key)}"
                )
                self.scan_children(key)
                self.scan(value)
                continue
            name = key.value
            if name in entries:
                first = entries[name][0].start_mark.line + 1
                self.fail(
                    key,
                    "duplicate-key",
                    f"{name!r} appears twice in {what} (first on line {first}); "
                    "YAML would silently keep only the last one: remove one",
                )
                self.scan(value)
                continue
            if name not in allowed:
                if unknown is not None:
                    unknown(key, name)
                else:
                    self.unknown_field(key, name, what, allowed)
                self.scan(value)
                entries[name] = (key, _DROPPED)
                continue
            entries[name] = (key, value)
        return {name: pair for name, pair in entries.items() if pair[1] is not _DROPPED}

    def unknown_field(self, key: Node, name: str, what: str, allowed: Iterable[str]) -> None:
        self.fail(
            key,
            "unknown-field",
            f"{what} has no field {name!r}{_did_you_mean(name, allowed)}: fix its "
            f"name or remove it (allowed: {', '.join(allowed)})",
        )

    def scan_children(self, node: Node) -> None:
        if isinstance(node, SequenceNode):
            for child in node.value:
                self.scan(child)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                self.scan(key)
                self.scan(value)

    # -- scalars --------------------------------------------------------------------

    def text(
        self, node: Node, name: str, *, required: bool = True, owner: Node | None = None
    ) -> Any:
        """A text value; YAML 1.1 surprises (no, 12:30, 1e3, ~) must be quoted."""
        if not self.visit(node, owner):
            return _BAD
        if not isinstance(node, ScalarNode):
            self.scan_children(node)
            return self.fail(node, "wrong-type", f"{name} must be text, not {_kind(node)}")
        value: str = node.value
        if node.tag != _STR:
            return self.quote_this(node, name, value)
        if (
            not node.style
            and value
            and value[0] in _NUMBER_START
            and _YAML12_NUMBER.fullmatch(value)
            and _resolver.resolve(ScalarNode, value, (True, False)) == _STR
        ):
            return self.fail(
                node,
                "quote-this",
                f"{value!r} is read as a number by YAML 1.2 editors; quote it: "
                f"{self.example(name, value)}",
            )
        if not node.style and value in _YAML11_ONLY_BOOLEANS:
            return self.fail(
                node,
                "quote-this",
                f"{value!r} is read as a boolean by YAML 1.1 tools; quote it: "
                f"{self.example(name, value)}",
            )
        if not value.isprintable():
            value, changed = sanitize(value)
            if changed:
                self.warn(
                    node,
                    "control-characters",
                    f"{name} held control characters, invisible characters (such as "
                    "zero-width spaces) or terminal escape sequences; they were "
                    "removed: delete them from the file",
                )
        if required and not value.strip():
            return self.fail(
                node, "invalid-value", f"{name} is empty; write its text or remove the field"
            )
        return value

    def example(self, name: str, value: str) -> str:
        quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"- {quoted}" if name.endswith("]") else f"{name}: {quoted}"

    def quote_this(self, node: ScalarNode, name: str, value: str) -> Any:
        if node.tag == _NULL and value == "":
            return self.fail(
                node,
                "invalid-value",
                f"{name} has no value; write it after the colon, or remove the field",
            )
        kind = _KIND_OF_TAG[node.tag]
        if node.tag == _BOOL:
            kind = kind.format(value=str(value.lower() in ("yes", "true", "on")).lower())
        elif node.tag in (_INT, _FLOAT):
            shown = _construct(node)
            if shown is None:
                return self.fail(
                    node,
                    "wrong-type",
                    f"{value!r} is tagged as a number but is not one; remove the tag",
                )
            if isinstance(shown, int) and ":" in value:
                kind = f"the number {shown} (base 60)"
            else:
                kind = kind.format(value=shown)
        return self.fail(
            node,
            "quote-this",
            f"{value!r} is read as {kind} by YAML 1.1; quote it: {self.example(name, value)}",
        )

    def boolean(self, node: Node, name: str, owner: Node | None = None) -> Any:
        """Only true/false in the spellings YAML 1.1 and 1.2 agree on."""
        if not self.visit(node, owner):
            return _BAD
        if isinstance(node, ScalarNode) and node.tag == _BOOL:
            value = node.value
            if value in _TRUE_WORDS:
                return True
            if value in _FALSE_WORDS:
                return False
            return self.fail(
                node,
                "quote-this",
                f"{value!r} is a boolean only in YAML 1.1 (other tools read it "
                f"as text); write true or false: {name}: "
                f"{'true' if value.lower() in ('yes', 'on') else 'false'}",
            )
        self.scan_children(node)
        if (
            isinstance(node, ScalarNode)
            and node.tag == _STR
            and not node.style
            and node.value in _YAML11_ONLY_BOOLEANS
        ):  # y, n: YAML 1.1 booleans PyYAML misses
            value = node.value
            return self.fail(
                node,
                "quote-this",
                f"{value!r} is a boolean only in YAML 1.1 (other tools read it "
                f"as text); write true or false: {name}: "
                f"{'true' if value.lower() == 'y' else 'false'}",
            )
        if (
            isinstance(node, ScalarNode)
            and node.tag == _STR
            and node.value in _YAML11_ONLY_BOOLEANS | _TRUE_WORDS | _FALSE_WORDS
        ):
            return self.fail(
                node,
                "wrong-type",
                f"{name} must be true or false, written without quotes (found {node.value!r})",
            )
        return self.fail(node, "wrong-type", f"{name} must be true or false, not {_kind(node)}")

    def number(
        self,
        node: Node,
        name: str,
        *,
        integer: bool,
        minimum: float | None = None,
        exclusive: bool = False,
        maximum: float | None = None,
        owner: Node | None = None,
    ) -> Any:
        """A finite number (an integer when ``integer``) within the given bounds, both
        excluded when ``exclusive``."""
        if not self.visit(node, owner):
            return _BAD
        allowed = (_INT,) if integer else (_INT, _FLOAT)
        if not isinstance(node, ScalarNode) or node.tag not in allowed:
            self.scan_children(node)
            wanted = "a whole number" if integer else "a number"
            return self.fail(node, "wrong-type", f"{name} must be {wanted}, not {_kind(node)}")
        value = _construct(node)
        if value is None:
            return self.fail(
                node,
                "wrong-type",
                f"{name} is tagged as a number but {node.value!r} is not one; remove the tag",
            )
        if not integer:
            value = float(value)
            if not math.isfinite(value):
                return self.fail(node, "invalid-value", f"{name} must be a finite number")
        if (minimum is not None and (value <= minimum if exclusive else value < minimum)) or (
            maximum is not None and (value >= maximum if exclusive else value > maximum)
        ):
            return self.fail(
                node,
                "invalid-value",
                f"{name} is {node.value}; it must be {_range_text(minimum, exclusive, maximum)}",
            )
        return value

    def identifier(self, node: Node, name: str) -> Any:
        value = self.text(node, name)
        if value is _BAD:
            return _BAD
        if not _ID.fullmatch(value):
            return self.fail(
                node,
                "invalid-value",
                f"{name} {value!r} is not a valid id: use lowercase letters, "
                "digits, '-' and '_', starting with a letter or digit",
            )
        return value

    def text_list(
        self,
        node: Node,
        name: str,
        card: dict[str, Location] | None,
        *,
        non_empty: bool = False,
        owner: Node | None = None,
    ) -> Any:
        """A list of texts; item locations go to ``card`` as ``name[i]``."""
        if not self.visit(node, owner):
            return _BAD
        if not isinstance(node, SequenceNode):
            self.scan_children(node)
            hint = (
                f" (write {name}: [{node.value}])"
                if isinstance(node, ScalarNode) and node.tag == _STR
                else ""
            )
            return self.fail(node, "wrong-type", f"{name} must be a list, not {_kind(node)}{hint}")
        if non_empty and not node.value:
            return self.fail(node, "invalid-value", f"{name} must list at least one item")
        items: list[str] = []
        bad = False
        path = self.path
        for index, item in enumerate(node.value):
            label = f"{name}[{index}]"
            value = self.text(item, label, owner=node)
            if value is _BAD:
                bad = True
                continue
            items.append(value)
            if card is not None:
                mark = item.start_mark
                card[label] = Location(path, mark.line + 1, mark.column + 1)
        return _BAD if bad else tuple(items)

    # -- deck -----------------------------------------------------------------------

    def build(self, root: Node) -> Deck | None:
        if isinstance(root, ScalarNode) or isinstance(root, SequenceNode):
            if self.visit(root):
                self.scan_children(root)
                self.fail(
                    root,
                    "not-a-mapping",
                    f"the top level of a deck must be a mapping, not {_kind(root)}: "
                    "start the file with format: 1, id, title and cards "
                    "(see docs/deck-format.md)",
                )
            return None
        errors_before = self.errors
        fields = self.mapping(root, "the deck", DECK_FIELDS)
        if fields is None:
            return None
        values: dict[str, Any] = {}
        for name in ("format", "id", "title", "cards"):
            if name not in fields:
                self.fail(
                    root,
                    "missing-field",
                    f"the deck has no {name!r} field; add it (see docs/deck-format.md)",
                )
        if "format" in fields:
            format_node = fields["format"][1]
            version = self.number(format_node, "format", integer=True)
            if version is not _BAD and version > FORMAT_VERSION:
                # A newer format may mean anything: its cards would only produce noise.
                self.fail(
                    format_node,
                    "unsupported-format",
                    f"this deck is in format {version}, newer than this trainer reads "
                    f"({FORMAT_VERSION}); upgrade the trainer",
                )
                if self.check_depth:
                    _check_height(root)  # the rest is not read, but must not be too deep
                return None
            if version is not _BAD and version != FORMAT_VERSION:
                self.fail(format_node, "invalid-value", f"format must be {FORMAT_VERSION}")
        if "id" in fields:
            values["id"] = self.identifier(fields["id"][1], "id")
        if "title" in fields:
            values["title"] = self.text(fields["title"][1], "title")
        if "description" in fields:
            values["description"] = self.text(
                fields["description"][1], "description", required=False
            )
        if "sources" in fields:
            values["sources"] = self.sources(fields["sources"][1])
        if "scheduling" in fields:
            values["scheduling"] = self.scheduling(fields["scheduling"][1])
        cards_node = fields["cards"][1] if "cards" in fields else None
        if cards_node is not None and self.visit(cards_node):
            if not isinstance(cards_node, SequenceNode):
                self.scan_children(cards_node)
                self.fail(
                    cards_node,
                    "wrong-type",
                    f"cards must be a list of cards ('- id: ...'), not {_kind(cards_node)}",
                )
            elif not cards_node.value:
                self.fail(cards_node, "invalid-value", "cards is empty; add at least one card")
        header_failed = self.errors > errors_before
        cards: list[Card] = []
        if isinstance(cards_node, SequenceNode):
            cards = self.cards(cards_node)
        if header_failed:
            if cards:
                self.partial = self.stand_in(values, cards, root)
            return None
        return Deck(cards=cards, path=self.path, location=self.at(root), **values)

    def stand_in(self, values: dict[str, Any], cards: list[Card], root: Node) -> Deck:
        """A deck for checking the ``cards`` of a deck whose header failed: the header
        values that loaded, and, when ``sources`` did not, every file the cards cite
        declared (so no source finding repeats the header's error)."""
        good = {name: value for name, value in values.items() if value is not _BAD}
        if "sources" in values and values["sources"] is _BAD:
            cited = dict.fromkeys(name for card in cards for name in card.sources)
            good["sources"] = tuple(Source(name, name, self.at(root)) for name in cited)
        good.setdefault("id", self.path.stem)
        good.setdefault("title", self.path.stem)
        return Deck(cards=cards, path=self.path, location=self.at(root), **good)

    def sources(self, node: Node) -> Any:
        if not self.visit(node):
            return _BAD
        if not isinstance(node, SequenceNode):
            self.scan_children(node)
            return self.fail(
                node,
                "wrong-type",
                f"sources must be a list of '- file: ... title: ...' entries, not {_kind(node)}",
            )
        result: list[Source] = []
        bad = False
        for item in node.value:
            entry = self.mapping(item, "a source", ("file", "title"), owner=node)
            if entry is None:
                bad = True
                continue
            values = {}
            for name in ("file", "title"):
                if name not in entry:
                    self.fail(item, "missing-field", f"this source has no {name!r}; add it")
                    bad = True
                    continue
                values[name] = self.text(entry[name][1], name)
            if any(value is _BAD for value in values.values()) or len(values) < 2:
                bad = True
                continue
            result.append(Source(values["file"], values["title"], self.at(item)))
        return _BAD if bad else tuple(result)

    def scheduling(self, node: Node) -> Any:
        entry = self.mapping(node, "scheduling", SCHEDULING_FIELDS)
        if entry is None:
            return _BAD
        values: dict[str, Any] = {}
        for name, (_, value) in entry.items():
            if name == "desired_retention":
                values[name] = self.number(
                    value, name, integer=False, minimum=0, exclusive=True, maximum=1
                )
            elif name in ("learning_steps", "relearning_steps"):
                values[name] = self.durations(value, name)
            elif name == "maximum_interval":
                values[name] = self.number(
                    value, name, integer=True, minimum=1, maximum=MAX_INTERVAL_DAYS
                )
            elif name == "enable_fuzzing":
                values[name] = self.boolean(value, name)
            else:
                values[name] = self.number(value, name, integer=True, minimum=0)
        if any(value is _BAD for value in values.values()):
            return _BAD
        return SchedulingSettings(**values)

    def durations(self, node: Node, name: str) -> Any:
        if not self.visit(node):
            return _BAD
        if not isinstance(node, SequenceNode):
            self.scan_children(node)
            return self.fail(
                node,
                "wrong-type",
                f"{name} must be a list of durations such as [1m, 10m], not {_kind(node)}",
            )
        minutes: list[float] = []
        bad = False
        for item in node.value:
            if not self.visit(item, node):
                bad = True
                continue
            matched = (
                _DURATION.fullmatch(item.value)
                if isinstance(item, ScalarNode) and item.tag == _STR
                else None
            )
            if matched is not None:
                amount = float(matched.group(1)) * _DURATION_MINUTES[matched.group(2)]
            if matched is None or not 0 < amount <= MAX_INTERVAL_DAYS * 1440:
                self.scan_children(item)
                shown = item.value if isinstance(item, ScalarNode) else _kind(item)
                self.fail(
                    item,
                    "invalid-value",
                    f"{shown!r} is not a duration; write a positive number and a "
                    'unit (s, m, h or d), e.g. "10m" or "1d", of at most '
                    f"{MAX_INTERVAL_DAYS} days",
                )
                bad = True
                continue
            minutes.append(amount)
        return _BAD if bad else tuple(minutes)

    # -- cards ----------------------------------------------------------------------

    def cards(self, node: SequenceNode) -> list[Card]:
        cards: list[Card] = []
        fast = self.fast_cards
        path = self.path
        for item in node.value:
            if fast:
                card = _read_valid_card(item, path)
                if card is not None:
                    cards.append(card)
                    continue
            self.card_id = None
            before = self.errors
            card = self.card(item, node)
            if card is not None and self.errors == before:
                cards.append(card)
        self.card_id = None
        return cards

    def card(self, node: Node, owner: Node) -> Card | None:
        if not isinstance(node, MappingNode):
            if self.visit(node, owner):
                self.scan_children(node)
                self.fail(
                    node,
                    "wrong-type",
                    f"each card must be a mapping ('- id: ...' then its fields), not {_kind(node)}",
                )
            return None
        errors_before = self.errors
        node = self.split_missing_dash(node)
        # Find id and type first: the id names the card in every later diagnostic and the
        # type decides which fields are allowed.
        pairs = node.value
        card_type: CardType | None = None
        # Only keys that are plain text count: a tagged key ("!!python/object:x id") is
        # refused by self.mapping below, and its value must not slip in from here.
        for key, value in pairs:
            if _is_name(key, "id") and isinstance(value, ScalarNode):
                if value.tag == _STR and _ID.fullmatch(value.value):
                    self.card_id = value.value
                break
        type_node = next((value for key, value in pairs if _is_name(key, "type")), None)
        if type_node is not None and isinstance(type_node, ScalarNode) and type_node.tag == _STR:
            # As self.text reads it: a control character stripped (and warned about) leaves
            # a type that is no longer unknown.
            card_type = _CARD_TYPES.get(sanitize(type_node.value)[0])
        allowed = (
            (COMMON_CARD_FIELDS + CARD_FIELDS[card_type])
            if card_type is not None
            else _ALL_CARD_FIELDS
        )
        what = f"a {card_type} card" if card_type is not None else "a card"
        unknown = (
            partial(self.unknown_card_field, card_type=card_type) if card_type is not None else None
        )
        entries = self.mapping(node, what, allowed, owner, unknown)
        if entries is None:
            return None
        locations: dict[str, Location] = {}
        values: dict[str, Any] = {}
        for name in ("id", "type"):
            if name not in entries and not _key_refused(pairs, name):
                self.fail(
                    node,
                    "missing-field",
                    f"this card has no {name!r}; add it"
                    + ("" if name == "id" else f" (one of {', '.join(t.value for t in CardType)})"),
                )
        if "id" in entries:
            values["id"] = self.identifier(entries["id"][1], "id")
        if "type" in entries:
            type_value = self.text(entries["type"][1], "type")
            if type_value is not _BAD and card_type is None:
                self.fail(
                    entries["type"][1],
                    "invalid-value",
                    f"unknown card type {type_value!r}"
                    f"{_did_you_mean(type_value, _CARD_TYPES)}; use one of "
                    f"{', '.join(t.value for t in CardType)}",
                )
        if card_type is None:
            for name, (_, value) in entries.items():
                if name not in ("id", "type"):
                    self.scan(value)
            return None
        values["type"] = card_type
        for name in REQUIRED_CARD_FIELDS[card_type]:
            if name not in entries and not _key_refused(pairs, name):
                self.fail(node, "missing-field", f"this {card_type} card has no {name!r}; add it")
        path = self.path
        readers = _FIELD_READERS[card_type]
        seen = self.seen
        for name, (key, value) in entries.items():
            if id(value) in seen and name not in ("id", "type"):
                self.visit(value, key)  # reports the alias at the key that uses it
                values[name] = _BAD
                continue
            mark = value.start_mark
            locations[name] = Location(path, mark.line + 1, mark.column + 1)
            readers[name](self, value, values, locations)
        if card_type is CardType.CLOZE:
            self.clozes(values, locations, entries)
        # Any error about this card (a refused key included) leaves it out: a card is
        # built only from fields that were all read cleanly.
        if (
            self.errors > errors_before
            or self.card_id is None
            or any(value is _BAD for value in values.values())
        ):
            return None
        return Card(location=self.at(node), field_locations=locations, **values)

    def split_missing_dash(self, node: MappingNode) -> MappingNode:
        """A card with a second ``id`` key is two cards, the second without its ``- ``:
        one ``missing-dash`` error at that key (not a duplicate-key error per field), and
        the first card alone, as written before it, to read on."""
        ids = [index for index, (key, _) in enumerate(node.value) if _is_name(key, "id")]
        if len(ids) < 2:
            return node
        split = ids[1]
        key = node.value[split][0]
        first = node.value[ids[0]][0]
        indent = " " * max(first.start_mark.column - 2, 0)
        self.fail(
            key,
            "missing-dash",
            f"a second 'id' in one card: a new card starts here without its '- '; "
            f"write it as '{indent}- id: ...' in line with the dashes of the other "
            "cards",
        )
        for key, value in node.value[split:]:
            self.scan(key)
            self.scan(value)
        return MappingNode(
            node.tag, node.value[:split], node.start_mark, node.end_mark, node.flow_style
        )

    def unknown_card_field(self, key: Node, name: str, card_type: CardType) -> None:
        owners = [t.value for t, names in CARD_FIELDS.items() if name in names]
        if owners:
            self.fail(
                key,
                "unknown-field",
                f"{name!r} is not a field of {card_type} cards (it belongs to "
                f"{', '.join(owners)} cards); remove it or change the type",
            )
        else:
            allowed = COMMON_CARD_FIELDS + CARD_FIELDS[card_type]
            self.fail(
                key,
                "unknown-field",
                f"a {card_type} card has no field {name!r}"
                f"{_did_you_mean(name, allowed)}: fix its name or remove it "
                f"(allowed: {', '.join(allowed)})",
            )

    # Field readers: store into ``values`` (Card keyword arguments) and ``locations``.

    def match_policy(self, node: Node) -> Any:
        entry = self.mapping(node, "match", MATCH_FIELDS)
        if entry is None:
            return _BAD
        values: dict[str, Any] = {}
        for name, (_, value) in entry.items():
            if name == "numeric_tolerance":
                values[name] = self.number(value, name, integer=False, minimum=0)
            elif name == "max_typos":
                if (
                    isinstance(value, ScalarNode)
                    and value.tag == _STR
                    and value.value == "auto"
                    and self.visit(value)
                ):
                    values[name] = None
                else:
                    values[name] = self.number(
                        value, "max_typos (a number or auto)", integer=True, minimum=0
                    )
            else:
                values[name] = self.boolean(value, name)
        if any(value is _BAD for value in values.values()):
            return _BAD
        return MatchPolicy(**values)

    def answer_tests(
        self, node: Node, prefix: str, locations: dict[str, Location], owner: Node | None = None
    ) -> Any:
        entry = self.mapping(node, prefix, ("accept", "reject"), owner=owner)
        if entry is None:
            return _BAD
        accept = (
            self.text_list(entry["accept"][1], f"{prefix}.accept", locations)
            if "accept" in entry
            else ()
        )
        reject = (
            self.text_list(entry["reject"][1], f"{prefix}.reject", locations)
            if "reject" in entry
            else ()
        )
        if accept is _BAD or reject is _BAD:
            return _BAD
        return AnswerTests(accept, reject)

    def per_deletion(self, node: Node, name: str) -> dict[int, tuple[Node, Node]] | None:
        """A mapping keyed by deletion (c1, c2, ...), as cloze alternatives and tests."""
        if not self.visit(node):
            return None
        if not isinstance(node, MappingNode):
            self.scan_children(node)
            self.fail(
                node,
                "wrong-type",
                f"{name} of a cloze card must map deletions to values (c1: ...), not {_kind(node)}",
            )
            return None
        result: dict[int, tuple[Node, Node]] = {}
        ok = True
        for key, value in node.value:
            if not self.visit(key, node):
                ok = False
                continue
            matched = _CLOZE_KEY.fullmatch(key.value) if isinstance(key, ScalarNode) else None
            if matched is None:
                self.scan_children(key)
                self.scan(value)
                self.fail(
                    key,
                    "invalid-value",
                    f"keys of {name} name deletions: c1, c2, ...; "
                    f"{getattr(key, 'value', _kind(key))!r} is not one: rename it",
                )
                ok = False
                continue
            number = int(matched.group(1))
            if number in result:
                self.scan(value)
                first = result[number][0].start_mark.line + 1
                self.fail(
                    key,
                    "duplicate-key",
                    f"{key.value!r} appears twice in {name} (first on line {first}); remove one",
                )
                ok = False
                continue
            result[number] = (key, value)
        return result if ok else None

    def clozes(
        self,
        values: dict[str, Any],
        locations: dict[str, Location],
        entries: dict[str, tuple[Node, Node]],
    ) -> None:
        text = values.get("question", _BAD)
        parsed = _parse_cloze(text) if text is not _BAD else None
        if isinstance(parsed, tuple):
            offset, message = parsed
            self.cloze_problem(entries["text"][1], text, offset, message)
        elif isinstance(parsed, dict):
            for offset, message in _cloze_ambiguities(text):
                self.cloze_problem(
                    entries["text"][1], text, offset, message, Severity.WARNING, "cloze-ambiguous"
                )
        if not isinstance(parsed, dict):
            for name in ("alternatives", "tests"):
                if name in entries and values.get(name) is not _BAD:
                    self.scan(entries[name][1])
            values["clozes"] = _BAD
            return
        alternatives: dict[int, tuple[str, ...]] = {}
        tests: dict[int, AnswerTests] = {}
        bad = False
        for field_name, target in (("alternatives", alternatives), ("tests", tests)):
            if field_name not in entries or values.get(field_name) is _BAD:
                continue
            keyed = self.per_deletion(entries[field_name][1], field_name)
            if keyed is None:
                bad = True
                continue
            for number, (key, value) in keyed.items():
                label = f"{field_name}.c{number}"
                mark = value.start_mark
                locations[label] = Location(self.path, mark.line + 1, mark.column + 1)
                if number not in parsed:
                    self.scan(value)
                    existing = ", ".join(f"c{n}" for n in sorted(parsed))
                    self.fail(
                        key,
                        "cloze-syntax",
                        f"{field_name} names deletion c{number}, but the text "
                        f"has only {existing}; fix the number",
                    )
                    bad = True
                    continue
                if field_name == "alternatives":
                    got = self.text_list(value, label, locations, owner=key)
                else:
                    got = self.answer_tests(value, label, locations, owner=key)
                if got is _BAD:
                    bad = True
                else:
                    target[number] = got
        if bad:
            values["clozes"] = _BAD
            return
        values["clozes"] = tuple(
            Cloze(
                number,
                tuple(answers),
                tuple(hints),
                alternatives.get(number, ()),
                tests.get(number, AnswerTests()),
            )
            for number, (answers, hints) in sorted(parsed.items())
        )

    def cloze_problem(
        self,
        node: Node,
        text: str,
        offset: int,
        message: str,
        severity: Severity = Severity.ERROR,
        code: str = "cloze-syntax",
    ) -> None:
        """Report a cloze problem at its exact place in the file, quoting the text there:
        found in the value as written (plain, quoted or a ``|``/``>`` block), else at
        the start of the value."""
        mark = node.start_mark
        line, column = mark.line + 1, mark.column + 1
        # The first word of the text from the problem on, as the file shows it.
        words = text[offset : offset + 40].split()
        snippet = words[0] if words else ""
        source = self.text_source
        if snippet and source is not None:
            span = source[mark.index : node.end_mark.index]
            # The same word may come earlier in the text: take its occurrence in turn.
            turn = text.count(snippet, 0, offset)
            found = -1
            for _ in range(turn + 1):
                found = span.find(snippet, found + 1)
                if found < 0:
                    break
            if found >= 0:
                index = mark.index + found
                line = source.count("\n", 0, index) + 1
                column = index - (source.rfind("\n", 0, index) + 1) + 1
        if code == "cloze-syntax":
            shown = text[offset : offset + 30].split("\n")[0]
            shown += "..." if len(text) > offset + len(shown) else ""
            message = f"{message} (at {shown!r})"
        self.diagnostics.append(
            Diagnostic(self.path, line, column, severity, code, message, self.card_id)
        )
        if severity is Severity.ERROR:
            self.errors += 1


def _is_name(key: Node, name: str) -> bool:
    """Whether ``key`` is the plain (untagged) text ``name``."""
    return isinstance(key, ScalarNode) and key.tag == _STR and key.value == name


def _key_refused(pairs: list[tuple[Node, Node]], name: str) -> bool:
    """Whether ``name`` is written as a key that was refused for its tag (already
    reported as ``unsafe-tag``: a ``missing-field`` error too would point to the wrong
    fix)."""
    return any(
        isinstance(key, ScalarNode) and key.tag != _STR and key.value == name for key, _ in pairs
    )


_DROPPED: Any = object()
_CARD_TYPES = {t.value: t for t in CardType}


def _construct(node: ScalarNode) -> Any:
    """The value of an int/float/bool scalar, by PyYAML's safe constructor; None for a
    scalar tagged as a number that is not one (``!!int abc``)."""
    try:
        if node.tag == _INT:
            return _constructor.construct_yaml_int(node)
        if node.tag == _FLOAT:
            return _constructor.construct_yaml_float(node)
    except (ValueError, IndexError, TypeError):
        return None
    return node.value


def _range_text(minimum: float | None, exclusive: bool, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return (
            f"between {minimum:g} and {maximum:g} (both excluded)"
            if exclusive
            else f"between {minimum:g} and {maximum:g}"
        )
    if minimum is not None:
        return f"greater than {minimum:g}" if exclusive else f"at least {minimum:g}"
    return f"less than {maximum:g}"


_CLOSES_NOTHING = (
    "'}}' closes no deletion; remove it, add the '{{c1::' it closes, or "
    "write it as \\}} if it is text"
)


def _parse_cloze(text: str) -> dict[int, tuple[list[str], list[str | None]]] | tuple[int, str]:
    """Deletions of a cloze text by number, or ``(offset, message)`` for the first problem.
    Escaped characters (``\\:``, ``\\{``, ``\\}``, ``\\\\``) are text (see
    :func:`trainer.model.find_unescaped`)."""
    deletions: dict[int, tuple[list[str], list[str | None]]] = {}
    position = 0
    while True:
        opening = find_unescaped(text, "{{", position)
        closing = find_unescaped(text, "}}", position)
        if opening < 0:
            if closing >= 0:
                return closing, _CLOSES_NOTHING
            break
        if 0 <= closing < opening:
            return closing, _CLOSES_NOTHING
        head = _CLOZE_HEAD.match(text, opening + 2)
        if head is None:
            return opening, (
                "a deletion must start with '{{c' and its number then '::', as in {{c1::answer}}"
            )
        number = int(head.group(1))
        if number == 0:
            return opening, "deletion numbers start at 1: write {{c1::...}}, not {{c0::...}}"
        body_start = head.end()
        end = find_unescaped(text, "}}", body_start)
        nested = find_unescaped(text, "{{", body_start)
        if end < 0:
            return opening, "this deletion is never closed: add '}}' after its answer"
        if 0 <= nested < end:
            return nested, (
                "deletions cannot be nested: close the previous one with '}}' "
                "first, or write braces of the answer as \\{ and \\}"
            )
        answer, hint, _ = split_deletion(text[body_start:end])
        if not answer.strip():
            return opening, "this deletion has no answer: write {{c1::answer}}"
        answers, hints = deletions.setdefault(number, ([], []))
        answers.append(answer)
        hints.append(hint if hint is not None and hint.strip() else None)
        position = end + 2
    if not deletions:
        return 0, (
            "a cloze text needs at least one deletion such as {{c1::answer}}; "
            "or make it a basic card"
        )
    return deletions


_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_CLOSERS = {closer: opener for opener, closer in _PAIRS.items()}
#: A short lowercase word glued to a one-word hint: a namespace more likely than an
#: answer with a hint (std::vector, os::path).
_SCOPE_LIKE = re.compile(r"[a-z_][a-z0-9_]{0,2}")


def _balanced(text: str) -> bool:
    stack: list[str] = []
    for ch in text:
        if ch in _PAIRS:
            stack.append(ch)
        elif ch in _CLOSERS:
            if not stack or stack.pop() != _CLOSERS[ch]:
                return False
    return not stack


def _cloze_ambiguities(text: str) -> list[tuple[int, str]]:
    """``(offset, message)`` for each deletion whose '::' may be meant as part of the
    answer rather than as the start of a hint (``{{c1::xs[::-1]}}``, ``std::vector``)."""
    found = []
    for start, end, number, answer, hint in cloze_deletions(text):
        if hint is None:
            continue
        head = _CLOZE_HEAD.match(text, start + 2)
        assert head is not None
        raw = text[start:end]
        separators = split_deletion(text[head.end() : end - 2])[2]
        if (
            separators > 1
            or not (_balanced(answer) and _balanced(hint))
            or (" " not in hint and _SCOPE_LIKE.fullmatch(answer))
        ):
            escaped = raw.replace("::", "\\::").replace(
                "{{c" + str(number) + "\\::", "{{c" + str(number) + "::", 1
            )
            found.append(
                (
                    start,
                    (
                        f"{raw!r} reads as the answer {answer!r} with the hint {hint!r}; if '::' "
                        f"is part of the answer, escape it: {escaped}; if it starts a hint, put a "
                        "space after it (':: hint')"
                    ),
                )
            )
    return found


# Field readers per card type: name -> function(builder, node, values, locations).
_Reader = Callable[[_DeckBuilder, Node, dict, dict], None]


def _already_read(builder: _DeckBuilder, node: Node, values: dict, locations: dict) -> None:
    pass  # id and type are read before the other fields


def _read_tags(builder: _DeckBuilder, node: Node, values: dict, locations: dict) -> None:
    values["tags"] = builder.text_list(node, "tags", locations)


def _read_source(builder: _DeckBuilder, node: Node, values: dict, locations: dict) -> None:
    locations["sources"] = locations["source"]
    if isinstance(node, ScalarNode):
        value = builder.text(node, "source")
        values["sources"] = _BAD if value is _BAD else (value,)
    else:
        values["sources"] = builder.text_list(node, "source", locations)


def _read_list(name: str) -> _Reader:
    def read(builder: _DeckBuilder, node: Node, values: dict, locations: dict) -> None:
        values[name] = builder.text_list(
            node, name, locations, non_empty=name in ("options", "answers", "items")
        )

    return read


def _read_reverse(builder: _DeckBuilder, node: Node, values: dict, locations: dict) -> None:
    values["reverse"] = builder.boolean(node, "reverse")


def _read_truth(builder: _DeckBuilder, node: Node, values: dict, locations: dict) -> None:
    locations["truth"] = locations["answer"]
    values["truth"] = builder.boolean(node, "answer")


def _read_match(builder: _DeckBuilder, node: Node, values: dict, locations: dict) -> None:
    values["match"] = builder.match_policy(node)


def _read_typed_tests(builder: _DeckBuilder, node: Node, values: dict, locations: dict) -> None:
    values["tests"] = builder.answer_tests(node, "tests", locations)


def _read_cloze_text(builder: _DeckBuilder, node: Node, values: dict, locations: dict) -> None:
    locations["question"] = locations["text"]
    values["question"] = builder.text(node, "text")


def _read_statement(builder: _DeckBuilder, node: Node, values: dict, locations: dict) -> None:
    locations["question"] = locations["statement"]
    values["question"] = builder.text(node, "statement")


def _read_later(builder: _DeckBuilder, node: Node, values: dict, locations: dict) -> None:
    pass  # cloze alternatives and tests need the parsed text: see _DeckBuilder.clozes


def _plain_text(name: str, required: bool = True) -> _Reader:
    def read(builder: _DeckBuilder, node: Node, values: dict, locations: dict) -> None:
        values[name] = builder.text(node, name, required=required)

    return read


_COMMON_READERS: dict[str, _Reader] = {
    "id": _already_read,
    "type": _already_read,
    "tags": _read_tags,
    "source": _read_source,
    "explanation": _plain_text("explanation", required=False),
}
_FIELD_READERS: dict[CardType, dict[str, _Reader]] = {
    CardType.BASIC: {
        "front": _plain_text("front"),
        "back": _plain_text("back"),
        "reverse": _read_reverse,
    },
    CardType.CLOZE: {
        "text": _read_cloze_text,
        "alternatives": _read_later,
        "tests": _read_later,
        "match": _read_match,
    },
    CardType.TYPED: {
        "question": _plain_text("question"),
        "answer": _plain_text("answer"),
        "alternatives": _read_list("alternatives"),
        "wrong": _read_list("wrong"),
        "match": _read_match,
        "tests": _read_typed_tests,
    },
    CardType.CHOICE: {
        "question": _plain_text("question"),
        "answer": _plain_text("answer"),
        "options": _read_list("options"),
    },
    CardType.MULTI: {
        "question": _plain_text("question"),
        "answers": _read_list("answers"),
        "options": _read_list("options"),
    },
    CardType.ORDER: {"question": _plain_text("question"), "items": _read_list("items")},
    CardType.TRUEFALSE: {"statement": _read_statement, "answer": _read_truth},
}
for _readers in _FIELD_READERS.values():
    _readers.update(_COMMON_READERS)


# ---------------------------------------------------------------------------------------
# Valid cards, read in one pass
#
# Nearly every card of a real collection is valid. _read_valid_card reads such a card
# with none of the bookkeeping the reporting readers above need (diagnostics, alias
# tracking, owners for messages) and gives up, returning None, at the first thing that
# is not plainly valid; the card is then read again by _DeckBuilder.card, which reports
# it. So it must accept exactly what _DeckBuilder.card accepts without any diagnostic,
# and build the same Card: tests/test_loader_fast_path.py compares the two on generated
# decks. Only used when the text has no anchor (no node can be reached twice).

#: Read valid cards with _read_valid_card (tests turn it off to compare).
FAST_CARDS = True

_NO_TESTS = AnswerTests()


class _FieldLocations(LazyLocations):
    """``Card.field_locations`` of a card read by :func:`_read_valid_card`: holds the
    composer's marks and turns them into :class:`Location` objects on first use."""

    __slots__ = ("_path",)

    def __init__(self, path: Path, marks: dict[str, Any]) -> None:
        super().__init__(marks)
        self._path = path

    def _fill(self) -> None:
        path = self._path
        for name, mark in dict.items(self):
            dict.__setitem__(self, name, Location(path, mark.line + 1, mark.column + 1))


def _valid_text(node: Node, required: bool = True) -> str | None:
    """The text of ``node`` when :meth:`_DeckBuilder.text` would take it silently."""
    if node.__class__ is not ScalarNode or node.tag != _STR:
        return None
    value: str = node.value
    if (
        not node.style
        and value
        and (
            value in _YAML11_ONLY_BOOLEANS
            or (value[0] in _NUMBER_START and _YAML12_NUMBER.fullmatch(value))
        )
    ):
        return None
    if not value.isprintable():
        value, changed = sanitize(value)  # newlines and tabs stay, unreported
        if changed:
            return None
    if required and not value.strip():
        return None
    return value


_LABELS: dict[str, list[str]] = {}


def _labels(name: str, count: int) -> list[str]:
    """``name[0]``, ``name[1]``, ... (at least ``count``): made once per name."""
    labels = _LABELS.get(name)
    if labels is None or len(labels) < count:
        labels = _LABELS[name] = [f"{name}[{i}]" for i in range(max(count, 8))]
    return labels


def _valid_text_list(
    node: Node, name: str, locations: dict[str, Any], path: Path, non_empty: bool = False
) -> tuple[str, ...] | None:
    if node.__class__ is not SequenceNode or node.tag != _SEQ:
        return None
    items = node.value
    if not items:
        return None if non_empty else ()
    labels = _labels(name, len(items))
    values = []
    for index, item in enumerate(items):
        value = _valid_text(item)
        if value is None:
            return None
        values.append(value)
        locations[labels[index]] = item.start_mark
    return tuple(values)


def _valid_mapping(node: Node, allowed: Iterable[str]) -> dict[str, Node] | None:
    """Values of a mapping by key, when every key is a distinct allowed plain name."""
    if node.__class__ is not MappingNode or node.tag != _MAP:
        return None
    entries: dict[str, Node] = {}
    for key, value in node.value:
        if key.__class__ is not ScalarNode or key.tag != _STR:
            return None
        name = key.value
        if name in entries or name not in allowed:
            return None
        entries[name] = value
    return entries


def _valid_boolean(node: Node) -> bool | None:
    if node.__class__ is ScalarNode and node.tag == _BOOL:
        if node.value in _TRUE_WORDS:
            return True
        if node.value in _FALSE_WORDS:
            return False
    return None


def _valid_match(node: Node) -> MatchPolicy | None:
    entries = _valid_mapping(node, MATCH_FIELDS)
    if entries is None:
        return None
    values: dict[str, Any] = {}
    for name, value in entries.items():
        if name == "max_typos":
            if value.__class__ is ScalarNode and value.tag == _STR and value.value == "auto":
                values[name] = None
                continue
            if value.__class__ is not ScalarNode or value.tag != _INT:
                return None
            number = _construct(value)
            if number is None or number < 0:
                return None
            values[name] = number
        elif name == "numeric_tolerance":
            if value.__class__ is not ScalarNode or value.tag not in (_INT, _FLOAT):
                return None
            constructed = _construct(value)
            if constructed is None:
                return None
            number = float(constructed)
            if not math.isfinite(number) or number < 0:
                return None
            values[name] = number
        else:
            truth = _valid_boolean(value)
            if truth is None:
                return None
            values[name] = truth
    return MatchPolicy(**values)


def _valid_tests(
    node: Node, prefix: str, locations: dict[str, Any], path: Path
) -> AnswerTests | None:
    entries = _valid_mapping(node, ("accept", "reject"))
    if entries is None:
        return None
    accept: tuple[str, ...] | None = ()
    reject: tuple[str, ...] | None = ()
    if "accept" in entries:
        accept = _valid_text_list(entries["accept"], prefix + ".accept", locations, path)
    if "reject" in entries:
        reject = _valid_text_list(entries["reject"], prefix + ".reject", locations, path)
    if accept is None or reject is None:
        return None
    return AnswerTests(accept, reject)


def _valid_per_deletion(node: Node, parsed: dict) -> list[tuple[int, Node]] | None:
    """(number, value) of cloze alternatives or tests, keyed c1, c2, ... in the text."""
    if node.__class__ is not MappingNode or node.tag != _MAP:
        return None
    result: list[tuple[int, Node]] = []
    numbers: set[int] = set()
    for key, value in node.value:
        if key.__class__ is not ScalarNode or key.tag != _STR:
            return None
        matched = _CLOZE_KEY.fullmatch(key.value)
        if matched is None:
            return None
        number = int(matched.group(1))
        if number in numbers or number not in parsed:
            return None
        numbers.add(number)
        result.append((number, value))
    return result


# What each field of a card type is, for _read_valid_card.
(
    _TEXT,
    _OPTIONAL_TEXT,
    _LIST,
    _NON_EMPTY_LIST,
    _SOURCE,
    _BOOLEAN,
    _TRUTH,
    _MATCH,
    _TESTS,
    _QUESTION,
    _LATER,
    _SKIP,
) = range(12)
_FIELD_KINDS: dict[CardType, dict[str, int]] = {
    CardType.BASIC: {"front": _TEXT, "back": _TEXT, "reverse": _BOOLEAN},
    CardType.CLOZE: {"text": _QUESTION, "alternatives": _LATER, "tests": _LATER, "match": _MATCH},
    CardType.TYPED: {
        "question": _TEXT,
        "answer": _TEXT,
        "alternatives": _LIST,
        "wrong": _LIST,
        "match": _MATCH,
        "tests": _TESTS,
    },
    CardType.CHOICE: {"question": _TEXT, "answer": _TEXT, "options": _NON_EMPTY_LIST},
    CardType.MULTI: {"question": _TEXT, "answers": _NON_EMPTY_LIST, "options": _NON_EMPTY_LIST},
    CardType.ORDER: {"question": _TEXT, "items": _NON_EMPTY_LIST},
    CardType.TRUEFALSE: {"statement": _QUESTION, "answer": _TRUTH},
}
for _kinds in _FIELD_KINDS.values():
    _kinds.update(
        {
            "id": _SKIP,
            "type": _SKIP,
            "tags": _LIST,
            "source": _SOURCE,
            "explanation": _OPTIONAL_TEXT,
        }
    )
del _kinds


def _read_valid_card(node: Node, path: Path) -> Card | None:
    """The card ``node`` describes when it is valid as it stands, else None (see above)."""
    if node.__class__ is not MappingNode or node.tag != _MAP:
        return None
    entries: dict[str, Node] = {}
    for key, value in node.value:
        if key.__class__ is not ScalarNode or key.tag != _STR or key.value in entries:
            return None
        entries[key.value] = value
    id_node = entries.get("id")
    type_node = entries.get("type")
    if id_node is None or type_node is None:
        return None
    card_id = _valid_text(id_node)
    type_name = _valid_text(type_node)
    if card_id is None or type_name is None or not _ID.fullmatch(card_id):
        return None
    card_type = _CARD_TYPES.get(type_name)
    if card_type is None:
        return None
    kinds = _FIELD_KINDS[card_type]
    for name in REQUIRED_CARD_FIELDS[card_type]:
        if name not in entries:
            return None
    values: dict[str, Any] = {"id": card_id, "type": card_type}
    locations: dict[str, Any] = {}
    for name, value in entries.items():
        kind = kinds.get(name)
        if kind is None:
            return None
        here = locations[name] = value.start_mark
        if kind == _TEXT or kind == _OPTIONAL_TEXT:
            got: Any = _valid_text(value, kind == _TEXT)
        elif kind == _LIST or kind == _NON_EMPTY_LIST:
            got = _valid_text_list(value, name, locations, path, kind == _NON_EMPTY_LIST)
        elif kind == _SKIP:
            continue
        elif kind == _QUESTION:
            locations["question"] = here
            name = "question"
            got = _valid_text(value)
        elif kind == _SOURCE:
            locations["sources"] = here
            name = "sources"
            if value.__class__ is ScalarNode:
                text = _valid_text(value)
                got = None if text is None else (text,)
            else:
                got = _valid_text_list(value, "source", locations, path)
        elif kind == _BOOLEAN:
            got = _valid_boolean(value)
        elif kind == _TRUTH:
            locations["truth"] = here
            name = "truth"
            got = _valid_boolean(value)
        elif kind == _MATCH:
            got = _valid_match(value)
        elif kind == _TESTS:
            got = _valid_tests(value, "tests", locations, path)
        else:  # _LATER: cloze alternatives and tests, read below with the text parsed
            continue
        if got is None:
            return None
        values[name] = got
    if card_type is CardType.CLOZE:
        clozes = _valid_clozes(values["question"], entries, locations, path)
        if clozes is None:
            return None
        values["clozes"] = clozes
    mark = node.start_mark
    return Card(
        location=Location(path, mark.line + 1, mark.column + 1),
        field_locations=_FieldLocations(path, locations),
        **values,
    )


def _valid_clozes(
    text: str, entries: dict[str, Node], locations: dict[str, Any], path: Path
) -> tuple[Cloze, ...] | None:
    parsed = _parse_cloze(text)
    if not isinstance(parsed, dict) or _cloze_ambiguities(text):
        return None
    alternatives: dict[int, tuple[str, ...]] = {}
    tests: dict[int, AnswerTests] = {}
    per_deletion: tuple[tuple[str, Callable[..., Any], dict[int, Any]], ...] = (
        ("alternatives", _valid_text_list, alternatives),
        ("tests", _valid_tests, tests),
    )
    for name, read, into in per_deletion:
        if name not in entries:
            continue
        keyed = _valid_per_deletion(entries[name], parsed)
        if keyed is None:
            return None
        for number, value in keyed:
            label = f"{name}.c{number}"
            locations[label] = value.start_mark
            got = read(value, label, locations, path)
            if got is None:
                return None
            into[number] = got
    return tuple(
        Cloze(
            number,
            tuple(answers),
            tuple(hints),
            alternatives.get(number, ()),
            tests.get(number, _NO_TESTS),
        )
        for number, (answers, hints) in sorted(parsed.items())
    )


def _check_height(root: Node) -> None:
    """Raise :class:`_MaybeTooDeep` if ``root`` (the document) nests deeper than
    MAX_DEPTH; each node is entered once, as the event parser sees aliases."""
    seen: set[int] = set()
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ScalarNode) or id(node) in seen:
            continue
        if depth > MAX_DEPTH:
            raise _MaybeTooDeep
        seen.add(id(node))
        children = (
            node.value
            if isinstance(node, SequenceNode)
            else [child for pair in node.value for child in pair]
        )
        stack.extend((child, depth + 1) for child in children)
