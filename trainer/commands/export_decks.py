"""``trainer export``: decks for other programs (added with its first format)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    del subparsers  # no export format yet
