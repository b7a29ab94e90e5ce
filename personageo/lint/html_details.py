"""``<details>``/``<summary>`` wrappers found in the HTML blocks of a markdown body.

The group wraps headings as ``<details open><summary>`` / blank line / ``### Heading`` / blank
line / ``</summary>``: the tags live in separate HTML blocks around ordinary markdown, so the
wrappers are matched across blocks.

The scan is one linear pass per block (comments blanked, then one regular expression for the
two tag names): the standard library's ``HTMLParser`` rescans its whole buffer for every
unterminated ``<!--`` or ``<details`` and takes quadratic time on hostile bodies.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from personageo.lint.document import Details, HtmlBlock

_TAG = re.compile(r"<(/?)(details|summary)(?=[\s/>])([^<>]*)>", re.I)
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?""")
_OTHER_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def blank_comments(text: str, keep_positions: bool = True) -> str:
    """``text`` with every HTML comment (an unterminated one runs to the end) replaced by
    spaces, newlines kept, so positions stay valid (or dropped); linear time."""
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("<!--", pos)
        if start < 0:
            out.append(text[pos:])
            break
        end = text.find("-->", start + 4)
        stop = len(text) if end < 0 else end + 3
        out.append(text[pos:start])
        if keep_positions:
            out.append(re.sub(r"[^\n]", " ", text[start:stop]))
        pos = stop
        if end < 0:
            break
    return "".join(out)


def _events(content: str) -> Iterator[tuple[str, str, set[str], int, int, str]]:
    """``(kind, tag, attribute names, 1-based line, 0-based column, text before the tag)``;
    a last ``tail`` event carries the text after the last tag."""
    text = blank_comments(content)
    pos = 0
    for m in _TAG.finditer(text):
        before = content[pos:m.start()]
        line = text.count("\n", 0, m.start()) + 1
        col = m.start() - (text.rfind("\n", 0, m.start()) + 1)
        tag = m.group(2).lower()
        attrs = m.group(3)
        if m.group(1):
            yield "end", tag, set(), line, col, before
        else:
            names = {a.lower() for a in _ATTR.findall(attrs)}
            yield "start", tag, names, line, col, before
            if attrs.rstrip().endswith("/"):
                yield "end", tag, set(), line, col, ""
        pos = m.end()
    yield "tail", "", set(), 0, 0, content[pos:]


def _data(text: str) -> str:
    return html.unescape(_OTHER_TAG.sub("", blank_comments(text, keep_positions=False)))


def scan_details(blocks: Iterable[HtmlBlock]) -> list[Details]:
    """Match ``<details>``, ``<summary>`` and their closing tags across HTML blocks, in order.

    Unclosed wrappers are returned with ``end_line`` (or ``summary_end_line``) ``None``.
    """
    from personageo.lint.document import Details

    found: list[Details] = []
    stack: list[Details] = []
    in_summary: Details | None = None
    for block in blocks:
        for kind, tag, attrs, rel_line, off, before in _events(block.content):
            if in_summary is not None:
                in_summary.summary_html += _data(before)
            if kind == "tail":
                break
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
    return found

