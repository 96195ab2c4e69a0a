"""`trainer import anki`: real Anki packages (made by tests/fixtures/anki/make_fixtures.py
with the official library) into decks that validate, media and a review history."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import pytest

from trainer.cli import main
from trainer.clock import SystemClock
from trainer.exitcodes import ExitCode
from trainer.loader import load_deck
from trainer.progress import ProgressStore
from trainer.scheduling import Scheduler
from trainer.validation import validate

FIXTURES = Path(__file__).parent / "fixtures" / "anki"
PACKAGES = ["current.apkg", "legacy.apkg", "legacy-anki2.apkg", "collection.colpkg"]


def _import(tmp_path: Path, package: str, *extra: str) -> tuple[int, Path, Path]:
    out, progress = tmp_path / "decks", tmp_path / "progress"
    code = main(
        [
            "import",
            "anki",
            str(FIXTURES / package),
            "--out",
            str(out),
            *extra,
            "--progress",
            str(progress),
        ]
        if "--with-history" in extra
        else ["import", "anki", str(FIXTURES / package), "--out", str(out), *extra]
    )
    return code, out, progress


def _cards(out: Path) -> dict[str, dict]:
    """Every imported card by its front/question/text, with its deck id."""
    cards = {}
    for path in sorted(out.glob("*.yaml")):
        deck = load_deck(path).deck
        assert deck is not None, path
        for card in deck.cards:
            cards[card.front or card.question] = {"deck": deck.id, "card": card}
    return cards


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_format_imports_into_decks_that_validate(tmp_path, package, capsys):
    code, out, _ = _import(tmp_path, package)
    report = capsys.readouterr().out
    assert code == ExitCode.OK, report
    assert "notes read:        8" in report
    assert "cards written:     8 (6 basic, 1 cloze, 1 typed)" in report
    assert "'Vocabulary': 1 note as basic" in report
    result = validate([out])
    assert result.errors == 0 and result.cards == 8
    # Subdecks are one file each.
    assert sorted(p.stem for p in out.glob("*.yaml")) == [
        "biology",
        "geography",
        "geography-europe",
        "geography-europe-rivers",
        "languages",
    ]


def test_note_types_html_and_media_map_to_plain_text_cards(tmp_path, capsys):
    _, out, _ = _import(tmp_path, "current.apkg")
    cards = _cards(out)
    france = cards["What is the capital of France?"]["card"]
    assert france.back == (
        "Paris\non the Seine\npopulation 2.1 million & more\n[image: media/paris.png]"
    )
    assert france.tags == ("capitals", "europe")
    assert cards["Say hello in French"]["card"].back == "Bonjour [sound: media/bonjour.mp3]"
    assert (out / "media" / "paris.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "media" / "bonjour.mp3").exists()
    assert "2 copied" in capsys.readouterr().out
    river = cards["Longest river in France"]
    assert river["card"].reverse and river["deck"] == "geography-europe-rivers"
    typed = cards["How many countries border Germany?"]["card"]
    assert typed.type == "typed" and typed.answer == "9"
    cloze = next(c["card"] for c in cards.values() if c["card"].type == "cloze")
    assert [c.answers for c in cloze.clozes] == [("mitochondria",), ("powerhouse",)]
    assert cloze.clozes[1].hints == ("what?",)
    assert cloze.explanation == "Back extra: a classic"
    vocabulary = cards["la pomme"]["card"]
    assert (
        vocabulary.back == "the apple" and vocabulary.explanation == "Example: Je mange une pomme."
    )
    # Markup is text: entities decoded, script content dropped, bracket codes kept.
    markup = cards["Markup stays text: [b]bold[/b] <script>"]["card"]
    assert markup.back == "Shown"


def test_reimport_keeps_card_ids_and_reports_changed_files(tmp_path, capsys):
    _import(tmp_path, "current.apkg")
    first = {k: (v["deck"], v["card"].id) for k, v in _cards(tmp_path / "decks").items()}
    # The same collection in the legacy format: the same GUIDs, so the same ids.
    code, out, _ = _import(tmp_path, "legacy.apkg")
    assert code == ExitCode.OK
    assert {k: (v["deck"], v["card"].id) for k, v in _cards(out).items()} == first
    assert all(card_id.startswith("n-") for _, card_id in first.values())


def test_history_becomes_a_progress_log_the_store_replays(tmp_path, capsys):
    code, out, progress = _import(tmp_path, "current.apkg", "--with-history")
    assert code == ExitCode.OK
    report = capsys.readouterr().out
    assert "reviews imported:  22" in report and "1 manual reschedules left out" in report
    log = progress / "reviews-anki-import.jsonl"
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines[0]["kind"] == "trainer-progress" and lines[0]["device"] == "anki-import"
    reviews = lines[1:]
    assert len(reviews) == 22 and {r["grade"] for r in reviews} == {1, 2, 3, 4}
    cards = _cards(out)
    france = cards["What is the capital of France?"]
    key = f"{france['deck']}/{france['card'].id}"
    theirs = [r for r in reviews if r["key"] == key]
    assert [r["grade"] for r in theirs] == [3, 3]
    assert theirs[0]["time"].startswith("2026-01-05") and theirs[0]["duration_ms"] == 3000
    assert theirs[1]["prev"] == theirs[0]["id"]
    river = cards["Longest river in France"]
    assert any(r["key"].endswith("::reverse") for r in reviews if river["card"].id in r["key"])
    cloze = next(v for v in cards.values() if v["card"].type == "cloze")
    assert sorted(r["key"].rsplit("::", 1)[1] for r in reviews if cloze["card"].id in r["key"]) == [
        "c1",
        "c2",
        "c2",
    ]
    # The store replays the log as written (recorded states adopted, none recomputed).
    store = ProgressStore.open(
        progress,
        device="here",
        clock=SystemClock(),
        scheduler_for=lambda key: Scheduler(),
        use_snapshot=False,
    )
    record = store.records[key]
    assert record.state.reps == 2 and record.state.state == "review"
    assert record.last_id == theirs[1]["id"] and not store.warnings


def _anki_cards_after_their_last_answer(tmp_path: Path, package: str) -> dict[int, dict]:
    """Each answered Anki card of ``package`` as the official library has it, with its
    last answer's time, for the cards whose last revlog row is an answer (the one card
    rescheduled by hand afterwards is left out: manual reschedules are not imported)."""
    anki_collection = pytest.importorskip("anki.collection")
    (tmp_path / "anki").mkdir()
    col = anki_collection.Collection(str(tmp_path / "anki" / "c.anki2"))
    try:
        col.import_anki_package(
            anki_collection.ImportAnkiPackageRequest(
                package_path=str(FIXTURES / package),
                options=anki_collection.ImportAnkiPackageOptions(with_scheduling=True),
            )
        )
        cards = {}
        for card_id, kind, queue, due, interval, reps, lapses, changed in col.db.all(
            "select id, type, queue, due, ivl, reps, lapses, mod from cards where reps > 0"
        ):
            last_id, last_ease = col.db.first(
                "select id, ease from revlog where cid = ? order by id desc limit 1", card_id
            )
            if last_ease == 0:
                continue
            cards[card_id] = dict(
                kind=kind, queue=queue, due=due, interval=interval, reps=reps, lapses=lapses
            )
            # A learning step is due seconds after the answer; the fixture's answers are
            # recorded at past times, but Anki counts the step from when it ran them.
            cards[card_id]["step_seconds"] = due - changed
            cards[card_id]["last_ms"] = last_id
        return cards
    finally:
        col.close()


def test_imported_history_replays_to_the_states_anki_had(tmp_path, capsys):
    """Every imported card, replayed by the normal progress store, is in the state Anki
    left it in: the same kind (learning, review, relearning), answers and lapses, due
    after the same interval."""
    code, _, progress = _import(tmp_path, "current.apkg", "--with-history")
    assert code == ExitCode.OK
    anki_cards = _anki_cards_after_their_last_answer(tmp_path, "current.apkg")
    lines = (progress / "reviews-anki-import.jsonl").read_text().splitlines()[1:]
    from datetime import datetime

    # Our answers carry Anki's answer times (revlog ids): they tell which card is which.
    key_at = {
        round(datetime.fromisoformat(json.loads(line)["time"]).timestamp() * 1000): json.loads(
            line
        )["key"]
        for line in lines
    }
    store = ProgressStore.open(
        progress,
        device="here",
        clock=SystemClock(),
        scheduler_for=lambda key: Scheduler(),
        use_snapshot=False,
    )
    assert not store.warnings
    kinds = {1: "learning", 2: "review", 3: "relearning"}
    assert len(anki_cards) == 7  # 8 answered cards, one rescheduled by hand since
    for card in anki_cards.values():
        state = store.records[key_at[card["last_ms"]]].state
        assert state.state == kinds[card["kind"]]
        assert (state.reps, state.lapses) == (card["reps"], card["lapses"])
        assert state.last_review == card["last_ms"] / 1000
        if card["kind"] == 2:  # due a number of days after the answer
            assert round((state.due - state.last_review) / 86_400) == card["interval"]
        else:  # a learning step: due some seconds after the answer
            assert card["queue"] == 1
            # Anki adds fuzz to learning steps (at most a quarter, and 5 minutes), which
            # its revlog does not record: the step is the revlog's.
            step = card["step_seconds"]
            assert abs((state.due - state.last_review) - step) <= min(step / 4, 300)
    # trainer optimize reads the same log.
    capsys.readouterr()
    assert main(["optimize", "--progress", str(progress), "--json"]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["have"] > 0


def test_reimporting_history_appends_nothing_twice(tmp_path, capsys):
    _import(tmp_path, "current.apkg", "--with-history")
    log = tmp_path / "progress" / "reviews-anki-import.jsonl"
    before = log.read_bytes()
    code, _, _ = _import(tmp_path, "legacy.apkg", "--with-history")
    assert code == ExitCode.OK
    assert log.read_bytes() == before
    assert "0 into" in capsys.readouterr().out.split("reviews imported:")[-1]


def test_optimize_reads_the_imported_history(tmp_path, capsys):
    _import(tmp_path, "current.apkg", "--with-history")
    capsys.readouterr()
    code = main(["optimize", "--progress", str(tmp_path / "progress"), "--json"])
    assert code == ExitCode.OK
    answer = json.loads(capsys.readouterr().out)
    assert answer["status"] == "not-enough-reviews" and answer["have"] > 0


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_bytes(b"SQLite format 3\x00 not a zip"), "not a zip file"),
        (
            lambda p: p.write_bytes((FIXTURES / "current.apkg").read_bytes()[:30_000]),
            "cut short (truncated)",
        ),
        (lambda p: p.write_bytes(b""), "is empty"),
        (lambda p: _zip(p, {}), "holds no Anki collection"),
        (lambda p: _zip(p, {"media": b"{}"}), "holds no Anki collection"),
        (
            lambda p: p.write_bytes((FIXTURES / "newer.apkg").read_bytes()),
            "made by a newer version of Anki",
        ),
        (
            lambda p: _zip(p, {"collection.anki21b": b"\x28\xb5\x2f\xfd garbage"}),
            "Anki could not read it",
        ),
    ],
)
def test_bad_packages_get_one_clear_line_and_exit_2(tmp_path, capsys, make, message):
    package = tmp_path / "bad.apkg"
    make(package)
    code = main(["import", "anki", str(package), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == ExitCode.USAGE
    assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_password_protected_zip_is_refused(tmp_path, capsys):
    package = _zip(tmp_path / "locked.apkg", {"collection.anki21b": b"x"})
    data = bytearray(package.read_bytes())
    # Set the "encrypted" flag on the entry, in the local and the central header.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature) + offset
        data[at] |= 0x01
    package.write_bytes(bytes(data))
    code = main(["import", "anki", str(package)])
    assert code == ExitCode.USAGE
    assert "password-protected" in capsys.readouterr().err


def test_a_package_too_large_for_the_free_space_is_refused_before_unpacking(
    tmp_path, capsys, monkeypatch
):
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**6, 10**6 - 1000, 1000))
    code = main(["import", "anki", str(FIXTURES / "current.apkg"), "--out", str(tmp_path / "o")])
    assert code == ExitCode.USAGE
    assert "free some space or set TMPDIR" in capsys.readouterr().err


def _package_with(tmp_path: Path, damage: str | None) -> Path:
    """A package made by Anki with a front-only note, and one note ``damage``d in SQL."""
    anki_collection = pytest.importorskip("anki.collection")
    col = anki_collection.Collection(str(tmp_path / "c.anki2"))
    note = col.new_note(col.models.by_name("Basic"))
    note.fields[0] = "Only a front"
    col.add_note(note, col.decks.id("Default"))
    other = col.new_note(col.models.by_name("Basic"))
    other.fields[:] = ["Front", "Back"]
    col.add_note(other, col.decks.id("Default"))
    if damage:
        col.db.execute(damage, other.id)
    package = tmp_path / "made.apkg"
    col.export_anki_package(
        out_path=str(package),
        limit=None,
        options=anki_collection.ExportAnkiPackageOptions(with_media=False),
    )
    col.close()
    return package


def test_a_note_without_a_back_is_skipped_with_its_reason_and_exit_1(tmp_path, capsys):
    package = _package_with(tmp_path, None)
    code = main(["import", "anki", str(package), "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == ExitCode.PROBLEMS
    assert "skipped:           1" in out and "needs a front and a back" in out
    assert "cards written:     1 (1 basic)" in out


def test_a_note_with_0_fields_is_skipped_with_a_clear_reason(tmp_path, capsys):
    package = _package_with(tmp_path, "update notes set flds = '' where id = ?")
    code = main(["import", "anki", str(package), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == ExitCode.PROBLEMS
    assert "skipped:           2" in captured.out
    assert "the note has 0 fields (its note type 'Basic' has 2)" in captured.out
    assert "Traceback" not in captured.out + captured.err


def test_a_500_mb_package_is_said_and_read_in_bounded_memory(tmp_path):
    """A 500 MB package (sparse: a few KB on disk) imports; the command says it is
    large, and its memory stays far below the package's size."""
    import os
    import subprocess
    import sys

    package = tmp_path / "large.apkg"
    with open(package, "wb") as handle:
        # Zip readers find the archive from its end; what comes before is skipped
        # (as in a self-extracting archive), never read into memory.
        handle.seek(500_000_000)
        handle.write((FIXTURES / "current.apkg").read_bytes())
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "trainer", "import", "anki", str(package)]
            + ["--out", str(tmp_path / "out"), "--with-history"]
            + ["--progress", str(tmp_path / "progress")],
            stdout=stdout,
            stderr=stderr,
        )
        _, status, usage = os.wait4(process.pid, 0)
    said, report = err.read_text(), out.read_text()
    assert os.waitstatus_to_exitcode(status) == ExitCode.OK, said
    assert "(500 MB)" in said and "this can take a minute" in said and "Traceback" not in said
    assert "cards written:     8" in report and "reviews imported:  22" in report
    assert usage.ru_maxrss * 1024 < 250_000_000  # ru_maxrss is in KiB on Linux


def _log_keys(progress: Path) -> list[str]:
    log = progress / "reviews-anki-import.jsonl"
    return [json.loads(line)["key"] for line in log.read_text().splitlines()[1:]]


def test_a_card_the_loader_refuses_leaves_its_history_out(tmp_path, capsys, monkeypatch):
    """The second process writes the history assuming every card is kept; when the deck
    loader refuses one, that history is written again without it."""
    import trainer.interop.deckwrite as deckwrite

    _, out, progress = _import(tmp_path / "all", "current.apkg", "--with-history")
    everything = _log_keys(progress)
    france = _cards(out)["What is the capital of France?"]
    refused = f"{france['deck']}/{france['card'].id}"
    real_load = deckwrite.load_deck_text

    def refusing(text, path, **options):
        lines = text.splitlines()
        if f"  - id: {france['card'].id}" in lines:  # its front made invalid
            at = lines.index(f"  - id: {france['card'].id}")
            lines[at + 2] = "    front: ''"
            text = "\n".join(lines) + "\n"
        return real_load(text, path, **options)

    monkeypatch.setattr(deckwrite, "load_deck_text", refusing)
    code, out, progress = _import(tmp_path / "some", "current.apkg", "--with-history")
    assert code == ExitCode.PROBLEMS
    keys = _log_keys(progress)
    assert refused in everything and refused not in keys
    assert keys == [key for key in everything if key != refused]
    assert not [p for p in progress.iterdir() if p.name.endswith(".tmp")]


def test_an_interrupted_import_leaves_no_history_behind(tmp_path, monkeypatch):
    import subprocess

    import trainer.interop.anki_import as anki_import

    workers = []

    class Recorded(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            workers.append(self)

    def interrupted(plan, out_dir):
        # Once the worker has written the whole log, so there is something to clean up.
        while workers[0].poll() is None:
            time.sleep(0.01)
        assert list((tmp_path / "progress").glob(".*.tmp"))
        raise KeyboardInterrupt

    monkeypatch.setattr(subprocess, "Popen", Recorded)
    monkeypatch.setattr(anki_import, "write_planned", interrupted)
    code, _, _ = _import(tmp_path, "current.apkg", "--with-history")
    assert code == ExitCode.INTERRUPTED
    assert len(workers) == 1
    workers[0].wait()  # whatever the worker would still have done, it has done now
    left = sorted(p.name for p in (tmp_path / "progress").iterdir())
    assert left == [".reviews-anki-import.jsonl.lock"]


def test_a_history_the_second_process_cannot_read_is_one_clear_message(tmp_path):
    """A revlog the worker cannot read: InteropError with what to do, nothing at the
    log's path, no temporary file left."""
    import sqlite3

    from trainer.interop import InteropError
    from trainer.interop.history_process import HistoryProcess

    collection = tmp_path / "collection.anki2"
    sqlite3.connect(collection).close()  # no revlog table
    log = tmp_path / "progress" / "reviews-anki-import.jsonl"
    log.parent.mkdir()
    process = HistoryProcess.start(collection, log, b"{}\n", Path("p.apkg"), tmp_path)
    assert process is not None
    process.send_keys({1: ("deck/card", "guid|0")})
    with pytest.raises(InteropError, match=r"p.apkg: the review history in it is damaged"):
        process.finish()
    assert sorted(p.name for p in log.parent.iterdir()) == [".reviews-anki-import.jsonl.lock"]


def test_the_collector_is_off_during_the_import_and_the_callers_setting_comes_back(
    tmp_path, capsys, monkeypatch
):
    """The import pauses the cyclic collector (trainer.collector); a script or test that
    runs the command in-process gets its own setting back, even when the import fails."""
    import gc

    from trainer.interop import anki_import

    seen = []
    real = anki_import.write_planned

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(anki_import, "write_planned", spy)
    assert gc.isenabled()
    code, _, _ = _import(tmp_path, "current.apkg")
    assert code == ExitCode.OK and seen == [False]
    assert gc.isenabled()
    assert main(["import", "anki", str(tmp_path / "missing.apkg")]) == ExitCode.USAGE
    assert gc.isenabled()
    gc.disable()
    try:
        _import(tmp_path / "again", "current.apkg")
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def test_a_library_without_the_package_unpacker_imports_the_same_through_its_public_api(
    tmp_path, capsys, monkeypatch
):
    """Where the library has no collection-package import, the package is imported into
    an empty collection through the public API instead: the same decks and history."""
    from anki._backend import RustBackend
    from anki.collection import Collection

    expected_code, expected_out, expected_progress = _import(
        tmp_path / "usual", "current.apkg", "--with-history"
    )
    calls = []
    # (defined on the generated base class the backend inherits it from)
    for cls in RustBackend.__mro__:
        if "import_collection_package" in vars(cls):
            monkeypatch.delattr(cls, "import_collection_package")
    assert not hasattr(RustBackend(), "import_collection_package")
    real_import = Collection.import_anki_package

    def recorded(self, request):
        calls.append(request.package_path)
        return real_import(self, request)

    monkeypatch.setattr(Collection, "import_anki_package", recorded)
    code, out, progress = _import(tmp_path / "fallback", "current.apkg", "--with-history")
    assert calls
    assert code == expected_code == ExitCode.OK
    assert {p.name: p.read_text() for p in out.glob("*.yaml")} == {
        p.name: p.read_text() for p in expected_out.glob("*.yaml")
    }
    log = "reviews-anki-import.jsonl"
    lines = (progress / log).read_text().splitlines()[1:]  # (the header has the time)
    assert lines and lines == (expected_progress / log).read_text().splitlines()[1:]


def test_each_step_of_an_import_is_told_as_it_starts(tmp_path: Path):
    # A 50,000-note package takes seconds: the command shows these on stderr.
    from trainer.interop.anki_import import import_anki

    steps: list[str] = []
    import_anki(
        FIXTURES / "current.apkg",
        tmp_path / "decks",
        progress_dir=tmp_path / "progress",
        clock=SystemClock(),
        on_step=steps.append,
    )
    assert steps == [
        "unpacking current.apkg with the anki library",
        "reading the notes (the review history is read in a second process meanwhile)",
        "checking and writing 5 deck files (8 cards)",
        "finishing the review history",
    ]
