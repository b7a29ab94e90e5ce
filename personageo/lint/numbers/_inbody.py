"""Read the bindings a rendered body carries (:mod:`personageo.schema.bindings`) as claims.

Each inline key is paired with the numbers the lint scanner finds right before it (after the
previous key of the line): the last number for a single key, the last *n* numbers of a
compound (a range, an arrow, ``k/n``, a list) for *n* keys. The claim's text is what the body
shows *now*: a number a person edited is paired with what the renderer bound there, so it is
checked (and contradicted) instead of being read afresh. The title's numbers pair with the
table's ``title`` entries in order.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache

from personageo.files import sha256_text
from personageo.lint.numbers._scan import Excluded, Found, scan
from personageo.markdown import split_lines
from personageo.schema import bindings as B
from personageo.schema.claims import Claim, ClaimsSidecar


@dataclass
class InBody:
    """The claims of a body's own bindings, and what could not be read."""

    sidecar: ClaimsSidecar | None
    notes: list[str] = field(default_factory=list)
    damaged: tuple[int, str] | None = None
    """(line, message) when the binding table is present but unreadable."""
    keys: int = 0
    """Inline keys found in the body."""
    lost: list[tuple[int, int, str]] = field(default_factory=list)
    """(line, col, rendered text) of keys with no number before them any more."""


@lru_cache(maxsize=4096)
def _units(text: str) -> int:
    """How many scanner numbers one rendered claim text is (``k/n`` is two)."""
    return max(1, len(scan(text)[0]))


def _numbers(text: str) -> list[Found | Excluded]:
    """The scanner's numbers of ``text`` in order, excluded ones too: a number excluded as a
    claim by itself ("rank-32": glued) counts where the renderer bound it."""
    numbers, excluded = scan(text)
    return sorted([*numbers, *excluded], key=lambda f: f.start)


def _claims_at(line: str, no: int, k: B.InlineKey, table: B.BindingTable, out: InBody
               ) -> list[Claim]:
    prefix = line[k.prefix_col - 1:k.col - 1]
    found = _numbers(prefix)
    if found and prefix[found[-1].end:].strip():
        found = []  # the key's number is gone: a number further left is not it
    claims: list[Claim] = []
    for key in reversed(k.keys):
        if key >= len(table.entries):
            out.notes.append(f"line {no}: inline key {key} is not in the binding table")
            continue
        e = table.entries[key]
        n = _units(e.text)
        if len(found) < n:
            out.lost.append((no, k.col, e.text))
            found = []
            continue
        first, last = found[-n], found[-1]
        found = found[:-n]
        start = k.prefix_col - 1 + first.start
        text = line[start:k.prefix_col - 1 + last.end]
        claims.append(Claim(text=text, line=no, col=start + 1, binding=e.binding, key=e.key))
    return claims


def _title_claims(lines: list[str], table: B.BindingTable) -> list[Claim]:
    """The title's numbers paired with the table's ``title`` entries: the sequences of number
    texts aligned (:class:`difflib.SequenceMatcher`); a replaced run pairs from its right end,
    so an edited number pairs with what was rendered there and a number the title gained
    (``M1``) pairs with nothing."""
    t = B.title_line(lines)
    entries = [e for e in table.entries if e.at == "title"]
    if t is None or not entries:
        return []
    start = len("title:")
    line = lines[t]
    found = _numbers(line[start:])
    units = [(i, u.text) for i, e in enumerate(entries) for u in _numbers(e.text) or [e]]
    pairs: dict[int, list] = {}
    sm = difflib.SequenceMatcher(None, [f.text for f in found], [u[1] for u in units],
                                 autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op not in ("equal", "replace"):
            continue
        n = min(i2 - i1, j2 - j1)
        for k in range(n):
            pairs.setdefault(units[j2 - n + k][0], []).append(found[i2 - n + k])
    claims = []
    for i, e in enumerate(entries):
        got = pairs.get(i, [])
        if not got or len(got) != max(1, len(_numbers(e.text))):
            continue
        a, b = got[0], got[-1]
        claims.append(Claim(text=line[start + a.start:start + b.end], line=t + 1,
                            col=start + a.start + 1, binding=e.binding, key=e.key))
    return claims


def read_in_body(source: str) -> InBody:
    """The body's bindings as a claims sidecar for ``source`` exactly (its ``body_sha256`` is
    that of ``source``, so the checker pairs by position)."""
    try:
        found = B.find_table(source)
        table = B.decode_table(*found) if found else None
    except B.BindingError as exc:
        return InBody(None, damaged=(exc.line, str(exc)))
    keys = B.inline_keys(source)
    if table is None:
        out = InBody(None, keys=len(keys))
        if keys:
            out.notes.append(f"{len(keys)} inline binding key(s) but no binding table: "
                             "the numbers are bound from their context only")
        return out
    out = InBody(None, keys=len(keys))
    lines = split_lines(source)
    claims: list[Claim] = []
    for k in keys:
        claims.extend(_claims_at(lines[k.line - 1], k.line, k, table, out))
    claims.extend(_title_claims(lines, table))
    claims.sort(key=lambda c: (c.line, c.col))
    out.sidecar = ClaimsSidecar(body_sha256=sha256_text(source), personageo_version="",
                                results=table.results, claims=claims)
    return out
