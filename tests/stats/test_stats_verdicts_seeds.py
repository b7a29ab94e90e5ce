"""Verdict votes on hand cases and on the real issue-238 file; seed aggregation vs the stdlib."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict

import pytest

from personageo.stats import aggregate_seeds, vote


@pytest.mark.parametrize(
    ("ratios", "expected"),
    [
        ([0.2, 0.3, 0.4, 1.0, 1.0], ("H1", 3, 0)),
        ([1.6, 1.7, 2.0, 0.2, 1.0], ("H3", 1, 3)),
        ([0.2, 0.3, 1.6, 1.7, 1.0], ("H2", 2, 2)),
        ([0.5, 0.5, 0.5, 1.5, 1.5], ("H2", 0, 0)),  # thresholds are strict
        ([-0.4, -1.0, 0.1, 1.0, 1.0], ("H1", 3, 0)),  # opposite-sign deltas vote low
        ([1.0] * 5, ("H2", 0, 0)),
    ],
)
def test_vote_hand_cases(ratios, expected):
    res = vote(ratios)
    assert (res.result, res.votes_low, res.votes_high) == expected
    assert res.n == 5 and res.n_missing == 0


def test_missing_ratios_do_not_vote():
    res = vote([0.2, 0.3, None, None, 0.1])
    assert (res.result, res.n, res.n_missing, res.votes_low) == ("H1", 3, 2, 3)
    assert vote([0.2, 0.3, None, None, 1.0]).result == "H2"


def test_configurable_thresholds_and_vote_count():
    ratios = [0.8, 0.9, 0.7, 1.2, 1.0, 1.1, 0.95]
    assert vote(ratios, min_votes=4).result == "H2"
    res = vote(ratios, low=1.0, high=2.0, min_votes=4)
    assert (res.result, res.votes_low, res.low, res.high, res.min_votes) == ("H1", 4, 1.0, 2.0, 4)


@pytest.mark.parametrize(
    ("kwargs", "ratios", "match"),
    [
        ({"min_votes": 2}, [1.0] * 5, r"`min_votes` must be > len\(ratios\) / 2 = 2.5"),
        ({"min_votes": 0}, [1.0], "`min_votes` must be an integer >= 1"),
        ({"low": 2.0, "high": 1.0}, [1.0], "`low` must be <= `high`"),
        ({"low": float("nan")}, [1.0], "`low` must be a finite number"),
        ({}, [1.0, float("inf"), 1.0], r"`ratios\[1\]` must be a finite number or None"),
    ],
)
def test_vote_parameter_errors(kwargs, ratios, match):
    with pytest.raises(ValueError, match=match):
        vote(ratios, **kwargs)


def test_vote_reproduces_issue_238_verdicts(reference_dir):
    data = json.loads((reference_dir / "issue_238" / "run_result.json").read_text())
    groups = defaultdict(list)
    for ratio in data["delta_ratios"].values():
        if ratio["lr"] == 2e-05:  # only the lr 2e-5 ratios vote (pipeline.md section 5)
            groups[(ratio["method"], ratio["data_type"])].append(ratio["ratio"])
    verdicts = data["hypothesis_verdicts"]
    assert len(verdicts) == 4
    for verdict in verdicts.values():
        ratios = groups[(verdict["method"], verdict["data_type"])]
        assert len(ratios) == verdict["total_layers"] == 5
        res = vote(ratios)
        assert (res.result, res.votes_low, res.votes_high) == (
            verdict["verdict"],
            verdict["h1_layers"],
            verdict["h3_layers"],
        )


@pytest.mark.parametrize("values", [[0.1, 0.12, 0.17], [1.0, -2.0, 3.5, 0.25], [5.0, 5.0]])
def test_aggregate_seeds_matches_statistics_module(values):
    res = aggregate_seeds(values)
    assert res.n == len(values)
    assert res.mean == pytest.approx(statistics.fmean(values), rel=1e-14)
    assert res.sd == pytest.approx(statistics.stdev(values), rel=1e-12, abs=1e-15)


def test_aggregate_single_seed_has_no_sd_and_bad_input_is_refused():
    assert aggregate_seeds([0.3]).sd is None
    with pytest.raises(ValueError, match="non-empty"):
        aggregate_seeds([])
    with pytest.raises(ValueError, match="finite"):
        aggregate_seeds([0.1, float("nan")])
