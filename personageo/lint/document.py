"""The document model every lint rule reads: a markdown body parsed once with markdown-it-py.

:func:`parse_document` turns text into a :class:`Document` holding headings (with the line range
of their section), ``<details>`` wrappers, fences, tables (cells with line/column), images, links,
paragraphs, list items, HTML blocks, the ordered top-level block sequence and the YAML
frontmatter. Sections come from the token stream, never from regexes over the text, so a
``# comment`` inside a code fence cannot end a section.

All positions are 1-based and come from :mod:`personageo.lint.positions`: block items from
markdown-it's token maps, inline items (text runs, images, links, code spans) by searching, in
order, inside the source lines of their block.

The model is public so that the number checker can share it; nothing here knows about rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

from personageo.lint.frontmatter import split_frontmatter
from personageo.lint.html import scan_details
from personageo.lint.positions import BlockCursor, SourceText, Span

__all__ = [
    "Block", "Cell", "Details", "Document", "Fence", "Heading", "HtmlBlock", "Image", "InlineRun",
    "Link", "ListItem", "Paragraph", "Section", "Span", "Table", "parse_document",
]


@dataclass(frozen=True)
class InlineRun:
    """One inline piece of text: ``kind`` is ``text``, ``code`` (a code span) or ``break``."""

    kind: str
    text: str
    line: int
    col: int
    end_col: int
    href: str | None = None
    """Target of the enclosing link, when the run is link text."""
    strong: bool = False
    emphasis: bool = False


@dataclass(frozen=True)
class Image:
    src: str
    alt: str
    line: int
    col: int
    end_col: int
    block_line: int
    """First line of the paragraph that holds the image."""


@dataclass(frozen=True)
class Link:
    href: str
    text: str
    line: int
    col: int


@dataclass
class _Inlines:
    runs: list[InlineRun] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Plain text with code spans and line breaks (as spaces)."""
        return "".join(" " if r.kind == "break" else r.text for r in self.runs)

    @property
    def prose(self) -> str:
        """Plain text without code spans."""
        return "".join(" " if r.kind in ("break", "code") else r.text for r in self.runs)


@dataclass
class Heading(_Inlines):
    level: int = 1
    line: int = 1
    end_line: int = 1
    """Last line of the heading itself."""
    section_end: int = 1
    """Last line of the heading's section (before the next heading of the same or a higher level)."""

    @property
    def title(self) -> str:
        """Heading text, stripped of markup and surrounding whitespace/colons."""
        return self.text.strip().rstrip(":").strip()

    @property
    def key(self) -> str:
        return self.title.lower()


@dataclass
class Section:
    """A heading and the lines under it, up to the next heading of the same or higher level."""

    heading: Heading
    line: int
    end_line: int

    def contains(self, line: int) -> bool:
        return self.line <= line <= self.end_line


@dataclass
class Paragraph(_Inlines):
    line: int = 1
    end_line: int = 1
    raw: str = ""
    """The paragraph's source lines, markup included (indentation stripped)."""
    in_list: bool = False


@dataclass
class ListItem(_Inlines):
    line: int = 1
    end_line: int = 1
    depth: int = 0
    """0 for items of an outermost list, 1 for items nested one level, ..."""
    ordered: bool = False
    raw: str = ""
    """Source of the item's first paragraph, without the list marker."""


@dataclass
class Cell(_Inlines):
    line: int = 1
    col: int = 1
    end_col: int = 1
    header: bool = False


@dataclass
class Table:
    line: int
    end_line: int
    header: list[Cell]
    rows: list[list[Cell]]
    raw_cell_counts: list[int]
    """Number of cells written on each source row (header, delimiter, body rows)."""


@dataclass(frozen=True)
class Fence:
    info: str
    content: str
    line: int
    end_line: int
    closed: bool
    """False when the fence runs to the end of the document without a closing marker."""
    fenced: bool = True
    """False for an indented code block."""


@dataclass(frozen=True)
class HtmlBlock:
    content: str
    line: int
    end_line: int


@dataclass
class Details:
    """A ``<details>`` wrapper; ``summary_*`` describe its ``<summary>`` part."""

    line: int
    col: int
    open: bool
    end_line: int | None = None
    """Line of ``</details>``; ``None`` when never closed."""
    summary_line: int | None = None
    summary_end_line: int | None = None
    summary_html: str = ""
    summary_heading: Heading | None = None

    @property
    def closed(self) -> bool:
        return self.end_line is not None

    @property
    def summary_text(self) -> str:
        if self.summary_heading is not None:
            return (self.summary_html + " " + self.summary_heading.text).strip()
        return self.summary_html.strip()


@dataclass(frozen=True)
class Block:
    """One entry of the top-level block sequence (``kind`` is the markdown-it block type)."""

    kind: str
    line: int
    end_line: int
    ref: object = None


@dataclass
class Document:
    """A parsed markdown body. Build it with :func:`parse_document`."""

    source: SourceText
    path: str = "<input>"
    frontmatter: dict | None = None
    frontmatter_lines: tuple[int, int] | None = None
    headings: list[Heading] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    list_items: list[ListItem] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    fences: list[Fence] = field(default_factory=list)
    html_blocks: list[HtmlBlock] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    details: list[Details] = field(default_factory=list)
    runs: list[tuple[InlineRun, object]] = field(default_factory=list)
    """Every inline run of the document with the item (paragraph, cell, ...) that holds it."""

    # -- sections ---------------------------------------------------------------------------
    @cached_property
    def sections(self) -> list[Section]:
        return [Section(h, h.line, h.section_end) for h in self.headings]

    def find_sections(self, level: int | None = None, match: str | None = None,
                      within: Section | None = None) -> list[Section]:
        """Sections whose heading has ``level`` and whose title matches regex ``match`` (case-insensitive)."""
        pattern = re.compile(match, re.I) if match else None
        out = []
        for s in self.sections:
            if level is not None and s.heading.level != level:
                continue
            if within is not None and not (within.line < s.line <= within.end_line):
                continue
            if pattern and not pattern.search(s.heading.title):
                continue
            out.append(s)
        return out

    def section(self, level: int | None, match: str, within: Section | None = None) -> Section | None:
        found = self.find_sections(level, match, within)
        return found[0] if found else None

    # -- items by range ---------------------------------------------------------------------
    def within(self, items, start: int, end: int) -> list:
        """Items (anything with a ``line``) whose first line is in ``[start, end]``."""
        return [i for i in items if start <= i.line <= end]

    def in_section(self, items, section: Section) -> list:
        return self.within(items, section.line, section.end_line)

    def runs_between(self, start: int, end: int, code: bool = False) -> Iterator[InlineRun]:
        """Inline runs whose line is in ``[start, end]`` (code spans only with ``code=True``)."""
        for run, _owner in self.runs:
            if start <= run.line <= end and run.kind != "break" and (code or run.kind != "code"):
                yield run

    def raw_lines(self, start: int, end: int, skip_code: bool = True) -> Iterator[tuple[int, str]]:
        """``(line_number, text)`` for source lines in ``[start, end]``, fences skipped by default."""
        fenced = set()
        if skip_code:
            for f in self.fences:
                fenced.update(range(f.line, f.end_line + 1))
        for n in range(max(start, 1), min(end, self.source.n_lines) + 1):
            if n not in fenced:
                yield n, self.source.line(n)

    def details_around(self, line: int) -> Details | None:
        """The innermost ``<details>`` whose ``<summary>`` spans ``line``."""
        best = None
        for d in self.details:
            if d.summary_line is not None and d.summary_end_line is not None:
                if d.summary_line <= line <= d.summary_end_line:
                    if best is None or d.line >= best.line:
                        best = d
        return best

    @property
    def end_line(self) -> int:
        return self.source.n_lines


class _Builder:
    """Walks markdown-it's token stream once and fills a :class:`Document`."""

    def __init__(self, doc: Document, tokens: list[Token]) -> None:
        self.doc, self.tokens, self.src = doc, tokens, doc.source

    def build(self) -> None:
        list_depth, list_ordered, item_stack, quote_depth = -1, [], [], 0
        table: Table | None = None
        row: list[Cell] | None = None
        for i, tok in enumerate(self.tokens):
            t = tok.type
            if tok.map and tok.level == 0 and not t.endswith("_close"):
                kind = t.removesuffix("_open")
                self.doc.blocks.append(Block(kind, tok.map[0] + 1, tok.map[1], None))
            if t == "blockquote_open":
                quote_depth += 1
            elif t == "blockquote_close":
                quote_depth -= 1
            elif t in ("bullet_list_open", "ordered_list_open"):
                list_depth += 1
                list_ordered.append(t == "ordered_list_open")
            elif t in ("bullet_list_close", "ordered_list_close"):
                list_depth -= 1
                list_ordered.pop()
            elif t == "list_item_open":
                item = ListItem(line=tok.map[0] + 1, end_line=tok.map[1], depth=list_depth,
                                ordered=list_ordered[-1])
                item_stack.append(item)
                self.doc.list_items.append(item)
            elif t == "list_item_close":
                item_stack.pop()
            elif t == "heading_open":
                inline = self.tokens[i + 1]
                h = Heading(level=int(tok.tag[1]), line=tok.map[0] + 1, end_line=tok.map[1])
                self._inline(inline, h)
                self.doc.headings.append(h)
            elif t == "paragraph_open":
                inline = self.tokens[i + 1]
                raw = self._raw(tok.map)
                if quote_depth:
                    raw = "\n".join(re.sub(r"^(?:>\s?)+", "", x) for x in raw.split("\n"))
                if item_stack and tok.map[0] + 1 == item_stack[-1].line:
                    raw = _LIST_MARKER.sub("", raw, count=1)
                p = Paragraph(line=tok.map[0] + 1, end_line=tok.map[1], raw=raw,
                              in_list=bool(item_stack))
                self._inline(inline, p)
                self.doc.paragraphs.append(p)
                if item_stack:
                    item_stack[-1].runs.extend(p.runs)
                    if not item_stack[-1].raw:
                        item_stack[-1].raw = p.raw
                self._retag_block(tok, p)
            elif t in ("fence", "code_block"):
                self.doc.fences.append(self._fence(tok))
            elif t == "html_block":
                self.doc.html_blocks.append(HtmlBlock(tok.content, tok.map[0] + 1, tok.map[1]))
            elif t == "table_open":
                table = Table(tok.map[0] + 1, tok.map[1], [], [], self._raw_cell_counts(tok.map))
                self.doc.tables.append(table)
            elif t == "tr_open":
                row = []
                row_line = tok.map[0] + 1 if tok.map else (table.line if table else 1)
                cell_cols = self._cell_columns(row_line)
            elif t in ("th_open", "td_open") and row is not None:
                inline = self.tokens[i + 1]
                n = len(row)
                col, end_col = cell_cols[n] if n < len(cell_cols) else (1, 1)
                cell = Cell(line=row_line, col=col, end_col=end_col, header=t == "th_open")
                self._inline(inline, cell, cursor_from=(row_line, col))
                row.append(cell)
            elif t == "tr_close" and table is not None and row is not None:
                if row and row[0].header:
                    table.header = row
                else:
                    table.rows.append(row)
                row = None
        self._sections()
        self._details()

    # -- helpers ----------------------------------------------------------------------------
    def _raw(self, token_map) -> str:
        start, end = self.src.block_bounds(token_map)
        return "\n".join(line.strip() for line in self.src.text[start:end].split("\n"))

    def _retag_block(self, tok: Token, p: Paragraph) -> None:
        if tok.level == 0 and self.doc.blocks and self.doc.blocks[-1].line == p.line:
            last = self.doc.blocks[-1]
            self.doc.blocks[-1] = Block(last.kind, last.line, last.end_line, p)

    def _fence(self, tok: Token) -> Fence:
        first, last = tok.map
        if tok.type == "code_block":
            return Fence("", tok.content, first + 1, last, True, fenced=False)
        closing = self.src.line(last).strip()
        marker = tok.markup or "```"
        closed = last - first >= 2 and closing.startswith(marker[0] * len(marker)) \
            and set(closing) <= {marker[0]}
        return Fence(tok.info.strip(), tok.content, first + 1, last, closed)

    def _split_row(self, text: str) -> list[tuple[int, int]]:
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

    def _cell_columns(self, line: int) -> list[tuple[int, int]]:
        out = []
        text = self.src.line(line)
        for a, b in self._split_row(text):
            seg = text[a:b]
            if not seg.strip():
                out.append((a + 1, a + 1))
                continue
            pad = len(seg) - len(seg.lstrip())
            out.append((a + pad + 1, a + len(seg.rstrip()) + 1))
        return out

    def _raw_cell_counts(self, token_map) -> list[int]:
        return [len(self._split_row(self.src.line(n))) for n in range(token_map[0] + 1, token_map[1] + 1)]

    def _inline(self, inline: Token, owner, cursor_from: tuple[int, int] | None = None) -> None:
        cursor = BlockCursor(self.src, inline.map)
        if cursor_from is not None:
            cursor.cursor = self.src.offset(*cursor_from)
        href, strong, em = None, 0, 0
        for child in inline.children or []:
            ct = child.type
            if ct == "link_open":
                href = child.attrs.get("href", "")
                a, _b, _ = cursor.find("<" if child.markup == "autolink" else "[", advance=False)
                line, col = self.src.position(a)
                self.doc.links.append(Link(str(href), "", line, col))
            elif ct == "link_close":
                href = None
            elif ct == "strong_open":
                strong += 1
            elif ct == "strong_close":
                strong -= 1
            elif ct == "em_open":
                em += 1
            elif ct == "em_close":
                em -= 1
            elif ct in ("text", "code_inline"):
                a, b, _ = cursor.find(child.content)
                line, col = self.src.position(a)
                run = InlineRun("code" if ct == "code_inline" else "text", child.content, line, col,
                                col + (b - a), str(href) if href is not None else None,
                                strong > 0, em > 0)
                owner.runs.append(run)
                self.doc.runs.append((run, owner))
                if href is not None and self.doc.links and not self.doc.links[-1].text:
                    last = self.doc.links[-1]
                    self.doc.links[-1] = Link(last.href, child.content, last.line, last.col)
            elif ct in ("softbreak", "hardbreak"):
                run = InlineRun("break", "\n", 0, 0, 0)
                owner.runs.append(run)
            elif ct == "image":
                src = str(child.attrs.get("src", ""))
                a, _b, _ = cursor.find("![")
                _s, e, found = cursor.find(src) if src else (a, a, False)
                end = e + 1 if found else a + 2
                line, col = self.src.position(a)
                block_line = inline.map[0] + 1 if inline.map else line
                self.doc.images.append(Image(src, child.content, line, col,
                                             col + (end - a), block_line))

    def _sections(self) -> None:
        heads = self.doc.headings
        for k, h in enumerate(heads):
            end = self.doc.end_line
            for later in heads[k + 1:]:
                if later.level <= h.level:
                    end = later.line - 1
                    break
            h.section_end = end

    def _details(self) -> None:
        for d in scan_details(self.doc.html_blocks):
            if d.summary_line is not None and d.summary_end_line is not None:
                for h in self.doc.headings:
                    if d.summary_line < h.line < d.summary_end_line:
                        d.summary_heading = h
                        break
            self.doc.details.append(d)


_LIST_MARKER = re.compile(r"^(?:>\s?)*(?:[-*+]|\d{1,9}[.)])[ \t]+")
_MD = MarkdownIt("commonmark", {"html": True}).enable("table")


def parse_document(text: str, path: str = "<input>") -> Document:
    """Parse a markdown body (optionally with ``---`` YAML frontmatter) into a :class:`Document`.

    Parameters
    ----------
    text : str
        The body; ``\\r\\n`` line ends are normalised. Frontmatter lines are blanked before
        parsing, so every position stays a position of the original text.
    path : str
        Shown in findings.

    Raises
    ------
    personageo.errors.InputError
        When the frontmatter is not valid YAML (with its line and column).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    meta, fm_lines, body_for_parser = split_frontmatter(text, path)
    doc = Document(SourceText(text), path, meta, fm_lines)
    # The parser sees blank lines in place of the frontmatter, so token maps are lines of `text`.
    tokens = _MD.parse(body_for_parser)
    _Builder(doc, tokens).build()
    return doc

