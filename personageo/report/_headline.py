"""The headline of a write-up, chosen from the data: title, TL;DR lede, result heading.

Which side moved the metric more is decided per compared cell by
:func:`personageo.schema.predicates.comparison_direction` (an interval, else a test of the
comparison, else the point ratio). The headline names a direction only when the data support it
as a whole: on intervals or tests, when cells separate the two sides one way and none the other
way; on point estimates, when at least two thirds of the compared cells agree
(:data:`~personageo.schema.predicates.MOST`). Otherwise it says "no consistent direction"
(mixed) or "no detectable difference". Every statement comes with the predicate it asserts,
written as a claim marker that ``lint`` re-evaluates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import jinja2

from personageo.report._bound import Bound, count_where
from personageo.report._untrusted import TemplateText
from personageo.report._view import ExperimentView
from personageo.schema.predicates import (
    MOST,
    Predicate,
    comparison_direction,
    format_marker,
    records,
)

BASIS_WORDS = {
    "point": "point estimates: the results record no test or interval of the difference itself",
    "test": "by the recorded test of each comparison",
    "interval": "by the recorded interval of each comparison",
}


@dataclass
class Headline:
    kind: str
    """``more``, ``less``, ``mixed`` or ``none`` (compared cells); ``raises``, ``lowers`` or
    ``mixed-change`` (no baseline comparison)."""
    basis: str
    treat: str
    base: str
    metric: str
    frac: Callable[[Bound], str]
    counts: dict[str, Bound] = field(default_factory=dict)
    n: int = 0
    k: dict[str, int] = field(default_factory=dict)

    # ------------------------------------------------------------------ wording
    def claim(self) -> str:
        """The title / lede statement (no final period, no confidence marker)."""
        t, b, m = self.treat, self.base, self.metric
        f = self.frac
        rest = (f"; {f(self.counts['undetermined'])} undetermined"
                if self.basis != "point" and self.k.get("undetermined") else "")
        if self.kind in ("more", "less"):
            word = "more than" if self.kind == "more" else "less than"
            return f"{t} fine-tuning moves {m} {word} {b} in {f(self.counts[self.kind])} " \
                   f"compared cells{rest}"
        if self.kind == "mixed":
            return (f"{t} vs {b} fine-tuning: no consistent direction in {m} — {t} moves it "
                    f"less in {f(self.counts['less'])} compared cells and more in "
                    f"{f(self.counts['more'])}{rest}")
        if self.kind == "none":
            return (f"No detectable difference in {m} between {t} and {b} fine-tuning: "
                    f"{f(self.counts['separated'])} compared cells separate them")
        if self.kind in ("raises", "lowers"):
            key = "up" if self.kind == "raises" else "down"
            return f"{t} fine-tuning {self.kind} {m} in {f(self.counts[key])} tested cells"
        return (f"{t} fine-tuning changes {m} in no consistent direction: up in "
                f"{f(self.counts['up'])} tested cells, down in {f(self.counts['down'])}")

    def heading(self) -> str:
        """The result heading (and the TL;DR result bullet's lead): no numbers."""
        t, b, m = self.treat, self.base, self.metric
        return {
            "more": f"{t} moves {m} more than {b} in most compared cells",
            "less": f"{t} moves {m} less than {b} in most compared cells",
            "mixed": f"{t} vs {b}: no consistent direction in {m} across compared cells",
            "none": f"No detectable difference in {m} between {t} and {b}",
            "raises": f"{t} fine-tuning raises {m} in most tested cells",
            "lowers": f"{t} fine-tuning lowers {m} in most tested cells",
        }.get(self.kind, f"{t} fine-tuning changes {m} in no consistent direction")

    def basis_words(self) -> str:
        return BASIS_WORDS.get(self.basis, "point estimates")

    # ------------------------------------------------------------------ predicates
    def claim_predicates(self) -> list[Predicate]:
        n = self.n
        if self.kind in ("more", "less"):
            quant = "all" if self.k[self.kind] == n else "most"
            if self.basis != "point":
                quant = "count"
            preds = [Predicate(quant, "comparisons", "direction", "==", self.kind,
                               k=self.k[self.kind], n=n, basis=self.basis)]
            if self.basis != "point":  # on evidence: no cell the other way
                other = "less" if self.kind == "more" else "more"
                preds.append(Predicate("none", "comparisons", "direction", "==", other, n=n))
            return preds
        if self.kind == "mixed":
            return [Predicate("mixed", "comparisons", "direction", n=n, more=self.k["more"],
                              less=self.k["less"], basis=self.basis)]
        if self.kind == "none":
            return [Predicate("all", "comparisons", "direction", "==", "undetermined", n=n,
                              basis=self.basis)]
        if self.kind in ("raises", "lowers"):
            op = ">" if self.kind == "raises" else "<"
            key = "up" if self.kind == "raises" else "down"
            quant = "all" if self.k[key] == n else "most"
            return [Predicate(quant, "cells", "delta", op, "0", k=self.k[key], n=n)]
        return [Predicate("count", "cells", "delta", ">", "0", k=self.k["up"], n=n),
                Predicate("count", "cells", "delta", "<", "0", k=self.k["down"], n=n)]

    def heading_predicates(self) -> list[Predicate]:
        return [Predicate(p.quant, p.subject, p.field, p.op, p.value, p.where, n=p.n,
                          more=p.more, less=p.less, basis=p.basis)
                for p in self.claim_predicates()]

    def marker(self, what: str = "claim", on: tuple[str, ...] = ()) -> str:
        preds = self.claim_predicates() if what == "claim" else self.heading_predicates()
        return safe_marker(preds, on)


def safe_marker(predicates, on: tuple[str, ...] = ()) -> TemplateText:
    """The claim marker of ``predicates`` as markdown the template prints as it is (an HTML
    comment), or nothing when there is no predicate or a value from the results (an id, a
    verdict label) could end or nest the comment: such a claim goes unmarked (PG404 says so)
    rather than let results text break out into the body."""
    if not predicates:
        return TemplateText("")
    marker = format_marker(predicates, on)
    inner = marker[len("<!--"):-len("-->")]
    if "--" in inner or any(c in inner for c in "<>\n\r"):
        return TemplateText("")
    return TemplateText(marker)


_COUNT_RULE = re.compile(r"^(?P<field>[a-z_]+) (?P<op>>=|<=|==|!=|>|<) (?P<thr>-?[\d.e+-]+)$")


def count_predicate(b: Bound, subject_size: dict[str, int]) -> Predicate | None:
    """The predicate of a count shown as k/n (``count_where`` over one field of every record
    of a subject: all comparisons, all tested cells); ``None`` for counts over a subset, whose
    selection a predicate's filters would have to restate."""
    m = _COUNT_RULE.match(b.rule or "")
    if b.derivation != "count" or m is None or b.results != 0 or not b.paths:
        return None
    subjects = {p.split("/")[1] for p in b.paths}
    if len(subjects) != 1:
        return None
    subject = subjects.pop()
    if subject not in ("comparisons", "cells") or subject_size.get(subject) != len(b.paths):
        return None
    return Predicate("count", subject, m["field"], m["op"], m["thr"], k=int(b.value),
                     n=len(b.paths))


def _direction_counts(view: ExperimentView) -> tuple[dict[str, list], str]:
    groups: dict[str, list] = {"more": [], "less": [], "undetermined": []}
    bases = set()
    by_id = {c.id: c for c in view.main.run.comparisons}
    for cell in view.select():
        if cell.comparison is None:
            continue
        direction, basis = comparison_direction(by_id[cell.comparison.id])
        groups[direction].append(cell)
        bases.add(basis)
    basis = "point" if "point" in bases or not bases else ("test" if "test" in bases
                                                           else "interval")
    return groups, basis


def _count(cells: list, n: int, rule: str, results: int) -> Bound:
    """A count shown as k/n over the comparisons' ratios (re-evaluable by the number checker
    on point estimates; on other bases its rule names the direction)."""
    paths = tuple(c.comparison.ratio.paths[0] for c in cells if c.comparison.ratio is not None)
    return Bound(float(len(cells)), paths, "count", rule=rule, denominator=n, results=results)


def choose_headline(view: ExperimentView, frac: Callable[[Bound], str], treat: str,
                    base: str, metric: str) -> Headline:
    """The headline the data support (see the module docstring)."""
    if base.strip().lower() == "baseline":  # no name recorded: "more than the baseline"
        base = "the baseline"
    compared = [c for c in view.select() if c.comparison is not None]
    if compared:
        groups, basis = _direction_counts(view)
        n = len(compared)
        k = {d: len(cs) for d, cs in groups.items()}
        if basis == "point":
            ratios = [c.comparison.ratio for c in compared if c.comparison.ratio is not None]
            counts = {"more": count_where(ratios, ">", 1), "less": count_where(ratios, "<", 1)}
            if len(ratios) != n:  # undefined ratios count as neither; keep n over all cells
                counts = {d: _count(groups[d], n, f"direction == {d}", view.main.index)
                          for d in ("more", "less")}
        else:
            counts = {d: _count(groups[d], n, f"direction == {d}", view.main.index)
                      for d in ("more", "less")}
        counts["undetermined"] = _count(groups["undetermined"], n, "direction == undetermined",
                                        view.main.index)
        counts["separated"] = _count(groups["more"] + groups["less"], n,
                                     "direction != undetermined", view.main.index)
        if basis == "point" and (k["more"] or k["less"]):
            kind = ("more" if k["more"] >= MOST * n else "less" if k["less"] >= MOST * n
                    else "mixed")
        elif k["more"] and k["less"]:
            kind = "mixed"
        elif k["more"] or k["less"]:
            kind = "more" if k["more"] else "less"
        else:
            kind = "none"
        return Headline(kind, basis, treat, base, metric, frac, counts, n, k)
    deltas = view.deltas()
    n = len(deltas)
    up, down = count_where(deltas, ">", 0), count_where(deltas, "<", 0)
    k = {"up": int(up.value), "down": int(down.value)}
    kind = ("raises" if k["up"] >= MOST * n else "lowers" if k["down"] >= MOST * n
            else "mixed-change")
    return Headline(kind, "point", treat, base, metric, frac, {"up": up, "down": down}, n, k)


def _overridden_blocks(narrative_source: str | None) -> set[str]:
    """Names of the blocks a narrative overrides (their generated claim markers are left out:
    the words there are the researcher's, checked by lint's prose patterns instead)."""
    if narrative_source is None:
        return set()
    tree = jinja2.Environment().parse(narrative_source)
    return {b.name for b in tree.find_all(jinja2.nodes.Block)}


def claim_globals(view: ExperimentView, frac: Callable[[Bound], str],
                  narrative_source: str | None) -> dict:
    """Template globals for the headline and the claim markers of one render."""
    run = view.main.run
    subject_size = {k: len(v) for k, v in records(run).rows.items()}

    def headline(treat: str, base: str, metric: str) -> Headline:
        return choose_headline(view, frac, treat, base, metric)

    def significant_count() -> Bound:
        """Tested cells whose adjusted p rejects at their family's level (count of k/n)."""
        fams = {f.id: f for f in run.families}
        fam = next((fams[c.family] for c in run.cells if c.family in fams), None)
        alpha = fam.alpha if fam else 0.05
        op = "<" if fam is not None and fam.reject_rule == "lt" else "<="
        return count_where([c.p_adj for c in view.select()], op, alpha)

    def verdict_groups() -> list[tuple[str, list]]:
        groups: dict[str, list] = {}
        for v in view.verdicts():
            groups.setdefault(v.label, []).append(v)
        return list(groups.items())

    def count_marker(*counts: Bound) -> str:
        """The claim marker of counts shown in a sentence (those over a whole subject)."""
        preds = [p for b in counts if (p := count_predicate(b, subject_size)) is not None]
        return safe_marker(preds)

    def verdict_marker() -> str:
        preds = [Predicate("all", "verdicts", "result", "==", v.result,
                           (("method", v.method), ("group", v.group)), n=1)
                 for v in view.verdicts()]
        return safe_marker(preds)

    return {"headline": headline, "overridden": _overridden_blocks(narrative_source),
            "significant_count": significant_count, "verdict_groups": verdict_groups,
            "verdict_marker": verdict_marker, "count_marker": count_marker}
