"""The plausible readings of a number: which recorded values (or derivations) it may state.

A :class:`Reading` is one value the number may be about, with ``certain`` set when the number's
own context (the table header or caption title that names its quantity, the cell its row and
column identify, the quantity and facets its sentence names) singles it out. The binder decides:
a number agreeing with any reading is verified; one disagreeing with all of them is contradicted
only when a certain reading exists; otherwise it is unbound, its candidate readings listed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from personageo.lint.numbers._facts import Fact, FactIndex
from personageo.lint.numbers._headers import (
    Vocabulary,
    caption_lines,
    layer_list,
    quantity_of,
)
from personageo.lint.numbers._prose import BOUND, ProseContext, context_of

_NOT_FACETS = ("role", "op", "threshold")


@dataclass(frozen=True)
class Reading:
    value: float
    label: str
    certain: bool
    denominator: int | None = None


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


_MISSING = object()


def _score(fact: Fact, items: tuple) -> tuple[int, int] | None:
    """(facets matched, -facets of the record the context does not name), or None when the
    record contradicts a facet the context names. ``items``: the context's (facet, value)s."""
    fm = fact.facet_map
    matched = 0
    for k, v in items:
        w = fm.get(k, _MISSING)
        if w is _MISSING:
            continue
        if w != v:
            return None
        matched += 1
    return matched, matched - fact.n_facets


def rank(facts: list[Fact], facets: dict, label, certain: bool = True,
         need_match: bool = True, broad: bool = False) -> list[Reading]:
    """Readings among ``facts`` compatible with ``facets``: those matching the most facets.

    The most specific of them (fewest facets the context does not name) is certain when it
    holds one value; the others are readings too (a context that names fewer facets than a
    record has may mean any of them)."""
    items = tuple((k, v) for k, v in facets.items() if k not in _NOT_FACETS)
    scored = [(s, f) for f in facts if (s := _score(f, items)) is not None]
    if any(f.results == 0 for _, f in scored):  # the body reports its first results file;
        scored = [(s, f) for s, f in scored if f.results == 0]  # the others fill in baselines
    if not scored:
        return []
    top = max(s[0] for s, _ in scored)
    if need_match and top == 0 and any(f.facets for _, f in scored):
        # the context names the quantity but nothing that singles a record out: any of them
        # (even when they all hold one value: the words may be about another experiment)
        return [Reading(f.value, label(f), False, f.denominator) for _, f in scored]
    best = max(s for s, _ in scored)
    if not broad:
        scored = [(s, f) for s, f in scored if s[0] == top]
    exact = [f for s, f in scored if s == best]
    single = all(_same(f.value, exact[0].value) for f in exact)
    # a few records that all match what the context names: each is a plausible reading, and
    # a number that agrees with none of them is contradicted by all of them
    few = not broad and top >= 1 and len(_distinct(f.value for _, f in scored)) <= _FEW
    return [Reading(f.value, label(f), certain and (few or single and s == best), f.denominator)
            for s, f in scored]


_FEW = 4
_GROUP_KEYS = ("method", "layer", "data_type", "condition", "lr", "training")


def _nested(group: dict, named: dict) -> bool:
    """A set of records the words may mean: the one they name, a part of it, or a set that
    contains it ("across Method A" may be all Method A ratios or those at one lr)."""
    g = {k: v for k, v in group.items() if k in _GROUP_KEYS}
    return g.items() <= named.items() or named.items() <= g.items()


def _distinct(values) -> list[float]:
    out: list[float] = []
    for v in values:
        if not any(_same(v, w) for w in out):
            out.append(v)
    return out


class ReadingFinder:
    def __init__(self, index: FactIndex, vocab: Vocabulary, label, facets_of_text) -> None:
        self.index = index
        self.vocab = vocab
        self.label = label
        self.facets = facets_of_text
        self._memo: dict[tuple, list[Reading]] = {}

    def _cached(self, key: tuple, compute) -> list[Reading]:
        """Readings depend on the number's context only: edits elsewhere in a body (a linter
        run per keystroke, a mutation test) reuse them."""
        if key not in self._memo:
            if len(self._memo) > 100_000:
                self._memo.clear()
            self._memo[key] = compute()
        return self._memo[key]

    # ------------------------------------------------------------------ tables
    def table(self, raw) -> list[Reading]:
        t = raw.table
        key = ("table", t.caption, tuple(t.row_keys), t.column_header, raw.form,
               raw.index_in_group, raw.role)
        return self._cached(key, lambda: self._table(raw))

    def reference_point(self, raw) -> list[Reading]:
        """0 and 1 stated as the reference a claim compares with: "Δ M1 > 0", "not
        distinguishable from 0", "the ratio ... is above 1" (no record, true by definition)."""
        text, value = raw.sentence, raw.parsed.value
        if raw.parsed.spec.kind != "d" or value not in (0, 1):
            return []
        before = text[max(0, raw.at - 24):raw.at]
        if not (BOUND.search(before) or re.search(r"\b(?:from|contains?|above|below|of)\s*$",
                                                   before)):
            return []
        if value == 0 and re.search(r"Δ|delta|interval|distinguishable|zero", text, re.I):
            return [Reading(0.0, "zero (no change), the reference of the claim", False)]
        if value == 1 and re.search(r"\bratio|Δ\S*\s*/\s*Δ|parity", text, re.I):
            return [Reading(1.0, "parity of the ratio (1), the reference of the claim", False)]
        return []

    def _table(self, raw) -> list[Reading]:
        t = raw.table
        point = self.reference_point(raw)
        if point:
            return point
        lines = caption_lines(t.caption)
        titled = [ln for ln in lines if quantity_of(ln, self.vocab)]
        title = titled[0] if titled else (lines[0] if lines else "")
        facets = dict(self.facets(title))
        row_q = None
        for head, cell in t.row_keys:
            facets.update(self.facets(cell, head))
            row_q = row_q or quantity_of(cell, self.vocab)
        facets.update(self.facets(t.column_header))
        layers = layer_list(t.column_header, self.vocab)
        for _, cell in t.row_keys:  # "‖Δθ‖₂ at L3 / L15 / L27" in a transposed table
            layers = layers if len(layers) > 1 else layer_list(cell, self.vocab)
        if raw.form == "list" and len(layers) > 1 and raw.index_in_group < len(layers):
            facets["layer"] = layers[raw.index_in_group]
        col_q = quantity_of(t.column_header, self.vocab)
        if col_q or row_q:
            sources = [(col_q or row_q, True)]
        else:
            qs = [quantity_of(ln, self.vocab) for ln in titled]
            seen: list[str] = []
            for q in qs:
                if q not in seen:
                    seen.append(q)
            # no header or title names the quantity: any value of the cell's records may be
            # meant, so none is certain
            sources = [(q, i == 0) for i, q in enumerate(seen)] or [(None, False)]
        out: list[Reading] = []
        if sources[0][0] == "ratio" and (facets.get("training") == "lora"
                                         or "baseline" in t.row_header.lower()):
            out.append(Reading(1.0, "the baseline's ratio to itself", True))  # "1.00×"
        for q, primary in sources:
            pool = self.index.by_quantity.get(q, []) if q else self.index.faceted
            need = not (q and all(not f.facets for f in pool))
            out.extend(rank(pool, facets, self.label, primary, need_match=need))
        return out

    # ------------------------------------------------------------------ prose
    def context(self, raw) -> ProseContext:
        return context_of(raw.sentence, raw.at, len(raw.text), self.vocab)

    def prose_readings(self, raw, total: float | None = None) -> list[Reading]:
        """The readings of a prose number (its context computed here)."""
        key = ("prose", raw.sentence, raw.at, raw.text, raw.form, raw.role, raw.approx, total)
        return self._cached(key, lambda: self.prose(raw, self.context(raw), total))

    def prose(self, raw, ctx: ProseContext, total: float | None = None) -> list[Reading]:
        kind = raw.parsed.spec.kind
        after = raw.sentence[raw.at + len(raw.text):]
        if _THRESHOLD_AFTER.match(after) or (ctx.derived == "bound" and _BOUNDARY.search(
                raw.sentence)):  # "Δ < 0.5 × Δ_baseline", "a ratio below 0.5 counts for ..."
            facts = [f for f in self.index.facts if f.kind == "identity"
                     and re.fullmatch(r"/verdicts/[^/]+/rule/(?:low|high)", f.paths[0])]
            named = bool(_BOUNDARY.search(raw.sentence))  # the rule's boundaries, by name
            return [Reading(f.value, self.label(f), named) for f in facts]
        point = self.reference_point(raw)
        if point:
            return point
        if ctx.derived == "bound" or raw.approx or \
                (ctx.quantity == "other_ratio" and raw.form != "fraction") or \
                _OTHER_UNIT.match(after) or (kind not in "%x" and _COMPARATIVE.match(after)) or \
                (kind == "e" and any(_same(raw.parsed.value, lr) for lr in self.vocab.lrs)):
            return []  # a bound, a count of something else, an amount of difference, an lr
        found = self._prose(raw, ctx, total)
        if kind == "d" and raw.form != "fraction":  # "1" is no rounding of 0.9959
            found = [r for r in found if float(r.value).is_integer()]
        return found

    def _prose(self, raw, ctx: ProseContext, total: float | None) -> list[Reading]:
        if raw.form == "arrow":  # what changes along the arrow is named once for both ends
            ctx.facets = {k: v for k, v in ctx.facets.items() if k not in ("condition", "lr")}
        kind = raw.parsed.spec.kind
        q = ctx.quantity
        if raw.form == "fraction":
            return self.counts(ctx, total) if raw.role == "count" else []
        if raw.role in ("lo", "hi"):
            found = self.extremes(raw, ctx)
            if found or q not in ("norm", "delta", "base", "post", "m1"):
                return found
            # "grows from 19.5 to 98.7": two values of one quantity, not a range over a set
            ctx.facets = {k: v for k, v in ctx.facets.items() if k not in ("condition", "lr")}
        if kind == "x" or (q == "ratio" and kind != "%"):
            return self.ratios(raw, ctx)
        if kind == "%":  # "49% more than LoRA" (a change) or "77% of EM's collapse" (a ratio)
            facts = self.index.derived.get(("percent_change", "delta"), []) + \
                self.index.derived.get(("ratio", "delta"), [])
            return rank(facts, ctx.facets, self.label) if q in ("delta", "ratio", "m1", None) and \
                _MORE.search(raw.sentence[raw.at:raw.at + 40]) else []
        if ctx.derived == "difference":
            base = q if q in ("delta", "norm") else ctx.sentence_quantity
            facts = self.index.derived.get(("difference", base), [])
            facts = [f for f in facts if f.value >= 0] if raw.parsed.value >= 0 else facts
            return rank(facts, ctx.facets, self.label)
        if q == "alpha":
            facts = [f for f in self.index.facts if f.kind == "identity"
                     and re.fullmatch(r"/families/[^/]+/alpha", f.paths[0])]
            named = bool(re.search(r"BH|FDR|Holm|Bonferroni|significan|family|correction",
                                   raw.sentence))  # α of the tests, not some other α
            return rank(facts, {}, self.label, certain=named, need_match=False)
        quantities = {"m1": ("base", "post")}.get(q, (q,)) if q else ()
        if q in ("delta", "p", "p_adjusted", "norm", "base", "post", "m1"):
            facts = [f for name in quantities for f in self.index.by_quantity.get(name, [])]
            return rank(facts, ctx.facets, self.label)
        return []

    def ratios(self, raw, ctx: ProseContext) -> list[Reading]:
        q = ctx.quantity
        value = raw.parsed.value
        if q in ("norm", "lr", "delta") and q != "ratio":
            facts = [f for f in self.index.derived.get(("ratio", q), [])
                     if (f.value >= 1) == (value >= 1)]
            return rank(facts, ctx.facets, self.label, need_match=q != "lr")
        # a multiplier whose words do not say "ratio" may be any ratio: never certain
        return rank(self.index.by_quantity.get("ratio", []), ctx.facets, self.label,
                    certain=q == "ratio")

    def extremes(self, raw, ctx: ProseContext) -> list[Reading]:
        q = ctx.quantity or ("ratio" if raw.parsed.spec.kind == "x" else None)
        if q == "delta" and ctx.facets.get("training") == "lora":
            q = "baseline_delta"
        if q == "m1":
            q = "post"
        if q not in ("ratio", "delta", "baseline_delta", "p_adjusted", "post", "base"):
            return []
        facets = dict(ctx.facets)
        if q == "baseline_delta":
            facets.pop("training", None)
        named = {k: v for k, v in facets.items() if k in _GROUP_KEYS}
        facts = [f for f in self.index.derived.get(("min" if raw.role == "lo" else "max", q), [])
                 if _nested(f.facet_map, named)]
        sized = [f for f in facts if f.denominator == ctx.set_size]
        if sized:  # "all 40 post-train means": the set of that size
            facts = sized
        return rank(facts, facets, self.label, need_match=False, broad=True)

    def counts(self, ctx: ProseContext, total: float | None) -> list[Reading]:
        facts = self.index.derived.get(("count", "comparisons"), []) + \
            self.index.derived.get(("count", "cells"), [])
        if ctx.predicate is not None:
            op, t = ctx.predicate
            facts = [f for f in facts if f.facet_map.get("op") == op
                     and (t is None or f.facet_map.get("threshold") == t)]
        over = [f for f in facts if f.denominator == total]  # "k/40": a set of 40 records
        if over or ctx.predicate is None:
            facts = over
        return rank(facts, ctx.facets, self.label, certain=ctx.predicate is not None,
                    need_match=False)


_OTHER_UNIT = re.compile(
    r"\s*(?:[A-Za-z\-]+\s+){0,2}(?:params?|parameters|steps?|examples?|GPUs?|min|minutes|hours?|"
    r"GPU-h\w*|GB|MB|KB|tokens?|epochs?|seeds?|samples?|completions?|words?|runs?)\b")
"""A number that counts something else ("7.6 B parameters", "375 steps", "4 GPUs")."""
_THRESHOLD_AFTER = re.compile(r"\s*×\s*Δ")
_BOUNDARY = re.compile(r"\bboundary\b|\bthreshold\b|\bcounts? for\b|bottleneck|culprit|"
                       r"param[\s\-](?:is[\s\-])?(?:markedly[\s\-])?worse", re.I)
"""A verdict rule's threshold: "below 0.5 × Δ_baseline", "a ratio above 1.5 counts for"."""
_COMPARATIVE = re.compile(r"\s*(?:below|above|more|less|fewer|higher|lower|larger|smaller|"
                          r"short of)\b", re.I)
""""0.0041 below the ceiling": an amount of difference, not the quantity named before."""
_MORE = re.compile(r"\b(?:more|less|larger|smaller|higher|lower|of)\b", re.I)
