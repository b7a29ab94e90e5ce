"""Bindings that travel with the body: inline key comments and one binding table.

What the renderer knows about each number it writes (its record paths or derivation, the value
and the format spec) is kept *in the body*, in plain HTML comments that GitHub does not show
and keeps verbatim, so that the body copied from the tracker is checked exactly as rendered:

* an **inline key** right after each rendered number (or after a compound such as a range
  ``1.10–2.63``, one key per number, in order)::

      +0.111<!--pg:12-->    1.10–2.63<!--pg:13,14-->

* one **binding table**, a single line right after the render marker::

      <!-- personageo:bindings v1 n=254 sha256=<16 hex> data=<base64 of zlib of JSON> -->

  ``data`` is whitespace-insensitive (whitespace is dropped before decoding); ``sha256`` is the
  first 16 hex digits of the sha256 of the decoded JSON, so a damaged table is refused rather
  than read wrongly. The JSON is ``{"results": [{"path", "sha256"}...], "entries": [...]}``;
  entry ``k`` is the binding of inline key ``k`` (:class:`Entry`).

Numbers of the front matter's ``title:`` carry no comment (it is YAML, and the tracker's title
is plain text): their entries say ``at="title"`` and pair with the title's numbers in order.
Numbers where a comment would show or break markup (code, attributes) get an entry with
``at="none"``: recorded, never located.

Locating a number is left to the reader: :func:`inline_keys` gives each comment's position and
the text between it and the previous comment of its line; :func:`claims_of` locates every entry
by its rendered text (what ``report update`` needs); ``lint`` re-reads the text before each key
with its own scanner, so that an edited number is compared with what was rendered there.
The full description, with an example, is ``docs/regions.md``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import zlib
from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError

from personageo.markdown import read_front_matter, split_lines
from personageo.schema.claims import Binding, Claim, ClaimsSidecar, ResultsRef, _Model

TABLE_VERSION = "1"
TABLE_PREFIX = "<!-- personageo:bindings v1 "
_TABLE = re.compile(r"^<!--\s*personageo:bindings\s+v(?P<v>\d+)\s+(?P<attrs>.*?)\s*-->\s*$",
                    re.S)
_ATTR = re.compile(r"([\w.-]+)=(\S*)")
_KEY = re.compile(r"<!--pg:(?P<keys>\d+(?:,\d+)*)-->")
_WS = re.compile(r"\s+")


class Entry(_Model):
    """One rendered number: its text as rendered and its binding."""

    text: str
    binding: Binding
    key: str | None = None
    """The template's name for the claim, if any."""
    at: Literal["inline", "title", "none"] = "inline"


class BindingTable(_Model):
    results: list[ResultsRef]
    entries: list[Entry]


class BindingError(ValueError):
    """The binding table is damaged (not decodable, checksum mismatch, not the expected JSON)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class InlineKey:
    """One inline key comment of the body."""

    line: int
    """1-based line."""
    col: int
    """1-based column of the comment's ``<``."""
    keys: tuple[int, ...]
    prefix_col: int
    """1-based column where the text this key may refer to starts (just after the previous key
    comment of the line, else 1)."""


def key_comment(keys: list[int]) -> str:
    return f"<!--pg:{','.join(str(k) for k in keys)}-->"


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def encode_table(table: BindingTable) -> str:
    """The binding-table comment line for ``table``."""
    raw = json.dumps(table.model_dump(mode="json", exclude_defaults=True),
                     separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode("utf-8")
    data = base64.b64encode(zlib.compress(raw, 9)).decode("ascii")
    return f"{TABLE_PREFIX}n={len(table.entries)} sha256={_digest(raw)} data={data} -->"


def find_table(text: str) -> tuple[int, str] | None:
    """(1-based line, line text) of the binding table, or ``None``."""
    for no, line in enumerate(split_lines(text), start=1):
        if line.lstrip().startswith("<!--") and "personageo:bindings" in line:
            return no, line.strip()
    return None


def decode_table(line_no: int, line: str) -> BindingTable:
    """Decode a binding-table line (see the module docstring) or raise :class:`BindingError`."""
    m = _TABLE.match(line)
    if not m:
        raise BindingError(line_no, "malformed binding table comment")
    if m["v"] != TABLE_VERSION:
        raise BindingError(line_no, f"binding table version v{m['v']} is not supported "
                                    f"(this personageo reads v{TABLE_VERSION})")
    # data may have been wrapped: everything after data= up to the end of the comment
    attrs_text = m["attrs"]
    at = attrs_text.find("data=")
    if at < 0:
        raise BindingError(line_no, "binding table has no data=")
    attrs = dict(_ATTR.findall(attrs_text[:at]))
    try:
        raw = zlib.decompress(base64.b64decode(_WS.sub("", attrs_text[at + 5:]), validate=True))
    except (binascii.Error, zlib.error, ValueError):
        raise BindingError(line_no, "binding table data is not base64 of zlib data "
                                    "(damaged?)") from None
    if attrs.get("sha256") != _digest(raw):
        raise BindingError(line_no, "binding table checksum does not match its data (damaged)")
    try:
        table = BindingTable.model_validate(json.loads(raw.decode("utf-8")))
    except (ValidationError, ValueError, UnicodeDecodeError) as exc:
        raise BindingError(line_no, f"binding table data is not a binding table: "
                                    f"{str(exc).splitlines()[0]}") from None
    if "n" in attrs and attrs["n"] != str(len(table.entries)):
        raise BindingError(line_no, f"binding table says n={attrs['n']} but holds "
                                    f"{len(table.entries)} entries")
    return table


def read_table(text: str) -> BindingTable | None:
    """The body's binding table (``None`` if it has none; :class:`BindingError` if damaged)."""
    found = find_table(text)
    return None if found is None else decode_table(*found)


def inline_keys(text: str) -> list[InlineKey]:
    """Every inline key comment of ``text``, in document order."""
    out = []
    for no, line in enumerate(split_lines(text), start=1):
        prev = 0
        for m in _KEY.finditer(line):
            keys = tuple(int(k) for k in m["keys"].split(","))
            out.append(InlineKey(no, m.start() + 1, keys, prev + 1))
            prev = m.end()
    return out


def strip_keys(text: str) -> str:
    """``text`` without its inline key comments (what a reader sees)."""
    return _KEY.sub("", text)


def title_line(lines: list[str]) -> int | None:
    """0-based index of the front matter's ``title:`` line, if any."""
    front = read_front_matter(lines)
    return front.title_line if front else None


def claims_of(text: str, body_sha256: str = "", version: str = "") -> ClaimsSidecar | None:
    """The claims of a body as rendered: each claim has its rendered text and is placed so that
    it ends right before its inline key (a compound's numbers are placed from the end, skipping
    the connectors between them); the title's numbers are found in order. Where the body now
    shows something else, the text at the claim's place differs from ``claim.text``: that is
    how ``report update`` finds a hand edit. ``None`` when the body has no binding table."""
    table = read_table(text)
    if table is None:
        return None
    lines = split_lines(text)
    claims: list[Claim] = []
    for k in inline_keys(text):
        line = lines[k.line - 1]
        end = k.col - 1
        for key in reversed(k.keys):
            if key >= len(table.entries):
                continue
            e = table.entries[key]
            start = max(k.prefix_col - 1, end - len(e.text))
            claims.append(Claim(text=e.text, line=k.line, col=start + 1,
                                binding=e.binding, key=e.key))
            end = start
            while end > k.prefix_col - 1 and not _is_number_char(line[end - 1]):
                end -= 1  # the connector of a compound (" – ", " → ", ", ")
    t = title_line(lines)
    if t is not None:
        line, cursor = lines[t], len("title:")
        for e in (e for e in table.entries if e.at == "title"):
            at = line.find(e.text, cursor)
            if at >= 0:
                claims.append(Claim(text=e.text, line=t + 1, col=at + 1, binding=e.binding,
                                    key=e.key))
                cursor = at + len(e.text)
    claims.sort(key=lambda c: (c.line, c.col))
    return ClaimsSidecar(body_sha256=body_sha256, personageo_version=version,
                         results=table.results, claims=claims)


def _is_number_char(ch: str) -> bool:
    return ch.isdigit() or ch in "%×x"
