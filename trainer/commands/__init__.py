"""Subcommands of the ``trainer`` program, one module each.

Every module defines ``register(subparsers)``, which adds its parser and sets
``handler=run`` on it, and ``run(args) -> ExitCode``. Modules import only the standard
library at top level: heavy imports (textual, fsrs, ...) happen inside ``run`` so that
``trainer --help`` and ``trainer validate`` stay fast and headless.
"""

#: Module names under ``trainer.commands``, in the order ``--help`` lists them.
COMMANDS = (
    "study",
    "quiz",
    "review",
    "due",
    "stats",
    "orphans",
    "sync",
    "optimize",
    "validate",
    "schema",
    "import_decks",
    "export_decks",
)
