"""Find the numbers in one run of inline text, and leave out what only looks like a number.

The scanner sees plain text (code spans, link targets and HTML never reach it: the extractor
skips those tokens). It finds every decimal, integer, signed number (ASCII or Unicode minus),
percentage, multiplier (``5.07×``) and scientific number, then groups neighbours into compound
forms: ranges (``0.99–1.36``, ``0.005-0.008``), intervals (``[0.988, 0.999]``), counts
(``38/40``), arrows (``19.5 → 98.7``) and ``x ± y``. Each number of a compound keeps its own
position and a ``role`` so that each can be bound and reported on its own.

Exclusion rules (each has a test in ``tests/lint/numbers/test_scan.py``):

``url``       anything inside ``http(s)://...`` or ``www....``
``date``      ``2026-05-05``, ``2026/05/05``, times ``04:16:10``, citation years
              (``Aghajanyan et al. 2020``)
``version``   three or more dotted parts (``4.57.6``), ``v``-prefixed (``v046``), or a number
              right after a software name (``Python 3.11``, ``torch=2.6.0``)
``hash``      hexadecimal runs of 7+ characters mixing digits and letters (``015527d``)
``issue``     ``#238``
``glued``     a number glued to a letter or underscore on either side: model names
              (``Qwen2.5-7B``, ``SmolLM2-135M``), layer labels (``L20``), identifiers
              (``full_em_lr2e5``, ``M1``, ``H1``), ``6k``; and ``letter-number``
              (``Tulu-3``, ``round-2``)
``label``     the number of a figure, table, result or section (``Figure 1``, ``Result 2``)
``dimension`` ``12×12`` (a shape, not a multiplier) keeps both integers but drops the ``×``
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from personageo.numfmt import Parsed, parse_number

_MINUS = "-\u2212"
_NUM = re.compile(
    r"(?P<sign>[+\-\u2212])?"
    r"(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d+)"
    r"(?:\.(?P<frac>\d+))?"
    r"(?:[eE](?P<exp>[+\-\u2212]?\d+))?"
    r"(?P<unit>%|×|x(?![A-Za-z0-9_]))?"
)

_MASKS = {
    "url": re.compile(r"(?:https?://|www\.)[^\s<>()\[\]]+"),
    "date": re.compile(r"\b\d{4}[-/]\d{1,2}[-/]\d{1,2}\b|\b\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\b"
                       r"|(?<=et al\.)\s*,?\s*\(?(?:19|20)\d{2}[a-z]?\b"),
    "version": re.compile(
        r"\bv\d+(?:\.\d+)*\w*"
        r"|(?<![\d.])\d+(?:\.\d+){2,}(?:[+\-]\w+)*"
        r"|\b(?:Python|python|CUDA|cuda|torch|transformers|vllm|vLLM|deepspeed|DeepSpeed|peft|"
        r"accelerate|numpy|pandas|scipy|flash-attn|pydantic|version|Version)"
        r"\s*(?:[=<>~!]=?|==)?\s*v?\d+(?:\.\d+)*(?:[+\-]\w+)*"
        r"|(?<=[A-Za-z])[<>]=?\d+(?:\.\d+)*"
    ),
    "hash": re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,64}\b"),
    "issue": re.compile(r"#\d+"),
}
_LABEL = re.compile(
    r"(?:\b(?:Figure|Fig\.|Table|Result|Section|Appendix|Round|Phase|Part|Chapter|Eq\.|"
    r"Issue|issue|PR|Step|Panel|Hypothesis|Experiment)|§)\s*$"
)
_GLUE_BEFORE = re.compile(r"(?:[A-Za-z_^]|[A-Za-z]-|\d\.)$")
_GLUE_AFTER = re.compile(r"^(?:[A-Za-z_]|\.\d)")

#: How compound forms join two numbers: separator pattern -> (form, role of left, role of right).
_JOINS = [
    (re.compile(r"^\s*(?:→|->|⟶)\s*$"), "arrow", "from", "to"),
    (re.compile(r"^\s*(?:±|\+/-|\+-)\s*$"), "pm", "center", "half_width"),
    (re.compile(r"^(?:–|—|-|\u2212| – | to )$"), "range", "lo", "hi"),
    (re.compile(r"^\s*/\s*$"), "fraction", "count", "total"),
    (re.compile(r"^,\s*$"), "interval", "lo", "hi"),
]


@dataclass
class Found:
    """One number found in a text run (offsets into that run)."""

    start: int
    end: int
    text: str
    parsed: Parsed
    form: str = "single"
    """``single``, ``range``, ``interval``, ``fraction``, ``arrow``, ``pm`` or ``list``."""
    role: str = "value"
    """Role inside the compound: ``lo``/``hi``, ``count``/``total``, ``from``/``to``,
    ``center``/``half_width``, ``item`` (slash list) or ``value``."""
    group: int = -1
    """Index of the compound this number belongs to (numbers of one compound share it)."""
    approx: bool = False
    """Preceded by ``~``, ``≈`` or ``about``: the writer rounded loosely on purpose."""


@dataclass(frozen=True)
class Excluded:
    start: int
    end: int
    text: str
    rule: str


def _masked(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for rule, rx in _MASKS.items():
        spans.extend((m.start(), m.end(), rule) for m in rx.finditer(text))
    return spans


def scan(text: str) -> tuple[list[Found], list[Excluded]]:
    """Numbers of ``text`` with their compound forms, and what was left out (with the rule)."""
    masks = _masked(text)
    found: list[Found] = []
    excluded: list[Excluded] = []
    for m in _NUM.finditer(text):
        start, end = m.start(), m.end()
        sign = m["sign"]
        if sign and start > 0 and (text[start - 1].isalnum() or text[start - 1] in "._"):
            start += 1  # "0.005-0.008": the hyphen joins a range, it is no minus sign
            sign = None
        if sign == "+" and start > 0 and text[start - 1] == "+":
            start += 1
        num_start = start + (1 if sign else 0)
        raw = text[start:end]
        rule = _exclusion(text, start, num_start, end, masks)
        if rule:
            excluded.append(Excluded(start, end, raw, rule))
            continue
        if m["unit"] == "×" and end < len(text) and text[end].isdigit():
            end -= 1  # "12×12" is a shape
            raw = text[start:end]
        try:
            parsed = parse_number(raw)
        except ValueError:
            continue
        before = text[max(0, start - 7):start]
        approx = bool(re.search(r"(?:~|≈|about |approx\. |around )\s*$", before))
        found.append(Found(start, end, raw, parsed, approx=approx))
    _group(text, found)
    return found, excluded


def _exclusion(text: str, start: int, num_start: int, end: int,
               masks: list[tuple[int, int, str]]) -> str | None:
    for lo, hi, rule in masks:
        if lo < end and num_start < hi:
            return rule
    if _GLUE_BEFORE.search(text[max(0, num_start - 2):num_start]):
        return "glued"
    if _GLUE_AFTER.match(text[end:end + 2]):
        return "glued"
    if _LABEL.search(text[max(0, start - 14):start]):
        return "label"
    return None


def _group(text: str, found: list[Found]) -> None:
    """Join neighbouring numbers into compound forms (in place)."""
    group = 0
    i = 0
    while i < len(found):
        a = found[i]
        a.group = group
        nxt = i + 1
        if i + 1 < len(found):
            b = found[i + 1]
            form = _join(text[a.end:b.start], a, b, text)
            if form:
                a.form = b.form = form[0]
                a.role, b.role = form[1], form[2]
                b.group = group
                nxt = i + 2
                if form[0] in ("fraction", "list"):
                    nxt = _extend_list(text, found, i, group) + 1
        i = nxt
        group += 1


def _join(between: str, a: Found, b: Found, text: str):
    for rx, name, ra, rb in _JOINS:
        if not rx.match(between):
            continue
        if name == "range" and (b.parsed.value < 0 and between in "-\u2212"):
            continue
        if name == "fraction" and not (a.parsed.spec.kind == b.parsed.spec.kind == "d"):
            return "list", "item", "item"  # "3.14 / 3.36": a slash list of values
        if name == "interval":
            opened = text[:a.start].rstrip()[-1:] in "[("
            closed = text[b.end:].lstrip()[:1] in "])"
            if not (opened and closed):
                return None
        return name, ra, rb
    return None


def _extend_list(text: str, found: list[Found], i: int, group: int) -> int:
    """``1/2/3`` and ``3.14 / 3.36 / 3.51`` are lists, not a count over a total.

    Returns the index of the list's last number."""
    j = i + 1
    while j + 1 < len(found) and re.match(r"^\s*/\s*$", text[found[j].end:found[j + 1].start]):
        j += 1
    if j > i + 1 or found[i].form == "list":
        for k in range(i, j + 1):
            found[k].form, found[k].role, found[k].group = "list", "item", group
    return j
