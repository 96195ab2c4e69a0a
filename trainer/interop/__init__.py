"""Import and export: Anki packages, CSV/TSV and Markdown, to and from YAML decks.

One module per format, no UI imports:

* :mod:`trainer.interop.anki_import` reads ``.apkg``/``.colpkg`` with the official ``anki``
  package (an optional extra) into decks, media and, on request, a progress log;
* :mod:`trainer.interop.anki_export` writes decks as an ``.apkg`` with the same package;
* :mod:`trainer.interop.plaintext` reads and writes CSV/TSV (Anki's "Notes in Plain Text",
  Quizlet);
* :mod:`trainer.interop.markdown` reads and writes ``Q:``/``A:``/``C:`` Markdown.

They share :mod:`trainer.interop.html_text` (Anki HTML to plain text) and
:mod:`trainer.interop.deckwrite` (imported cards to deck files that pass validation).
See docs/import-export.md for what maps to what and what is lost.
"""

from trainer.interop.errors import InteropError

__all__ = ["InteropError"]
