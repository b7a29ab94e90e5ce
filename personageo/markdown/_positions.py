"""1-based line/column positions: the one position engine (lint findings, rendered claims).

Columns count characters (code points), not bytes: ``αβ`` is two columns.

markdown-it-py gives line maps only on block tokens (``token.map = [first_line, end_line)``,
0-based, end exclusive). Inline items (text runs, code spans, images, links) have no map, so their
columns are found by searching, in order, for their source text inside the lines of the block that
holds them. :class:`SourceText` does both conversions.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """A 1-based range of the source: ``(line, col)`` up to ``(end_line, end_col)`` exclusive."""

    line: int
    col: int
    end_line: int
    end_col: int


class SourceText:
    """The linted text with fast offset <-> (line, col) conversion.

    Parameters
    ----------
    text : str
        The whole document, newlines already normalised to ``\\n``.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        starts = [0]
        for line in self.lines[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        self._starts = starts

    @property
    def n_lines(self) -> int:
        return len(self.lines)

    def line(self, number: int) -> str:
        """The source of 1-based line ``number`` ('' outside the document)."""
        return self.lines[number - 1] if 1 <= number <= len(self.lines) else ""

    def offset(self, line: int, col: int = 1) -> int:
        """Absolute character offset of a 1-based position."""
        line = min(max(line, 1), len(self.lines))
        return self._starts[line - 1] + col - 1

    def position(self, offset: int) -> tuple[int, int]:
        """1-based ``(line, col)`` of an absolute character offset."""
        index = bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def span(self, start: int, end: int) -> Span:
        """The :class:`Span` of absolute offsets ``[start, end)``."""
        line, col = self.position(start)
        end_line, end_col = self.position(end)
        return Span(line, col, end_line, end_col)

    def block_bounds(self, token_map: list[int] | tuple[int, int] | None) -> tuple[int, int]:
        """Absolute ``[start, end)`` offsets of the lines a block token's ``map`` covers."""
        if not token_map:
            return 0, len(self.text)
        first, last = token_map
        start = self._starts[min(first, len(self._starts) - 1)]
        end = self._starts[last] - 1 if last < len(self._starts) else len(self.text)
        return start, max(start, end)


class BlockCursor:
    """Finds inline items of one block in source order.

    Each :meth:`find` searches forward from the end of the previous hit, so a word that occurs
    twice in a paragraph gets two different columns. When a needle cannot be found (escapes and
    entities change the text), the cursor stays put and the position falls back to the cursor.
    """

    def __init__(self, source: SourceText, token_map) -> None:
        self.source = source
        self.start, self.end = source.block_bounds(token_map)
        self.cursor = self.start

    def find(self, needle: str, advance: bool = True) -> tuple[int, int, bool]:
        """Absolute ``(start, end, found)`` of the next occurrence of ``needle``."""
        if needle:
            hit = self.source.text.find(needle, self.cursor, self.end)
            if hit >= 0:
                if advance:
                    self.cursor = hit + len(needle)
                return hit, hit + len(needle), True
        return self.cursor, self.cursor + len(needle), False
