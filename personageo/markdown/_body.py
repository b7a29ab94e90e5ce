"""A body parsed once: its text, lines and positions, front matter, tokens, tables, regions."""

from __future__ import annotations

from functools import cached_property

from markdown_it.token import Token

from personageo.markdown._front import FrontMatter, read_front_matter
from personageo.markdown._positions import SourceText
from personageo.markdown._regions import BodyRegions, find_regions
from personageo.markdown._tables import Table, find_tables
from personageo.markdown._tokens import tokenize


def normalise(text: str) -> str:
    """``\\r\\n`` and ``\\r`` line ends as ``\\n``, a leading byte-order mark dropped."""
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as every reader of a body counts them (see :func:`normalise`)."""
    return normalise(text).split("\n")


class Body:
    """One markdown body (write-up, tracker export or narrative), parsed once.

    Everything is computed on first use and kept, so every reader of the same :class:`Body`
    shares one tokenisation. Line indices are 0-based where they index :attr:`lines`; positions
    shown to people (:attr:`source`, :class:`~personageo.markdown.Span`) are 1-based.

    Parameters
    ----------
    text : str
        The body; line ends are normalised (see :func:`normalise`).
    path : str
        Named in errors (front matter YAML).
    """

    def __init__(self, text: str, path: str = "<input>") -> None:
        self.text = normalise(text)
        self.path = path
        self.source = SourceText(self.text)
        self.lines: list[str] = self.source.lines
        self.front: FrontMatter | None = read_front_matter(self.lines, path)

    @property
    def body_start(self) -> int:
        """0-based index of the first line after the front matter (0 without one)."""
        return self.front.body_start if self.front else 0

    @cached_property
    def tokens(self) -> list[Token]:
        """markdown-it's tokens of the body; the front matter is parsed as blank lines, so
        every token map is a line range of :attr:`text`. Shared: do not modify them."""
        if not self.front:
            return tokenize(self.text)
        return tokenize("\n" * self.body_start + "\n".join(self.lines[self.body_start:]))

    @cached_property
    def code_lines(self) -> set[int]:
        """0-based indices of the lines inside fenced or indented code."""
        out: set[int] = set()
        for tok in self.tokens:
            if tok.type in ("fence", "code_block") and tok.map:
                out.update(range(tok.map[0], tok.map[1]))
        return out

    @cached_property
    def tables(self) -> list[Table]:
        return find_tables(self.tokens)

    @cached_property
    def regions(self) -> BodyRegions:
        """The generated and human regions (and the problems with their markers)."""
        return find_regions(self.lines, self.body_start, self.code_lines)

    def first_heading(self, level: int = 1) -> str | None:
        """Source text of the first heading of ``level``, if any."""
        tag = f"h{level}"
        for i, tok in enumerate(self.tokens):
            if tok.type == "heading_open" and tok.tag == tag:
                return self.tokens[i + 1].content
        return None

    def images(self) -> list[tuple[str, int | None]]:
        """``(src, 1-based line of its block)`` of every image, in order."""
        found: list[tuple[str, int | None]] = []
        for tok in self.tokens:
            for child in tok.children or []:
                if child.type == "image":
                    found.append((str(child.attrGet("src") or ""),
                                  tok.map[0] + 1 if tok.map else None))
        return found


def parse_body(text: str, path: str = "<input>") -> Body:
    """The :class:`Body` of ``text`` (nothing is parsed until it is read)."""
    return Body(text, path)
