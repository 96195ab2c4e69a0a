"""A ``Card.field_locations`` mapping that makes its :class:`~trainer.model.Location`
objects on first use.

A 50,000-card collection has hundreds of thousands of field locations, and they are wanted
only where a problem is reported: making them all while loading (from YAML or from the
deck cache) cost more than the rest of the loading. Every dict method fills the mapping
first, so it behaves exactly as a plain dict of locations.
"""

from __future__ import annotations

from typing import Any


class LazyLocations(dict):  # type: ignore[type-arg]
    """Subclasses set ``_unfilled = True`` and define :meth:`_fill`, which stores the
    locations with ``dict.__setitem__`` (the wrapped methods would recurse)."""

    __slots__ = ("_unfilled",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._unfilled = True

    def _fill(self) -> None:
        raise NotImplementedError

    def _filled(name: str):  # type: ignore[no-untyped-def]
        method = getattr(dict, name)

        def filled(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            if self._unfilled:
                self._unfilled = False
                self._fill()
            return method(self, *args, **kwargs)

        filled.__name__ = name
        return filled

    for _name in (
        "__getitem__",
        "get",
        "__contains__",
        "__iter__",
        "__len__",
        "keys",
        "values",
        "items",
        "__repr__",
        "__eq__",
        "__ne__",
        "copy",
        "pop",
        "popitem",
        "setdefault",
        "update",
        "__setitem__",
        "__delitem__",
        "clear",
        "__or__",
        "__ror__",
        "__ior__",
        "__reversed__",
        "__reduce_ex__",
    ):
        locals()[_name] = _filled(_name)
    del _name, _filled
    __hash__ = None  # type: ignore[assignment]
