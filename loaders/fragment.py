"""Clean text that remembers where each of its characters stands in the source.

Cleaning a PDF extraction only ever *deletes* characters (line and page breaks, stray spaces in
wrapped cells, markdown bold marks), so clean text is a subsequence of the source and every clean
character keeps its source offset. Provenance spans fall out of that for free, for any substring.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

# CJK ideographs and the full-width punctuation that surrounds them; a space next to one of these
# is layout noise (Chinese is written without spaces), a space between two Latin tokens is not.
_WIDE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u2018-\u201d\u2026\u2014]")


@dataclass(frozen=True, slots=True, eq=False)
class Fragment:
    """``text[i]`` is the source character at ``offsets[i]``.

    Offsets are kept in a compact ``array('l')`` (8 bytes an offset, where a tuple of ints costs
    about 36): a build of many plans holds several offset lists per character of every plan.
    """

    text: str
    offsets: Sequence[int]

    def __post_init__(self) -> None:
        if not isinstance(self.offsets, array):
            object.__setattr__(self, "offsets", array("l", self.offsets))
        if len(self.text) != len(self.offsets):
            raise ValueError("text and offsets differ in length")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fragment):
            return NotImplemented
        return self.text == other.text and self.offsets == other.offsets

    __hash__ = None  # type: ignore[assignment]  # equal fragments need not be hashed

    def __len__(self) -> int:
        return len(self.text)

    def __bool__(self) -> bool:
        return bool(self.text)

    @classmethod
    def raw(cls, source: str, start: int, end: int) -> Fragment:
        """The source characters ``source[start:end]``, uncleaned."""
        return cls(source[start:end], array("l", range(start, end)))

    @classmethod
    def join(cls, parts: Iterable[Fragment]) -> Fragment:
        parts = list(parts)
        offsets = array("l")
        for part in parts:
            offsets.extend(part.offsets)
        return cls("".join(p.text for p in parts), offsets)

    def __getitem__(self, item: slice) -> Fragment:
        if not isinstance(item, slice):
            raise TypeError("Fragment supports slicing only")
        return Fragment(self.text[item], self.offsets[item])

    @property
    def start(self) -> int:
        return self.offsets[0]

    @property
    def end(self) -> int:
        """Exclusive end offset in the source."""
        return self.offsets[-1] + 1

    def keep(self, mask: Iterable[bool]) -> Fragment:
        kept = [(c, o) for c, o, k in zip(self.text, self.offsets, mask, strict=True) if k]
        return Fragment("".join(c for c, _ in kept), tuple(o for _, o in kept))

    def strip(self) -> Fragment:
        text = self.text
        left = len(text) - len(text.lstrip())
        right = len(text.rstrip())
        return self[left:right]

    def find(self, sub: str, start: int = 0) -> int:
        return self.text.find(sub, start)


def clean(fragment: Fragment) -> Fragment:
    """Remove layout noise: bold marks, line/page breaks, and spaces beside Chinese characters.

    Runs of spaces between Latin or digit tokens collapse to one space; nothing else changes.
    """
    text = fragment.text
    keep = [True] * len(text)
    for match in re.finditer(r"\*\*", text):
        keep[match.start()] = keep[match.start() + 1] = False
    # Decide whitespace against the neighbouring *kept* characters.
    visible = [i for i, ch in enumerate(text) if keep[i] and not ch.isspace()]
    for left, right in pairwise(visible):
        gap = range(left + 1, right)
        if not gap:
            continue
        spaces = [i for i in gap if keep[i]]
        if not spaces:
            continue
        wide = _WIDE.match(text[left]) or _WIDE.match(text[right])
        for n, i in enumerate(spaces):
            keep[i] = not wide and n == 0 and text[i] == " "
        if not wide and text[spaces[0]] != " ":
            # A line break between two Latin tokens: keep nothing that is not a plain space.
            keep[spaces[0]] = False
    if visible:
        for i in range(visible[0]):
            keep[i] = False
        for i in range(visible[-1] + 1, len(text)):
            keep[i] = False
    else:
        keep = [False] * len(text)
    return fragment.keep(keep)
