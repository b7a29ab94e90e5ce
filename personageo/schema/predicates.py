"""Claims about the data as a whole, and the hidden marker that carries them in a body.

A sentence such as "Full-param moves M1 less than LoRA in 13/20 compared cells" asserts more than
its numbers: a direction, a quantifier and a threshold. The renderer writes that assertion next
to the sentence as a :class:`Predicate` in a claim marker; ``lint`` re-evaluates it against the
results file (:func:`evaluate`). One module writes, parses and evaluates the form, so the marker
and its checker cannot drift apart (see ``docs/regions.md``).

Claim marker (a whole line of its own, or inline right after the sentence)::

    <!-- personageo:claim [on=title,lede] PREDICATE [; PREDICATE ...] -->

    PREDICATE := QUANT SUBJECT[WHERE].FIELD [OP VALUE] [k=K] [n=N] [more=M less=L] [basis=B]

* ``QUANT``: ``count`` (exactly K records hold), ``all``, ``none``, ``majority`` (more than
  half), ``most`` (at least :data:`MOST` of them: what a headline needs to name a direction),
  ``mixed`` (directions only: both ``more`` and ``less`` occur and neither is ``most``; on an
  interval or test basis, both occur).
* ``SUBJECT``: ``comparisons`` (one per compared cell), ``cells`` (tested cells, the in-run
  baseline's cells excluded) or ``verdicts``; ``WHERE`` filters on ``method``, ``layer``,
  ``group`` (data type) or ``condition``: ``comparisons[method=A,group=benign]``.
* ``FIELD``: ``ratio``, ``delta``, ``baseline_delta``, ``p_adjusted``, ``significant``,
  ``direction`` (see :func:`comparison_direction`), ``result`` (a verdict's code, ``H1``...).
* ``n`` is the number of records the subject selects; ``k`` the number that hold.

Examples::

    <!-- personageo:claim on=title,lede mixed comparisons.direction n=20 more=7 less=13 basis=point -->
    <!-- personageo:claim count comparisons.ratio > 1.5 k=3 n=20 -->
    <!-- personageo:claim count verdicts.result == H2 k=3 n=4 -->
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

CLAIM_PREFIX = "personageo:claim"
QUANTS = ("count", "all", "none", "majority", "most", "mixed")
SUBJECTS = ("comparisons", "cells", "verdicts")
FILTERS = ("method", "layer", "group", "condition")
MOST = 2 / 3
"""Share of the records a headline direction must hold on point estimates."""
DIRECTIONS = ("more", "less", "undetermined")

_MARKER = re.compile(r"<!--\s*personageo:claim\s+(?P<body>.*?)\s*-->")
_PRED = re.compile(
    r"^(?P<quant>[a-z]+)\s+(?P<subject>[a-z]+)(?:\[(?P<where>[^\]]*)\])?\.(?P<field>[a-z_]+)"
    r"(?:\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<value>[^\s=]+))?(?P<attrs>(?:\s+[a-z]+=\S+)*)$")
_ATTR = re.compile(r"([a-z]+)=(\S+)")
_OPS = {">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}


class PredicateError(ValueError):
    """A claim marker that cannot be read."""


@dataclass(frozen=True)
class Predicate:
    quant: str
    subject: str
    field: str
    op: str | None = None
    value: str | None = None
    where: tuple[tuple[str, str], ...] = ()
    k: int | None = None
    n: int | None = None
    more: int | None = None
    less: int | None = None
    basis: str | None = None

    def __str__(self) -> str:
        where = ",".join(f"{a}={b}" for a, b in self.where)
        out = f"{self.quant} {self.subject}{f'[{where}]' if where else ''}.{self.field}"
        if self.op is not None:
            out += f" {self.op} {self.value}"
        for name in ("k", "n", "more", "less", "basis"):
            if getattr(self, name) is not None:
                out += f" {name}={getattr(self, name)}"
        return out


@dataclass(frozen=True)
class ClaimMarker:
    predicates: tuple[Predicate, ...]
    on: tuple[str, ...] = ()
    """Statements the marker speaks for besides its own sentence (``title``, ``lede``)."""
    line: int = 0
    col: int = 0
    """1-based position of the marker in the body (0 when not read from a body)."""


def format_marker(predicates, on: tuple[str, ...] = ()) -> str:
    head = f"on={','.join(on)} " if on else ""
    return f"<!-- {CLAIM_PREFIX} {head}{' ; '.join(str(p) for p in predicates)} -->"


def parse_predicate(text: str) -> Predicate:
    m = _PRED.match(text.strip())
    if not m:
        raise PredicateError(f"not a predicate: {text.strip()!r} (expected QUANT "
                             "SUBJECT[WHERE].FIELD [OP VALUE] [k=K] [n=N])")
    if m["quant"] not in QUANTS:
        raise PredicateError(f"unknown quantifier {m['quant']!r}; expected one of {QUANTS}")
    if m["subject"] not in SUBJECTS:
        raise PredicateError(f"unknown subject {m['subject']!r}; expected one of {SUBJECTS}")
    where = []
    for part in filter(None, (m["where"] or "").split(",")):
        key, _, val = part.partition("=")
        if key.strip() not in FILTERS or not val:
            raise PredicateError(f"bad filter {part!r}; expected one of {FILTERS} as key=value")
        where.append((key.strip(), val.strip()))
    attrs = dict(_ATTR.findall(m["attrs"] or ""))
    unknown = set(attrs) - {"k", "n", "more", "less", "basis"}
    if unknown:
        raise PredicateError(f"unknown attribute(s) {sorted(unknown)}")
    if m["quant"] != "mixed" and m["op"] is None:
        raise PredicateError(f"{m['quant']!r} needs a comparison (OP VALUE)")
    try:
        ints = {k: int(attrs[k]) for k in ("k", "n", "more", "less") if k in attrs}
    except ValueError as exc:
        raise PredicateError(f"k, n, more and less are integers: {exc}") from None
    return Predicate(m["quant"], m["subject"], m["field"], m["op"], m["value"], tuple(where),
                     basis=attrs.get("basis"), **ints)


def find_markers(text: str) -> list[ClaimMarker | PredicateError]:
    """Every claim marker of a body, in order (a marker that cannot be read is returned as
    its error, with ``line``/``col`` attributes set)."""
    out: list[ClaimMarker | PredicateError] = []
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    for m in _MARKER.finditer(text):
        line = _line_of(starts, m.start())
        col = m.start() - starts[line - 1] + 1
        body = m["body"]
        on: tuple[str, ...] = ()
        om = re.match(r"on=(\S+)\s+", body)
        if om:
            on, body = tuple(om[1].split(",")), body[om.end():]
        try:
            preds = tuple(parse_predicate(p) for p in body.split(";"))
            out.append(ClaimMarker(preds, on, line, col))
        except PredicateError as exc:
            exc.line, exc.col = line, col  # type: ignore[attr-defined]
            out.append(exc)
    return out


def _line_of(starts: list[int], pos: int) -> int:
    lo, hi = 0, len(starts)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if starts[mid] <= pos:
            lo = mid
        else:
            hi = mid
    return lo + 1


# --------------------------------------------------------------------------- evaluation

_INTERVAL_NAMES = {"ratio": ("ratio_ci", "ratio_interval"),
                   "difference": ("difference_ci", "difference_interval", "diff_ci")}


def _interval(record: Any, kind: str) -> tuple[float, float] | None:
    """``(lo, hi)`` of a recorded interval of ``kind`` (``ratio`` or ``difference``), looked up
    as a field or in ``extra``; accepts ``[lo, hi]`` or ``{"lo"/"low", "hi"/"high"}``."""
    extra = getattr(record, "extra", None) or {}
    for name in _INTERVAL_NAMES[kind]:
        value = getattr(record, name, None)
        if value is None:
            value = extra.get(name)
        if value is None:
            continue
        if hasattr(value, "model_dump"):
            value = value.model_dump()
        if isinstance(value, dict):
            lo = value.get("lo", value.get("low"))
            hi = value.get("hi", value.get("high"))
        elif isinstance(value, (list, tuple)) and len(value) == 2:
            lo, hi = value
        else:
            continue
        if isinstance(lo, (int, float)) and isinstance(hi, (int, float)):
            return float(lo), float(hi)
    return None


def comparison_direction(cmp: Any) -> tuple[str, str]:
    """``(direction, basis)``: does the treatment move the metric ``more`` or ``less`` than its
    baseline in this compared cell, or is that ``undetermined``?

    Evidence, best first: a recorded interval of the ratio (``more`` when it lies above 1,
    ``less`` below) or of the difference Δ - Δ_baseline (oriented by the baseline's sign) ->
    basis ``interval``; a recorded test of the comparison itself (``significant``) -> basis
    ``test``, direction by the point ratio when significant; otherwise the point ratio (> 1
    ``more``, < 1 ``less``) -> basis ``point``. No ratio (baseline Δ of 0, or an undefined
    ratio) is ``undetermined``.
    """
    ratio = getattr(cmp, "ratio", None)
    iv = _interval(cmp, "ratio")
    if iv is not None:
        return ("more" if iv[0] > 1 else "less" if iv[1] < 1 else "undetermined"), "interval"
    iv = _interval(cmp, "difference")
    base = getattr(cmp, "baseline_delta", None)
    if iv is not None and base:
        lo, hi = (iv if base > 0 else (-iv[1], -iv[0]))
        return ("more" if lo > 0 else "less" if hi < 0 else "undetermined"), "interval"
    significant = getattr(cmp, "significant", None)
    if isinstance(significant, bool):
        if not significant or ratio is None or ratio == 1:
            return "undetermined", "test"
        return ("more" if ratio > 1 else "less"), "test"
    if ratio is None or not math.isfinite(ratio) or ratio == 1:
        return "undetermined", "point"
    return ("more" if ratio > 1 else "less"), "point"


@dataclass
class Records:
    """The rows a predicate selects from, built once per results file."""

    rows: dict[str, list[dict]] = field(default_factory=dict)


def records(run: Any) -> Records:
    """Flat rows of ``run`` (a :class:`~personageo.schema.RunResult`) for predicates."""
    cond = {c.id: c for c in run.design.conditions}
    internal = {c.baseline.condition for c in run.comparisons
                if c.baseline.source is None and c.baseline.condition}
    cells = {c.id: c for c in run.cells}

    def cell_row(c) -> dict:
        group = cond[c.condition].data.data_type if c.condition in cond else None
        return {"method": c.method, "layer": str(c.layer), "group": group,
                "condition": c.condition, "delta": c.delta, "p_adjusted": c.p_adjusted,
                "significant": c.significant}

    cmp_rows = []
    for cmp in run.comparisons:
        cell = cells.get(cmp.cell)
        row = cell_row(cell) if cell is not None else {}
        direction, basis = comparison_direction(cmp)
        row.update(ratio=cmp.ratio, delta=cmp.delta, baseline_delta=cmp.baseline_delta,
                   direction=direction, basis=basis)
        cmp_rows.append(row)
    verdict_rows = [{"method": v.method, "group": v.group, "result": v.result,
                     "layer": None, "condition": None} for v in run.verdicts]
    return Records({"comparisons": cmp_rows,
                    "cells": [cell_row(c) for c in run.cells if c.condition not in internal],
                    "verdicts": verdict_rows})


@dataclass(frozen=True)
class Evaluation:
    holds: bool
    k: int
    n: int
    why: str
    """What the data say, in words (for a finding's message)."""


def _test(value: Any, op: str, want: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool) or want in ("true", "false"):
        return _OPS[op](str(bool(value)).lower() if isinstance(value, bool) else str(value), want)
    if isinstance(value, (int, float)):
        try:
            return _OPS[op](float(value), float(want))
        except ValueError:
            return False
    return _OPS[op](str(value), want)


def selected(pred: Predicate, recs: Records) -> list[dict]:
    """The records ``pred`` speaks about (its subject, filtered by its ``WHERE``)."""
    return [r for r in recs.rows.get(pred.subject, [])
            if all(str(r.get(k)) == v for k, v in pred.where)]


def evaluate(pred: Predicate, recs: Records) -> Evaluation:
    """Whether ``pred`` holds on the records (see the module docstring for each quantifier)."""
    rows = selected(pred, recs)
    n = len(rows)
    problems = []
    if pred.n is not None and pred.n != n:
        problems.append(f"the results hold {n} {pred.subject}, not {pred.n}")
    if pred.quant == "mixed":
        more = sum(r.get(pred.field) == "more" for r in rows)
        less = sum(r.get(pred.field) == "less" for r in rows)
        point = any(r.get("basis") == "point" for r in rows)
        mixed = more > 0 and less > 0 and not (point and max(more, less) >= MOST * n)
        for name, want, got in (("more", pred.more, more), ("less", pred.less, less)):
            if want is not None and want != got:
                problems.append(f"{got}/{n} are {name}, not {want}")
        if not mixed:
            problems.append(f"not mixed: {more}/{n} more, {less}/{n} less")
        return Evaluation(not problems, more, n, "; ".join(problems) or
                          f"{more}/{n} more, {less}/{n} less")
    k = sum(_test(r.get(pred.field), pred.op, pred.value) for r in rows)
    desc = f"{pred.field} {pred.op} {pred.value} in {k}/{n}"
    if pred.k is not None and pred.k != k:
        problems.append(f"{desc}, not {pred.k}/{n}")
    if pred.quant == "all" and not (n and k == n):
        problems.append(f"not all: {desc}")
    elif pred.quant == "none" and k:
        problems.append(f"not none: {desc}")
    elif pred.quant == "majority" and not k > n / 2:
        problems.append(f"not a majority: {desc}")
    elif pred.quant == "most" and not (n and k >= MOST * n):
        problems.append(f"not most (at least {MOST:.0%}): {desc}")
    return Evaluation(not problems, k, n, "; ".join(problems) or desc)
