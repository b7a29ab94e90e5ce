"""A read-only view of a run result shaped for the write-up: cells, comparisons, tables.

Every number the view hands out is a :class:`~personageo.report._bound.Bound` carrying its record
path (see :mod:`personageo.schema.paths`), so whatever the template shows stays bound. Records
are found by structure (condition, method, layer), never by guessing ids, so files written by
``analyze`` and files imported from legacy layouts render alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from personageo.report._bound import Bound
from personageo.schema import RunResult
from personageo.schema.paths import record_path, resolve


class MissingValue(LookupError):
    """A template asked for a value the results do not hold."""

    def __init__(self, path: str, results: int = 0, why: str = "no such value") -> None:
        super().__init__(path)
        self.path = path
        self.results = results
        self.why = why


class Results:
    """One results file: the validated model, its JSON id view and its index in the sidecar."""

    def __init__(self, run: RunResult, index: int, path: str, sha256: str) -> None:
        self.run = run
        self.doc = run.model_dump(mode="json")
        self.index = index
        self.path = path
        self.sha256 = sha256

    def v(self, path: str) -> Bound:
        """The number at record ``path`` as an identity :class:`Bound`."""
        try:
            value = resolve(self.doc, path)
        except KeyError:
            raise MissingValue(path, self.index) from None
        if value is None:
            raise MissingValue(path, self.index, "value not recorded (null)")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise MissingValue(path, self.index, f"not a number ({type(value).__name__})")
        return Bound(float(value), (path,), results=self.index)

    def get(self, path: str) -> Any:
        """Any value (text, list, record) at ``path``."""
        try:
            return resolve(self.doc, path)
        except KeyError:
            raise MissingValue(path, self.index) from None

    def maybe(self, path: str) -> Bound | None:
        try:
            return self.v(path)
        except MissingValue:
            return None


def issue_number(source: str | None) -> int | None:
    """``"issue_205"`` / ``"#205"`` / ``"205"`` -> 205."""
    if not source:
        return None
    m = re.search(r"(\d+)", str(source))
    return int(m.group(1)) if m else None


def group_label(group: str | None, labels: dict[str, str]) -> str:
    """Display name of a data group: configured label, else short ids upper-cased (em -> EM)."""
    if group is None:
        return "not recorded"
    if group in labels:
        return labels[group]
    return group.upper() if len(group) <= 3 else group


@dataclass
class ConditionView:
    id: str
    label: str
    group: str | None
    method: str
    """``full``, ``lora`` or ``none``."""
    lr: Bound | None
    source_issue: int | None


@dataclass
class CellView:
    id: str
    condition: ConditionView
    method: str
    layer: int
    delta: Bound | None
    """None only for legacy cells that record no delta."""
    base: Bound | None
    post: Bound | None
    p_adj: Bound
    n_pairs: Bound | None
    comparison: ComparisonView | None


@dataclass
class ComparisonView:
    id: str
    ratio: Bound | None
    delta: Bound
    baseline_delta: Bound
    baseline_condition: str | None
    baseline_cell: str | None
    source_issue: int | None


@dataclass
class BaselineRow:
    """The baseline (e.g. LoRA) at one method x layer for one data group."""

    group: str
    method: str
    layer: int
    delta: Bound
    condition: ConditionView
    p_adj: Bound | None
    n_pairs: Bound | None
    correction: str | None


@dataclass
class VerdictView:
    id: str
    method: str
    group: str
    label: str
    result: str
    ratios: list[Bound]
    layers: list[int]
    low: Bound
    high: Bound
    low_label: str
    high_label: str

    def layers_where(self, op: str, threshold: Bound) -> list[int]:
        """Layers whose ratio satisfies ``ratio <op> threshold`` (for "(L7, L14)" lists)."""
        from personageo.report._bound import _OPS

        return [L for L, r in zip(self.layers, self.ratios, strict=True)
                if _OPS[op](r.value, threshold.value)]


_TRAINING = {"full": "Full-param", "lora": "LoRA", "none": "Base"}


class ExperimentView:
    """Structured access to one run (and optionally its baseline run)."""

    def __init__(self, main: Results, baseline: Results | None = None,
                 labels: dict[str, str] | None = None,
                 baseline_label: str | None = None) -> None:
        self.main = main
        self.baseline = baseline
        self.labels = labels or {}
        self.baseline_label = baseline_label
        run = main.run
        d = run.design
        self.layers: list[int] = list(d.layers)
        self.methods: list[str] = [m.id for m in d.methods]
        self._measure = {m.id: m for m in run.measurements}
        self._families = {f.id: f for f in run.families}
        self._cond = {c.id: self._condition(c, main) for c in d.conditions}
        cmp_by_cell = {c.cell: c for c in run.comparisons}
        # conditions of this run that serve as another condition's baseline (e.g. LoRA trained
        # beside full-param) are shown as baseline rows, not as conditions of their own
        self.internal_baselines = {c.baseline.condition for c in run.comparisons
                                   if c.baseline.source is None and c.baseline.condition}
        self.cells: list[CellView] = []
        for cell in run.cells:
            if cell.condition not in self.internal_baselines:
                self.cells.append(self._cell(cell, cmp_by_cell.get(cell.id)))
        tested = {c.condition.id for c in self.cells}
        self.conditions = [self._cond[c.id] for c in d.conditions if c.id in tested]
        self.metric = run.cells[0].metric if run.cells else None
        self.groups: list[str] = []
        for c in self.conditions:
            if c.group is not None and c.group not in self.groups:
                self.groups.append(c.group)

    # ------------------------------------------------------------------ construction
    def _condition(self, c, res: Results) -> ConditionView:
        base = record_path("design", "conditions", c.id)
        lr = res.maybe(base + "/training/lr")
        method = _TRAINING.get(c.training.method, c.training.method)
        return ConditionView(c.id, c.label or c.id, c.data.data_type, method, lr,
                             issue_number(c.source))

    def _cell(self, cell, cmp) -> CellView:
        r = self.main
        at = record_path("cells", cell.id)
        post = self._measure.get(cell.post) if cell.post else None
        n_pairs = self._n_pairs(r, post)
        cv = None
        if cmp is not None:
            cp = record_path("comparisons", cmp.id)
            cv = ComparisonView(cmp.id, r.maybe(cp + "/ratio"), r.v(cp + "/delta"),
                                r.v(cp + "/baseline_delta"), cmp.baseline.condition,
                                cmp.baseline.cell, issue_number(cmp.baseline.source))
        def measured(mid):
            return r.v(record_path("measurements", mid, "value")) if mid else None

        return CellView(cell.id, self._cond[cell.condition], cell.method, cell.layer,
                        r.maybe(at + "/delta"), measured(cell.base), measured(cell.post),
                        r.v(at + "/p_adjusted"), n_pairs, cv)

    @staticmethod
    def _n_pairs(res: Results, post) -> Bound | None:
        """Pairs behind a metric value: recorded ``n_pairs``, else (for the all-pairs metric
        over the design's personas) n(n-1)/2, recorded as a count over the persona records."""
        if post is not None and post.n_pairs is not None:
            return res.v(record_path("measurements", post.id, "n_pairs"))
        n = len(res.run.design.personas)
        if n < 2:
            return None
        paths = tuple(record_path("design", "personas", i) for i in range(n))
        return Bound(float(n * (n - 1) // 2), paths, "count",
                     rule="unordered pairs of design.personas: n*(n-1)/2", results=res.index)

    # ------------------------------------------------------------------ queries
    def cell(self, condition: str, method: str, layer: int) -> CellView:
        for c in self.cells:
            if (c.condition.id, c.method, c.layer) == (condition, method, int(layer)):
                return c
        raise MissingValue(f"/cells[condition={condition},method={method},layer={layer}]",
                           why="no tested cell for this condition x method x layer")

    def select(self, method: str | None = None, layer: int | None = None,
               group: str | None = None, condition: str | None = None) -> list[CellView]:
        """Cells matching every given criterion, in results order."""
        return [c for c in self.cells
                if (method is None or c.method == method)
                and (layer is None or c.layer == int(layer))
                and (group is None or c.condition.group == group)
                and (condition is None or c.condition.id == condition)]

    def compared(self, **criteria) -> list[CellView]:
        """Like :meth:`select`, restricted to cells with a baseline comparison and ratio."""
        return [c for c in self.select(**criteria)
                if c.comparison is not None and c.comparison.ratio is not None]

    def ratios(self, **criteria) -> list[Bound]:
        return [c.comparison.ratio for c in self.compared(**criteria)]

    def deltas(self, **criteria) -> list[Bound]:
        return [c.delta for c in self.select(**criteria) if c.delta is not None]

    def posts(self, **criteria) -> list[Bound]:
        return [c.post for c in self.select(**criteria) if c.post is not None]

    def bases(self, **criteria) -> list[Bound]:
        return [c.base for c in self.select(**criteria) if c.base is not None]

    def conditions_by_group(self) -> list[ConditionView]:
        """Tested conditions ordered by data group (first appearance), then design order."""
        order = {g: i for i, g in enumerate(self.groups)}
        return sorted(self.conditions, key=lambda c: order.get(c.group, len(order)))

    def group_label(self, group: str | None) -> str:
        return group_label(group, self.labels)

    def baseline_rows(self, method: str, layer: int) -> list[BaselineRow]:
        """One baseline row per data group (the first comparison of that group decides)."""
        rows: list[BaselineRow] = []
        seen: set[str] = set()
        for c in self.compared(method=method, layer=layer):
            g = c.condition.group
            if g in seen:
                continue
            seen.add(g)
            cmp = c.comparison
            cond = self._baseline_condition(cmp)
            p_adj = n_pairs = None
            correction = None
            b = self.baseline if cond.id not in self.internal_baselines else self.main
            if b is not None and cmp.baseline_cell is not None:
                bcell = next((x for x in b.run.cells if x.id == cmp.baseline_cell), None)
                if bcell is not None:
                    p_adj = b.v(record_path("cells", bcell.id, "p_adjusted"))
                    post = next((m for m in b.run.measurements if m.id == bcell.post), None)
                    n_pairs = self._n_pairs(b, post)
                    fam = next((f for f in b.run.families if f.id == bcell.family), None)
                    correction = fam.correction if fam else None
            rows.append(BaselineRow(g, method, int(layer), cmp.baseline_delta, cond, p_adj,
                                    n_pairs, correction))
        return rows

    def _baseline_condition(self, cmp: ComparisonView) -> ConditionView:
        cid = cmp.baseline_condition
        if cid in self._cond:
            return self._cond[cid]
        if self.baseline is not None:
            for c in self.baseline.run.design.conditions:
                if c.id == cid:
                    view = self._condition(c, self.baseline)
                    view.source_issue = view.source_issue or cmp.source_issue
                    if view.method in ("unknown", "none") or self.baseline_label:
                        view.method = self.baseline_label or "Baseline"
                    return view
        return ConditionView(cid or "baseline", cid or "baseline", None,
                             self.baseline_label or "Baseline", None, cmp.source_issue)

    def correction(self, cell: CellView) -> str | None:
        cell_rec = next(c for c in self.main.run.cells if c.id == cell.id)
        fam = self._families.get(cell_rec.family)
        return fam.correction if fam else None

    def verdicts(self) -> list[VerdictView]:
        out = []
        by_id = {c.comparison.id: c for c in self.cells if c.comparison is not None}
        for v in self.main.run.verdicts:
            at = record_path("verdicts", v.id, "rule")
            voters = [by_id[c] for c in v.comparisons if c in by_id]
            out.append(VerdictView(
                v.id, v.method, v.group, v.rule.labels.get(v.result, v.result), v.result,
                [c.comparison.ratio for c in voters if c.comparison.ratio is not None],
                [c.layer for c in voters if c.comparison.ratio is not None],
                self.main.v(at + "/low"), self.main.v(at + "/high"),
                v.rule.labels.get("H1", "low").replace(" ", "-"),
                v.rule.labels.get("H3", "high").replace(" ", "-")))
        return out

    def correction_by_id(self, cell_id: str) -> str | None:
        cell = next((c for c in self.cells if c.id == cell_id), None)
        return self.correction(cell) if cell is not None else None

    def layer_bound(self, layer: int) -> Bound:
        """The layer number as bound to ``/design/layers/<i>``."""
        return self.main.v(record_path("design", "layers", self.layers.index(int(layer))))

    def n(self, what: str) -> Bound:
        """Count of design records: ``layers``, ``methods``, ``conditions`` (tested ones),
        ``personas`` or ``cells``, bound to the counted records' paths."""
        d = self.main.run.design
        if what == "layers":
            paths = [record_path("design", "layers", i) for i in range(len(d.layers))]
        elif what == "methods":
            paths = [record_path("design", "methods", m.id) for m in d.methods]
        elif what == "conditions":
            paths = [record_path("design", "conditions", c.id) for c in self.conditions]
        elif what == "personas":
            paths = [record_path("design", "personas", i) for i in range(len(d.personas))]
        elif what == "cells":
            paths = [record_path("cells", c.id) for c in self.cells]
        else:
            raise MissingValue(f"/design/{what}", why="unknown record kind to count")
        return Bound(float(len(paths)), tuple(paths), "count", rule="records",
                     results=self.main.index)

    def weight_norms(self) -> list[dict]:
        """Rows ``{"label", "global", "per_block": [(layer, Bound)]}`` in checkpoint order."""
        ckpt = {c.id: c for c in self.main.run.design.checkpoints}
        rows = []
        for w in self.main.run.weight_norms:
            at = record_path("weight_norms", w.checkpoint)
            cond = ckpt.get(w.checkpoint)
            label = cond.condition if cond is not None and cond.condition else w.checkpoint
            per = [(layer, self.main.v(f"{at}/per_block/{layer}"))
                   for layer in self.layers if layer in w.per_block]
            rows.append({"checkpoint": w.checkpoint, "label": label,
                         "global": self.main.v(at + "/global_l2"), "per_block": per})
        return rows

    def weight_norm(self, condition: str) -> Bound:
        for row in self.weight_norms():
            if row["label"] == condition or row["checkpoint"] == condition:
                return row["global"]
        raise MissingValue(f"/weight_norms[condition={condition}]/global_l2")
