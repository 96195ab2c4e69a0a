"""Finding deck files (trainer.decksource, which the loader re-exports): recursion, order,
hidden entries, links, and located problems; and that it does not need the YAML loader."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from trainer import decksource


def tree(root: Path) -> list[Path]:
    """Nested decks, hidden entries, other files, a link loop, a dangling deck link."""
    (root / "decks" / "sub" / "deeper").mkdir(parents=True)
    (root / "decks" / ".hidden").mkdir()
    for name in ("b.yaml", "a.yml", "C.YAML", "notes.txt", ".secret.yaml"):
        (root / "decks" / name).write_text("format: 1\n")
    (root / "decks" / "sub" / "z.yaml").write_text("format: 1\n")
    (root / "decks" / "sub" / "deeper" / "y.yaml").write_text("format: 1\n")
    (root / "decks" / ".hidden" / "h.yaml").write_text("format: 1\n")
    os.symlink(root / "decks", root / "decks" / "sub" / "loop")
    os.symlink(root / "nowhere.yaml", root / "decks" / "dangling.yaml")
    os.symlink(root / "nowhere.txt", root / "decks" / "dangling.txt")
    single = root / "single.yaml"
    single.write_text("format: 1\n")
    return [
        root / "decks",
        single,
        root / "decks" / "b.yaml",
        root / "missing.yaml",
        root / "missing-dir",
    ]


def test_files_are_found_in_order_and_problems_located(tmp_path: Path):
    paths = tree(tmp_path)
    files, problems = decksource.find_deck_files(paths)
    names = [str(p.relative_to(tmp_path)) for p in files]
    assert names == [
        "decks/C.YAML",
        "decks/a.yml",
        "decks/b.yaml",
        "decks/sub/deeper/y.yaml",
        "decks/sub/z.yaml",
        "single.yaml",
    ]
    codes = sorted((str(d.path.relative_to(tmp_path)), d.code) for d in problems)
    assert codes == [
        ("decks/dangling.yaml", "path-not-found"),
        ("decks/sub/loop", "symlink-loop"),
        ("missing-dir", "path-not-found"),
        ("missing.yaml", "path-not-found"),
    ]


def test_a_file_given_twice_is_listed_once(tmp_path: Path):
    deck = tmp_path / "d.yaml"
    deck.write_text("format: 1\n")
    os.symlink(deck, tmp_path / "alias.yaml")
    files, problems = decksource.find_deck_files([deck, tmp_path / "alias.yaml", tmp_path])
    assert files == [deck] and problems == []


def test_finding_decks_does_not_import_yaml(tmp_path: Path):
    """A warm start (decks from the cache) must not pay for PyYAML's import."""
    code = (
        "import sys; from trainer.decksource import find_deck_files; "
        f"find_deck_files([__import__('pathlib').Path({str(tmp_path)!r})]); "
        "print('yaml' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
