"""The headline follows the data: direction, quantifier and wording from the comparisons.

The expected headlines are stated by hand from the results (counts read off the ratio table of
the demo as personageo 0.1 shipped it, frozen in tests/report/data/demo_run_result_0.1.json: 7 of
20 ratios above 1, 13 below, no intervals), never produced by the renderer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from personageo.report._headline import choose_headline
from personageo.report._view import ExperimentView, Results
from personageo.schema import load_run_result
from personageo.schema.predicates import evaluate, find_markers, records

REPO = Path(__file__).resolve().parents[2]
DEMO = Path(__file__).parent / "data" / "demo_run_result_0.1.json"  # frozen: the 7/20 title


def _frac(b) -> str:
    return f"{int(b.value)}/{b.denominator}"


def _headline(run):
    view = ExperimentView(Results(run, 0, "r.json", "0" * 64))
    return choose_headline(view, _frac, "Full-param", "LoRA", "M1")


def _with(run, **per_comparison):
    """A copy of ``run`` whose comparisons get the given field values (one list per field),
    unvalidated: the headline reads the comparisons, not the cells they must agree with."""
    cmps = [c.model_copy(update={k: v[i] for k, v in per_comparison.items()})
            for i, c in enumerate(run.comparisons)]
    return run.model_copy(update={"comparisons": cmps})


def _with_ratios(run, ratios):
    return _with(run, ratio=ratios)


@pytest.fixture(scope="module")
def demo():
    return load_run_result(DEMO)


def test_demo_headline_is_mixed_never_at_least_as_much_in_7_of_20(demo):
    h = _headline(demo)
    assert h.kind == "mixed"
    claim = h.claim()
    assert "at least as much" not in claim and "more than LoRA" not in claim
    assert "less in 13/20 compared cells and more in 7/20" in claim
    assert h.heading() == "Full-param vs LoRA: no consistent direction in M1 across compared cells"
    # its predicate holds on the demo's results
    (marker,) = find_markers(h.marker("claim", ("title", "lede")))
    assert marker.on == ("title", "lede")
    assert all(evaluate(p, records(demo)).holds for p in marker.predicates)


def test_clear_majorities_name_their_direction(demo):
    n = len(demo.comparisons)
    more = _headline(_with_ratios(demo, [1.2] * 15 + [0.8] * (n - 15)))
    assert more.kind == "more"
    assert more.claim() == "Full-param fine-tuning moves M1 more than LoRA in 15/20 compared cells"
    less = _headline(_with_ratios(demo, [0.5] * n))
    assert less.kind == "less" and "less than LoRA in 20/20" in less.claim()
    assert str(less.claim_predicates()[0]).startswith("all comparisons.direction == less")
    # 13 vs 7 on point estimates is not two thirds: no direction in the headline
    assert _headline(_with_ratios(demo, [0.5] * 13 + [2.0] * 7)).kind == "mixed"


def test_intervals_decide_when_recorded(demo):
    n = len(demo.comparisons)
    # only 2 cells' intervals exclude parity (above 1): "more in 2/20", the rest undetermined
    run = _with(demo, extra=[{"ratio_ci": [1.1, 1.9] if i < 2 else [0.2, 3.0]}
                             for i in range(n)])
    h = _headline(run)
    assert (h.kind, h.basis) == ("more", "interval")
    assert h.claim() == ("Full-param fine-tuning moves M1 more than LoRA in 2/20 compared cells; "
                         "18/20 undetermined")
    assert all(evaluate(p, records(run)).holds for p in h.claim_predicates())
    run = _with(demo, extra=[{"ratio_ci": {"lo": 0.2, "hi": 3.0}}] * n)
    none = _headline(run)
    assert none.kind == "none" and none.heading().startswith("No detectable difference")
    assert all(evaluate(p, records(run)).holds for p in none.claim_predicates())
    # a difference interval is oriented by the baseline's sign: Δ - Δ_base < 0 with a negative
    # baseline Δ means the treatment moved further
    one = _with(demo, baseline_delta=[-0.01] * n, extra=[{"difference_ci": [-0.02, -0.01]}] * n)
    assert _headline(one).kind == "more"


def test_undefined_ratios_are_undetermined(demo):
    h = _headline(_with(demo, ratio=[None] * len(demo.comparisons)))
    assert h.kind == "none"


def test_unnamed_baseline_reads_as_the_baseline(demo):
    view = ExperimentView(Results(demo, 0, "r.json", "0" * 64))
    h = choose_headline(view, _frac, "Full-param", "Baseline", "M1")
    assert "than the baseline" not in h.claim()  # mixed: the wording names both sides
    assert h.claim().startswith("Full-param vs the baseline fine-tuning")


def test_counts_over_a_whole_subject_become_predicates(demo):
    from personageo.report._bound import count_where
    from personageo.report._headline import count_predicate

    view = ExperimentView(Results(demo, 0, "r.json", "0" * 64))
    size = {k: len(v) for k, v in records(demo).rows.items()}
    p = count_predicate(count_where(view.ratios(), ">", 1.5), size)
    assert str(p) == "count comparisons.ratio > 1.5 k=3 n=20"
    assert evaluate(p, records(demo)).holds
    # a subset (Method A only) would need filters: no predicate rather than a wrong one
    assert count_predicate(count_where(view.ratios(method="A"), ">", 1.5), size) is None


def test_rendered_demo_title_follows_the_data_and_a_hand_edit_is_flagged(tmp_path):
    import shutil

    from personageo.lint.engine import LintOptions, lint_text
    from personageo.report import PublishTarget, render

    root = tmp_path
    (root / "eval_results" / "issue_1").mkdir(parents=True)
    shutil.copy(DEMO, root / "eval_results" / "issue_1" / "run_result.json")
    (root / "reports").mkdir()
    shutil.copy(REPO / "reports" / "issue_1.narrative.md", root / "reports")
    body = render(PublishTarget(issue=1, root=root, repo="example/persona-research")).body
    title = body.split("\n")[1]
    assert "at least as much" not in title and "in 7/20 compared cells" not in title
    assert title.startswith('title: "Full-param vs LoRA fine-tuning: no consistent direction')
    claims = ("PG401", "PG402", "PG403", "PG404")
    opts = LintOptions(select=claims, results=(str(DEMO),), raise_rule_errors=True)
    result = lint_text(body, "issue_1.md", opts)
    assert [v.message for o in result.outcomes for v in o.violations] == []
    assert result.outcome("PG401").detail.split()[0] != "0"  # markers were there and checked
    old = ("title: Full-param fine-tuning moves M1 at least as much as LoRA in 7/20 compared "
           "cells (LOW confidence)")
    edited = body.replace(title, old, 1)
    flagged = lint_text(edited, "issue_1.md", opts).outcome("PG402").violations
    assert [(v.line, v.col) for v in flagged] == [(2, 8)]


def test_without_comparisons_the_headline_is_about_the_change_itself(demo):
    run = demo.model_copy(update={"comparisons": [], "verdicts": []})
    deltas = [c.delta for c in run.cells]
    up, down = sum(d > 0 for d in deltas), sum(d < 0 for d in deltas)
    h = _headline(run)
    want = "raises" if up >= 2 / 3 * len(deltas) else "lowers" if down >= 2 / 3 * len(deltas) \
        else "mixed-change"
    assert h.kind == want
    assert f"{up}/{len(deltas)}" in h.claim()
    assert all(evaluate(p, records(run)).holds for p in h.claim_predicates())
    # every cell up: "raises ... in all"
    ups = run.model_copy(update={"cells": [c.model_copy(update={"delta": 0.01})
                                           for c in run.cells]})
    h = _headline(ups)
    assert h.kind == "raises" and str(h.claim_predicates()[0]).startswith("all cells.delta > 0")


def test_claim_markers_are_html_comments_in_the_shipped_body():
    """The renderer prints its markers as comments (invisible on GitHub), never escaped into
    visible text by the results-text escaping."""
    body = (REPO / "reports" / "issue_1.md").read_text(encoding="utf-8")
    assert "&lt;!-- personageo:claim" not in body
    assert len(find_markers(body)) >= 3


def test_a_results_value_that_would_end_the_comment_drops_the_marker():
    from personageo.report._headline import safe_marker
    from personageo.schema.predicates import Predicate

    ok = Predicate("all", "verdicts", "result", "==", "H1", (("method", "A"),), n=1)
    hostile = Predicate("all", "verdicts", "result", "==", "H1", (("method", "A-->x"),), n=1)
    assert safe_marker([ok]).startswith("<!-- personageo:claim ")
    assert safe_marker([ok, hostile]) == "" and safe_marker([]) == ""
