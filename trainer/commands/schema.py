"""``trainer schema``: print the JSON Schema of deck files, for editors and CI tools."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from trainer.exitcodes import ExitCode

if TYPE_CHECKING:
    from trainer.commands.common import Subparsers


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of deck files",
        description="Print the JSON Schema (draft 2020-12) of deck format 1. Point your "
        "editor's YAML support at it to get completion and checks as you type, e.g. "
        "`trainer schema > deck.schema.json`.",
    )
    parser.set_defaults(handler=run)


def schema_text() -> str:
    """The schema as shipped inside the package."""
    from importlib import resources

    return resources.files("trainer").joinpath("deck.schema.json").read_text(encoding="utf-8")


def run(args: argparse.Namespace) -> ExitCode:
    sys.stdout.write(schema_text())
    sys.stdout.flush()
    return ExitCode.OK
