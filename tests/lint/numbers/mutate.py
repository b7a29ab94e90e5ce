"""Edits of rendered numbers, as a person on the tracker would make them, for the mutation test
and ``bench/lint_mutation_bench.py``.

Four kinds: ``digit`` (the last shown digit + 1), ``x10`` (decimal point one place right, or a
0 appended), ``sign`` (sign flipped or added) and ``swap`` (the text of another number of the
body). An edit counts only if the new text is *wrong*: it must not display the value the number
is bound to (``numfmt.agrees``); a swap with an equal value, ``-0`` for ``0`` and the like are
skipped. Each edit is applied to the body copied from the tracker (CRLF line endings, trailing
spaces stripped) so that the round trip is part of every case.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from personageo.lint.numbers import kind_of
from personageo.numfmt import agrees, parse_number

KINDS = ("digit", "x10", "sign", "swap")
_NUMBER = re.compile(r"[+\-\u2212]?\d[\d,]*(?:\.\d+)?(?:e[+\-]?\d+)?[%×]?")


@dataclass(frozen=True)
class Mutation:
    kind: str
    line: int
    col: int
    """1-based column of the edited number (for k/n: of the count)."""
    old: str
    new: str


def tracker_copy(body: str) -> str:
    """``body`` after a round trip through the tracker: trailing spaces stripped, CRLF."""
    return "\r\n".join(line.rstrip() for line in body.split("\n"))


def _digit(t: str) -> str:
    digits = [i for i, ch in enumerate(t) if ch.isdigit() and ("e" not in t or i < t.index("e"))]
    i = digits[-1]
    return t[:i] + ("8" if t[i] == "9" else str(int(t[i]) + 1)) + t[i + 1:]


def _x10(t: str) -> str:
    m = re.match(r"^([+\-\u2212]?)(\d[\d,]*)(?:\.(\d+))?(.*)$", t)
    sign, whole, frac, rest = m[1], m[2].replace(",", ""), m[3], m[4]
    if frac:
        return f"{sign}{int(whole + frac[0])}{'.' + frac[1:] if len(frac) > 1 else ''}{rest}"
    if "e" in rest:
        return f"{sign}{whole}{rest[:2]}{int(rest[2:]) - 1}" if rest[1] == "-" else \
            f"{sign}{whole}e{int(rest[1:].lstrip('+')) + 1}"
    return f"{sign}{whole}0{rest}"


def _sign(t: str) -> str:
    if t[0] in "-\u2212":
        return "+" + t[1:]
    if t[0] == "+":
        return "\u2212" + t[1:]
    return "\u2212" + t


def _wrong(value: float, new: str) -> bool:
    try:
        return not agrees(value, parse_number(new))
    except ValueError:
        return False


def mutations(body: str, sidecar, n: int, seed: int = 0, kinds=KINDS) -> list[Mutation]:
    """A deterministic sample of ``n`` wrong edits of the numbers the renderer bound (``sidecar``
    claims located in ``body``), spread evenly over ``kinds``."""
    lines = body.split("\n")
    singles = []  # (line, col, text, bound value) of each number the binding states directly
    for c in sidecar.claims:
        b = c.binding
        if b.derivation == "literal":
            continue
        if "/" in c.text and b.derivation == "count":  # k/n: edit the count k
            k = c.text.split("/")[0]
            singles.append((c.line, c.col, k, b.value))
        elif _NUMBER.fullmatch(c.text):
            singles.append((c.line, c.col, c.text, b.value))
    rng = random.Random(seed)
    texts = sorted({s[2] for s in singles})
    out: list[Mutation] = []
    per_kind = max(1, n // len(kinds))
    for kind in kinds:
        pool = singles[:]
        rng.shuffle(pool)
        made = 0
        for line, col, text, value in pool:
            if made >= per_kind:
                break
            if kind == "swap":
                new = rng.choice(texts)
            else:
                new = {"digit": _digit, "x10": _x10, "sign": _sign}[kind](text)
            if new == text or not _wrong(value, new):
                continue
            assert lines[line - 1][col - 1:col - 1 + len(text)] == text, (line, col, text)
            out.append(Mutation(kind, line, col, text, new))
            made += 1
    return out


def batches(body: str, edits: list[Mutation], per_body: int = 10
            ) -> list[tuple[str, list[Mutation]]]:
    """The edits applied a few at a time, each on its own line (so that their columns hold and
    each is caught or missed on its own), as tracker copies of the edited body."""
    pending = list(edits)
    out = []
    while pending:
        chosen, used, rest = [], set(), []
        for m in pending:
            if len(chosen) < per_body and m.line not in used:
                chosen.append(m)
                used.add(m.line)
            else:
                rest.append(m)
        lines = body.split("\n")
        for m in chosen:
            row = lines[m.line - 1]
            lines[m.line - 1] = row[:m.col - 1] + m.new + row[m.col - 1 + len(m.old):]
        out.append((tracker_copy("\n".join(lines)), chosen))
        pending = rest
    return out


def caught(m: Mutation, findings) -> bool:
    """Whether a contradiction (or stale) error points at the edited number."""
    return any(kind_of(f) in ("contradicted", "stale") and f.line == m.line
               and m.col <= f.col < m.col + max(len(m.new), 1) for f in findings)
