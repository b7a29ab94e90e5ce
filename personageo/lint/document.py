"""The document model every lint rule reads: a markdown body parsed once with markdown-it-py.

:func:`parse_document` turns text into a :class:`Document` holding headings (with the line range
of their section), ``<details>`` wrappers, fences, tables (cells with line/column), images, links,
paragraphs, list items, HTML blocks, the ordered top-level block sequence and the YAML
frontmatter. Sections come from the token stream, never from regexes over the text, so a
``# comment`` inside a code fence cannot end a section.

The text is read once by the markdown layer (:func:`personageo.markdown.parse_body`: front
matter, tokens, positions); the model is built from that :class:`~personageo.markdown.Body`, which
it keeps (``doc.body``) so that the number checker reads the same tokens. All positions are
1-based and come from :class:`personageo.markdown.SourceText`: block items from markdown-it's
token maps, inline items (text runs, images, links, code spans) by searching, in order, inside
the source lines of their block.

The model is public so that the number checker can share it; nothing here knows about rules.

Public API (all line numbers 1-based, ``end_col`` exclusive)::

    doc = parse_document(text, path)
    doc.body                 the markdown layer's Body (tokens, front matter, tables, regions)
    doc.source               SourceText: .text, .lines, .line(n), .position(offset), .offset(l, c)
    doc.frontmatter          dict | None      (doc.frontmatter_lines = (first, last))
    doc.headings             [Heading(level, line, end_line, section_end, runs; .title, .key)]
    doc.sections             [Section(heading, line, end_line)]; find_sections(level, regex,
                             within=section), section(level, regex)
    doc.paragraphs           [Paragraph(line, end_line, raw, in_list, runs; .text, .prose)]
    doc.list_items           [ListItem(line, end_line, depth, ordered, raw, runs)]
    doc.tables               [Table(line, end_line, header=[Cell], rows=[[Cell]], raw_cell_counts)]
                             Cell(line, col, end_col, header, runs; .text, .prose)
    doc.fences               [Fence(info, content, line, end_line, closed, fenced)]
    doc.html_blocks          [HtmlBlock(content, line, end_line)]
    doc.details              [Details(line, col, open, end_line, summary_line, summary_end_line,
                             summary_heading; .closed, .summary_text)]; details_around(line)
    doc.images / doc.links   [Image(src, alt, line, col, end_col, block_line)], [Link(href, text,
                             line, col)]
    doc.blocks               top-level [Block(kind, line, end_line, ref)] in order
    doc.runs                 [(InlineRun(kind text|code, text, line, col, end_col, href, strong,
                             emphasis), owner)]; runs_between(start, end, code=False)
    doc.within(items, a, b) / in_section(items, s) / after(items, line)   (binary search)
    doc.raw_lines(a, b, skip_code=True)
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from personageo.markdown import Body, SourceText, Span, parse_body

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
    body: Body | None = field(default=None, repr=False, compare=False)
    """The parsed body the model was built from (its tokens, front matter, tables)."""
    _indexes: dict = field(default_factory=dict, repr=False, compare=False)

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
        """Items (anything with a ``line``) whose first line is in ``[start, end]``.

        The model's lists are in document order, so this is a binary search (the line index of
        each list is built once); an unsorted list falls back to a scan.
        """
        lines = self._line_index(items)
        if lines is None:
            return [i for i in items if start <= i.line <= end]
        return items[bisect_left(lines, start):bisect_right(lines, end)]

    def in_section(self, items, section: Section) -> list:
        return self.within(items, section.line, section.end_line)

    def after(self, items, line: int) -> list:
        """Items whose first line is after ``line``."""
        return self.within(items, line + 1, self.end_line)

    def _line_index(self, items) -> list[int] | None:
        key = id(items)
        cached = self._indexes.get(key)
        if cached is None or cached[0] is not items or len(cached[1]) != len(items):
            lines = [getattr(i, "line", None) for i in items]
            ok = all(x is not None for x in lines) and all(
                a <= b for a, b in zip(lines, lines[1:], strict=False))
            cached = (items, lines if ok else None)
            self._indexes[key] = cached
        return cached[1]

    def runs_between(self, start: int, end: int, code: bool = False) -> Iterator[InlineRun]:
        """Inline runs whose line is in ``[start, end]`` (code spans only with ``code=True``)."""
        if "runs" not in self._indexes:
            self._indexes["runs"] = (self.runs, [run.line for run, _owner in self.runs])
        lines = self._indexes["runs"][1]
        for run, _owner in self.runs[bisect_left(lines, start):bisect_right(lines, end)]:
            if code or run.kind != "code":
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
        starts = self._line_index(self.details)
        candidates = self.details if starts is None else self.details[:bisect_right(starts, line)]
        for d in reversed(candidates):  # the latest opening is the innermost
            if d.summary_line is not None and d.summary_end_line is not None \
                    and d.summary_line <= line <= d.summary_end_line:
                return d
        return None

    @property
    def end_line(self) -> int:
        return self.source.n_lines


def parse_document(text: str | Body, path: str = "<input>") -> Document:
    """Parse a markdown body (optionally with ``---`` YAML frontmatter) into a :class:`Document`.

    Parameters
    ----------
    text : str or personageo.markdown.Body
        The body (or the body already parsed by the markdown layer); ``\\r\\n`` line ends are
        normalised. Frontmatter lines are parsed as blank lines, so every position stays a
        position of the original text.
    path : str
        Shown in findings.

    Raises
    ------
    personageo.errors.InputError
        When the frontmatter is not valid YAML (with its line and column).
    """
    body = text if isinstance(text, Body) else parse_body(text, path)
    front = body.front
    doc = Document(body.source, path, front.data() if front else None,
                   front.lines_1based if front else None, body=body)
    from personageo.lint._build import Builder

    Builder(doc, body.tokens).build()
    return doc
