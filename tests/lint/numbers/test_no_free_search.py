"""No free search: a number binds to a record only through what its own context names.

Issue 12: changing the demo's headline "7/20" to "8/20" in all five places passed, because the
search bound "8/20" to an unrelated count (the cells at layer 3) and a bare "+0.051" to a
weight-norm difference.
"""

from __future__ import annotations

from pathlib import Path

from personageo.lint.numbers import check_numbers, kind_of
from personageo.schema import load_run_result

REPO = Path(__file__).resolve().parents[3]
# frozen copies of the demo as rendered before its intervals were added (the 7/20 case)
DEMO = REPO / "tests" / "report" / "data" / "demo_run_result_0.1.json"
BODY = Path(__file__).parent / "data" / "demo_body_0.1.md"


def _check(text: str):
    return check_numbers(text, results=[(str(DEMO), load_run_result(DEMO))])


def test_demo_headline_count_edited_everywhere_is_contradicted_everywhere():
    body = BODY.read_text(encoding="utf-8")
    assert body.count("7/20") == 5
    report = _check(body.replace("7/20", "8/20"))
    bad = [f for f in report.findings if kind_of(f) == "contradicted"]
    assert len(bad) == 5 and {f.extra["text"] for f in bad} == {"8"}
    # hand-read: 7 of the 20 comparisons have ratio > 1 (B em L27, A benign L3/L9/L21/L27,
    # B benign L3/L27); the body says "Full-param moves it ... more in 7/20"
    assert {f.checked_against for f in bad} == {"count(comparisons.ratio > 1)/20"}
    assert {f.extra["bound_value"] for f in bad} == {7.0}


def test_demo_body_without_sidecar_has_no_contradiction():
    report = _check(BODY.read_text(encoding="utf-8"))
    assert [f for f in report.findings if kind_of(f) == "contradicted"] == []


def test_a_value_whose_words_name_nothing_is_not_bound():
    # 2.7977 - 2.6836 = 0.114 is the full_em / full_benign weight-norm difference, and 0.0109 a
    # Method A L27 delta: equal values exist, but nothing in these sentences names them
    for text in ("The headline moved by +0.114 overall.", "We report 0.0109 here."):
        report = _check(text + "\n")
        [claim] = report.claims
        assert (claim.outcome, claim.binding) == ("unbound", None), text
        [finding] = report.findings
        assert kind_of(finding) == "unbound" and "contradicts" not in finding.message


def test_the_same_value_named_is_bound():
    report = _check("The global ‖Δθ‖₂ of full_em is 2.80 against 2.68 for full_benign.\n")
    assert [(c.text, c.outcome) for c in report.claims] == [("2.80", "verified"),
                                                            ("2.68", "verified")]
    assert report.claims[0].binding == "/weight_norms/full_em-s42/global_l2"
