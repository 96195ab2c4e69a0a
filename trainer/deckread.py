"""The deck reader: from a YAML node tree to a :class:`~trainer.model.Deck` and located
diagnostics, reading each field as :mod:`trainer.deckformat` declares it.

The YAML is composed by :mod:`trainer.yamlread` (safe composer only); this module walks
the node tree itself, so each value keeps its position, and checks the shape and type of
every field as format v1 specifies. Semantic checks across fields (answer among options,
unique ids, ...) belong to :mod:`trainer.validation`.

Cards with errors are left out of the deck and their problems reported, so one run lists
every problem; the deck itself is ``None`` when its header (format, id, title, sources,
scheduling, the cards list) has an error.

Each field is read by its :class:`~trainer.deckformat.Kind`. A card is read in one of two
ways, by the same declaration: first *quietly* (:func:`_quiet_card`), which takes a card
that is valid as it stands and gives up, returning None, at the first thing that is not;
then, only for a card it gave up on, by :meth:`_DeckBuilder.card`, which reports every
problem. Nearly every card of a real collection is valid, and the quiet reading skips
the bookkeeping reports need (alias tracking, owners for messages): loading the 50,000
cards of benchmarks/validate_bench.py takes about 30% less time than by the reporting
reader alone (best of 3 each, interleaved: 13.1 s against 19.4 s on a heavily loaded
2-core machine). It must accept
exactly what the reporting reading accepts without a diagnostic and build the same Card:
tests/test_loader_fast_path.py compares the two on generated decks.

Field positions recorded in :attr:`Card.field_positions` (of the *value*): every key as
written (``front``, ``text``, ``statement``, ``source``, ...), the model name too where it
differs (``question`` for ``text``/``statement``, ``sources`` for ``source``, ``truth`` for
a true/false ``answer``), list items as ``options[0]``, ``answers[1]``, ``items[2]``,
``alternatives[0]``, ``wrong[0]``, ``tags[0]``, ``source[0]``, samples as
``tests.accept[0]`` / ``tests.reject[0]``, and per cloze deletion ``alternatives.c1``,
``alternatives.c1[0]``, ``tests.c1``, ``tests.c1.accept[0]``, ``tests.c1.reject[0]``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from trainer.cloze import ClozeProblem, Deletion, cloze_ambiguities, parse_cloze
from trainer.deckformat import (
    CARD_TYPES,
    DECK_FIELDS,
    MATCH_FIELDS,
    MAX_INTERVAL_DAYS,
    SCHEDULING_FIELDS,
    SOURCE_FIELDS,
    FieldSpec,
    Kind,
    card_fields,
)
from trainer.diagnostics import Diagnostic, Severity
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
)
from trainer.textsafe import sanitize
from trainer.yamlread import (
    BOOL,
    FALSE_WORDS,
    FLOAT,
    INT,
    KIND_OF_TAG,
    MAP,
    MAX_DEPTH,
    NULL,
    NUMBER_START,
    SCALAR_TAGS,
    SEQ,
    STR,
    TRUE_WORDS,
    YAML11_ONLY_BOOLEANS,
    YAML12_NUMBER,
    construct,
    error,
    kind_of,
    too_deep_diagnostic,
    warning,
)

__all__ = ["build_deck"]

#: A field's position in its file: (line, column), both 1-based.
Position = tuple[int, int]

_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)([smhd])")
_DURATION_MINUTES = {"s": 1 / 60, "m": 1.0, "h": 60.0, "d": 1440.0}
_CLOZE_KEY = re.compile(r"c([1-9][0-9]*)")

_resolver = yaml.resolver.Resolver()
_BAD: Any = object()  # returned by field readers after reporting a problem

_CARD_TYPES = {t.value: t for t in CardType}
_ALL_CARD_KEYS = sorted({key for t in CardType for key in card_fields(t)})


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _MaybeTooDeep(Exception):
    """Raised by a builder checking depth when a subtree may nest deeper than MAX_DEPTH."""


#: Depth of the deepest node the builder reads by its known shape (a cloze card's
#: tests.c1.accept item: deck, cards, card, tests, c1, accept, item); anything deeper is
#: only ever reached by :meth:`_DeckBuilder.scan`.
_DEEPEST_READ = 7
# An anchor (&name) starts a token: at the start of the text, after white space, or
# after a flow indicator or a JSON-like key's colon. Without one there are no aliases.
# An anchor is ``&`` and a name (no space or flow indicator): text like "salt & pepper"
# is not one, so a deck that says it can still be read quietly.
_ANCHOR = re.compile(r"(?:^|(?<=[\s\[{,:]))&[^\s,\[\]{}]")


class _DeckBuilder:
    """Walks one document's node tree, building model objects and collecting diagnostics.

    Readers return :data:`_BAD` after reporting a problem instead of raising, so one bad
    value never hides the next.

    With ``check_depth`` (the composer left the depth unchecked), raises
    :class:`_MaybeTooDeep` when some subtree may nest deeper than ``MAX_DEPTH``.
    """

    def __init__(
        self, path: Path, text: str | None = None, *, check_depth: bool = False, quiet: bool = True
    ) -> None:
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
        #: Whether cards are first read by :func:`_quiet_card`: only when the text has
        #: no anchor, so no node can be reached twice (an alias), which it does not track.
        self.quiet = (
            quiet and text is not None and ("&" not in text or _ANCHOR.search(text) is None)
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
            if tag in SCALAR_TAGS:
                return True
        elif tag == (SEQ if isinstance(node, SequenceNode) else MAP):
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
                f"{what} must be a mapping of 'key: value' lines, not {kind_of(node)}",
            )
            return None
        entries: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            if not self.visit(key, node):
                self.scan(value)
                continue
            if not isinstance(key, ScalarNode):
                self.fail(
                    key, "wrong-type", f"keys of {what} must be plain names, not {kind_of(key)}"
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
            return self.fail(node, "wrong-type", f"{name} must be text, not {kind_of(node)}")
        value: str = node.value
        if node.tag != STR:
            return self.quote_this(node, name, value)
        if (
            not node.style
            and value
            and value[0] in NUMBER_START
            and YAML12_NUMBER.fullmatch(value)
            and _resolver.resolve(ScalarNode, value, (True, False)) == STR
        ):
            return self.fail(
                node,
                "quote-this",
                f"{value!r} is read as a number by YAML 1.2 editors; quote it: "
                f"{self.example(name, value)}",
            )
        if not node.style and value in YAML11_ONLY_BOOLEANS:
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
                node, "invalid-value", f"{name} is empty; write its text (it is required)"
            )
        return value

    def example(self, name: str, value: str) -> str:
        quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"- {quoted}" if name.endswith("]") else f"{name}: {quoted}"

    def quote_this(self, node: ScalarNode, name: str, value: str) -> Any:
        if node.tag == NULL and value == "":
            return self.fail(
                node,
                "invalid-value",
                f"{name} has no value; write it after the colon, or remove the field",
            )
        kind = KIND_OF_TAG[node.tag]
        if node.tag == BOOL:
            kind = kind.format(value=str(value.lower() in ("yes", "true", "on")).lower())
        elif node.tag in (INT, FLOAT):
            shown = construct(node)
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
        if isinstance(node, ScalarNode) and node.tag == BOOL:
            value = node.value
            if value in TRUE_WORDS:
                return True
            if value in FALSE_WORDS:
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
            and node.tag == STR
            and not node.style
            and node.value in YAML11_ONLY_BOOLEANS
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
            and node.tag == STR
            and node.value in YAML11_ONLY_BOOLEANS | TRUE_WORDS | FALSE_WORDS
        ):
            return self.fail(
                node,
                "wrong-type",
                f"{name} must be true or false, written without quotes (found {node.value!r})",
            )
        return self.fail(node, "wrong-type", f"{name} must be true or false, not {kind_of(node)}")

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
        allowed = (INT,) if integer else (INT, FLOAT)
        if not isinstance(node, ScalarNode) or node.tag not in allowed:
            self.scan_children(node)
            wanted = "a whole number" if integer else "a number"
            found = kind_of(node)
            if node.tag == FLOAT:  # (kind_of says "a number", which reads as no reason)
                found = f"{node.value} (it has a fraction)"
            return self.fail(node, "wrong-type", f"{name} must be {wanted}, not {found}")
        value = construct(node)
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
        card: dict[str, Position] | None,
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
                if isinstance(node, ScalarNode) and node.tag == STR
                else ""
            )
            return self.fail(
                node, "wrong-type", f"{name} must be a list, not {kind_of(node)}{hint}"
            )
        if non_empty and not node.value:
            return self.fail(node, "invalid-value", f"{name} must list at least one item")
        items: list[str] = []
        bad = False
        for index, item in enumerate(node.value):
            label = f"{name}[{index}]"
            value = self.text(item, label, owner=node)
            if value is _BAD:
                bad = True
                continue
            items.append(value)
            if card is not None:
                mark = item.start_mark
                card[label] = (mark.line + 1, mark.column + 1)
        return _BAD if bad else tuple(items)

    # -- deck -----------------------------------------------------------------------

    def build(self, root: Node) -> Deck | None:
        if isinstance(root, (ScalarNode, SequenceNode)):
            if self.visit(root):
                self.scan_children(root)
                self.fail(
                    root,
                    "not-a-mapping",
                    f"the top level of a deck must be a mapping, not {kind_of(root)}: "
                    "start the file with format: 1, id, title and cards "
                    "(see docs/deck-format.md)",
                )
            return None
        errors_before = self.errors
        fields = self.mapping(root, "the deck", _DECK_KEYS)
        if fields is None:
            return None
        values: dict[str, Any] = {}
        for name in _DECK_REQUIRED:
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
        for spec in DECK_FIELDS:
            if spec.key in fields and spec.kind is not Kind.FORMAT and spec.kind is not Kind.CARDS:
                values[spec.attribute] = self.field_value(spec, fields[spec.key][1], {})
        cards_node = fields["cards"][1] if "cards" in fields else None
        if cards_node is not None and self.visit(cards_node):
            if not isinstance(cards_node, SequenceNode):
                self.scan_children(cards_node)
                self.fail(
                    cards_node,
                    "wrong-type",
                    f"cards must be a list of cards ('- id: ...'), not {kind_of(cards_node)}",
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
                f"sources must be a list of '- file: ... title: ...' entries, not {kind_of(node)}",
            )
        result: list[Source] = []
        bad = False
        for item in node.value:
            entry = self.mapping(item, "a source", _SOURCE_KEYS, owner=node)
            if entry is None:
                bad = True
                continue
            values = {}
            missing = False
            for spec in SOURCE_FIELDS:
                if spec.key in entry:
                    values[spec.attribute] = self.field_value(spec, entry[spec.key][1], {})
                elif spec.required:
                    self.fail(item, "missing-field", f"this source has no {spec.key!r}; add it")
                    missing = True
            if missing or any(value is _BAD for value in values.values()):
                bad = True
                continue
            result.append(Source(location=self.at(item), **values))
        return _BAD if bad else tuple(result)

    def scheduling(self, node: Node) -> Any:
        values = self.settings(node, "scheduling", _SCHEDULING)
        return _BAD if values is _BAD else SchedulingSettings(**values)

    def settings(self, node: Node, what: str, specs: dict[str, FieldSpec]) -> Any:
        """The values of a mapping of settings (``scheduling``, ``match``) by attribute."""
        entry = self.mapping(node, what, specs)
        if entry is None:
            return _BAD
        values = {
            specs[name].attribute: self.setting(value, specs[name])
            for name, (_, value) in entry.items()
        }
        return _BAD if any(value is _BAD for value in values.values()) else values

    def setting(self, node: Node, spec: FieldSpec) -> Any:
        kind, name = spec.kind, spec.key
        if kind is Kind.BOOLEAN:
            return self.boolean(node, name)
        if kind is Kind.DURATIONS:
            return self.durations(node, name)
        if kind is Kind.TYPOS:
            if isinstance(node, ScalarNode) and node.tag == STR and node.value == "auto":
                return None if self.visit(node) else _BAD
            name = f"{name} (a number or auto)"
        return self.number(
            node,
            name,
            integer=kind is not Kind.NUMBER,
            minimum=spec.minimum,
            exclusive=spec.exclusive,
            maximum=spec.maximum,
        )

    def durations(self, node: Node, name: str) -> Any:
        if not self.visit(node):
            return _BAD
        if not isinstance(node, SequenceNode):
            self.scan_children(node)
            return self.fail(
                node,
                "wrong-type",
                f"{name} must be a list of durations such as [1m, 10m], not {kind_of(node)}",
            )
        minutes: list[float] = []
        bad = False
        for item in node.value:
            if not self.visit(item, node):
                bad = True
                continue
            matched = (
                _DURATION.fullmatch(item.value)
                if isinstance(item, ScalarNode) and item.tag == STR
                else None
            )
            if matched is not None:
                amount = float(matched.group(1)) * _DURATION_MINUTES[matched.group(2)]
            if matched is None or not 0 < amount <= MAX_INTERVAL_DAYS * 1440:
                self.scan_children(item)
                shown = item.value if isinstance(item, ScalarNode) else kind_of(item)
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
        quiet = self.quiet
        path = self.path
        for item in node.value:
            if quiet:
                card = _quiet_card(item, path)
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
                    f"each card must be a mapping ('- id: ...' then its fields), not {kind_of(node)}",
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
                if value.tag == STR and _ID.fullmatch(value.value):
                    self.card_id = value.value
                break
        type_node = next((value for key, value in pairs if _is_name(key, "type")), None)
        if type_node is not None and isinstance(type_node, ScalarNode) and type_node.tag == STR:
            # As self.text reads it: a control character stripped (and warned about) leaves
            # a type that is no longer unknown.
            card_type = _CARD_TYPES.get(sanitize(type_node.value)[0])
        allowed = card_fields(card_type) if card_type is not None else _ALL_CARD_KEYS
        what = f"a {card_type} card" if card_type is not None else "a card"
        unknown = (
            partial(self.unknown_card_field, card_type=card_type) if card_type is not None else None
        )
        entries = self.mapping(node, what, allowed, owner, unknown)
        if entries is None:
            return None
        locations: dict[str, Position] = {}
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
        specs = card_fields(card_type)
        for spec in CARD_TYPES[card_type].fields:
            name = spec.key
            if spec.required and name not in entries and not _key_refused(pairs, name):
                self.fail(node, "missing-field", f"this {card_type} card has no {name!r}; add it")
        seen = self.seen
        for name, (key, value) in entries.items():
            spec = specs[name]
            if spec.kind is not Kind.ID and spec.kind is not Kind.TYPE and id(value) in seen:
                self.visit(value, key)  # reports the alias at the key that uses it
                values[spec.attribute] = _BAD
                continue
            mark = value.start_mark
            locations[name] = locations[spec.attribute] = (mark.line + 1, mark.column + 1)
            if spec.kind is Kind.ID or spec.kind is Kind.TYPE:
                continue  # read above
            if spec.kind is Kind.DELETION_LISTS or spec.kind is Kind.DELETION_TESTS:
                continue  # they need the parsed text: see self.clozes
            values[spec.attribute] = self.field_value(spec, value, locations)
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
        return Card(location=self.at(node), field_positions=locations, **values)

    def field_value(self, spec: FieldSpec, node: Node, locations: dict[str, Position]) -> Any:
        """The value of one field of the deck header or of a card, by its kind (but the
        deck's format and cards, a card's id and type, and a cloze card's per-deletion
        fields, which are read where they are). ``locations`` gets the positions of list
        items, by field."""
        kind, name = spec.kind, spec.key
        if kind is Kind.ID:
            return self.identifier(node, name)
        if kind is Kind.SOURCES:
            return self.sources(node)
        if kind is Kind.SCHEDULING:
            return self.scheduling(node)
        if kind is Kind.TEXT or kind is Kind.CLOZE_TEXT:
            return self.text(node, name)
        if kind is Kind.OPTIONAL_TEXT:
            return self.text(node, name, required=False)
        if kind is Kind.TEXT_LIST or kind is Kind.NON_EMPTY_LIST:
            return self.text_list(node, name, locations, non_empty=kind is Kind.NON_EMPTY_LIST)
        if kind is Kind.SOURCE:
            if isinstance(node, ScalarNode):
                value = self.text(node, name)
                return _BAD if value is _BAD else (value,)
            return self.text_list(node, name, locations)
        if kind is Kind.BOOLEAN:
            return self.boolean(node, name)
        if kind is Kind.MATCH:
            return self.match_policy(node)
        if kind is Kind.TESTS:
            return self.answer_tests(node, name, locations)
        raise AssertionError(f"{kind} is read where it is")  # the declaration has no other

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
        owners = [
            t.value for t, spec in CARD_TYPES.items() if any(f.key == name for f in spec.fields)
        ]
        if owners:
            self.fail(
                key,
                "unknown-field",
                f"{name!r} is not a field of {card_type} cards (it belongs to "
                f"{', '.join(owners)} cards); remove it or change the type",
            )
        else:
            allowed = card_fields(card_type)
            self.fail(
                key,
                "unknown-field",
                f"a {card_type} card has no field {name!r}"
                f"{_did_you_mean(name, allowed)}: fix its name or remove it "
                f"(allowed: {', '.join(allowed)})",
            )

    # Values of the compound kinds (match, tests, cloze deletions).

    def match_policy(self, node: Node) -> Any:
        values = self.settings(node, "match", _MATCH)
        return _BAD if values is _BAD else MatchPolicy(**values)

    def answer_tests(
        self, node: Node, prefix: str, locations: dict[str, Position], owner: Node | None = None
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
                f"{name} of a cloze card must map deletions to values (c1: ...), not {kind_of(node)}",
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
                    f"{getattr(key, 'value', kind_of(key))!r} is not one: rename it",
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
        locations: dict[str, Position],
        entries: dict[str, tuple[Node, Node]],
    ) -> None:
        text = values.get("question", _BAD)
        parsed = parse_cloze(text) if text is not _BAD else None
        if isinstance(parsed, ClozeProblem):
            self.cloze_problem(entries["text"][1], text, parsed.offset, parsed.message)
        elif isinstance(parsed, dict):
            for offset, message in cloze_ambiguities(text, parsed):
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
                locations[label] = (mark.line + 1, mark.column + 1)
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
        values["clozes"] = _clozes(parsed, alternatives, tests)

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
    return isinstance(key, ScalarNode) and key.tag == STR and key.value == name


def _key_refused(pairs: list[tuple[Node, Node]], name: str) -> bool:
    """Whether ``name`` is written as a key that was refused for its tag (already
    reported as ``unsafe-tag``: a ``missing-field`` error too would point to the wrong
    fix)."""
    return any(
        isinstance(key, ScalarNode) and key.tag != STR and key.value == name for key, _ in pairs
    )


_DROPPED: Any = object()


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


_DECK_KEYS = {spec.key: spec for spec in DECK_FIELDS}
_DECK_REQUIRED = tuple(spec.key for spec in DECK_FIELDS if spec.required)
_SOURCE_KEYS = tuple(spec.key for spec in SOURCE_FIELDS)
_SCHEDULING = {spec.key: spec for spec in SCHEDULING_FIELDS}
_MATCH = {spec.key: spec for spec in MATCH_FIELDS}
_NO_TESTS = AnswerTests()


def _clozes(
    parsed: dict[int, list[Deletion]],
    alternatives: dict[int, tuple[str, ...]],
    tests: dict[int, AnswerTests],
) -> tuple[Cloze, ...]:
    return tuple(
        Cloze(
            number,
            tuple(d.answer for d in spans),
            tuple(d.hint if d.hint is not None and d.hint.strip() else None for d in spans),
            alternatives.get(number, ()),
            tests.get(number, _NO_TESTS),
        )
        for number, spans in sorted(parsed.items())
    )


# ---------------------------------------------------------------------------------------
# Valid cards, read quietly (see the module's docstring)


def _quiet_text(node: Node, required: bool = True) -> str | None:
    """The text of ``node`` when :meth:`_DeckBuilder.text` would take it silently."""
    if node.__class__ is not ScalarNode or node.tag != STR:
        return None
    value: str = node.value
    if (
        not node.style
        and value
        and (
            value in YAML11_ONLY_BOOLEANS
            or (value[0] in NUMBER_START and YAML12_NUMBER.fullmatch(value))
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


def _quiet_text_list(
    node: Node, name: str, locations: dict[str, Position], non_empty: bool = False
) -> tuple[str, ...] | None:
    if node.__class__ is not SequenceNode or node.tag != SEQ:
        return None
    items = node.value
    if not items:
        return None if non_empty else ()
    labels = _labels(name, len(items))
    values = []
    for index, item in enumerate(items):
        value = _quiet_text(item)
        if value is None:
            return None
        values.append(value)
        mark = item.start_mark
        locations[labels[index]] = (mark.line + 1, mark.column + 1)
    return tuple(values)


def _quiet_mapping(node: Node, allowed: Iterable[str]) -> dict[str, Node] | None:
    """Values of a mapping by key, when every key is a distinct allowed plain name."""
    if node.__class__ is not MappingNode or node.tag != MAP:
        return None
    entries: dict[str, Node] = {}
    for key, value in node.value:
        if key.__class__ is not ScalarNode or key.tag != STR:
            return None
        name = key.value
        if name in entries or name not in allowed:
            return None
        entries[name] = value
    return entries


def _quiet_boolean(node: Node) -> bool | None:
    if node.__class__ is ScalarNode and node.tag == BOOL:
        if node.value in TRUE_WORDS:
            return True
        if node.value in FALSE_WORDS:
            return False
    return None


_NOT_QUIET: Any = object()  # a setting _quiet_setting cannot take silently


def _quiet_setting(node: Node, spec: FieldSpec) -> Any:
    """The value of a ``match`` setting as :meth:`_DeckBuilder.setting` reads it without a
    diagnostic, else :data:`_NOT_QUIET`."""
    kind = spec.kind
    if kind is Kind.BOOLEAN:
        truth = _quiet_boolean(node)
        return _NOT_QUIET if truth is None else truth
    if node.__class__ is not ScalarNode:
        return _NOT_QUIET
    if kind is Kind.TYPOS and node.tag == STR and node.value == "auto":
        return None
    if node.tag != INT and (kind is not Kind.NUMBER or node.tag != FLOAT):
        return _NOT_QUIET
    number = construct(node)
    if number is None:
        return _NOT_QUIET
    if kind is Kind.NUMBER:
        number = float(number)
        if not math.isfinite(number):
            return _NOT_QUIET
    low, high = spec.minimum, spec.maximum
    if (low is not None and (number <= low if spec.exclusive else number < low)) or (
        high is not None and (number >= high if spec.exclusive else number > high)
    ):
        return _NOT_QUIET
    return number


def _quiet_match(node: Node) -> MatchPolicy | None:
    entries = _quiet_mapping(node, _MATCH)
    if entries is None:
        return None
    values = {}
    for name, value in entries.items():
        got = _quiet_setting(value, _MATCH[name])
        if got is _NOT_QUIET:
            return None
        values[_MATCH[name].attribute] = got
    return MatchPolicy(**values)


def _quiet_tests(node: Node, prefix: str, locations: dict[str, Position]) -> AnswerTests | None:
    entries = _quiet_mapping(node, ("accept", "reject"))
    if entries is None:
        return None
    accept: tuple[str, ...] | None = ()
    reject: tuple[str, ...] | None = ()
    if "accept" in entries:
        accept = _quiet_text_list(entries["accept"], prefix + ".accept", locations)
    if "reject" in entries:
        reject = _quiet_text_list(entries["reject"], prefix + ".reject", locations)
    if accept is None or reject is None:
        return None
    return AnswerTests(accept, reject)


def _quiet_per_deletion(node: Node, parsed: dict) -> list[tuple[int, Node]] | None:
    """(number, value) of cloze alternatives or tests, keyed c1, c2, ... in the text."""
    if node.__class__ is not MappingNode or node.tag != MAP:
        return None
    result: list[tuple[int, Node]] = []
    numbers: set[int] = set()
    for key, value in node.value:
        if key.__class__ is not ScalarNode or key.tag != STR:
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


def _quiet_field(spec: FieldSpec, node: Node, locations: dict[str, Position]) -> Any:
    """:meth:`_DeckBuilder.field_value` for a value it takes without a diagnostic, else
    None (no field's value is None)."""
    kind = spec.kind
    if kind is Kind.TEXT or kind is Kind.CLOZE_TEXT:
        return _quiet_text(node)
    if kind is Kind.OPTIONAL_TEXT:
        return _quiet_text(node, False)
    if kind is Kind.TEXT_LIST or kind is Kind.NON_EMPTY_LIST:
        return _quiet_text_list(node, spec.key, locations, kind is Kind.NON_EMPTY_LIST)
    if kind is Kind.SOURCE:
        if node.__class__ is ScalarNode:
            text = _quiet_text(node)
            return None if text is None else (text,)
        return _quiet_text_list(node, spec.key, locations)
    if kind is Kind.BOOLEAN:
        return _quiet_boolean(node)
    if kind is Kind.MATCH:
        return _quiet_match(node)
    if kind is Kind.TESTS:
        return _quiet_tests(node, spec.key, locations)
    return None


def _quiet_card(node: Node, path: Path) -> Card | None:
    """The card ``node`` describes when it is valid as it stands, else None (see the
    module's docstring)."""
    if node.__class__ is not MappingNode or node.tag != MAP:
        return None
    entries: dict[str, Node] = {}
    for key, value in node.value:
        if key.__class__ is not ScalarNode or key.tag != STR or key.value in entries:
            return None
        entries[key.value] = value
    id_node = entries.get("id")
    type_node = entries.get("type")
    if id_node is None or type_node is None:
        return None
    card_id = _quiet_text(id_node)
    type_name = _quiet_text(type_node)
    if card_id is None or type_name is None or not _ID.fullmatch(card_id):
        return None
    card_type = _CARD_TYPES.get(type_name)
    if card_type is None:
        return None
    specs = card_fields(card_type)
    for required in _REQUIRED[card_type]:
        if required.key not in entries:
            return None
    values: dict[str, Any] = {"id": card_id, "type": card_type}
    locations: dict[str, Position] = {}
    for name, value in entries.items():
        spec = specs.get(name)
        if spec is None:
            return None
        kind = spec.kind
        mark = value.start_mark
        locations[name] = locations[spec.attribute] = (mark.line + 1, mark.column + 1)
        if kind is Kind.ID or kind is Kind.TYPE:
            continue
        if kind is Kind.DELETION_LISTS or kind is Kind.DELETION_TESTS:
            continue  # read below, with the text parsed
        got = _quiet_field(spec, value, locations)
        if got is None:
            return None
        values[spec.attribute] = got
    if card_type is CardType.CLOZE:
        clozes = _quiet_clozes(values["question"], entries, locations)
        if clozes is None:
            return None
        values["clozes"] = clozes
    mark = node.start_mark
    return Card(
        location=Location(path, mark.line + 1, mark.column + 1),
        field_positions=locations,
        **values,
    )


_REQUIRED = {
    card_type: tuple(spec for spec in spec.fields if spec.required)
    for card_type, spec in CARD_TYPES.items()
}


def _quiet_clozes(
    text: str, entries: dict[str, Node], locations: dict[str, Position]
) -> tuple[Cloze, ...] | None:
    parsed = parse_cloze(text)
    if not isinstance(parsed, dict) or cloze_ambiguities(text, parsed):
        return None
    # alternatives: tuple[str, ...] and tests: AnswerTests, by deletion number
    per_deletion: dict[str, dict[int, Any]] = {"alternatives": {}, "tests": {}}
    for name, into in per_deletion.items():
        if name not in entries:
            continue
        keyed = _quiet_per_deletion(entries[name], parsed)
        if keyed is None:
            return None
        for number, value in keyed:
            label = f"{name}.c{number}"
            mark = value.start_mark
            locations[label] = (mark.line + 1, mark.column + 1)
            got = (
                _quiet_text_list(value, label, locations)
                if name == "alternatives"
                else _quiet_tests(value, label, locations)
            )
            if got is None:
                return None
            into[number] = got
    return _clozes(parsed, per_deletion["alternatives"], per_deletion["tests"])


# ---------------------------------------------------------------------------------------
# The whole document


def build_deck(
    root: Node, path: Path, text: str, *, check_depth: bool, quiet: bool = True
) -> tuple[Deck | None, list[Diagnostic], Deck | None]:
    """``(deck, diagnostics, partial)`` for the composed document ``root`` of ``text``
    (see :class:`trainer.diagnostics.LoadResult`), diagnostics in the order found.

    ``check_depth``: the composer left the depth unchecked, so a subtree too deep is
    looked for (and reported). ``quiet=False`` reads every card by the reporting reader
    (the tests compare the two readings).
    """
    builder = _DeckBuilder(path, text, check_depth=check_depth, quiet=quiet)
    try:
        deck = builder.build(root)
    except _MaybeTooDeep:
        too_deep = too_deep_diagnostic(text, path)
        if too_deep is not None:
            return None, [too_deep], None
        builder = _DeckBuilder(path, text, check_depth=False, quiet=quiet)
        deck = builder.build(root)
    return deck, builder.diagnostics, builder.partial


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
