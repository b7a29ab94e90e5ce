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
from typing import Any

from personageo.schema.claims import Binding, Claim, ClaimsSidecar
from personageo.schema.paths import resolve

_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
        "==": operator.eq}
_RULE = re.compile(r"^(\w+)\.(\w+)\s*(>=|<=|==|>|<)\s*([-+0-9.eE]+)$")


def pair_claims(texts: list[tuple[int, int, str]], sidecar: ClaimsSidecar,
                body_matches: bool) -> dict[int, Claim]:
    """Map extracted claim index -> sidecar claim."""
    entries = sorted(sidecar.claims, key=lambda c: (c.line, c.col))
    by_pos = {(c.line, c.col): c for c in entries}
    paired: dict[int, Claim] = {}
    used: set[int] = set()
    for i, (line, col, text) in enumerate(texts):
        c = by_pos.get((line, col))
        if c is not None and (c.text == text or not body_matches):
            paired[i] = c
            used.add(id(c))
    if body_matches:
        return paired
    rest_i = [i for i in range(len(texts)) if i not in paired]
    rest_c = [c for c in entries if id(c) not in used]
    sm = difflib.SequenceMatcher(None, [texts[i][2] for i in rest_i], [c.text for c in rest_c],
                                 autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                paired[rest_i[i1 + k]] = rest_c[j1 + k]
    return paired


def evaluate(binding: Binding, doc: Any) -> float:
    """Recompute a sidecar binding's value from the results (KeyError/ValueError if it cannot)."""
    d = binding.derivation
    if d == "literal":
        return binding.value
    if d == "count":
        m = _RULE.match((binding.rule or "").strip())
        if not m:
            raise ValueError(f"count rule {binding.rule!r} is not re-evaluable")
        records, fld, op, threshold = m[1], m[2], m[3], float(m[4])
        rows = doc.get(records)
        if not isinstance(rows, list):
            raise KeyError(records)
        return float(sum(1 for r in rows if isinstance(r.get(fld), (int, float))
                         and not isinstance(r.get(fld), bool)
                         and _OPS[op](float(r[fld]), threshold)))
    vals = [float(resolve(doc, p)) for p in binding.paths]
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


def describe(binding: Binding) -> str:
    if binding.derivation == "identity" and binding.paths:
        return binding.paths[0]
    if binding.derivation == "count":
        tail = f"/{binding.denominator}" if binding.denominator is not None else ""
        return f"count({binding.rule}){tail}"
    if binding.derivation == "literal":
        return "literal"
    return f"{binding.derivation}({', '.join(binding.paths)})"
