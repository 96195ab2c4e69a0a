"""Subcommands of the ``trainer`` program, one module each.

Every module defines ``register(subparsers: common.Subparsers)``, which adds its parser
with ``subparsers.add_parser(NAME, help=..., description=...)`` and sets ``handler=run`` on
it, and ``run(args) -> ExitCode``. A start imports only the module of the command it runs
and builds only its parser (see :mod:`trainer.cli`); ``trainer --help`` imports them all.

What several commands share (the ``DECK...``/``--progress``/``--json`` arguments, turning
deck names into paths, opening the collection, JSON output) is in :mod:`.common`; a command
never imports another command (tests/test_architecture.py checks it). Modules import only
the standard library and :mod:`.common` at top level: heavy imports (textual, fsrs, ...)
happen inside ``run`` so that ``trainer --help`` and ``trainer validate`` stay fast and
headless.
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
