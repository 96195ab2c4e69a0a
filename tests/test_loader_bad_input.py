"""Bad deck files: each gets a located diagnostic with a stable code, never a traceback."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from bounded import run_probe

from trainer.diagnostics import Severity
from trainer.loader import MAX_DECK_BYTES, find_deck_files, load_deck, load_deck_text

HEADER = "format: 1\nid: d\ntitle: T\ncards:\n"  # cards start on line 5
PATH = Path("deck.yaml")


def problems(text: str | bytes) -> list[tuple[str, int, int]]:
    result = load_deck_text(text, PATH)
    return [(d.code, d.line, d.column) for d in result.diagnostics]


def only(text: str | bytes):
    """The single diagnostic ``text`` produces."""
    result = load_deck_text(text, PATH)
    assert len(result.diagnostics) == 1, [str(d) for d in result.diagnostics]
    diagnostic = result.diagnostics[0]
    assert diagnostic.path == PATH
    return diagnostic


def says_what_to_do(message: str) -> bool:
    return any(
        word in message
        for word in (
            "add",
            "remove",
            "quote",
            "write",
            "replace",
            "start",
            "use",
            "fix",
            "check",
            "flatten",
        )
    )


def card(body: str) -> str:
    return HEADER + textwrap.indent(textwrap.dedent(body), "  ")


def test_empty_file():
    assert problems("") == [("empty-file", 1, 1)]
    assert problems("# only a comment\n\n") == [("empty-file", 1, 1)]


@pytest.mark.parametrize(
    "text, kind", [("- a\n- b\n", "a list"), ("just text\n", "text"), ("42\n", "a number")]
)
def test_top_level_that_is_not_a_mapping(text: str, kind: str):
    diagnostic = only(text)
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("not-a-mapping", 1, 1)
    assert kind in diagnostic.message
    assert load_deck_text(text, PATH).deck is None


def test_unclosed_quote_points_at_the_opening_quote():
    diagnostic = only('format: 1\nid: d\ntitle: "Ketamine\ncards: []\n')
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("yaml-syntax", 3, 8)
    assert "closing quote" in diagnostic.message


def test_bad_indentation():
    diagnostic = only("format: 1\nid: d\n  title: T\n")
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("yaml-syntax", 3, 8)
    assert "indentation" in diagnostic.message


def test_tab_indentation_gets_its_own_hint():
    diagnostic = only(HEADER + "\t- id: a\n")
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("tab-indentation", 5, 1)
    assert "spaces" in diagnostic.message


def test_duplicate_key_points_at_the_second_and_names_the_first_line():
    text = card("""\
        - id: a
          type: basic
          front: F
          back: B
          front: G
        """)
    diagnostic = only(text)
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("duplicate-key", 9, 5)
    assert "line 7" in diagnostic.message and diagnostic.card_id == "a"


def test_duplicate_deck_key_makes_the_deck_unusable():
    result = load_deck_text(
        "format: 1\nid: d\ntitle: T\nid: e\ncards: [{id: a, type: basic, front: F, back: B}]\n",
        PATH,
    )
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [("duplicate-key", 4, 1)]
    assert result.deck is None


def test_missing_required_field_is_reported_at_the_card():
    diagnostic = only(
        card("""\
        - id: a
          type: choice
          question: Q
          answer: A
        """)
    )
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("missing-field", 5, 5)
    assert "'options'" in diagnostic.message


def test_missing_deck_fields():
    assert problems("format: 1\nid: d\n") == [("missing-field", 1, 1), ("missing-field", 1, 1)]


def test_unknown_field_suggests_the_intended_one():
    result = load_deck_text(
        card("""\
        - id: a
          type: typed
          qestion: Q
          answer: x
        """),
        PATH,
    )
    (unknown,) = [d for d in result.diagnostics if d.code == "unknown-field"]
    assert (unknown.code, unknown.line, unknown.column) == ("unknown-field", 7, 5)
    assert "did you mean 'question'?" in unknown.message
    assert result.deck is not None and result.deck.cards == []


def test_field_of_another_card_type_says_which_type_has_it():
    diagnostic = only(
        card("""\
        - id: a
          type: basic
          front: F
          back: B
          options: [x]
        """)
    )
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("unknown-field", 9, 5)
    assert "choice" in diagnostic.message


def test_unknown_card_type_suggests_the_intended_one():
    diagnostic = only(
        card("""\
        - id: a
          type: trufalse
          statement: S
          answer: true
        """)
    )
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("invalid-value", 6, 11)
    assert "did you mean 'truefalse'?" in diagnostic.message


@pytest.mark.parametrize(
    "value, read_as",
    [
        ("no", "the boolean false"),
        ("Yes", "the boolean true"),
        ("off", "the boolean false"),
        ("1e3", "a number by YAML 1.2"),
        ("0o17", "a number by YAML 1.2"),
        ("12:30", "the number 750 (base 60)"),
        ("24", "the number 24"),
        ("1_000", "the number 1000"),
        (".inf", "the number inf"),
        ("~", "null"),
        ("null", "null"),
        ("2024-01-01", "a date"),
        ("y", "a boolean by YAML 1.1"),
    ],
)
def test_yaml_surprises_in_text_fields_must_be_quoted(value: str, read_as: str):
    diagnostic = only(
        card(f"""\
        - id: a
          type: typed
          question: Q
          answer: {value}
        """)
    )
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("quote-this", 8, 13)
    assert read_as in diagnostic.message
    assert f'answer: "{value}"' in diagnostic.message


def test_yaml_surprise_in_a_list_item_is_located_at_the_item():
    diagnostic = only(
        card("""\
        - id: a
          type: choice
          question: Q
          answer: "yes"
          options: ["yes", no]
        """)
    )
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("quote-this", 9, 22)


@pytest.mark.parametrize("value", ["yes", "no", "on", "off", "Yes", "NO", "y", "N"])
def test_booleans_accept_only_true_and_false(value: str):
    diagnostic = only(
        card(f"""\
        - id: a
          type: truefalse
          statement: S
          answer: {value}
        """)
    )
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("quote-this", 8, 13)
    assert "write true or false" in diagnostic.message


@pytest.mark.parametrize("value", ['"true"', '"y"', "1"])
def test_booleans_refuse_text_and_numbers(value: str):
    diagnostic = only(
        card(f"""\
        - id: a
          type: basic
          front: F
          back: B
          reverse: {value}
        """)
    )
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("wrong-type", 9, 14)
    assert "true or false" in diagnostic.message


def test_wrong_types_are_named():
    result = load_deck_text(
        card("""\
        - id: a
          type: choice
          question: [Q]
          answer: A
          options: A
        """),
        PATH,
    )
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [
        ("wrong-type", 7, 15),
        ("wrong-type", 9, 14),
    ]
    assert "must be text, not a list" in result.diagnostics[0].message
    assert "options: [A]" in result.diagnostics[1].message


@pytest.mark.parametrize(
    "line, message",
    [
        ("  desired_retention: 1.5", "between 0 and 1"),
        ("  desired_retention: .nan", "finite"),
        ("  learning_steps: [10]", "not a duration"),
        ("  learning_steps: [0m]", "not a duration"),
        ("  relearning_steps: [10 minutes]", "not a duration"),
        ("  maximum_interval: 0", "between 1 and 36500"),
        ("  maximum_interval: 99999999999999999999", "between 1 and 36500"),
        ("  learning_steps: [99999999999d]", "at most 36500 days"),
        ("  new_per_day: -1", "at least 0"),
        ("  reviews_per_day: 2.5", "whole number"),
    ],
)
def test_bad_scheduling_values(line: str, message: str):
    text = (
        "format: 1\nid: d\ntitle: T\nscheduling:\n"
        + line
        + "\ncards: [{id: a, type: basic, front: F, back: B}]\n"
    )
    result = load_deck_text(text, PATH)
    assert [(d.code, d.line) for d in result.diagnostics] in (
        [("invalid-value", 5)],
        [("wrong-type", 5)],
    )
    assert message in result.diagnostics[0].message
    assert result.diagnostics[0].column > 3
    assert result.deck is None


@pytest.mark.parametrize("value", ["Bad-Id", "-lead", "has space", "é"])
def test_bad_ids(value: str):
    diagnostic = only(
        card(f"""\
        - id: {value}
          type: basic
          front: F
          back: B
        """)
    )
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("invalid-value", 5, 9)


def test_bad_match_and_tests_values():
    result = load_deck_text(
        card("""\
        - id: a
          type: typed
          question: Q
          answer: A
          match: {max_typos: some, numeric_tolerance: -1, case_sensitive: on}
          tests: {accept: A}
        """),
        PATH,
    )
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [
        ("wrong-type", 9, 24),
        ("invalid-value", 9, 49),
        ("quote-this", 9, 69),
        ("wrong-type", 10, 21),
    ]


@pytest.mark.parametrize(
    "text, column, message",
    [
        # The text starts at column 11; the column is that of the offending braces.
        ("A {{c0::b}} c", 13, "start at 1"),
        ("A {{c1::b c", 13, "never closed"),
        ("A b}} c", 14, "closes no deletion"),
        ("A {{c1::}} c", 13, "no answer"),
        ("A {{c1::x{{c2::y}}}} c", 20, "nested"),
        ("A {{x}} c", 13, "'{{c'"),
        ("No deletion here", 11, "at least one deletion"),
    ],
)
def test_cloze_syntax_errors_are_located_in_the_text(text: str, column: int, message: str):
    diagnostic = only(
        card(f"""\
        - id: a
          type: cloze
          text: {text}
        """)
    )
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("cloze-syntax", 7, column)
    assert message in diagnostic.message


def test_cloze_error_in_a_quoted_text_counts_the_quote():
    diagnostic = only(
        card("""\
        - id: a
          type: cloze
          text: "A {{c1::b c"
        """)
    )
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("cloze-syntax", 7, 14)


@pytest.mark.parametrize(
    "field", ["alternatives:\n      c3: [x]", "tests:\n      c3: {accept: [x]}"]
)
def test_cloze_extras_naming_a_missing_deletion(field: str):
    diagnostic = only(
        card("""\
        - id: a
          type: cloze
          text: A {{c1::b}} {{c2::c}}
          """)
        + "    "
        + field
        + "\n"
    )
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("cloze-syntax", 9, 7)
    assert "c1, c2" in diagnostic.message


def test_cloze_extras_with_a_bad_deletion_key():
    diagnostic = only(
        card("""\
        - id: a
          type: cloze
          text: A {{c1::b}}
          alternatives: {first: [x]}
        """)
    )
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("invalid-value", 8, 20)


ALIAS_BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_alias_bomb_is_refused_cheaply():
    assert len(ALIAS_BOMB) == 342
    result = load_deck_text(ALIAS_BOMB, PATH)
    aliases = [(d.line, d.column) for d in result.diagnostics if d.code == "alias"]
    # One report per list that reuses another, at that list; nothing is expanded.
    assert aliases == [(line, 4) for line in range(2, 10)]
    assert result.deck is None


def test_alias_inside_a_card_is_reported_at_the_field_that_uses_it():
    result = load_deck_text(
        card("""\
        - id: a
          type: basic
          front: &f F
          back: B
        - id: b
          type: basic
          front: *f
          back: B
        """),
        PATH,
    )
    assert [(d.code, d.line, d.column, d.card_id) for d in result.diagnostics] == [
        ("alias", 11, 5, "b")
    ]
    assert [c.id for c in result.deck.cards] == ["a"]


def test_undefined_alias():
    assert problems("format: 1\nid: *nope\n") == [("alias", 2, 5)]


@pytest.mark.parametrize(
    "tag", ["!!python/object/apply:os.system", "!!python/name:os.system", "!custom", "!!binary"]
)
def test_unsafe_and_unknown_tags_are_refused(tag: str):
    diagnostic = only(
        card(f"""\
        - id: a
          type: typed
          question: {tag} ["echo pwned"]
          answer: A
        """)
    )
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("unsafe-tag", 7, 15)


def test_python_tag_anywhere_is_refused_without_running_anything(tmp_path: Path):
    marker = tmp_path / "pwned"
    text = f'!!python/object/apply:os.system ["touch {marker}"]\n'
    assert problems(text) == [("unsafe-tag", 1, 1)]
    text = f'format: 1\nextra: !!python/object/apply:os.system ["touch {marker}"]\n'
    assert ("unsafe-tag", 2, 8) in problems(text)
    assert not marker.exists()


def test_two_documents_point_at_the_second_separator():
    text = (
        card("""\
        - id: a
          type: basic
          front: F
          back: B
        """)
        + "---\nformat: 1\n"
    )
    assert problems(text) == [("multiple-documents", 9, 1)]


def test_a_leading_document_marker_is_fine():
    assert load_deck_text(
        "---\n"
        + card("""\
        - id: a
          type: basic
          front: F
          back: B
        """),
        PATH,
    ).ok


def test_file_over_the_size_limit_is_refused_unread(tmp_path: Path, monkeypatch):
    huge = tmp_path / "huge.yaml"
    with open(huge, "wb") as stream:  # sparse: 50 MB that take no disk space
        stream.truncate(50 * 1024 * 1024)

    def no_reading(*args, **kwargs):
        raise AssertionError("a file over the limit must not be opened")

    import trainer.yamlread as yamlread

    monkeypatch.setattr(yamlread, "open", no_reading, raising=False)
    result = load_deck(huge)
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [("file-too-large", 0, 0)]
    assert "52,428,800 bytes" in result.diagnostics[0].message
    assert result.deck is None


def test_content_over_the_size_limit_is_refused():
    data = b"#" * (MAX_DECK_BYTES + 1)
    assert problems(data) == [("file-too-large", 0, 0)]


def test_bytes_that_are_not_utf8_point_at_the_first_bad_byte():
    data = "format: 1\nid: d\ntitle: Café ".encode() + b"\xe9t\xe9\n"
    diagnostic = only(data)
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("not-utf8", 3, 13)
    assert "e9" in diagnostic.message


def test_latin1_file_is_refused_but_a_byte_order_mark_is_fine():
    body = card("""\
        - id: a
          type: basic
          front: Café
          back: B
        """)
    assert problems(body.encode("latin-1"))[0][0] == "not-utf8"
    result = load_deck_text(b"\xef\xbb\xbf" + body.encode(), PATH)
    assert result.ok and result.deck.cards[0].front == "Café"


@pytest.mark.parametrize(
    "written, expected",
    [
        ('"Title\\e[2J here"', "Title here"),
        ('"A\\x9b2Jb"', "Ab"),
        ('"evil\\u202etxt.exe"', "eviltxt.exe"),
    ],
)
def test_escape_sequences_in_quoted_text_are_stripped_with_a_warning(written: str, expected: str):
    result = load_deck_text(
        card(f"""\
        - id: a
          type: basic
          front: {written}
          back: B
        """),
        PATH,
    )
    assert result.ok
    assert result.deck.cards[0].front == expected
    (diagnostic,) = result.diagnostics
    assert (diagnostic.severity, diagnostic.code, diagnostic.line, diagnostic.column) == (
        Severity.WARNING,
        "control-characters",
        7,
        12,
    )
    assert diagnostic.card_id == "a"


def test_raw_terminal_title_sequence_in_the_file_is_stripped_with_a_warning():
    text = card("""\
        - id: a
          type: basic
          front: Hello\x1b]0;pwned\x07 world
          back: B
        """)
    result = load_deck_text(text.encode(), PATH)
    assert result.ok
    assert result.deck.cards[0].front == "Hello world"
    assert [(d.severity, d.code, d.line, d.column) for d in result.diagnostics] == [
        (Severity.WARNING, "control-characters", 7, 17)
    ]


def test_nesting_deeper_than_the_limit_is_refused():
    nested = "format: 1\nid: d\ntitle: T\nextra: " + "[" * 70 + "]" * 70 + "\n"
    # The deck mapping is the first level, so the 64th bracket is one too many.
    assert problems(nested) == [("too-deep", 4, 8 + 63)]


DEEP_PROBE = """
import json, sys
from pathlib import Path
from trainer.loader import load_deck_text
result = load_deck_text(sys.stdin.read(), Path("deep.yaml"))
print(json.dumps([[d.severity.value, d.line, d.column, d.message] for d in result.diagnostics]))
"""


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        "{a: " * 100_000,
        "- " * 100_000 + "x\n",
        "a:\n" + "".join(" " * i + "- \n" for i in range(1, 2000)),
        "&a [" * 20_000,
    ],
    ids=["flow-brackets", "flow-mappings", "block-dashes", "block-indentation", "anchors"],
)
def test_pathological_nesting_is_refused_without_crashing(text: str):
    # What the author gets, whichever layer refuses the input (our depth guard or the
    # parser's own limit): one located error that says what to do, no crash, bounded memory.
    completed = run_probe(DEEP_PROBE, stdin=text)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "Traceback" not in completed.stderr
    ((severity, line, column, message),) = json.loads(completed.stdout)
    lines = text.splitlines() or [""]
    assert severity == "error"
    assert 1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]) + 1
    assert says_what_to_do(message), message


def test_path_that_does_not_exist(tmp_path: Path):
    missing = tmp_path / "nope.yaml"
    result = load_deck(missing)
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [("path-not-found", 0, 0)]
    files, found = find_deck_files([missing])
    assert files == [] and [(d.path, d.code) for d in found] == [(missing, "path-not-found")]


def test_directory_given_to_load_deck(tmp_path: Path):
    assert [d.code for d in load_deck(tmp_path).diagnostics] == ["path-unreadable"]


def test_directory_with_a_symlink_loop(tmp_path: Path):
    decks = tmp_path / "decks"
    (decks / "sub").mkdir(parents=True)
    (decks / "sub" / "a.yaml").write_text("x")
    os.symlink(decks, decks / "sub" / "back-to-top")
    os.symlink(decks / "self.yaml", decks / "self.yaml")
    files, found = find_deck_files([decks])
    assert files == [decks / "sub" / "a.yaml"]
    assert sorted((d.path, d.code, d.line, d.column) for d in found) == [
        (decks / "self.yaml", "symlink-loop", 0, 0),
        (decks / "sub" / "back-to-top", "symlink-loop", 0, 0),
    ]
    assert [d.code for d in load_deck(decks / "self.yaml").diagnostics] == ["symlink-loop"]


def test_every_diagnostic_says_what_to_do():
    texts = [
        "",
        "- a\n",
        "a: 'x\n",
        HEADER + "\t- x\n",
        ALIAS_BOMB,
        card("- id: A\n  type: basic\n  front: no\n  bak: B\n"),
    ]
    for text in texts:
        for diagnostic in load_deck_text(text, PATH).diagnostics:
            assert diagnostic.severity is Severity.ERROR
            assert diagnostic.line >= 1 and diagnostic.column >= 1
            assert diagnostic.code.islower() and " " not in diagnostic.code
            assert says_what_to_do(diagnostic.message), diagnostic.message


@pytest.mark.parametrize(
    "field, line",
    [
        ("id: !!int abc\ntitle: T\n", 2),
        ("id: d\ntitle: T\nscheduling: {new_per_day: !!int many}\n", 4),
        ("id: d\ntitle: !!float x\n", 3),
    ],
)
def test_a_number_tag_on_text_that_is_no_number_is_one_located_error(field: str, line: int):
    # Found by the bundled-deck mutation test: the constructor's ValueError escaped.
    text = "format: 1\n" + field + "cards:\n  - id: a\n    type: basic\n    front: F\n    back: B\n"
    diagnostic = only(text)
    assert (diagnostic.code, diagnostic.line) == ("wrong-type", line)
    assert "remove the tag" in diagnostic.message
