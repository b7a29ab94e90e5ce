"""Semantic checks of a :class:`RunResult` beyond types: references, arithmetic, ranges.

Each problem is an :class:`Issue` with a JSON pointer, a message and what was expected, so that
``load`` can refuse a file with every problem listed and ``verify`` can report them as findings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from personageo.errors import json_pointer
from personageo.schema._models import RunResult

#: Absolute tolerance for recomputed arithmetic (delta, ratio) stored as float64.
ABS_TOL = 1e-9
REL_TOL = 1e-9

#: Metrics whose values are cosines (bounded in [-1, 1]).
COSINE_METRICS = {"M1"}


@dataclass(frozen=True)
class Issue:
    pointer: str
    message: str
    expected: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        tail = f" (expected {self.expected})" if self.expected else ""
        return f"#{self.pointer}: {self.message}{tail}"


def close(a: float, b: float, rel: float = REL_TOL, abs_: float = ABS_TOL) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def is_significant(p_adjusted: float, alpha: float, rule: str) -> bool:
    return p_adjusted < alpha if rule == "lt" else p_adjusted <= alpha


class _Checker:
    def __init__(self, run: RunResult) -> None:
        self.run = run
        self.issues: list[Issue] = []

    def add(self, parts: tuple, message: str, expected: str | None = None) -> None:
        self.issues.append(Issue(json_pointer(parts), message, expected))

    def unique(self, name: str, records: list) -> dict[str, int]:
        seen: dict[str, int] = {}
        for i, rec in enumerate(records):
            key = rec.id
            if key in seen:
                self.add((name, i, "id"), f"duplicate id {key!r} (also at index {seen[key]})",
                         "ids unique within the list")
            else:
                seen[key] = i
        return seen

    def ref(self, parts: tuple, value: str | None, index: dict, what: str) -> bool:
        if value is not None and value not in index:
            self.add(parts, f"unknown {what} {value!r}", f"one of the {what} ids")
            return False
        return True


def check_semantics(run: RunResult) -> list[Issue]:
    """Return every semantic problem of ``run`` (an empty list when it is consistent)."""
    c = _Checker(run)
    d = run.design
    conditions = c.unique("design/conditions", d.conditions)
    checkpoints = c.unique("design/checkpoints", d.checkpoints)
    methods = c.unique("design/methods", d.methods)
    layers = set(d.layers)
    if len(layers) != len(d.layers):
        c.add(("design", "layers"), "duplicate layer", "distinct layers")
    for i, ck in enumerate(d.checkpoints):
        c.ref(("design", "checkpoints", i, "condition"), ck.condition, conditions, "condition")

    measurements = c.unique("measurements", run.measurements)
    for i, m in enumerate(run.measurements):
        c.ref(("measurements", i, "checkpoint"), m.checkpoint, checkpoints, "checkpoint")
        c.ref(("measurements", i, "method"), m.method, methods, "method")
        if m.layer not in layers:
            c.add(("measurements", i, "layer"), f"layer {m.layer} not in design.layers")
        if m.metric in COSINE_METRICS and not -1.0 - ABS_TOL <= m.value <= 1.0 + ABS_TOL:
            c.add(("measurements", i, "value"), f"cosine metric {m.metric} = {m.value}",
                  "a value in [-1, 1]")

    families = c.unique("families", run.families)
    cells = c.unique("cells", run.cells)
    for i, cell in enumerate(run.cells):
        at = ("cells", i)
        c.ref(at + ("condition",), cell.condition, conditions, "condition")
        c.ref(at + ("method",), cell.method, methods, "method")
        sides = {}
        for side in ("base", "post"):
            mid = getattr(cell, side)
            if mid is not None and c.ref(at + (side,), mid, measurements, "measurement"):
                m = sides[side] = run.measurements[measurements[mid]]
                if (m.method, m.layer, m.metric) != (cell.method, cell.layer, cell.metric):
                    c.add(at + (side,), f"{side} measurement {m.id!r} is "
                          f"{m.method}/L{m.layer}/{m.metric}",
                          f"{cell.method}/L{cell.layer}/{cell.metric} like the cell")
        if len(sides) == 2 and cell.delta is None:
            c.add(at + ("delta",), "delta missing although both measurements are given",
                  "delta = post.value - base.value")
        elif len(sides) == 2:
            base, post = sides["base"], sides["post"]
            if not close(cell.delta, post.value - base.value):
                c.add(at + ("delta",), f"delta {cell.delta!r} != post - base "
                      f"= {post.value - base.value!r}", "delta = post.value - base.value")
        t = cell.test
        if t.p_convention == "plus_one":
            floor = 1.0 / (t.n_perm + 1)
            if t.p < floor - ABS_TOL:
                c.add(at + ("test", "p"), f"p = {t.p!r} is below the resolution floor",
                      f"p >= 1/(n_perm+1) = {floor:.6g}")
            if t.b is not None and not close(t.p, (t.b + 1) / (t.n_perm + 1)):
                c.add(at + ("test", "p"), f"p = {t.p!r} does not follow from b = {t.b}",
                      f"(b+1)/(n_perm+1) = {(t.b + 1) / (t.n_perm + 1):.6g}")
        elif t.b is not None and not close(t.p, t.b / t.n_perm):
            c.add(at + ("test", "p"), f"p = {t.p!r} does not follow from b = {t.b}",
                  f"b/n_perm = {t.b / t.n_perm:.6g}")
        if t.b is not None and t.b > t.n_perm:
            c.add(at + ("test", "b"), f"b = {t.b} exceeds n_perm = {t.n_perm}")
        if cell.p_adjusted < t.p - ABS_TOL:
            c.add(at + ("p_adjusted",), f"adjusted p {cell.p_adjusted!r} < raw p {t.p!r}",
                  "adjusted p >= raw p")
        if c.ref(at + ("family",), cell.family, families, "family"):
            fam = run.families[families[cell.family]]
            if cell.id not in fam.members:
                c.add(at + ("family",), f"cell is not listed in family {fam.id!r}'s members")
            want = is_significant(cell.p_adjusted, fam.alpha, fam.reject_rule)
            if cell.significant != want:
                op = "<" if fam.reject_rule == "lt" else "<="
                c.add(at + ("significant",), f"significant = {cell.significant} but "
                      f"p_adjusted = {cell.p_adjusted!r}, alpha = {fam.alpha}",
                      f"significant = (p_adjusted {op} alpha) = {want}")
    for i, fam in enumerate(run.families):
        for j, member in enumerate(fam.members):
            if c.ref(("families", i, "members", j), member, cells, "cell"):
                if run.cells[cells[member]].family != fam.id:
                    c.add(("families", i, "members", j), f"cell {member!r} names family "
                          f"{run.cells[cells[member]].family!r}", f"family {fam.id!r}")

    comparisons = c.unique("comparisons", run.comparisons)
    for i, cmp in enumerate(run.comparisons):
        at = ("comparisons", i)
        if c.ref(at + ("cell",), cmp.cell, cells, "cell"):
            cell_delta = run.cells[cells[cmp.cell]].delta
            if cell_delta is not None and not close(cmp.delta, cell_delta):
                c.add(at + ("delta",), f"delta {cmp.delta!r} != cell delta {cell_delta!r}",
                      f"the delta of cell {cmp.cell!r}")
        if cmp.baseline_delta == 0.0:
            if cmp.ratio is not None:
                c.add(at + ("ratio",), "ratio given although the baseline delta is 0", "null")
        elif cmp.ratio is None:
            if not cmp.ratio_undefined:
                c.add(at + ("ratio",), "ratio missing",
                      "delta / baseline_delta, or ratio_undefined with a reason")
        elif not close(cmp.ratio, cmp.delta / cmp.baseline_delta, rel=1e-9, abs_=1e-9):
            c.add(at + ("ratio",), f"ratio {cmp.ratio!r} != delta / baseline_delta = "
                  f"{cmp.delta / cmp.baseline_delta!r}", "ratio = delta / baseline_delta")
        if cmp.ratio is None and cmp.ratio_ci is not None:
            c.add(at + ("ratio_ci",), "an interval for an undefined ratio", "null")
        if cmp.vote not in (None, "abstain") and cmp.ratio_ci is None:
            c.add(at + ("vote",), f"vote {cmp.vote!r} without a ratio interval",
                  "abstain (only an interval can vote)")
        if cmp.ratio is not None and cmp.ratio_undefined:
            c.add(at + ("ratio_undefined",), "a reason for an undefined ratio although the "
                  "ratio is given", "null")
        if cmp.difference is not None and not close(cmp.difference,
                                                    cmp.delta - cmp.baseline_delta):
            c.add(at + ("difference",), f"difference {cmp.difference!r} != delta - "
                  f"baseline_delta = {cmp.delta - cmp.baseline_delta!r}",
                  "difference = delta - baseline_delta")
        if cmp.baseline.base_measurement is not None and cmp.baseline.source is None:
            c.ref(at + ("baseline", "base_measurement"), cmp.baseline.base_measurement,
                  measurements, "measurement")

    c.unique("verdicts", run.verdicts)
    for i, v in enumerate(run.verdicts):
        c.ref(("verdicts", i, "method"), v.method, methods, "method")
        for j, cid in enumerate(v.comparisons):
            c.ref(("verdicts", i, "comparisons", j), cid, comparisons, "comparison")
        voters = len(v.aggregates) if v.aggregates else len(v.comparisons)
        votes = v.votes_low + v.votes_high + (v.votes_mid or 0)
        if votes + (v.abstentions or 0) > voters:
            c.add(("verdicts", i), f"{votes} votes and {v.abstentions or 0} abstentions from "
                  f"{voters} voters", "at most one vote per comparison (or aggregate)")
        if v.result == "undetermined" and v.rule.name != "ratio_interval_vote":
            c.add(("verdicts", i, "result"), "undetermined under the point rule",
                  "H1, H2 or H3 (only the interval rule abstains)")

    for i, w in enumerate(run.weight_norms):
        c.ref(("weight_norms", i, "checkpoint"), w.checkpoint, checkpoints, "checkpoint")
    aggregates = c.unique("aggregates", run.aggregates)
    for i, v in enumerate(run.verdicts):
        for j, aid in enumerate(v.aggregates):
            c.ref(("verdicts", i, "aggregates", j), aid, aggregates, "aggregate")
    for parts, iv in _intervals(run):
        if iv.low > iv.high:
            c.add(parts, f"interval [{iv.low!r}, {iv.high!r}] has low > high", "low <= high")
    for i, a in enumerate(run.aggregates):
        for j, cid in enumerate(a.cells):
            c.ref(("aggregates", i, "cells", j), cid, cells, "cell")
        if a.n != len(a.cells):
            c.add(("aggregates", i, "n"), f"n = {a.n} but {len(a.cells)} cells", "n = len(cells)")
    for i, s in enumerate(run.samples):
        c.ref(("samples", i, "checkpoint"), s.checkpoint, checkpoints, "checkpoint")
        c.ref(("samples", i, "method"), s.method, methods, "method")
    return c.issues


def _intervals(run: RunResult):
    """(JSON path, Interval) of every interval the run holds."""
    from personageo.schema._models import Interval

    def walk(obj, parts):
        if isinstance(obj, Interval):
            yield parts, obj
        elif hasattr(obj, "__pydantic_fields__"):
            for name in type(obj).model_fields:
                yield from walk(getattr(obj, name), parts + (name,))
        elif isinstance(obj, list):
            for i, item in enumerate(obj):
                yield from walk(item, parts + (i,))

    for name in ("measurements", "cells", "comparisons", "aggregates"):
        yield from walk(getattr(run, name), (name,))
