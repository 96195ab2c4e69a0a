"""The core runs without the TUI: no module outside trainer.tui imports textual or rich."""

import json
import subprocess
import sys

# The only modules allowed to pull in the UI stack: the TUI itself and the commands that
# open it.
UI_MODULES = ("trainer.tui", "trainer.commands.study", "trainer.commands.quiz")
# Importing __main__ would run the program.
SKIPPED = UI_MODULES + ("trainer.__main__",)

PROBE = f"""
import importlib, json, pkgutil, sys
import trainer
names = sorted(
    m.name for m in pkgutil.walk_packages(trainer.__path__, "trainer.")
    if not m.name.startswith({SKIPPED!r})
)
for name in names:
    importlib.import_module(name)
ui = sorted({{m.split(".")[0] for m in sys.modules}} & {{"textual", "rich"}})
print(json.dumps({{"modules": names, "ui": ui}}))
"""


def test_core_modules_import_neither_textual_nor_rich():
    completed = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    )
    report = json.loads(completed.stdout)
    # The probe must actually have imported the core, or it proves nothing.
    assert {"trainer.model", "trainer.grading", "trainer.cli"} <= set(report["modules"])
    assert report["ui"] == [], f"UI libraries imported by the core: {report['ui']}"


def test_the_study_domain_does_not_import_the_deck_cache():
    """Collection, queue and session know decks, not how they are read quickly: the deck
    cache is decksource.open_decks' business (imported when decks are opened)."""
    code = (
        "import sys, trainer.session, trainer.queue, trainer.collection;"
        "print('trainer.deckcache' in sys.modules)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "False"
