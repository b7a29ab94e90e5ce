"""Build a :class:`~personageo.lint.document.Document` from markdown-it-py's token stream."""

from __future__ import annotations

import re

from markdown_it.token import Token

from personageo.lint.document import (
    Block,
    Cell,
    Document,
    Fence,
    Heading,
    HtmlBlock,
    Image,
    InlineRun,
    Link,
    ListItem,
    Paragraph,
    Table,
)
from personageo.lint.html_details import scan_details
from personageo.markdown import BlockCursor, cell_columns, split_row

_LIST_MARKER = re.compile(r"^(?:>\s?)*(?:[-*+]|\d{1,9}[.)])[ \t]+")


class Builder:
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
                cell_cols = cell_columns(self.src.line(row_line))
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

    def _raw_cell_counts(self, token_map) -> list[int]:
        return [len(split_row(self.src.line(n))) for n in range(token_map[0] + 1, token_map[1] + 1)]

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
                inside = self.doc.within(self.doc.headings, d.summary_line + 1,
                                         d.summary_end_line - 1)
                d.summary_heading = inside[0] if inside else None
            self.doc.details.append(d)
