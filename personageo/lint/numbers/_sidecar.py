"""Binding through the renderer's claims sidecar, and stale-results detection.

Claims are paired with sidecar entries by position and text; when the body was edited after
rendering (its sha256 differs), entries at the same position pair with the edited number (so a
hand-edited number is checked against what the renderer bound there), and the rest are aligned
in document order with :class:`difflib.SequenceMatcher` over their texts.
"""

from __future__ import annotations

import difflib
import math
import operator
import re
from dataclasses import dataclass
from typing import Any

from personageo.lint.numbers._scan import scan
from personageo.schema.claims import Binding, Claim, ClaimsSidecar
from personageo.schema.paths import resolve

_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
        "==": operator.eq, "!=": operator.ne}
_RULE = re.compile(r"^(?:(\w+)\.)?(\w+)\s*(>=|<=|==|!=|>|<)\s*([-+0-9.eE]+)$")
_LIST_RULE = re.compile(r"^(\w+)\.(\w+)\s*(>=|<=|==|!=|>|<)\s*([-+0-9.eE]+)$")


class NotEvaluable(ValueError):
    """The binding cannot be recomputed (a literal, a count described in words): its recorded
    value stands, provided its paths still resolve."""


@dataclass(frozen=True)
class Entry:
    """One number of a sidecar claim. A claim shown as ``k/n`` is one claim with two numbers:
    ``part`` says which (``count`` is checked against the binding, ``total`` against its
    denominator); every other claim is one ``whole`` number."""

    line: int
    col: int
    text: str
    claim: Claim
    part: str = "whole"


def _entries(claim: Claim) -> list[Entry]:
    found, _ = scan(claim.text)
    if len(found) == 2 and claim.binding.derivation == "count" and (
            found[0].form == "fraction" or "/" in claim.text):  # k/n, or k edited into "0.5/n"
        return [Entry(claim.line, claim.col + f.start, f.text, claim, part)
                for f, part in zip(found, ("count", "total"), strict=True)]
    if len(found) == 1 and found[0].text == claim.text.strip():
        return [Entry(claim.line, claim.col, claim.text, claim)]
    return []  # a compound the binding cannot describe number by number: not used


def pair_claims(texts: list[tuple[int, int, str]], sidecar: ClaimsSidecar,
                body_matches: bool, hidden: list[bool] | None = None) -> dict[int, Entry]:
    """Map extracted number index -> the sidecar entry it is bound by.

    ``texts`` are (line, col, text) in document order; ``hidden[i]`` marks numbers that are no
    claims by themselves (they pair only with an entry of the very same text)."""
    entries = sorted((e for c in sidecar.claims for e in _entries(c)),
                     key=lambda e: (e.line, e.col))
    if body_matches:  # the body the sidecar was written for: exact positions and texts
        by_pos = {(e.line, e.col, e.text): e for e in entries}
        return {i: by_pos[t] for i, t in enumerate(texts) if t in by_pos}
    hidden = hidden or [False] * len(texts)
    # An edited body. Two readings of the edit, and the one that keeps more numbers identical
    # wins (ties: in place). In place: numbers still where they were rendered, and a number at
    # the very place of an entry of another text was edited there. Moved: the sequences of
    # texts aligned in document order; a replaced run of equal length is edited numbers.
    in_place = _pair_in_place(texts, entries)
    moved = _pair_moved(texts, entries, hidden)

    def same(p: dict[int, Entry]) -> int:
        return sum(texts[i][2] == e.text for i, e in p.items())

    return in_place if same(in_place) >= same(moved) else moved


def _pair_in_place(texts, entries) -> dict[int, Entry]:
    by_pos = {(e.line, e.col): e for e in entries}
    paired = {}
    for i, (line, col, _) in enumerate(texts):
        e = by_pos.get((line, col))
        if e is not None:
            paired[i] = e
    return paired


def _pair_moved(texts, entries, hidden) -> dict[int, Entry]:
    paired: dict[int, Entry] = {}
    used: set[int] = set()
    sm = difflib.SequenceMatcher(None, [t[2] for t in texts], [e.text for e in entries],
                                 autojunk=False)
    for op, i1, i2, j1, _j2 in sm.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                paired[i1 + k] = entries[j1 + k]
                used.add(j1 + k)
    rest_i = [i for i in range(len(texts)) if i not in paired and not hidden[i]]
    rest_j = [j for j in range(len(entries)) if j not in used]
    sm = difflib.SequenceMatcher(None, [texts[i][2] for i in rest_i],
                                 [entries[j].text for j in rest_j], autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                paired[rest_i[i1 + k]] = entries[rest_j[j1 + k]]
    return paired


def evaluate(binding: Binding, doc: Any, lookup=None) -> float:
    """Recompute a sidecar binding's value from the results (KeyError/ValueError if it cannot).

    ``lookup(path)`` resolves a record path (default: :func:`paths.resolve` over ``doc``); pass a
    cached one when evaluating many bindings."""
    lookup = lookup or (lambda p: resolve(doc, p))
    d = binding.derivation
    if d == "literal":
        raise NotEvaluable("a literal is not computed from the results")
    if d == "count":
        return _count(binding, doc, lookup)
    vals = [float(lookup(p)) for p in binding.paths]
    if d == "identity":
        return vals[0]
    if d == "difference":
        return vals[0] - vals[1]
    if d == "ratio":
        return vals[0] / vals[1]
    if d == "percent_change":
        return (vals[0] - vals[1]) / vals[1]
    if d == "min":
        return min(vals)
    if d == "max":
        return max(vals)
    if d == "mean":
        return math.fsum(vals) / len(vals)
    raise ValueError(f"unknown derivation {d!r}")


def _count(binding: Binding, doc: Any, lookup) -> float:
    """Re-count: ``<field> <op> <threshold>`` over the binding's paths (the renderer's form), or
    ``<records>.<field> <op> <threshold>`` over a record list; a rule without a comparison
    counts the records its paths name."""
    rule = (binding.rule or "").strip()
    m = _RULE.match(rule)
    if binding.paths:
        vals = [lookup(p) for p in binding.paths]  # KeyError when one disappeared
        if m is None:
            raise NotEvaluable(f"count rule {binding.rule!r} is a description, not a test")
        op, threshold = _OPS[m[3]], float(m[4])
        return float(sum(1 for v in vals if op(float(v), threshold)))
    m2 = _LIST_RULE.match(rule)
    if not m2:
        raise NotEvaluable(f"count rule {binding.rule!r} is not re-evaluable")
    rows = doc.get(m2[1])
    if not isinstance(rows, list):
        raise KeyError(m2[1])
    op, threshold, fld = _OPS[m2[3]], float(m2[4]), m2[2]
    return float(sum(1 for r in rows if isinstance(r.get(fld), (int, float))
                     and not isinstance(r.get(fld), bool) and op(float(r[fld]), threshold)))


def describe(binding: Binding) -> str:
    if binding.derivation == "identity" and binding.paths:
        return binding.paths[0]
    if binding.derivation == "count":
        tail = f"/{binding.denominator}" if binding.denominator is not None else ""
        return f"count({binding.rule}){tail}"
    if binding.derivation == "literal":
        return "literal"
    return f"{binding.derivation}({', '.join(binding.paths)})"
