"""The Textual user interface: home, study, quiz, browse and summary screens.

A layer on top of the core (:mod:`trainer.collection`, :mod:`trainer.session`,
:mod:`trainer.grading`): it never decides anything about scheduling or grading itself. Card text is data, never markup:
everything a deck supplies is rendered through :mod:`trainer.tui.text`.
"""
