"""Bind every extracted number: claims sidecar first, then the number's plausible readings.

* **Sidecar** (exact): the renderer recorded what each number is; the number is recomputed
  from the results and compared at its shown precision.
* **Readings** (:mod:`._readings`): for a table cell, the quantity its column header, row key or
  caption title names (a sentence between a title and its table is another reading, never the
  table's quantity) and the records its row and column identify; for prose, the quantity and
  facets its own clause names (:mod:`._prose`) and the derivations that form applies (ranges ->
  min/max over the named set, ``k/n`` -> counts with the stated predicate, ``×`` -> ratios,
  ``%`` -> changes, "changes by" -> differences); an integer with a unit ("66 persona pairs",
  "5 layers") -> that design count.
* **Decision**: a number agreeing with any reading is verified; one agreeing with none is
  contradicted only when a reading is certain (its context singles the records out); otherwise
  it is unbound and the finding lists its closest candidate readings. There is no free search
  over the whole results file: an equal value somewhere is no evidence.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from personageo.files import sha256_file, sha256_text
from personageo.findings import Finding
from personageo.lint.numbers._extract import RawClaim, extract
from personageo.lint.numbers._facts import Fact, FactIndex, build_facts
from personageo.lint.numbers._headers import Vocabulary, facets_of
from personageo.lint.numbers._prose import BOUND as _BOUND
from personageo.lint.numbers._readings import Reading, ReadingFinder
from personageo.lint.numbers._sidecar import (
    Entry,
    NotEvaluable,
    describe,
    evaluate,
    pair_claims,
)
from personageo.lint.numbers._types import NumberClaim, NumbersReport, kind_of, number_finding
from personageo.lint.numbers._units import UNCERTAIN_UNITS, unit_of, unit_targets
from personageo.markdown import Body
from personageo.markdown.markers import parse_render_marker
from personageo.markdown.markers import stale_results as marker_stale
from personageo.numfmt import Parsed, agrees
from personageo.schema import RunResult, run_result_json
from personageo.schema.claims import ClaimsSidecar
from personageo.schema.paths import resolve


def _fmt(v: float) -> str:
    return f"{v:.6g}"


class _Binder:
    def __init__(self, results: Sequence[tuple[str, RunResult]]) -> None:
        self.results = list(results)
        facts: list[Fact] = []
        for i, (_, run) in enumerate(self.results):
            facts.extend(build_facts(run, i))
        self.index = FactIndex(facts)
        self.vocab = Vocabulary([run for _, run in self.results])
        self.docs = [run.model_dump(mode="json") for _, run in self.results]
        self.multi = len(self.results) > 1
        self._facets: dict[tuple[str, str], dict] = {}
        self._resolved: dict[tuple[int, str], object] = {}
        self._titles: dict[str, str] = {}
        self.finder = ReadingFinder(self.index, self.vocab, self.label, self.facets)
        self.units: dict[str, dict[float, str]] = {}
        for rpath, run in self.results:
            for unit, values in unit_targets(run).items():
                for value, label in values.items():
                    self.units.setdefault(unit, {}).setdefault(
                        value, f"{rpath}#{label}" if self.multi else label)

    def lookup(self, idx: int):
        """A cached record-path resolver over results file ``idx``."""
        doc = self.docs[idx]

        def get(path: str):
            key = (idx, path)
            if key not in self._resolved:
                try:
                    self._resolved[key] = resolve(doc, path)
                except KeyError as exc:
                    self._resolved[key] = exc
            value = self._resolved[key]
            if isinstance(value, KeyError):
                raise value
            return value
        return get

    def facets(self, text: str, header: str = "") -> dict:
        key = (text, header)
        if key not in self._facets:
            self._facets[key] = facets_of(text, self.vocab, header)
        return self._facets[key]

    def label(self, fact: Fact) -> str:
        prefix = f"{self.results[fact.results][0]}#" if self.multi else ""
        return fact.describe(prefix)

    # ------------------------------------------------------------------ prose units
    def unit(self, raw: RawClaim) -> tuple[float, str, bool, bool] | None:
        """(bound value, binding, agrees, certain) for an integer whose prose names its unit;
        "cells" and "conditions" may count a part of the design, so they are never certain."""
        p = raw.parsed
        if p.spec.kind != "d" or p.spec.signed or raw.form not in ("single", "list") or \
                raw.approx or _BOUND.search(raw.before[-14:]):
            return None
        unit = unit_of(raw.before, raw.after)
        values = self.units.get(unit or "")
        if not values:
            return None
        certain = unit not in UNCERTAIN_UNITS
        if p.value in values:
            return p.value, values[p.value], True, certain
        value = min(values, key=lambda v: abs(v - p.value))
        label = values[value] + (f" (or {len(values) - 1} other)" if len(values) > 1 else "")
        return value, label, False, certain

    def nearest(self, raw: RawClaim) -> tuple[float, str] | None:
        """The recorded value closest to an unbound number (within 10 %), as a hint."""
        v = raw.parsed.value
        if not v:
            return None
        near = [f for f in self.index.near(v, abs(v) * 0.1) if f.kind == "identity"
                and f.quantity is not None]
        if not near:
            return None
        best = min(near, key=lambda f: abs(f.value - v))
        return best.value, self.label(best)


def _results_sha(path: str, run: RunResult) -> set[str]:
    shas = {sha256_text(run_result_json(run))}
    if path and os.path.isfile(path):
        shas.add(sha256_file(path))
    return shas


class NumberChecker:
    """Facts of some results files, built once, to check any number of bodies against.

    ``check_numbers(body, results=r)`` is ``NumberChecker(r).check(body)``; keep a checker when
    linting several bodies (or versions of one body) against the same results."""

    def __init__(self, results: Sequence[tuple[str, RunResult]]) -> None:
        if not results:
            raise ValueError("NumberChecker needs at least one results file")
        self.binder = _Binder(results)
        self._shas: dict[int, set[str]] = {}

    def results_sha(self, i: int) -> set[str]:
        if i not in self._shas:
            self._shas[i] = _results_sha(*self.binder.results[i])
        return self._shas[i]

    def check(self, source: str | Body, *, path: str = "<body>", sidecar: ClaimsSidecar | None = None,
              strict: bool = False) -> NumbersReport:
        """See :func:`check_numbers`."""
        return _check(self, source, path, sidecar, strict)


def check_numbers(source: str | Body, *, path: str = "<body>",
                  results: Sequence[tuple[str, RunResult]] = (),
                  sidecar: ClaimsSidecar | None = None,
                  strict: bool = False) -> NumbersReport:
    """Extract every number of ``source`` and bind it to ``results``.

    Parameters
    ----------
    source : str or personageo.markdown.Body
        The markdown body (or the body already parsed: lint passes its own, so the body is
        tokenised once).
    path : str
        Shown in notes only (findings carry line/column; the caller adds the path).
    results : sequence of (path, RunResult)
        The results files the body reports; none -> the report says numbers were not checked.
    sidecar : ClaimsSidecar, optional
        The renderer's claims sidecar: exact bindings, and the results hash for stale checks.
    strict : bool
        Unbound numbers are errors instead of warnings.

    Returns
    -------
    NumbersReport
    """
    if not results:
        report = NumbersReport(checked=False)
        report.notes.append("numbers not checked: no results file given")
        for raw in extract(source).claims:
            if raw.context != "setup":
                report.claims.append(_claim(raw, "unchecked"))
        return report
    return NumberChecker(results).check(source, path=path, sidecar=sidecar, strict=strict)


def _check(checker: NumberChecker, source: str | Body, path: str,
           sidecar: ClaimsSidecar | None, strict: bool) -> NumbersReport:
    extraction = extract(source)
    source = source.text if isinstance(source, Body) else source
    raws = extraction.claims
    report = NumbersReport(checked=True)
    binder = checker.binder
    paired = {}
    stale_results: set[int] = set()
    if sidecar is not None:
        body_ok = sidecar.body_sha256 == sha256_text(source)
        # numbers that are no claims by themselves count where the renderer bound them
        pool = sorted(raws + extraction.hidden, key=lambda r: (r.line, r.col))
        found = pair_claims([(r.line, r.col, r.text) for r in pool], sidecar, body_ok,
                            [r.hidden is not None for r in pool])
        keep = [i for i, r in enumerate(pool) if r.hidden is None or i in found]
        raws = [pool[i] for i in keep]
        paired = {new: found[old] for new, old in enumerate(keep) if old in found}
        if not body_ok:
            report.notes.append(
                f"{path}: the claims sidecar was written for another version of the body; "
                f"{len(paired)} of {len(raws)} numbers paired with it by position and order")
        for i, ref in enumerate(sidecar.results):
            if i < len(binder.results) and ref.sha256 not in checker.results_sha(i):
                stale_results.add(i)
                report.notes.append(f"results {binder.results[i][0]} changed since the body "
                                    "was rendered (sha256 differs from the sidecar's)")

    severity_unbound = "error" if strict else "warning"
    groups: dict[int, list[int]] = {}
    for i, raw in enumerate(raws):
        groups.setdefault(raw.group, []).append(i)
    claims: list[NumberClaim | None] = [None] * len(raws)
    readings: dict[int, list[Reading]] = {}
    for i, raw in enumerate(raws):
        entry = paired.get(i)
        if raw.context == "setup" and entry is None:
            continue  # the setup card is provenance: checked only where the renderer bound it
        claim = _claim(raw, "unbound")
        claims[i] = claim
        if entry is not None:
            _bind_sidecar(claim, raw, entry, binder, stale_results, report)
            continue
        if raw.form == "fraction" and raw.role == "total":
            continue  # decided with its count below
        if raw.table is None:
            unit = binder.unit(raw)
            if unit is not None:
                value, label, ok, certain = unit
                readings[i] = [Reading(value, label, certain)]
                _decide(claim, raw, readings[i], "unit", report)
                continue
            total = next((raws[j].parsed.value for j in groups[raw.group]
                          if raws[j].role == "total"), None)
            readings[i] = binder.finder.prose_readings(raw, total)
            _decide(claim, raw, readings[i], "prose", report)
        else:
            readings[i] = binder.finder.table(raw)
            _decide(claim, raw, readings[i], "table", report)
    # totals of k/n: the denominator of the reading their count was decided by
    for ids in groups.values():
        counts = [i for i in ids if raws[i].role == "count" and claims[i] is not None]
        for t in ids:
            if raws[t].role != "total" or claims[t] is None or claims[t].bound_by == "sidecar":
                continue
            used = [r for c in counts for r in readings.get(c, [])
                    if r.denominator is not None and (claims[c].outcome != "verified"
                                                      or _agrees(r.value, raws[c]))]
            dens = [Reading(float(r.denominator), f"denominator of {r.label}", r.certain)
                    for r in used]
            _decide(claims[t], raws[t], dens, claims[counts[0]].bound_by if counts else "prose",
                    report)
    for i, claim in enumerate(claims):
        if claim is None:
            continue
        report.claims.append(claim)
        if claim.outcome == "unbound":
            cands = _candidates(readings.get(i, []), raws[i].parsed.value)
            near = binder.nearest(raws[i]) if not cands else None
            report.findings.append(number_finding(
                "unbound", severity_unbound, claim.line, claim.col, claim.end_col, claim.text,
                f"{claim.text} is not bound to any value of the results"
                + (" (table cell: no unique record for its headers)" if claim.context == "table"
                   else "")
                + (f"; candidate readings: {cands}" if cands else "")
                + (f"; nearest value: {near[1]} = {_fmt(near[0])}" if near else "")))
    _stale_marker(source, checker, report)
    report.findings.sort(key=lambda f: (f.line, f.col, kind_of(f)))
    return report


def _stale_marker(source: str, checker: NumberChecker, report: NumbersReport) -> None:
    """One PG104 finding at the body's render marker when it names other results than those
    checked (works without a sidecar; the changed numbers are the other findings)."""
    marker = parse_render_marker(source)
    n = len(checker.binder.results)
    stale = marker_stale(marker, [checker.results_sha(i) for i in range(n)]) if marker else []
    if not stale:
        return
    changed = [f for f in report.findings if kind_of(f) in ("stale", "contradicted")]
    names = ", ".join(f"{checker.binder.results[i][0]} (rendered from sha256 "
                      f"{marker.results[i][1][:12]})" for i in stale)
    report.findings.append(number_finding(
        "stale", "error", marker.line, 1, 1 + len(source.splitlines()[marker.line - 1]),
        "personageo:render", f"stale body: rendered from other results than {names}; "
        f"{len(changed)} number(s) no longer match them; run `personageo report update`"))


def _decide(claim: NumberClaim, raw: RawClaim, readings: list[Reading], how: str,
            report: NumbersReport) -> None:
    """Verified when a reading agrees; contradicted when none does and one is certain (the
    number's own context singles it out); otherwise left unbound."""
    agreeing = [r for r in readings if _agrees(r.value, raw)]
    if agreeing:
        best = max(agreeing, key=lambda r: r.certain)
        claim.outcome, claim.bound_value, claim.binding = "verified", best.value, best.label
        claim.bound_by = how
        return
    certain = [r for r in readings if r.certain]
    if certain and not raw.approx:
        claim.outcome, claim.bound_value, claim.binding = "contradicted", certain[0].value, \
            certain[0].label
        claim.bound_by = how
        report.findings.append(_contradiction(claim))


def _candidates(readings: list[Reading], shown: float, limit: int = 3) -> str:
    """The closest candidate readings of an unbound number, for its finding."""
    seen: dict[str, float] = {}
    for r in sorted(readings, key=lambda r: abs(r.value - shown)):
        seen.setdefault(r.label, r.value)
    items = [f"{label} = {_fmt(v)}" for label, v in list(seen.items())[:limit]]
    more = len(seen) - limit
    return ", ".join(items) + (f" (and {more} more)" if more > 0 else "")


def _agrees(value: float, raw: RawClaim) -> bool:
    return agrees(value, raw.parsed)


def _claim(raw: RawClaim, outcome: str) -> NumberClaim:
    t = raw.table
    return NumberClaim(
        text=raw.text, line=raw.line, col=raw.col, end_col=raw.end_col, value=raw.parsed,
        context=raw.context, form=raw.form, role=raw.role,
        table_row=t.row_header if t else None, table_col=t.column_header if t else None,
        outcome=outcome)


def _contradiction(claim: NumberClaim) -> Finding:
    return number_finding(
        "contradicted", "error", claim.line, claim.col, claim.end_col, claim.text,
        f"{claim.text} contradicts the results: {claim.binding} = {_fmt(claim.bound_value)}",
        claim.bound_value, claim.binding)


def _bind_sidecar(claim: NumberClaim, raw: RawClaim, entry: Entry, binder: _Binder,
                  stale: set[int], report: NumbersReport) -> None:
    b = entry.claim.binding
    claim.bound_by = "sidecar"
    claim.binding = describe(b)
    if b.results >= len(binder.docs):
        claim.outcome = "unbound"  # its results file was not given: nothing to compare with
        claim.binding = f"results file #{b.results} of the sidecar (not given): {claim.binding}"
        return
    idx = b.results
    recorded = b.value
    try:
        value = evaluate(b, binder.docs[idx], binder.lookup(idx))
    except NotEvaluable:
        value = recorded
    except (KeyError, ValueError, ZeroDivisionError, TypeError, IndexError):
        value = None
    if entry.part == "total":  # the n of k/n: the count's denominator
        claim.binding = f"denominator of {claim.binding}"
        value = recorded = float(b.denominator) if b.denominator is not None else None
        if value is None:
            claim.outcome = "unbound"
            return
    if idx in stale and (value is None or not math.isclose(value, recorded, rel_tol=1e-12,
                                                            abs_tol=1e-15)):
        claim.outcome = "contradicted" if value is None or not _agrees(value, raw) \
            else "verified"
        claim.bound_value = value
        if claim.outcome == "contradicted":
            now = "no longer exists" if value is None else f"is now {_fmt(value)}"
            report.findings.append(number_finding(
                "stale", "error", claim.line, claim.col, claim.end_col, claim.text,
                f"{claim.text} was rendered from {claim.binding} = {_fmt(recorded)}, "
                f"which {now}", value, claim.binding))
        return
    if value is None:
        value = recorded
    claim.bound_value = value
    if _agrees(value, raw):
        claim.outcome = "verified"
    else:
        claim.outcome = "contradicted"
        report.findings.append(_contradiction(claim))


__all__ = ["check_numbers", "NumbersReport", "NumberClaim", "Parsed"]
