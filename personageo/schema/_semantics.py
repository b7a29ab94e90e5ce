"""Semantic checks of a :class:`RunResult` beyond types: references, arithmetic, ranges.

These are the file's invariants, written once: ``load`` refuses a file that breaks one (every
problem listed), and ``verify`` reports them as findings (under its own codes where it has one,
see :data:`~personageo.schema.invariants.VERIFY_CODE`) and adds only what needs recomputing
with the statistics (adjusted p-values, alternative corrections, verdict votes, baselines).

Each problem is a :class:`~personageo.findings.Finding` with a schema code (``Snnn``), a JSON
pointer, a message and what was expected. A check that raises is reported as the internal-error
finding (``X001``), so a file is never accepted because a check could not run.
"""

from __future__ import annotations

from personageo.errors import Location, json_pointer
from personageo.findings import Finding, internal_error
from personageo.schema._models import RunResult
from personageo.schema.invariants import (
    ABS_TOL,
    COSINE_METRICS,
    REL_TOL,
    close,
    fmt,
    is_significant,
)

#: Compatibility alias: the schema's semantic problems were ``Issue`` objects before the shared
#: findings model; ``personageo.schema.Issue`` stays importable as :class:`Finding`.
Issue = Finding

__all__ = ["ABS_TOL", "COSINE_METRICS", "REL_TOL", "Issue", "check_semantics", "close",
           "is_significant"]


class _Checker:
    def __init__(self, run: RunResult) -> None:
        self.run = run
        self.issues: list[Finding] = []

    def add(self, code: str, parts: tuple, message: str, expected: str | None = None) -> None:
        self.issues.append(Finding(code, message, Location(pointer=json_pointer(parts)),
                                   expected))

    def unique(self, name: str, records: list) -> dict[str, int]:
        seen: dict[str, int] = {}
        for i, rec in enumerate(records):
            key = rec.id
            if key in seen:
                self.add("S001", (name, i, "id"), f"duplicate id {key!r} (also at index {seen[key]})",
                         "ids unique within the list")
            else:
                seen[key] = i
        return seen

    def ref(self, parts: tuple, value: str | None, index: dict, what: str) -> bool:
        if value is not None and value not in index:
            self.add("S002", parts, f"unknown {what} {value!r}", f"one of the {what} ids")
            return False
        return True


def check_semantics(run: RunResult) -> list[Finding]:
    """Return every semantic problem of ``run`` (an empty list when it is consistent).

    A check that raises ends the checking with an internal-error finding (never an empty list).
    """
    c = _Checker(run)
    try:
        _check(c, run)
    except Exception as exc:  # fail closed: a check that cannot run is no pass
        c.issues.append(internal_error("the schema's semantic checks", exc))
    return c.issues


def _check(c: _Checker, run: RunResult) -> None:
    d = run.design
    conditions = c.unique("design/conditions", d.conditions)
    checkpoints = c.unique("design/checkpoints", d.checkpoints)
    methods = c.unique("design/methods", d.methods)
    layers = set(d.layers)
    if len(layers) != len(d.layers):
        c.add("S001", ("design", "layers"), "duplicate layer", "distinct layers")
    for i, ck in enumerate(d.checkpoints):
        c.ref(("design", "checkpoints", i, "condition"), ck.condition, conditions, "condition")

    measurements = c.unique("measurements", run.measurements)
    for i, m in enumerate(run.measurements):
        c.ref(("measurements", i, "checkpoint"), m.checkpoint, checkpoints, "checkpoint")
        c.ref(("measurements", i, "method"), m.method, methods, "method")
        if m.layer not in layers:
            c.add("S002", ("measurements", i, "layer"), f"layer {m.layer} not in design.layers")
        if m.metric in COSINE_METRICS and not -1.0 - ABS_TOL <= m.value <= 1.0 + ABS_TOL:
            c.add("S003", ("measurements", i, "value"), f"cosine metric {m.metric} = {m.value}",
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
                    c.add("S004", at + (side,), f"{side} measurement {m.id!r} is "
                          f"{m.method}/L{m.layer}/{m.metric}",
                          f"{cell.method}/L{cell.layer}/{cell.metric} like the cell")
        if len(sides) == 2 and cell.delta is None:
            c.add("S005", at + ("delta",), "delta missing although both measurements are given",
                  "delta = post.value - base.value")
        elif len(sides) == 2:
            base, post = sides["base"], sides["post"]
            if not close(cell.delta, post.value - base.value):
                c.add("S006", at + ("delta",), f"delta = {fmt(cell.delta)} but post - base = "
                      f"{fmt(post.value)} - {fmt(base.value)}", f"{post.value - base.value!r}")
        t = cell.test
        _check_test(c, t, at + ("test",))
        if cell.p_adjusted < t.p - ABS_TOL:
            c.add("S010", at + ("p_adjusted",), f"adjusted p {cell.p_adjusted!r} < raw p {t.p!r}",
                  "adjusted p >= raw p")
        if c.ref(at + ("family",), cell.family, families, "family"):
            fam = run.families[families[cell.family]]
            if cell.id not in fam.members:
                c.add("S011", at + ("family",), f"cell is not listed in family {fam.id!r}'s members")
            want = is_significant(cell.p_adjusted, fam.alpha, fam.reject_rule)
            if cell.significant != want:
                op = "<" if fam.reject_rule == "lt" else "<="
                c.add("S012", at + ("significant",), f"significant = {cell.significant} with "
                      f"p_adjusted = {fmt(cell.p_adjusted)}, alpha = {fam.alpha}",
                      f"p_adjusted {op} alpha = {want}")
    for i, fam in enumerate(run.families):
        for j, member in enumerate(fam.members):
            if c.ref(("families", i, "members", j), member, cells, "cell"):
                if run.cells[cells[member]].family != fam.id:
                    c.add("S011", ("families", i, "members", j), f"cell {member!r} names family "
                          f"{run.cells[cells[member]].family!r}", f"family {fam.id!r}")

    comparisons = c.unique("comparisons", run.comparisons)
    for i, cmp in enumerate(run.comparisons):
        at = ("comparisons", i)
        if c.ref(at + ("cell",), cmp.cell, cells, "cell"):
            cell_delta = run.cells[cells[cmp.cell]].delta
            if cell_delta is not None and not close(cmp.delta, cell_delta):
                c.add("S013", at + ("delta",), f"delta = {fmt(cmp.delta)} but cell {cmp.cell!r} "
                      f"has delta {fmt(cell_delta)}", f"{cell_delta!r}")
        _check_ratio(c, cmp, at)
        if cmp.ratio is None and cmp.ratio_ci is not None:
            c.add("S015", at + ("ratio_ci",), "an interval for an undefined ratio", "null")
        if cmp.vote not in (None, "abstain") and cmp.ratio_ci is None:
            c.add("S015", at + ("vote",), f"vote {cmp.vote!r} without a ratio interval",
                  "abstain (only an interval can vote)")
        if cmp.ratio is not None and cmp.ratio_undefined:
            c.add("S015", at + ("ratio_undefined",), "a reason for an undefined ratio although the "
                  "ratio is given", "null")
        if cmp.difference is not None and not close(cmp.difference,
                                                    cmp.delta - cmp.baseline_delta):
            c.add("S016", at + ("difference",), f"difference {cmp.difference!r} != delta - "
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
            c.add("S017", ("verdicts", i), f"{votes} votes and {v.abstentions or 0} abstentions from "
                  f"{voters} voters", "at most one vote per comparison (or aggregate)")
        if v.result == "undetermined" and v.rule.name != "ratio_interval_vote":
            c.add("S017", ("verdicts", i, "result"), "undetermined under the point rule",
                  "H1, H2 or H3 (only the interval rule abstains)")

    for i, w in enumerate(run.weight_norms):
        c.ref(("weight_norms", i, "checkpoint"), w.checkpoint, checkpoints, "checkpoint")
    aggregates = c.unique("aggregates", run.aggregates)
    for i, v in enumerate(run.verdicts):
        for j, aid in enumerate(v.aggregates):
            c.ref(("verdicts", i, "aggregates", j), aid, aggregates, "aggregate")
    for parts, iv in _intervals(run):
        if iv.low > iv.high:
            c.add("S018", parts, f"interval [{iv.low!r}, {iv.high!r}] has low > high", "low <= high")
    for i, a in enumerate(run.aggregates):
        for j, cid in enumerate(a.cells):
            c.ref(("aggregates", i, "cells", j), cid, cells, "cell")
        if a.n != len(a.cells):
            c.add("S019", ("aggregates", i, "n"), f"n = {a.n} but {len(a.cells)} cells", "n = len(cells)")
    for i, s in enumerate(run.samples):
        c.ref(("samples", i, "checkpoint"), s.checkpoint, checkpoints, "checkpoint")
        c.ref(("samples", i, "method"), s.method, methods, "method")


def _check_test(c: _Checker, t, at: tuple) -> None:
    """S007 resolution floor of a (b+1)/(n_perm+1) p, S008 p versus b, S009 b <= n_perm."""
    floor = 1.0 / (t.n_perm + 1)
    valid = None if t.b is None else (t.b + 1) / (t.n_perm + 1)
    if t.p_convention == "plus_one" and t.p < floor and not close(t.p, floor):
        tail = f"; (b+1)/(n_perm+1) = {fmt(valid)}" if valid is not None else ""
        c.add("S007", at + ("p",), f"p = {fmt(t.p)} is below the resolution floor of "
              f"{t.n_perm} permutations", f"p >= 1/(n_perm+1) = {fmt(floor)}{tail}")
    if t.b is None:
        return
    if t.b > t.n_perm:
        c.add("S009", at + ("b",), f"b = {t.b} exceeds n_perm = {t.n_perm}",
              f"0 <= b <= {t.n_perm}")
    want = valid if t.p_convention == "plus_one" else t.b / t.n_perm
    rule = "(b+1)/(n_perm+1)" if t.p_convention == "plus_one" else "b/n_perm"
    if not close(t.p, want):
        c.add("S008", at + ("p",), f"p = {fmt(t.p)} does not follow from b = {t.b}",
              f"{rule} = {fmt(want)}")


def _check_ratio(c: _Checker, cmp, at: tuple) -> None:
    """S014: ratio = delta / baseline_delta; null for a zero baseline delta; missing only with
    ``ratio_undefined`` (the baseline delta not distinguishable from 0)."""
    if cmp.baseline_delta == 0.0:
        if cmp.ratio is not None:
            c.add("S014", at + ("ratio",), f"ratio = {fmt(cmp.ratio)} although the baseline "
                  "delta is 0", "null")
    elif cmp.ratio is not None or not cmp.ratio_undefined:
        want = cmp.delta / cmp.baseline_delta
        if cmp.ratio is None or not close(cmp.ratio, want):
            c.add("S014", at + ("ratio",), f"ratio = {fmt(cmp.ratio)} but delta / "
                  f"baseline_delta = {fmt(cmp.delta)} / {fmt(cmp.baseline_delta)}", f"{want!r}")


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
