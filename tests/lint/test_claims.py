"""Claim predicates (format <-> parse round trip, evaluation) and the prose recogniser on real
write-ups: no false alarm on ../shared/reference (through the ``reference_dir`` fixture)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from personageo.lint.claims_prose import recognise, vocabulary
from personageo.lint.engine import LintOptions, lint_file
from personageo.schema import load_run_result
from personageo.schema.predicates import (
    QUANTS,
    Predicate,
    PredicateError,
    evaluate,
    find_markers,
    format_marker,
    parse_predicate,
    records,
)

# the 0.1 demo results, frozen (the counts below were read from its ratio tables by hand)
DEMO = Path(__file__).resolve().parents[1] / "report" / "data" / "demo_run_result_0.1.json"
CLAIMS = ("PG401", "PG402", "PG403", "PG404")

ints = st.none() | st.integers(0, 500)
predicates = st.builds(
    Predicate,
    quant=st.sampled_from([q for q in QUANTS if q != "mixed"]),
    subject=st.sampled_from(["comparisons", "cells", "verdicts"]),
    field=st.sampled_from(["ratio", "delta", "direction", "result", "significant"]),
    op=st.sampled_from([">", ">=", "<", "<=", "==", "!="]),
    value=st.sampled_from(["1", "0.5", "1.5", "-0.25", "more", "H2", "true"]),
    where=st.lists(st.tuples(st.sampled_from(["method", "layer", "group", "condition"]),
                             st.from_regex(r"[A-Za-z0-9_.-]{1,8}", fullmatch=True)),
                   max_size=2).map(tuple),
    k=ints, n=ints, basis=st.none() | st.sampled_from(["point", "test", "interval"]))


@settings(derandomize=True, max_examples=200, deadline=None)
@given(preds=st.lists(predicates, min_size=1, max_size=3),
       on=st.sampled_from([(), ("title",), ("title", "lede")]))
def test_marker_round_trip(preds, on):
    text = "Some sentence.\n" + format_marker(preds, on) + "\n"
    (marker,) = find_markers(text)
    assert marker.predicates == tuple(preds) and marker.on == on
    assert (marker.line, marker.col) == (2, 1)


def test_mixed_round_trip_and_bad_markers():
    p = Predicate("mixed", "comparisons", "direction", n=20, more=7, less=13, basis="point")
    assert parse_predicate(str(p)) == p
    for bad in ("nearly comparisons.ratio > 1", "all rows.ratio > 1", "all comparisons.ratio",
                "count comparisons[colour=red].ratio > 1", "count comparisons.ratio > 1 k=x",
                "count comparisons.ratio > 1 z=3"):
        with pytest.raises(PredicateError):
            parse_predicate(bad)


def test_evaluation_against_the_demo_counts():
    # the demo's ratio tables: 7/20 above 1, 13/20 below, 3/20 above 1.5, 3/20 below 0.5;
    # Method A / EM: -0.56, 0.01, -0.70, 0.80, 0.86 (3 of 5 below 0.5)
    recs = records(load_run_result(DEMO))
    holds = [
        "count comparisons.ratio > 1 k=7 n=20", "count comparisons.ratio < 1 k=13 n=20",
        "count comparisons.ratio > 1.5 k=3 n=20", "majority comparisons.ratio < 1 n=20",
        "count comparisons[method=A,group=em].ratio < 0.5 k=3 n=5",
        "majority comparisons[method=A,group=em].ratio < 0.5",
        "none comparisons[method=B].ratio < 0", "all comparisons[method=B].ratio > 0.5",
        "mixed comparisons.direction n=20 more=7 less=13",
        "count verdicts.result == H2 k=3 n=4", "count cells.significant == true k=9 n=20",
    ]
    fails = [
        "count comparisons.ratio > 1 k=8 n=20", "most comparisons.direction == less",
        "majority comparisons.direction == more", "all comparisons[method=A].ratio > 0",
        "none comparisons.ratio > 1.5", "count comparisons.ratio > 1 k=7 n=40",
        "mixed comparisons.direction more=8",
    ]
    for text in holds:
        assert evaluate(parse_predicate(text), recs).holds, text
    for text in fails:
        assert not evaluate(parse_predicate(text), recs).holds, text


def test_prose_patterns_on_the_published_238_writeup_are_recognised_and_hold(reference_dir):
    run = load_run_result(reference_dir / "issue_238" / "run_result.json")
    text = (reference_dir / "issue_238" / "published_writeup.txt").read_text(encoding="utf-8")
    found = recognise(text.split("\n", 1)[0], vocabulary(run))
    # "Full-parameter SFT collapses Qwen-7B persona geometry at least as much as LoRA in 38/40
    # cells": a count of ratios >= 1 over all 40 compared cells
    assert [str(p) for c in found for p in c.predicates] == ["count comparisons.ratio >= 1 k=38 n=40"]
    result = lint_file(reference_dir / "issue_238" / "published_writeup.txt", LintOptions(
        select=CLAIMS, results=(str(reference_dir / "issue_238" / "run_result.json"),),
        raise_rule_errors=True))
    assert [v for o in result.outcomes for v in o.violations if v.rule in CLAIMS[:3]] == []
    assert "prose claim(s) recognised" in result.outcome("PG403").detail
    assert not result.outcome("PG403").detail.startswith("0 ")


@pytest.mark.parametrize("name", ["issue_139_v2.md", "issue_164_v1.md", "issue_89_v1.md"])
def test_no_false_alarms_on_real_bodies(reference_dir, name):
    """Bodies of other experiments, checked against the 238 results: nothing they say can be
    tied to those records, so nothing may be reported."""
    result = lint_file(reference_dir / "bodies" / name, LintOptions(
        select=CLAIMS, results=(str(reference_dir / "issue_238" / "run_result.json"),),
        raise_rule_errors=True))
    assert [v.message for o in result.outcomes for v in o.violations] == []
