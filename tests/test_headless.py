"""Headless use: the ``review --jsonl`` protocol, and the ``due``/``stats``/``orphans`` commands."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from test_session_support import basic, choice, clock, cloze, config, deck, typed

from trainer.clock import FakeClock
from trainer.commands.review import ReviewProtocol, serve
from trainer.exitcodes import ExitCode
from trainer.model import Card, CardType, Location
from trainer.session import Collection
from trainer.stats import compute_stats

ROOT = Path(__file__).resolve().parent.parent


def order_card(card_id: str) -> Card:
    return Card(
        id=card_id,
        type=CardType.ORDER,
        location=Location(Path("d.yaml"), 1, 1),
        question="Sort these",
        items=("one", "two", "three", "four", "five"),
    )


def protocol(tmp_path: Path, cards, fake: FakeClock | None = None) -> ReviewProtocol:
    collection = Collection.from_decks(
        [deck("d", cards)], tmp_path, clock=fake or clock(), config=config(), device="dev-a"
    )
    return ReviewProtocol(collection.start_session())


def test_next_shows_the_card_but_never_its_answer(tmp_path: Path):
    p = protocol(tmp_path, [typed("t", answer="Canberra"), cloze("z")])
    response = p.handle({"cmd": "next", "id": 7})
    assert response["id"] == 7
    card = response["card"]
    assert card["key"] == "d/t" and card["type"] == "typed"
    assert card["prompt"] == "question t?"
    assert "Canberra" not in json.dumps(response)
    assert (card["position"], card["total"]) == (1, 3)


def test_cloze_prompt_hides_the_deletion(tmp_path: Path):
    p = protocol(tmp_path, [cloze("z")])
    card = p.handle({"cmd": "next"})["card"]
    assert card["prompt"] == "[...] x2"
    assert card["blanks"] == 1


def test_answer_then_grade_records_the_review(tmp_path: Path):
    p = protocol(tmp_path, [typed("t", answer="paris"), basic("b")])
    p.handle({"cmd": "next"})
    answered = p.handle({"cmd": "answer", "response": "Paris", "duration": 2})
    assert answered["result"]["correct"] is True
    assert answered["result"]["expected"] == "paris"
    assert answered["suggested"] == 4  # right and fast: easy
    recorded = p.handle({"cmd": "grade", "grade": 3})  # the learner overrides
    assert recorded["recorded"]["key"] == "d/t" and recorded["recorded"]["grade"] == 3
    assert recorded["recorded"]["state"] == "learning"
    log = (tmp_path / "reviews-dev-a.jsonl").read_text().splitlines()
    assert json.loads(log[-1])["grade"] == 3
    # basic: an answer without response reveals the back; grade defaults to the suggestion
    card = p.handle({"cmd": "next"})["card"]
    assert card["key"] == "d/b" and "back b" not in json.dumps(card)
    revealed = p.handle({"cmd": "answer"})
    assert revealed["back"] == "back b" and revealed["result"] is None
    assert p.handle({"cmd": "grade"})["recorded"]["grade"] == 3


def test_options_are_shuffled_deterministically_per_review(tmp_path: Path):
    fake = clock()
    p = protocol(tmp_path, [choice("q"), order_card("o")], fake)
    first = p.handle({"cmd": "next"})["card"]["options"]
    again = p.handle({"cmd": "next"})["card"]["options"]
    assert first == again and sorted(first) == ["a", "b", "c", "d"]
    p.handle({"cmd": "answer", "response": "b"})
    p.handle({"cmd": "grade", "grade": 4})
    items = p.handle({"cmd": "next"})["card"]["items"]
    assert sorted(items) == sorted(["one", "two", "three", "four", "five"])
    orders = set()
    for n in range(12):  # over reviews, the order changes
        from trainer.commands.review import shuffled

        orders.add(tuple(shuffled(("a", "b", "c", "d"), "d/q", n)))
    assert len(orders) > 1


def test_errors_are_json_lines_not_tracebacks(tmp_path: Path):
    p = protocol(tmp_path, [typed("t")])
    assert p.handle({"cmd": "fly"})["error"]["code"] == "unknown-command"
    assert p.handle(["next"])["error"]["code"] == "bad-request"
    assert p.handle({"cmd": "grade", "grade": 3})["error"]["code"] == "answer-first"
    assert p.handle({"cmd": "answer", "response": 42})["error"]["code"] == "bad-response"
    p.handle({"cmd": "answer", "response": "x"})
    assert p.handle({"cmd": "grade", "grade": 9})["error"]["code"] == "bad-grade"
    assert p.handle({"cmd": "undo"})["error"]["code"] == "nothing-to-undo"
    out = io.BytesIO()
    serve(p, io.BytesIO(b'{"cmd": "next"\nnot json\n'), out)
    responses = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["error"]["code"] for r in responses] == ["bad-json", "bad-json"]


def test_undo_suspend_flag_and_end(tmp_path: Path):
    p = protocol(tmp_path, [basic("a"), basic("b"), basic("c")])
    p.handle({"cmd": "next"})
    p.handle({"cmd": "answer"})
    p.handle({"cmd": "grade", "grade": 1})
    assert p.handle({"cmd": "next"})["card"]["key"] == "d/b"
    undone = p.handle({"cmd": "undo"})
    assert undone["undone"] == "d/a" and undone["card"]["key"] == "d/a"
    assert p.handle({"cmd": "flag"}) == {"key": "d/a", "flagged": True}
    assert p.handle({"cmd": "suspend"}) == {"suspended": "d/a"}
    assert p.handle({"cmd": "next"})["card"]["key"] == "d/b"
    p.handle({"cmd": "answer"})
    p.handle({"cmd": "grade", "grade": 4})
    summary = p.handle({"cmd": "end"})["summary"]
    assert summary["studied"] == 1 and summary["missed"] == []
    assert p.ended


def test_bury_skips_the_card_until_the_next_study_day_and_undo_brings_it_back(tmp_path: Path):
    fake = clock()
    p = protocol(tmp_path, [basic("a"), basic("b")], fake)
    assert p.handle({"cmd": "next"})["card"]["key"] == "d/a"
    assert p.handle({"cmd": "bury"}) == {"buried": "d/a"}
    assert p.handle({"cmd": "next"})["card"]["key"] == "d/b"
    assert p.handle({"cmd": "undo"})["undone"] == "d/a"
    p.handle({"cmd": "bury"})
    # a new session today, as after a restart: the card stays buried
    today = protocol(tmp_path, [basic("a"), basic("b")], fake)
    assert today.handle({"cmd": "next"})["card"]["key"] == "d/b"
    fake.advance(timedelta(days=1))
    tomorrow = protocol(tmp_path, [basic("a"), basic("b")], fake)
    assert tomorrow.handle({"cmd": "next"})["card"]["key"] == "d/a"


def test_session_done_says_so(tmp_path: Path):
    p = protocol(tmp_path, [basic("a")])
    p.handle({"cmd": "answer"})
    p.handle({"cmd": "grade", "grade": 4})
    done = p.handle({"cmd": "next"})
    assert done["card"] is None and done["done"] is True
    assert p.handle({"cmd": "answer"})["error"]["code"] == "no-card"


def test_progress_failure_is_an_error_line_and_the_session_goes_on(tmp_path: Path, monkeypatch):
    import errno

    import trainer.progress.logfile as logfile

    p = protocol(tmp_path, [basic("a")])
    p.handle({"cmd": "answer"})

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(logfile.os, "write", full)
    error = p.handle({"cmd": "grade", "grade": 3})["error"]
    assert error["code"] == "progress" and "disk is full" in error["message"]
    monkeypatch.undo()
    assert p.handle({"cmd": "grade", "grade": 3})["recorded"]["key"] == "d/a"


# -- statistics --------------------------------------------------------------------------


def test_stats_reviews_retention_and_streak(tmp_path: Path):
    from trainer.scheduling import Grade

    fake = clock()
    collection = Collection.from_decks(
        [deck("d", [basic("a"), basic("b")])], tmp_path, clock=fake, config=config(), device="dev-a"
    )
    for _ in range(3):  # three days in a row
        session = collection.start_session()
        while session.current is not None:
            session.record(Grade.EASY)
        fake.advance(timedelta(days=1))
    stats = compute_stats(collection)
    assert stats.streak == 0 or stats.streak == 3
    assert stats.study_days >= 1
    assert stats.reviews == sum(collection.state(k).reps for k in ("d/a", "d/b"))
    # Force reviews on consecutive days: a lapse and a pass on review cards.
    fake.advance(collection.state("d/a").due - fake.now().timestamp() + 60)
    session = collection.start_session()
    keys = []
    while session.current is not None and session.current.key not in keys:
        keys.append(session.current.key)
        session.record(Grade.AGAIN if session.current.key == "d/a" else Grade.GOOD)
    stats = compute_stats(collection)
    assert stats.reviews_today == len(keys)
    assert stats.retention is not None and 0 <= stats.retention < 1
    assert stats.streak >= 1
    data = stats.to_json()
    assert data["reviews"] == stats.reviews and isinstance(data["per_day"], dict)


def test_streak_counts_consecutive_study_days(tmp_path: Path):
    from trainer.scheduling import Grade

    fake = clock()
    cards = [basic(f"c{i}") for i in range(10)]
    collection = Collection.from_decks(
        [deck("d", cards)], tmp_path, clock=fake, config=config(new_per_day=1), device="dev-a"
    )
    for day in range(4):
        if day != 1:  # a gap on day 2
            session = collection.start_session()
            session.record(Grade.EASY)
        fake.advance(timedelta(days=1))
    fake.advance(timedelta(days=-1))  # back to the last study day
    assert compute_stats(collection).streak == 2
    assert compute_stats(collection).study_days == 3


# -- the commands, as a user runs them ---------------------------------------------------


def run_trainer(
    *args: str, stdin: str = "", env: dict | None = None
) -> subprocess.CompletedProcess:
    full_env = dict(os.environ) | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "trainer", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=full_env,
        timeout=60,
    )


def write_deck(path: Path) -> Path:
    path.write_text(
        "format: 1\nid: geo\ntitle: Geography\ncards:\n"
        "  - id: capital-fr\n    type: typed\n    question: Capital of France?\n    answer: Paris\n"
        "  - id: capital-it\n    type: typed\n    question: Capital of Italy?\n    answer: Rome\n"
    )
    return path


@pytest.fixture
def deck_file(tmp_path: Path) -> Path:
    return write_deck(tmp_path / "geo.yaml")


def test_review_jsonl_end_to_end_without_textual_or_rich(tmp_path: Path, deck_file: Path):
    probe = (
        "import sys\n"
        "from trainer.cli import main\n"
        f"main(['review', '--jsonl', {str(deck_file)!r}, "
        f"'--progress', {str(tmp_path / 'progress')!r}])\n"
        "ui = sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'rich'})\n"
        "sys.stderr.write('UI:' + ','.join(ui) + '\\n')\n"
    )
    requests = (
        "\n".join(
            json.dumps(r)
            for r in [
                {"cmd": "next"},
                {"cmd": "answer", "response": "paris"},
                {"cmd": "grade", "grade": 3},
                {"cmd": "end"},
            ]
        )
        + "\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        input=requests,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    responses = [json.loads(line) for line in completed.stdout.splitlines()]
    assert responses[0]["card"]["key"] == "geo/capital-fr"
    assert responses[1]["result"]["correct"] is True
    assert responses[2]["recorded"]["grade"] == 3
    assert responses[3]["summary"]["studied"] == 1
    assert "UI:\n" in completed.stderr


def test_due_json_counts_per_deck(tmp_path: Path, deck_file: Path):
    completed = run_trainer("due", "--json", str(deck_file), "--progress", str(tmp_path / "p"))
    assert completed.returncode == ExitCode.OK, completed.stderr
    data = json.loads(completed.stdout)
    assert data["decks"][0]["id"] == "geo"
    assert (data["decks"][0]["new"], data["total"]["due"]) == (2, 0)
    text = run_trainer("due", str(deck_file), "--progress", str(tmp_path / "p"))
    assert "geo" in text.stdout and "learning" in text.stdout


def test_stats_and_orphans_json(tmp_path: Path, deck_file: Path):
    progress = tmp_path / "p"
    run_trainer(
        "review",
        "--jsonl",
        str(deck_file),
        "--progress",
        str(progress),
        stdin='{"cmd":"answer","response":"Paris"}\n{"cmd":"grade","grade":3}\n',
    )
    stats = json.loads(
        run_trainer("stats", "--json", str(deck_file), "--progress", str(progress)).stdout
    )
    assert stats["reviews"] == 1 and stats["streak"] == 1
    deck_file.write_text(deck_file.read_text().replace("capital-fr", "capital-de"))
    orphans = json.loads(
        run_trainer("orphans", "--json", str(deck_file), "--progress", str(progress)).stdout
    )
    assert [o["key"] for o in orphans["orphans"]] == ["geo/capital-fr"]
    assert orphans["orphans"][0]["reviews"] == 1


def test_unusable_progress_dir_exits_with_the_progress_code(tmp_path: Path, deck_file: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    completed = run_trainer("due", str(deck_file), "--progress", str(blocker / "p"))
    assert completed.returncode == ExitCode.PROGRESS
    assert "progress directory" in completed.stderr and "Traceback" not in completed.stderr


def test_newer_format_log_makes_review_refuse_to_write(tmp_path: Path, deck_file: Path):
    progress = tmp_path / "p"
    progress.mkdir()
    newer = b'{"format": 9, "device": "test-device"}\n'
    (progress / "reviews-test-device.jsonl").write_bytes(newer)
    completed = run_trainer(
        "review",
        "--jsonl",
        str(deck_file),
        "--progress",
        str(progress),
        stdin='{"cmd":"answer","response":"Paris"}\n{"cmd":"grade","grade":3}\n',
    )
    responses = [json.loads(line) for line in completed.stdout.splitlines()]
    assert responses[1]["error"]["code"] == "progress"
    assert "newer version" in responses[1]["error"]["message"]
    assert (progress / "reviews-test-device.jsonl").read_bytes() == newer


def test_invalid_config_is_reported_with_file_and_key(tmp_path: Path, deck_file: Path):
    bad = tmp_path / "config.toml"
    bad.write_text("[scheduling]\nnew_per_day = -1\n")
    completed = run_trainer(
        "due", str(deck_file), "--progress", str(tmp_path / "p"), env={"TRAINER_CONFIG": str(bad)}
    )
    assert completed.returncode == ExitCode.USAGE
    assert str(bad) in completed.stderr and "scheduling.new_per_day" in completed.stderr
