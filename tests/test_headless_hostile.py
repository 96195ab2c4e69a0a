"""`review --jsonl` fed garbage: every line gets a JSON error line, never a traceback,
and the session goes on; a session that could not save says so in its exit code."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_session_support import basic, clock, config, deck, typed

from trainer.commands.review import ReviewProtocol, serve
from trainer.exitcodes import ExitCode
from trainer.session import Collection

ROOT = Path(__file__).resolve().parent.parent
DECK = (
    "format: 1\nid: geo\ntitle: Geography\ncards:\n"
    "  - id: capital-fr\n    type: typed\n    question: Capital of France?\n    answer: Paris\n"
    "  - id: capital-it\n    type: typed\n    question: Capital of Italy?\n    answer: Rome\n"
)


def protocol(tmp_path: Path, cards) -> ReviewProtocol:
    collection = Collection.from_decks(
        [deck("d", cards)], tmp_path / "p", clock=clock(), config=config(), device="dev"
    )
    return ReviewProtocol(collection.start_session())


def exchange(p: ReviewProtocol, raw: bytes) -> list[dict]:
    out = io.BytesIO()
    serve(p, io.BytesIO(raw), out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def run_review(tmp_path: Path, stdin: bytes, **env: str) -> subprocess.CompletedProcess:
    deck_file = tmp_path / "geo.yaml"
    deck_file.write_text(DECK)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "trainer",
            "review",
            "--jsonl",
            str(deck_file),
            "--progress",
            str(tmp_path / "progress"),
        ],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        env=dict(os.environ, TRAINER_DEVICE="dev", **env),
    )


def test_nan_infinity_and_huge_durations_are_refused_and_grading_still_works(tmp_path: Path):
    p = protocol(tmp_path, [typed("t")])
    lines = [
        b'{"cmd": "answer", "response": "paris", "duration": NaN}',
        b'{"cmd": "answer", "response": "paris", "duration": Infinity}',
        b'{"cmd": "answer", "response": "paris", "duration": -Infinity}',
        b'{"cmd": "answer", "response": "paris", "duration": 1e308}',
        b'{"cmd": "grade"}',
        b'{"cmd": "answer", "response": "paris", "duration": 3}',
        b'{"cmd": "grade"}',
    ]
    responses = exchange(p, b"\n".join(lines) + b"\n")
    codes = [r.get("error", {}).get("code") for r in responses]
    assert codes[:5] == ["bad-json", "bad-json", "bad-json", "bad-request", "answer-first"]
    assert responses[6]["recorded"]["key"] == "d/t"


def test_deep_nesting_is_a_bad_json_line(tmp_path: Path):
    p = protocol(tmp_path, [typed("t")])
    responses = exchange(p, b"[" * 200_000 + b"\n" + b'{"cmd": "next"}\n')
    assert responses[0]["error"]["code"] == "bad-json"
    assert responses[1]["card"]["key"] == "d/t"


def test_a_lone_surrogate_in_an_id_is_echoed_as_json(tmp_path: Path):
    p = protocol(tmp_path, [typed("t")])
    (response,) = exchange(p, b'{"cmd": "next", "id": "\\ud800"}\n')
    assert response["id"] == "\ud800" and response["card"]["key"] == "d/t"


def test_grade_before_any_answer_says_answer_first(tmp_path: Path):
    p = protocol(tmp_path, [basic("a")])
    assert p.handle({"cmd": "grade"})["error"]["code"] == "answer-first"


def test_invalid_utf8_under_a_strict_utf8_locale_is_an_error_line(tmp_path: Path):
    stdin = (
        b'{"cmd": "next", "id": "\xff\xfe"}\n{"cmd": "answer", "response": "Paris"}\n'
        b'{"cmd": "grade"}\n{"cmd": "end"}\n'
    )
    completed = run_review(tmp_path, stdin, LC_ALL="C.UTF-8", PYTHONUTF8="1")
    assert b"Traceback" not in completed.stderr
    responses = [json.loads(line) for line in completed.stdout.splitlines()]
    assert responses[0]["error"]["code"] == "bad-json"
    assert responses[2]["recorded"]["key"] == "geo/capital-fr"
    assert completed.returncode == ExitCode.OK


def test_review_exits_with_the_progress_code_when_an_answer_could_not_be_saved(tmp_path: Path):
    progress = tmp_path / "progress"
    progress.mkdir()
    newer = b'{"format": 9, "device": "dev"}\n'
    (progress / "reviews-dev.jsonl").write_bytes(newer)
    completed = run_review(
        tmp_path, b'{"cmd":"answer","response":"Paris"}\n{"cmd":"grade","grade":3}\n'
    )
    assert json.loads(completed.stdout.splitlines()[1])["error"]["code"] == "progress"
    assert completed.returncode == ExitCode.PROGRESS


def test_a_second_answer_cannot_replace_a_wrong_first_one(tmp_path: Path):
    p = protocol(tmp_path, [typed("t")])
    p.handle({"cmd": "next"})
    assert p.handle({"cmd": "answer", "response": "rome"})["result"]["correct"] is False
    again = p.handle({"cmd": "answer", "response": "paris"})
    assert again["error"]["code"] == "already-answered"
    assert p.handle({"cmd": "grade"})["recorded"]["grade"] == 1  # the wrong answer's Again


def test_a_misspelt_field_is_refused_not_replaced_by_a_default(tmp_path: Path):
    p = protocol(tmp_path, [typed("t")])
    p.handle({"cmd": "next"})
    p.handle({"cmd": "answer", "response": "paris"})
    refused = p.handle({"cmd": "grade", "grdae": 1})
    assert (
        refused["error"]["code"] == "bad-request"
        and "did you mean 'grade'" in (refused["error"]["message"])
    )
    assert p.handle({"cmd": "grade", "grade": 1})["recorded"]["grade"] == 1


def test_options_and_items_that_are_not_the_cards_are_refused(tmp_path: Path):
    from test_session_support import choice

    p = protocol(tmp_path, [choice("c")])
    p.handle({"cmd": "next"})
    for response in ("B", "e"):
        assert p.handle({"cmd": "answer", "response": response})["error"]["code"] == (
            "bad-response"
        )
    assert p.handle({"cmd": "answer", "response": "b"})["result"]["correct"] is True


def test_a_bom_and_numbers_json_cannot_write_back(tmp_path: Path):
    p = protocol(tmp_path, [typed("t")])
    responses = exchange(p, b'\xef\xbb\xbf{"cmd": "next"}\n{"cmd": "next", "id": 1e999}\n')
    assert responses[0]["card"]["key"] == "d/t"
    assert responses[1]["error"]["code"] == "bad-json"


def test_done_says_how_many_tomorrow_and_when_the_next_is_due(tmp_path: Path):
    p = protocol(tmp_path, [typed("t")])
    p.handle({"cmd": "next"})
    p.handle({"cmd": "answer", "response": "paris"})
    p.handle({"cmd": "grade", "grade": 4})  # Easy: out of today's queue
    done = p.handle({"cmd": "next"})
    assert done["done"] is True and done["tomorrow"] >= 0 and done["next_due"] is not None


@pytest.mark.parametrize("command", ["suspend", "bury", "flag"])
def test_suspend_bury_or_flag_of_a_card_answered_in_another_window_records_nothing(
    tmp_path: Path, command: str
):
    cards = [typed("t"), typed("u")]
    first, second = protocol(tmp_path, cards), protocol(tmp_path, cards)
    assert first.handle({"cmd": "next"})["card"]["key"] == "d/t"
    assert second.handle({"cmd": "next"})["card"]["key"] == "d/t"
    first.handle({"cmd": "answer", "response": "paris"})
    first.handle({"cmd": "grade"})
    assert second.handle({"cmd": command})["error"]["code"] == "card-changed"
    assert second.handle({"cmd": "next"})["card"]["key"] == "d/u"
    assert f'"ev": "{command}"' not in (tmp_path / "p" / "reviews-dev.jsonl").read_text()
