"""How long ``trainer import anki --with-history`` takes next to the official library.

Generates (once, cached in benchmarks/.cache/, with a fixed seed) an Anki package made by
the official ``anki`` library: 50,000 notes (Basic, reversed, typing and Cloze) in 20
decks, 500,000 revlog rows, current format. Then, alternating, each in a fresh process
timed to its exit:

* (a) the real command, ``trainer import anki PACKAGE --with-history``, into empty
  directories (50,000 cards in 20 deck files, 500,000 answers in a progress log);
* (b) the official library opening the package the fastest way it has, the one (a)
  uses: its collection-package import (``import_collection_package``, what Anki does
  for a ``.colpkg``: unpack and check), then reading every note and revlog row;
* (b2) the official library opening the package through its public ``Collection``
  API: ``import_anki_package`` into an empty collection (merged note by note), then
  reading every note and revlog row;
* (c) for reference, the library opening the unpacked collection file directly and
  reading every note and revlog row (no package to unpack).

Prints the median wall time and the peak memory (max RSS) of each, and the ratios a/b
and a/b2 (goal: < 1.5x, in bounded memory). The machine may be shared: the runs
alternate, so a busy moment slows every variant of one round alike.

Usage: .venv/bin/python benchmarks/import_bench.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from child_env import ROOT, child_environment

NOTES = 50_000
REVLOG = 500_000
DECKS = 20
CACHE = ROOT / "benchmarks" / ".cache" / "import"
PACKAGE = CACHE / f"bench-{NOTES}-{REVLOG}.apkg"
COLLECTION = CACHE / f"bench-{NOTES}-{REVLOG}.anki2"

_READ_ALL = """
import os, sys, tempfile
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
scratch = tempfile.mkdtemp()
if sys.argv[1] == "unpack":
    from anki._backend import RustBackend
    RustBackend().import_collection_package(col_path=scratch + "/c.anki2",
        backup_path=sys.argv[2], media_folder=scratch + "/c.media",
        media_db=scratch + "/c.media.db2")
    col = Collection(scratch + "/c.anki2")
elif sys.argv[1] == "package":
    col = Collection(scratch + "/c.anki2")
    col.import_anki_package(ImportAnkiPackageRequest(package_path=sys.argv[2],
        options=ImportAnkiPackageOptions(with_scheduling=True)))
else:
    col = Collection(sys.argv[2])
notes = revlog = 0
for row in col.db.execute("select id, guid, mid, tags, flds from notes"):
    notes += 1
for row in col.db.execute("select id, cid, ease, ivl, time from revlog"):
    revlog += 1
col.close(downgrade=False)
assert notes == {notes} and revlog == {revlog}, (notes, revlog)
"""


def generate() -> None:
    """The package and its collection (official library only; a few minutes, once)."""
    from anki.collection import AddNoteRequest, Collection, ExportAnkiPackageOptions

    CACHE.mkdir(parents=True, exist_ok=True)
    random.seed(14)
    scratch = Path(tempfile.mkdtemp())
    col = Collection(str(scratch / "bench.anki2"))
    kinds = ["Basic", "Basic (and reversed card)", "Basic (type in the answer)", "Cloze"]
    models = {name: col.models.by_name(name) for name in kinds}
    decks = [col.decks.id(f"Bench::Deck {n:02d}") for n in range(DECKS)]
    requests = []
    for number in range(NOTES):
        kind = kinds[number % 4]
        note = col.new_note(models[kind])
        if kind == "Cloze":
            note.fields[0] = f"Fact {number}: the {{{{c1::answer {number}}}}} is <b>here</b>."
        else:
            note.fields[0] = f"Question {number} about <i>topic</i> {number % 97}?"
            note.fields[1] = f"Answer {number}<br>with a second line &amp; an entity"
        requests.append(AddNoteRequest(note=note, deck_id=decks[number % DECKS]))
        if len(requests) == 5_000:
            col.add_notes(requests)
            requests = []
    if requests:
        col.add_notes(requests)
    card_ids = col.db.list("select id from cards order by id")
    start_ms = 1_700_000_000_000
    rows = []
    for n in range(REVLOG):
        card = card_ids[random.randrange(len(card_ids))]
        ease = random.choice((1, 2, 3, 3, 3, 4))
        interval = random.choice((-600, 1, 3, 7, 15, 40))
        rows.append(
            (
                start_ms + n * 60_000 + random.randrange(1000),
                card,
                -1,
                ease,
                interval,
                0,
                2500,
                random.randrange(2000, 20000),
                1 if interval > 0 else 0,
            )
        )
    # The library's executemany runs one statement per row through its backend (minutes
    # for 500,000 rows); the rows go in with sqlite3 while the collection is closed, and
    # the library then reopens and exports the collection as usual.
    col.close(downgrade=False)
    with sqlite3.connect(scratch / "bench.anki2") as db:
        db.executemany(
            "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, "
            "type) values (?,?,?,?,?,?,?,?,?)",
            rows,
        )
    db.close()
    col = Collection(str(scratch / "bench.anki2"))
    col.export_anki_package(
        out_path=str(PACKAGE),
        limit=None,
        options=ExportAnkiPackageOptions(
            with_scheduling=True, with_media=False, with_deck_configs=False, legacy=False
        ),
    )
    col.close(downgrade=False)
    shutil.copy(scratch / "bench.anki2", COLLECTION)
    shutil.rmtree(scratch, ignore_errors=True)


def timed(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        env=child_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{command} failed: {process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss // 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not PACKAGE.exists() or not COLLECTION.exists():
        print(f"generating {PACKAGE.name} ({NOTES:,} notes, {REVLOG:,} revlog rows)...")
        generate()
    reader = _READ_ALL.format(notes=NOTES, revlog=REVLOG)
    results: dict[str, list[tuple[float, int]]] = {
        "import": [],
        "unpack": [],
        "package": [],
        "file": [],
    }
    lines = 0
    for _ in range(args.repeat):
        work = Path(tempfile.mkdtemp())
        command = [sys.executable, "-m", "trainer", "import", "anki", str(PACKAGE)]
        command += ["--out", str(work / "decks"), "--with-history"]
        command += ["--progress", str(work / "progress")]
        results["import"].append(timed(command))
        with open(work / "progress" / "reviews-anki-import.jsonl", "rb") as log:
            lines = sum(1 for _ in log)
        decks = len(list((work / "decks").glob("*.yaml")))
        shutil.rmtree(work)
        for name in ("unpack", "package"):
            results[name].append(timed([sys.executable, "-c", reader, name, str(PACKAGE)]))
        copy = Path(tempfile.mkdtemp()) / "c.anki2"
        shutil.copy(COLLECTION, copy)
        results["file"].append(timed([sys.executable, "-c", reader, "file", str(copy)]))
        shutil.rmtree(copy.parent)
    medians = {
        name: (statistics.median(t for t, _ in runs), max(m for _, m in runs))
        for name, runs in results.items()
    }
    print(
        f"{NOTES:,} notes, {REVLOG:,} revlog rows; (a) wrote {decks} deck files and "
        f"{lines - 1:,} reviews; median of {args.repeat}, fresh processes, alternating"
    )
    labels = {
        "import": "(a)  trainer import anki --with-history (the command, to its exit)",
        "unpack": "(b)  library: unpack the package (collection-package import), read all",
        "package": "(b2) library: import_anki_package into an empty collection, read all",
        "file": "(c)  library: open the unpacked collection file, read all",
    }
    for name, (seconds, memory) in medians.items():
        print(f"  {labels[name]:<72} {seconds:6.2f} s  {memory:5d} MB max RSS")
    ours = medians["import"][0]
    print(
        f"ratio a/b: {ours / medians['unpack'][0]:.2f}x, a/b2: "
        f"{ours / medians['package'][0]:.2f}x (goal < 1.5x); a/c: "
        f"{ours / medians['file'][0]:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
