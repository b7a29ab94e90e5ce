"""Pipe tables: their rows (inline cell tokens, header or not) and each cell's columns.

markdown-it-py gives a table's rows line maps but no cell columns; :func:`cell_columns` splits a
row's source line by GitHub's pipe rules (an escaped ``\\|`` does not split), so every cell has a
1-based ``[col, end_col)`` in its line.
"""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it.token import Token


@dataclass(frozen=True)
class Row:
    line: int | None
    """1-based line of the row (``None`` if markdown-it gave no map)."""
    header: bool
    """True for the row(s) of the table head."""
    cells: tuple[Token, ...]
    """The inline token of each cell, in order."""

    @property
    def texts(self) -> list[str]:
        """Each cell's source text, stripped."""
        return [c.content.strip() for c in self.cells]


@dataclass(frozen=True)
class Table:
    open_index: int
    """Index of the ``table_open`` token in the body's token list."""
    close_index: int
    """Index of its ``table_close`` token."""
    line: int
    end_line: int
    """1-based first and last line."""
    rows: tuple[Row, ...]


def find_tables(tokens: list[Token]) -> list[Table]:
    """Every table of a token stream, in order (rows without cells are left out)."""
    out: list[Table] = []
    i = 0
    while i < len(tokens):
        if tokens[i].type != "table_open":
            i += 1
            continue
        start, rows, cells, head, line = i, [], [], False, None
        while i < len(tokens) and tokens[i].type != "table_close":
            tok = tokens[i]
            if tok.type == "thead_open":
                head = True
            elif tok.type == "thead_close":
                head = False
            elif tok.type == "tr_open":
                cells, line = [], tok.map[0] + 1 if tok.map else None
            elif tok.type == "inline":
                cells.append(tok)
            elif tok.type == "tr_close" and cells:
                rows.append(Row(line, head, tuple(cells)))
            i += 1
        first, last = tokens[start].map or (0, 0)
        out.append(Table(start, i, first + 1, last, tuple(rows)))
        i += 1
    return out


def split_row(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` 0-based columns of the cells of one table row (GFM pipe rules)."""
    cells, start, i = [], 0, 0
    stripped = text.rstrip()
    lead = len(stripped) - len(stripped.lstrip())
    if stripped[lead:lead + 1] == "|":
        start = lead + 1
    i = start
    while i < len(stripped):
        if stripped[i] == "\\":
            i += 2
            continue
        if stripped[i] == "|":
            cells.append((start, i))
            start = i + 1
        i += 1
    if start < len(stripped):
        cells.append((start, len(stripped)))
    return cells


def cell_columns(text: str) -> list[tuple[int, int]]:
    """1-based ``(col, end_col)`` (end exclusive) of each cell's content in a row's source line,
    blanks around it left out; an empty cell is ``(col, col)`` at its start."""
    out = []
    for a, b in split_row(text):
        seg = text[a:b]
        if not seg.strip():
            out.append((a + 1, a + 1))
            continue
        pad = len(seg) - len(seg.lstrip())
        out.append((a + pad + 1, a + len(seg.rstrip()) + 1))
    return out
