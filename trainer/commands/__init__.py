"""Subcommands of the ``trainer`` program, one module each.

Every module defines ``register(subparsers)``, which adds its parser and sets
``handler=run`` on it, and ``run(args) -> ExitCode``. Modules import only the standard
library at top level: heavy imports (textual, fsrs, ...) happen inside ``run`` so that
``trainer --help`` and ``trainer validate`` stay fast and headless.
"""

#: Command names, in the order ``--help`` lists them, and the module under
#: ``trainer.commands`` that implements each (``import`` is a Python keyword).
COMMANDS: dict[str, str] = {
    "study": "study",
    "quiz": "quiz",
    "review": "review",
    "due": "due",
    "stats": "stats",
    "orphans": "orphans",
    "sync": "sync",
    "optimize": "optimize",
    "validate": "validate",
    "schema": "schema",
    "import": "import_decks",
    "export": "export_decks",
}
