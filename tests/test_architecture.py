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


def test_no_command_module_imports_another():
    """Each ``trainer/commands/*.py`` takes what it shares with other commands from
    ``trainer.commands.common``, never from another command (at top level or inside a
    function)."""
    import ast
    from pathlib import Path

    import trainer.commands

    package = Path(trainer.commands.__file__).parent
    modules = sorted(path for path in package.glob("*.py") if path.stem != "__init__")
    commands = {path.stem for path in modules} - {"common"}
    assert len(commands) > 10, "the commands were not found: the check proves nothing"

    def command_in(name: str) -> str | None:
        parts = name.split(".")
        if parts[:2] == ["trainer", "commands"] and len(parts) > 2 and parts[2] in commands:
            return parts[2]
        return None

    borrowed: list[str] = []
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = "trainer.commands" if node.level == 1 else (node.module or "")
                if node.level == 1 and node.module:
                    base += f".{node.module}"
                # `from trainer.commands import due` imports a module too.
                names = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            borrowed += sorted(
                {
                    f"{path.name}:{node.lineno} imports trainer.commands.{command_in(name)}"
                    for name in names
                    if command_in(name) not in (None, path.stem)
                }
            )
    assert borrowed == [], "commands import each other; move what they share to common.py"
