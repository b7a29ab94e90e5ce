"""``<details>``/``<summary>`` wrappers found in the HTML blocks of a markdown body.

The group wraps headings as ``<details open><summary>`` / blank line / ``### Heading`` / blank
line / ``</summary>``: the tags live in separate HTML blocks around ordinary markdown, so the
wrappers are matched across blocks with the standard library's tolerant HTML tokenizer.
"""

from __future__ import annotations

from collections.abc import Iterable
from html.parser import HTMLParser
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from personageo.lint.document import Details, HtmlBlock


class _TagScanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, str, dict, int, int]] = []

    def handle_starttag(self, tag, attrs):
        line, off = self.getpos()
        self.events.append(("start", tag, dict(attrs), line, off))

    def handle_endtag(self, tag):
        line, off = self.getpos()
        self.events.append(("end", tag, {}, line, off))

    def handle_data(self, data):
        line, off = self.getpos()
        self.events.append(("data", data, {}, line, off))


def scan_details(blocks: Iterable[HtmlBlock]) -> list[Details]:
    """Match ``<details>``, ``<summary>`` and their closing tags across HTML blocks, in order.

    Unclosed wrappers are returned with ``end_line`` (or ``summary_end_line``) ``None``.
    """
    from personageo.lint.document import Details

    found: list[Details] = []
    stack: list[Details] = []
    in_summary: Details | None = None
    for block in blocks:
        scanner = _TagScanner()
        scanner.feed(block.content)
        scanner.close()
        for kind, tag, attrs, rel_line, off in scanner.events:
            line = block.line + rel_line - 1
            if kind == "start" and tag == "details":
                d = Details(line=line, col=off + 1, open="open" in attrs)
                stack.append(d)
                found.append(d)
            elif kind == "start" and tag == "summary" and stack:
                in_summary = stack[-1]
                in_summary.summary_line = line
            elif kind == "end" and tag == "summary" and in_summary is not None:
                in_summary.summary_end_line = line
                in_summary = None
            elif kind == "end" and tag == "details" and stack:
                stack.pop().end_line = line
            elif kind == "data" and in_summary is not None:
                in_summary.summary_html += tag
    return found
