"""The values a write-up may show, built once per results file: facts with facets, indexed.

A :class:`Fact` is a value of the results (or a declared derivation over values: difference,
ratio, percent change, count of records satisfying a rule, min/max over a set, a design fact such
as the number of persona pairs) with the record path(s) it comes from and *facets* — condition,
method, layer, data type, learning rate, training method — that table headers are matched
against. :class:`FactIndex` keeps them sorted by value so that a shown number finds the facts it
agrees with by bisection (no scan over all facts per claim).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from personageo.schema import RunResult
from personageo.schema.paths import iter_numbers, record_path


@dataclass(frozen=True)
class Fact:
    value: float
    kind: str
    """``identity``, ``design``, ``difference``, ``ratio``, ``percent_change``, ``count``,
    ``min`` or ``max``."""
    paths: tuple[str, ...]
    quantity: str | None = None
    """What the value measures: ``delta``, ``ratio``, ``p``, ``p_adjusted``, ``base``, ``post``,
    ``n_pairs``, ``norm``, ``votes_low``, ``votes_high``, ``n_votes`` ..."""
    facets: tuple[tuple[str, object], ...] = ()
    rule: str | None = None
    denominator: int | None = None
    results: int = 0
    of: str | None = None
    """For derived facts (difference, ratio, percent change, count, min, max): the quantity
    they are derived from (``delta``, ``norm``, ``ratio``, ``lr``, ``comparisons``, ...)."""

    @cached_property
    def facet_map(self) -> dict:
        return dict(self.facets)

    @cached_property
    def n_facets(self) -> int:
        """Facets that identify records (not the role, op or threshold of a derivation)."""
        return sum(k not in ("role", "op", "threshold") for k, _ in self.facets)

    def describe(self, prefix: str = "") -> str:
        paths = [prefix + p for p in self.paths]
        if self.kind == "identity":
            return paths[0]
        if self.kind == "count":
            tail = f"/{self.denominator}" if self.denominator is not None else ""
            return f"count({self.rule}){tail}"
        if self.kind in ("design", "min", "max") and self.rule or not self.paths:
            return self.rule if self.kind in ("min", "max") else f"{self.kind}({self.rule})"
        return f"{self.kind}({', '.join(paths)})"


def _facets(**kw) -> tuple[tuple[str, object], ...]:
    return tuple(sorted((k, v) for k, v in kw.items() if v is not None and v != "unknown"))


def _common(a: dict, b: dict) -> dict:
    """The facets two records share (same key, same value)."""
    return {k: v for k, v in a.items() if v is not None and b.get(k) == v}


class _Builder:
    def __init__(self, run: RunResult, results: int) -> None:
        self.run = run
        self.results = results
        self.facts: list[Fact] = []
        self.conditions = {c.id: c for c in run.design.conditions}
        self.checkpoints = {c.id: c for c in run.design.checkpoints}
        self.measurements = {m.id: m for m in run.measurements}
        self.cells = {c.id: c for c in run.cells}

    def add(self, value, kind, paths, **kw) -> None:
        if value is None or isinstance(value, bool) or not math.isfinite(float(value)):
            return
        self.facts.append(Fact(float(value), kind, tuple(paths), results=self.results, **kw))

    def cond_facets(self, cid: str | None) -> dict:
        c = self.conditions.get(cid) if cid else None
        if c is None:
            return {"condition": cid} if cid else {"training": "none"}
        return {"condition": c.id, "training": c.training.method, "lr": c.training.lr,
                "data_type": (c.data.data_type or "").lower() or None}

    def build(self) -> list[Fact]:
        self.records()
        self.derived()
        self.design()
        seen = {p for f in self.facts if f.kind == "identity" for p in f.paths}
        doc = self.run.model_dump(mode="json")
        for path, value in iter_numbers(doc):
            if path not in seen:
                self.add(value, "identity", [path])
        return self.facts

    # -------------------------------------------------------------- records with facets
    def records(self) -> None:
        for cell in self.run.cells:
            f = dict(self.cond_facets(cell.condition), method=cell.method, layer=cell.layer,
                     metric=cell.metric)
            fx = _facets(**f)
            base = self.measurements.get(cell.base)
            post = self.measurements.get(cell.post)
            self.add(cell.delta, "identity", [record_path("cells", cell.id, "delta")],
                     quantity="delta", facets=fx)
            self.add(cell.test.p, "identity", [record_path("cells", cell.id, "test", "p")],
                     quantity="p", facets=fx)
            self.add(cell.p_adjusted, "identity", [record_path("cells", cell.id, "p_adjusted")],
                     quantity="p_adjusted", facets=fx)
            for side, m in (("base", base), ("post", post)):
                if m is not None:
                    self.add(m.value, "identity", [record_path("measurements", m.id, "value")],
                             quantity=side, facets=fx)
            if post is not None and post.n_pairs is not None:
                self.add(post.n_pairs, "identity",
                         [record_path("measurements", post.id, "n_pairs")],
                         quantity="n_pairs", facets=fx)
        for cmp in self.run.comparisons:
            cell = self.cells.get(cmp.cell)
            if cell is None:
                continue
            f = dict(self.cond_facets(cell.condition), method=cell.method, layer=cell.layer)
            self.add(cmp.ratio, "identity", [record_path("comparisons", cmp.id, "ratio")],
                     quantity="ratio", facets=_facets(**f))
            bf = self.cond_facets(cmp.baseline.condition) if cmp.baseline.condition in \
                self.conditions else {}
            bfacets = _facets(method=cell.method, layer=cell.layer,
                              data_type=f.get("data_type"), training=bf.get("training"),
                              lr=bf.get("lr"), role="baseline")
            self.add(cmp.baseline_delta, "identity",
                     [record_path("comparisons", cmp.id, "baseline_delta")],
                     quantity="delta", facets=bfacets)
            if cmp.baseline.base_value is not None:
                self.add(cmp.baseline.base_value, "identity",
                         [record_path("comparisons", cmp.id, "baseline", "base_value")],
                         quantity="base", facets=bfacets)
        for w in self.run.weight_norms:
            ck = self.checkpoints.get(w.checkpoint)
            f = self.cond_facets(ck.condition if ck else None)
            self.add(w.global_l2, "identity", [record_path("weight_norms", w.checkpoint,
                                                           "global_l2")],
                     quantity="norm", facets=_facets(**f, scope="global"))
            for block, value in w.per_block.items():
                self.add(value, "identity", [record_path("weight_norms", w.checkpoint,
                                                         "per_block", block)],
                         quantity="norm", facets=_facets(**f, layer=int(block)))
        for v in self.run.verdicts:
            fx = _facets(method=v.method, data_type=v.group.lower())
            for q in ("votes_low", "votes_high"):
                self.add(getattr(v, q), "identity", [record_path("verdicts", v.id, q)],
                         quantity=q, facets=fx, denominator=len(v.comparisons))
            self.add(len(v.comparisons), "design", [record_path("verdicts", v.id,
                                                                "comparisons")],
                     quantity="n_votes", facets=fx, rule=f"len(/verdicts/{v.id}/comparisons)")

    # -------------------------------------------------------------- declared derivations
    def derived(self) -> None:
        run = self.run
        groups = defaultdict(list)
        for cell in run.cells:
            groups[(cell.method, cell.layer, cell.metric)].append(cell)
        cell_f = {c.id: dict(self.cond_facets(c.condition), method=c.method, layer=c.layer)
                  for c in run.cells}
        for cells in groups.values():
            for a, b in itertools.permutations(cells, 2):
                self.pair(a.delta, b.delta, record_path("cells", a.id, "delta"),
                          record_path("cells", b.id, "delta"), quantity="delta",
                          facets=_common(cell_f[a.id], cell_f[b.id]))
        for cmp in run.comparisons:
            pa = record_path("comparisons", cmp.id, "delta")
            pb = record_path("comparisons", cmp.id, "baseline_delta")
            self.pair(cmp.delta, cmp.baseline_delta, pa, pb, ratio=False, quantity="delta",
                      facets=self.cmp_facets(cmp))
        base_groups = defaultdict(dict)
        for cmp in run.comparisons:
            cell = self.cells.get(cmp.cell)
            if cell is not None:
                base_groups[(cell.method, cell.layer)].setdefault(cmp.baseline_delta, cmp.id)
        for (method, layer), vals in base_groups.items():
            for (va, ia), (vb, ib) in itertools.permutations(vals.items(), 2):
                self.pair(va, vb, record_path("comparisons", ia, "baseline_delta"),
                          record_path("comparisons", ib, "baseline_delta"), quantity="delta",
                          facets={"method": method, "layer": layer, "role": "baseline"})
        norms = run.weight_norms
        norm_f = {}
        for w in norms:
            ck = self.checkpoints.get(w.checkpoint)
            norm_f[w.checkpoint] = self.cond_facets(ck.condition if ck else None)
        for a, b in itertools.permutations(norms, 2):
            common = _common(norm_f[a.checkpoint], norm_f[b.checkpoint])
            self.pair(a.global_l2, b.global_l2, record_path("weight_norms", a.checkpoint,
                                                            "global_l2"),
                      record_path("weight_norms", b.checkpoint, "global_l2"), quantity="norm",
                      facets=dict(common, scope="global"))
            for block in set(a.per_block or {}) & set(b.per_block or {}):
                self.pair(a.per_block[block], b.per_block[block],
                          record_path("weight_norms", a.checkpoint, "per_block", block),
                          record_path("weight_norms", b.checkpoint, "per_block", block),
                          quantity="norm", facets=dict(common, layer=int(block)))
        self.counts()
        self.extremes()

    def pair(self, a: float | None, b: float | None, pa: str, pb: str,
             ratio: bool = True, quantity: str | None = None, facets: dict | None = None) -> None:
        """Difference, ratio and percent change of two values of one quantity; their facets
        are those both records share."""
        if a is None or b is None:
            return  # a value the source did not record
        fx = _facets(**(facets or {}))
        kw = {"facets": fx, "of": quantity}
        self.add(a - b, "difference", [pa, pb], **kw)
        if b:
            if ratio:
                self.add(a / b, "ratio", [pa, pb], **kw)
            self.add((a - b) / b, "percent_change", [pa, pb], **kw)

    def grouped(self, records, key_of, with_facets: bool = False):
        """Yield (label, records) for the whole set and for each grouping of facets (and the
        grouping's facets as a dict with ``with_facets``)."""
        yield ("", records, {}) if with_facets else ("", records)
        for names in (("method",), ("layer",), ("data_type",), ("method", "layer"),
                      ("method", "data_type"), ("condition",), ("lr",), ("training",),
                      ("method", "lr"), ("method", "data_type", "lr"), ("layer", "data_type"),
                      ("method", "layer", "data_type")):
            by = defaultdict(list)
            for r in records:
                f = key_of(r)
                if all(f.get(n) is not None for n in names):
                    by[tuple(f[n] for n in names)].append(r)
            if len(by) > 1:
                for k, rs in by.items():
                    label = " and ".join(f"{n} = {v}" for n, v in zip(names, k, strict=True))
                    yield (label, rs, dict(zip(names, k, strict=True))) if with_facets \
                        else (label, rs)

    def cmp_facets(self, cmp) -> dict:
        cell = self.cells.get(cmp.cell)
        if cell is None:
            return {}
        return dict(self.cond_facets(cell.condition), method=cell.method, layer=cell.layer)

    def counts(self) -> None:
        run = self.run
        thresholds = {(">=", 1.0), (">", 1.0), ("<", 1.0), ("<=", 1.0)}
        for v in run.verdicts:
            thresholds |= {("<", v.rule.low), (">", v.rule.high)}
        ops = {">=": float.__ge__, ">": float.__gt__, "<": float.__lt__, "<=": float.__le__}
        cmps = [c for c in run.comparisons if c.ratio is not None]
        for label, group, gf in self.grouped(cmps, self.cmp_facets, with_facets=True):
            for op, t in sorted(thresholds):
                k = sum(ops[op](float(c.ratio), float(t)) for c in group)
                where = f" where {label}" if label else ""
                self.add(k, "count", [], rule=f"comparisons.ratio {op} {t:g}{where}",
                         denominator=len(group), of="comparisons",
                         facets=_facets(**gf, op=op, threshold=float(t)))
            self.add(len(group), "design", [], rule=f"len(comparisons{' where ' + label if label else ''})")
        cells = run.cells
        for label, group, gf in self.grouped(cells, lambda c: dict(
                self.cond_facets(c.condition), method=c.method, layer=c.layer), with_facets=True):
            where = f" where {label}" if label else ""
            k = sum(c.significant for c in group)
            self.add(k, "count", [], rule=f"cells.significant{where}", denominator=len(group),
                     of="cells", facets=_facets(**gf, op="significant"))
            self.add(len(group), "design", [], rule=f"len(cells{where})")
        results = defaultdict(int)
        for v in run.verdicts:
            results[v.result] += 1
        for res, k in results.items():
            self.add(k, "count", [], rule=f"verdicts.result == {res}",
                     denominator=len(run.verdicts))

    def extremes(self) -> None:
        run = self.run
        sets = []
        cell_f = lambda c: dict(self.cond_facets(c.condition), method=c.method, layer=c.layer)  # noqa: E731
        sets.append(("cells", "delta", run.cells, cell_f, lambda c: c.delta))
        sets.append(("cells", "p_adjusted", run.cells, cell_f, lambda c: c.p_adjusted))
        sets.append(("comparisons", "ratio", [c for c in run.comparisons if c.ratio is not None],
                     self.cmp_facets, lambda c: c.ratio))
        sets.append(("comparisons", "baseline_delta", run.comparisons, self.cmp_facets,
                     lambda c: c.baseline_delta))
        for side in ("base", "post"):
            pairs = [(c, self.measurements[getattr(c, side)]) for c in run.cells
                     if getattr(c, side) in self.measurements]
            sets.append(("measurements", f"value ({side})", pairs,
                         lambda p: cell_f(p[0]), lambda p: p[1].value))
        for name, field, records, key_of, value_of in sets:
            of = field.replace("value (", "").rstrip(")")
            for label, group, gf in self.grouped(records, key_of, with_facets=True):
                if len(group) < 2:
                    continue
                vals = [float(v) for v in map(value_of, group) if v is not None]
                if len(vals) < 2:
                    continue
                where = f" where {label}" if label else ""
                for kind, fn in (("min", min), ("max", max)):
                    self.add(fn(vals), kind, [], rule=f"{kind}({name}.{field}{where})", of=of,
                             facets=_facets(**gf), denominator=len(vals))

    def design(self) -> None:
        d = self.run.design
        p = len(d.personas)
        self.add(p, "design", ["/design/personas"], rule="len(/design/personas)")
        self.add(p * (p - 1) // 2, "design", ["/design/personas"], quantity="n_pairs",
                 rule="P(P-1)/2 persona pairs")
        self.add(p * p, "design", ["/design/personas"], rule="P×P")
        q = d.questions.count
        if q is not None:
            self.add(p * q, "design", ["/design/personas", "/design/questions/count"],
                     rule="personas × questions")
        self.add(len(d.layers), "design", ["/design/layers"], rule="len(/design/layers)")
        self.add(len(d.methods), "design", ["/design/methods"], rule="len(/design/methods)")
        by_training = defaultdict(int)
        for c in d.conditions:
            by_training[c.training.method] += 1
        for method, k in by_training.items():
            self.add(k, "design", ["/design/conditions"],
                     rule=f"conditions with training = {method}")
        self.add(len(d.conditions), "design", ["/design/conditions"],
                 rule="len(/design/conditions)")
        for fam in self.run.families:
            self.add(len(fam.members), "design", [record_path("families", fam.id, "members")],
                     rule=f"len(/families/{fam.id}/members)")
        lrs = sorted({c.training.lr for c in d.conditions if c.training.lr})
        for a, b in itertools.permutations(lrs, 2):
            self.add(a / b, "ratio", [], rule=f"lr {a:g} / {b:g}", of="lr")


def build_facts(run: RunResult, results: int = 0) -> list[Fact]:
    """Every fact of ``run`` (identity values with facets, derivations, design facts)."""
    return _Builder(run, results).build()


class FactIndex:
    """Facts sorted by value: :meth:`near` returns those within a tolerance, by bisection."""

    def __init__(self, facts: list[Fact]) -> None:
        self.facts = sorted(facts, key=lambda f: f.value)
        self.values = [f.value for f in self.facts]
        self.by_quantity = defaultdict(list)
        self.faceted: list[Fact] = []
        """Facts that name a quantity (the ones table headers can point at)."""
        self.derived = defaultdict(list)
        """(kind, of) -> derived facts (``("ratio", "norm")``, ``("max", "ratio")``, ...)."""
        for f in facts:
            if f.quantity is not None:
                self.by_quantity[f.quantity].append(f)
                self.faceted.append(f)
            if f.of is not None:
                self.derived[(f.kind, f.of)].append(f)

    def near(self, value: float, tol: float) -> list[Fact]:
        lo = bisect.bisect_left(self.values, value - tol)
        hi = bisect.bisect_right(self.values, value + tol)
        return self.facts[lo:hi]
