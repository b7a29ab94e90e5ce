"""Every numeric claim of a markdown body, with its position and context.

The body is read through the markdown layer (:class:`personageo.markdown.Body`: its tokens,
tables, front matter and positions; lint passes the body it already parsed). Positions come from
the block tokens' line maps; inside a block, each inline child token is located in the source
lines with a forward cursor, so columns are those of the source text (1-based, in characters).
Code spans, fences, HTML, link targets and images are never scanned; the collapsed setup card
(``<details>`` whose summary says "Setup details") is scanned but marked ``setup`` — its numbers
are checked only when the claims sidecar binds them. Table header cells and key columns (Layer,
LR, Method, ...) are context, not claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it.token import Token

from personageo.lint.numbers._scan import Excluded, scan
from personageo.lint.numbers._text import (
    CAPTION_PARAGRAPHS,
    TABLE_CAPTION,
    caption_below,
    plain_text,
    sentence_at,
    strip_markup,
)
from personageo.markdown import Body, Table, parse_body
from personageo.numfmt import Parsed, parse_number

_KEY_HEADER = re.compile(
    r"^\s*(?:layer|layers|lr|learning rate|condition|method|training method|data|data type|"
    r"seed|step|steps|model|persona|metric|cell|group)s?\s*$", re.I)
_CAPTION_START = re.compile(r"^\s*(?:\*\*|__)?\s*(?:Figure|Fig\.|Table)\s*\d+", re.I)


@dataclass
class TableContext:
    table: int
    """Index of the table in the body."""
    row: int
    """0-based body row."""
    column: int
    row_header: str
    """The row's key cells (non-numeric or key-column cells), joined with `` | ``."""
    row_keys: list[tuple[str, str]]
    """(column header, cell text) of each key cell."""
    column_header: str
    caption: str
    """The paragraph right above the table (its title), possibly empty."""


@dataclass
class RawClaim:
    text: str
    parsed: Parsed
    line: int
    col: int
    end_col: int
    context: str
    """``prose``, ``table``, ``caption``, ``list`` or ``setup``."""
    form: str
    role: str
    group: int
    """Global compound id: numbers of one range / count / arrow share it."""
    index_in_group: int = 0
    approx: bool = False
    table: TableContext | None = None
    hidden: str | None = None
    """Why this number is not a claim by itself (an exclusion rule, ``table key``, ``table
    header``): it becomes one only where the claims sidecar binds it."""
    before: str = ""
    after: str = ""
    """Up to 20 / 30 characters of the text around the number (for prose units: "66 pairs")."""
    sentence: str = ""
    """The sentence around the number, as plain text (emphasis and code markup dropped)."""
    at: int = 0
    """Offset of the number in :attr:`sentence`."""


@dataclass
class Extraction:
    claims: list[RawClaim] = field(default_factory=list)
    excluded: list[tuple[int, int, Excluded]] = field(default_factory=list)
    """(line, col, what) for every number-like text that was left out, with its rule."""
    hidden: list[RawClaim] = field(default_factory=list)
    """Numbers that are no claims by themselves (excluded, table headers and key cells), kept
    with their positions for the sidecar: a number the renderer bound is checked anyway."""


class _Extractor:
    def __init__(self, body: Body) -> None:
        self.source = body.source
        self.lines = body.lines
        self.by_open = {t.open_index: t for t in body.tables}
        self.out = Extraction()
        self.group = 0
        self.tables = 0

    # ---------------------------------------------------------------- inline walking
    def inline(self, tok: Token, context: str, table: TableContext | None = None,
               cursor_start: int = 0) -> list[RawClaim]:
        """Scan the text children of one inline token; return the claims found."""
        if tok.map is None:
            return []
        base, end = self.source.block_bounds(tok.map)
        src = self.source.text[base:end]
        cursor = cursor_start
        skip_depth = 0  # inside an autolink or an inline <code>
        found: list[RawClaim] = []
        plain, offsets = plain_text(tok)
        for n, child in enumerate(tok.children or []):
            t = child.type
            if t == "text":
                if skip_depth:
                    cursor = _advance(src, child.content, cursor)
                    continue
                found.extend(self.scan_text(child.content, src, base, cursor, context, table,
                                            (plain, offsets.get(n, -1))))
                cursor = _advance(src, child.content, cursor)
            elif t == "code_inline":
                cursor = _advance(src, child.markup + child.content, cursor)
            elif t == "html_inline":
                low = child.content.lower()
                if low.startswith("<code") or low.startswith("<kbd"):
                    skip_depth += 1
                elif low.startswith("</code") or low.startswith("</kbd"):
                    skip_depth = max(0, skip_depth - 1)
                cursor = _advance(src, child.content, cursor)
            elif t == "link_open" and child.markup == "autolink":
                skip_depth += 1
            elif t == "link_close" and child.markup == "autolink":
                skip_depth = max(0, skip_depth - 1)
                cursor = _skip_to(src, ">", cursor)
            elif t == "link_close":
                if src.startswith("](", cursor):
                    cursor = _skip_paren(src, cursor + 1)
            elif t == "image":
                at = src.find("![", cursor)
                if at >= 0:
                    close = src.find("](", at)
                    cursor = _skip_paren(src, close + 1) if close >= 0 else cursor
        return found

    def scan_text(self, content: str, src: str, base: int, cursor: int, context: str,
                  table: TableContext | None, plain: tuple[str, int] = ("", -1)
                  ) -> list[RawClaim]:
        """Claims of one text run; ``src`` is the source of its block, at offset ``base``."""
        at = src.find(content, cursor)
        if plain[1] < 0:
            plain = (content, 0)
        numbers, excluded = scan(content)
        claims = []
        groups: dict[int, int] = {}
        for f in numbers:
            if at >= 0:
                offset = at + f.start
            else:  # the text was unescaped by the parser: find the number itself
                offset = src.find(f.text, cursor)
                if offset < 0:
                    continue
            line, col = self.source.position(base + offset)
            gid = groups.setdefault(f.group, self.group + len(groups))
            claims.append(RawClaim(
                text=f.text, parsed=f.parsed, line=line, col=col, end_col=col + len(f.text), context=context, form=f.form, role=f.role,
                group=gid, approx=f.approx, table=table,
                before=content[max(0, f.start - 20):f.start], after=content[f.end:f.end + 30],
                **sentence_at(plain[0], plain[1] + f.start)))
        self.group += len(groups)
        for e in excluded:
            offset = at + e.start if at >= 0 else src.find(e.text, cursor)
            if offset >= 0:
                line, col = self.source.position(base + offset)
                self.out.excluded.append((line, col, e))
                try:
                    parsed = parse_number(e.text)
                except ValueError:
                    continue
                self.out.hidden.append(RawClaim(
                    text=e.text, parsed=parsed, line=line, col=col,
                    end_col=col + len(e.text), context=context, form="single",
                    role="value", group=-1, table=table, hidden=e.rule))
        # index inside each compound (for positional headers such as "L7 / L14 / L20")
        seen: dict[int, int] = {}
        for c in claims:
            c.index_in_group = seen.get(c.group, 0)
            seen[c.group] = c.index_in_group + 1
        return claims

    # ---------------------------------------------------------------- blocks
    def run(self, tokens: list[Token]) -> Extraction:
        setup_until = -1  # last line (0-based, exclusive) of the setup card
        list_depth = 0
        paragraphs: list[str] = []  # since the last heading or table: a table's caption
        consumed = -1  # source line of the caption below the last table
        after_image = False
        table_no = 0
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            t = tok.type
            if t == "html_block" and tok.map is not None:
                if re.search(r"<details(?![^>]*\bopen\b)[^>]*>", tok.content) and \
                        "setup details" in tok.content.lower():
                    setup_until = _details_end(tokens, i, len(self.lines))
            elif t in ("bullet_list_open", "ordered_list_open"):
                list_depth += 1
            elif t in ("bullet_list_close", "ordered_list_close"):
                list_depth -= 1
            elif t == "heading_open":
                self.out.claims.extend(self.inline(tokens[i + 1], "prose"))
                paragraphs, after_image = [], False
                i += 3
                continue
            elif t == "table_open":
                below, consumed = caption_below(tokens, i)
                caption = "\n".join(paragraphs[-CAPTION_PARAGRAPHS:] + ([below] if below else []))
                i = self.table(self.by_open[i], table_no, caption)
                table_no = self.tables
                paragraphs = []
                continue
            elif t == "inline" and tok.map is not None:
                in_setup = tok.map[0] < setup_until
                has_image = any(c.type == "image" for c in tok.children or [])
                if in_setup:
                    context = "setup"
                elif after_image or has_image or _CAPTION_START.match(tok.content):
                    context = "caption"
                elif list_depth:
                    context = "list"
                else:
                    context = "prose"
                self.out.claims.extend(self.inline(tok, context))
                if tok.map[0] == consumed:
                    paragraphs = []  # the caption below the previous table is that table's
                elif context == "caption" and not TABLE_CAPTION.match(tok.content):
                    paragraphs = []  # a figure's caption titles the figure, not a table
                elif not list_depth:
                    paragraphs.append(strip_markup(tok.content))
                after_image = has_image
            i += 1
        return self.out

    def table(self, found: Table, table_no: int, caption: str) -> int:
        """Walk one markdown-it table; returns the index after it.

        Scraped or hand-pasted bodies often lack the blank line between a table and what follows,
        so one markdown-it table may hold several: a row whose source line has no pipe is a
        caption line (scanned as such), and a row followed by a delimiter row (``|---|``) starts
        a new table with its own headers."""
        rows = [list(row.cells) for row in found.rows]
        head_rows = {r for r, row in enumerate(found.rows) if row.header}
        headers: list[str] = []
        body_row = 0
        loose = False
        for r, cells in enumerate(rows):
            src = self.lines[cells[0].map[0]] if cells[0].map else ""
            if "|" not in src:
                self.out.claims.extend(self.inline(cells[0], "caption"))
                caption = f"{caption}\n{src}" if loose else src
                loose = True
                continue
            loose = False
            if _is_delimiter(cells):
                continue
            if r in head_rows or r + 1 < len(rows) and _is_delimiter(rows[r + 1]):
                if headers:
                    table_no += 1
                headers, body_row = [c.content for c in cells], 0
                for _, cell, at in self.cells_at(cells):
                    self.hide(self.inline(cell, "table", None, cursor_start=at), "table header")
                continue
            self.table_row(cells, headers, table_no, body_row, caption)
            body_row += 1
        self.tables = table_no + 1
        return found.close_index + 1

    def table_row(self, cells: list[Token], headers: list[str], table_no: int, row: int,
                  caption: str) -> None:
        keys = []
        for k, cell in enumerate(cells):
            head = headers[k] if k < len(headers) else ""
            if _KEY_HEADER.match(head) or not scan(cell.content)[0]:
                keys.append((k, cell.content.strip()))
        key_cols = {k for k, _ in keys}
        row_header = " | ".join(text for _, text in keys)
        for k, cell, at in self.cells_at(cells):
            if k in key_cols:
                self.hide(self.inline(cell, "table", None, cursor_start=at), "table key")
                continue
            ctx = TableContext(table_no, row, k, row_header,
                               [(headers[c] if c < len(headers) else "", t) for c, t in keys],
                               headers[k] if k < len(headers) else "", caption)
            self.out.claims.extend(self.inline(cell, "table", ctx, cursor_start=at))

    def cells_at(self, cells: list[Token]):
        """(index, cell, offset of the cell in its source line): cells share one line, so each
        is located after the previous one."""
        cursor = 0
        line_src = self.lines[cells[0].map[0]] if cells and cells[0].map else ""
        for k, cell in enumerate(cells):
            at = line_src.find(cell.content, cursor) if cell.content else -1
            if at >= 0:
                cursor = at + len(cell.content)
            yield k, cell, at if at >= 0 else cursor

    def hide(self, claims: list[RawClaim], why: str) -> None:
        for c in claims:
            c.hidden = why
        self.out.hidden.extend(claims)


def _is_delimiter(cells: list[Token]) -> bool:
    filled = [c.content for c in cells if c.content.strip()]  # short rows are padded
    return bool(filled) and all(re.fullmatch(r"\s*:?-{1,}:?\s*", c) for c in filled)


def _advance(src: str, piece: str, cursor: int) -> int:
    at = src.find(piece, cursor)
    return at + len(piece) if at >= 0 else cursor


def _skip_to(src: str, char: str, cursor: int) -> int:
    at = src.find(char, cursor)
    return at + 1 if at >= 0 else cursor


def _skip_paren(src: str, open_at: int) -> int:
    """Index after the ``)`` matching the ``(`` at ``open_at`` (or ``open_at`` if none)."""
    if open_at >= len(src) or src[open_at] != "(":
        return open_at
    depth = 0
    for k in range(open_at, len(src)):
        if src[k] == "(":
            depth += 1
        elif src[k] == ")":
            depth -= 1
            if depth == 0:
                return k + 1
    return open_at


def _details_end(tokens: list[Token], i: int, n_lines: int) -> int:
    """Line after the ``</details>`` closing the card opened at token ``i``.

    Unclosed cards end at the next heading, so one broken tag cannot hide the rest."""
    depth = 0
    for tok in tokens[i:]:
        if tok.type in ("html_block", "html_inline"):
            depth += len(re.findall(r"<details\b", tok.content, re.I))
            depth -= len(re.findall(r"</details\s*>", tok.content, re.I))
            if depth <= 0 and tok.map is not None:
                return tok.map[1]
        elif tok.type == "heading_open" and tok.map is not None and depth > 0:
            return tok.map[0]
    return n_lines


def extract(source: str | Body) -> Extraction:
    """Every numeric claim of ``source`` (a markdown body, or the :class:`Body` already parsed)
    in document order; the front matter's ``title:`` line comes first."""
    body = source if isinstance(source, Body) else parse_body(source)
    ex = _Extractor(body)
    out = ex.run(body.tokens)
    if body.front is not None and body.front.title_line is not None:
        index = body.front.title_line
        line = body.lines[index]
        title = ex.scan_text(line[len("title:"):], line, body.source.offset(index + 1),
                             len("title:"), "prose", None)
        out.claims = title + out.claims
    return out
