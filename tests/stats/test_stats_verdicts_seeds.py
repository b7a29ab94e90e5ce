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


# ---------------------------------------------------------------- across-seed interval and test
@pytest.mark.parametrize("values", [[0.1, 0.3], [0.02, -0.01, 0.05], [1.0, 2.0, 4.0, 8.0]])
def test_seed_interval_and_test_match_scipy_and_statsmodels(values):
    import numpy as np
    from scipy import stats as sps
    from statsmodels.stats.weightstats import DescrStatsW

    s = aggregate_seeds(values, level=0.9)
    ref = sps.ttest_1samp(values, 0.0)
    assert s.t == pytest.approx(ref.statistic, rel=1e-12)
    assert s.p == pytest.approx(ref.pvalue, rel=1e-10)
    lo, hi = DescrStatsW(np.asarray(values)).tconfint_mean(alpha=0.1)
    assert s.ci == pytest.approx((lo, hi), rel=1e-12)


def test_seed_test_is_undefined_for_one_seed_or_no_spread():
    assert aggregate_seeds([0.5]).ci is None and aggregate_seeds([0.5]).p is None
    same = aggregate_seeds([0.5, 0.5])
    assert same.ci == (0.5, 0.5) and same.t is None and same.p is None


# ---------------------------------------------------------------- interval votes
from personageo.stats.verdicts import interval_vote, undefined_ratio_reason, vote_intervals  # noqa: E402


@pytest.mark.parametrize(
    ("intervals", "expected"),
    [
        ([(0.1, 0.3), (0.0, 0.4), (-2.0, 0.49), (0.4, 2.0), None], ("H1", 3, 0, 0, 2)),
        ([(1.6, 3.0), (1.51, 2.0), (2.0, 9.0), (0.4, 2.0), (0.1, 0.2)], ("H3", 1, 0, 3, 1)),
        ([(0.6, 1.4), (0.5, 1.5), (0.9, 1.1), (0.1, 0.2), (0.4, 2.0)], ("H2", 1, 3, 0, 1)),
        ([(-44.0, 64.0)] * 5, ("undetermined", 0, 0, 0, 5)),
        ([(0.1, 0.2), (0.1, 0.2), (1.6, 2.0), (1.6, 2.0), None], ("undetermined", 2, 0, 2, 1)),
    ],
)
def test_interval_vote_hand_cases(intervals, expected):
    r = vote_intervals(intervals)
    assert (r.result, r.votes_low, r.votes_mid, r.votes_high, r.abstentions) == expected


@pytest.mark.parametrize("seed", range(20))
def test_point_intervals_count_low_and_high_votes_like_the_original_rule(seed):
    import numpy as np

    ratios = np.random.default_rng(seed).normal(1.0, 1.0, size=5).round(1).tolist()
    old = vote(ratios)
    new = vote_intervals([(r, r) for r in ratios])
    assert (new.votes_low, new.votes_high) == (old.votes_low, old.votes_high)
    if old.result in ("H1", "H3"):
        assert new.result == old.result
    else:  # the original falls back to H2; the interval rule needs H2 votes
        assert new.result == ("H2" if new.votes_mid >= 3 else "undetermined")


def test_interval_rule_refuses_an_ambiguous_threshold_and_bad_intervals():
    with pytest.raises(ValueError, match="min_votes"):
        vote_intervals([(0, 1)] * 6, min_votes=3)
    with pytest.raises(ValueError, match="low <= high"):
        interval_vote((2.0, 1.0))


def test_undefined_ratio_reasons():
    assert undefined_ratio_reason(0.0) == "baseline delta is 0"
    assert "contains 0" in undefined_ratio_reason(0.1, interval=(0.0, 0.2))
    assert undefined_ratio_reason(0.1, interval=(0.01, 0.2)) is None
    assert "not significant" in undefined_ratio_reason(0.1, significant=False)
    assert undefined_ratio_reason(0.1, significant=True) is None
    assert undefined_ratio_reason(0.1) is None
