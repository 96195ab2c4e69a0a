"""Many short strings stored as one, for :mod:`marshal` caches (the deck cache, the
progress snapshot).

Unmarshalling 75,000 keys one string object at a time was a visible part of a start-up;
one string split in C is several times quicker. Pure core.
"""

from __future__ import annotations

__all__ = ["PackedTexts", "pack_texts", "packed_count", "unpack_texts"]

#: ``(count, joined)``, or the strings as they are when one of them holds the separator.
PackedTexts = tuple[int, str] | list[str]

_SEPARATOR = "\0"


def pack_texts(texts: list[str]) -> PackedTexts:
    """``texts`` as one string (far quicker to unmarshal), unless one holds the
    separator."""
    joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) != max(0, len(texts) - 1):
        return texts
    return (len(texts), joined)


def packed_count(packed: object) -> int:
    """How many strings ``packed`` holds, without unpacking them; :class:`ValueError` if it
    is not what :func:`pack_texts` makes."""
    if isinstance(packed, list):
        return len(packed)
    if isinstance(packed, tuple) and len(packed) == 2:
        count, joined = packed
        if type(count) is int and type(joined) is str:
            return count
    raise ValueError("not packed strings")


def unpack_texts(packed: PackedTexts) -> list[str]:
    """The strings :func:`pack_texts` packed; :class:`ValueError` if damaged."""
    if isinstance(packed, list):
        return packed
    count, joined = packed
    texts = joined.split(_SEPARATOR) if count else []
    if len(texts) != count:
        raise ValueError("wrong number of strings")
    return texts
