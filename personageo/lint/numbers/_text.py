"""Plain text around a number: the sentence it stands in, a table's caption lines.

Used by :mod:`._extract`: an inline token's text without markup (so "**Δ M1** = +0.111" reads
as one phrase), the sentence around an offset, and the ``Table N`` paragraph below a table.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it.token import Token

CAPTION_PARAGRAPHS = 2
"""A table's caption: up to this many paragraphs above it (a title, then perhaps a sentence
about the table), and a ``Table N`` paragraph right below it."""
TABLE_CAPTION = re.compile(r"^\s*(?:\*\*|__|\*|_)?\s*Table\s*\d+", re.I)


def caption_below(tokens: list[Token], i: int) -> tuple[str | None, int]:
    """The ``Table N`` paragraph right below the table opened at ``i``, and its line."""
    j = i
    while j < len(tokens) and tokens[j].type != "table_close":
        j += 1
    if j + 2 < len(tokens) and tokens[j + 1].type == "paragraph_open" and \
            tokens[j + 2].type == "inline" and TABLE_CAPTION.match(tokens[j + 2].content):
        return strip_markup(tokens[j + 2].content), tokens[j + 2].map[0]
    return None, -1


def strip_markup(text: str) -> str:
    """A caption line without emphasis markers; a line wrapped in ``**`` marks a title."""
    line = text.strip()
    bold = re.fullmatch(r"(\*\*|__)(.+?)\1[.:]?", line, re.S)
    out = re.sub(r"(\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`)", "", line)
    return f"**{out}**" if bold else out


def plain_text(tok: Token) -> tuple[str, dict[int, int]]:
    """The inline token's text without markup, and the offset of each text child in it."""
    parts, offsets, pos = [], {}, 0
    for n, child in enumerate(tok.children or []):
        if child.type in ("text", "code_inline"):
            if child.type == "text":
                offsets[n] = pos
            parts.append(child.content)
            pos += len(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
            pos += 1
    return "".join(parts), offsets


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z(\[*_#|-])|\n")


@lru_cache(maxsize=256)
def _sentence_bounds(plain: str) -> tuple[tuple[int, int], ...]:
    return tuple((m.start(), m.end()) for m in _SENTENCE_END.finditer(plain))


def sentence_at(plain: str, at: int) -> dict:
    """The sentence of ``plain`` around offset ``at`` (split at '. X', '; ', line breaks)."""
    start, end = 0, len(plain)
    for b_start, b_end in _sentence_bounds(plain):
        if b_end <= at:
            start = b_end
        elif b_start >= at:
            end = b_start
            break
    return {"sentence": plain[start:end], "at": at - start}
