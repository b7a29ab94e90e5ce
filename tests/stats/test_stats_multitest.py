"""Multiple-testing corrections against brute-force definitions, hand-computed values and real
legacy files (never against statsmodels, which ``adjust_pvalues`` calls)."""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from personageo.stats import CORRECTIONS, adjust_pvalues, reject
from tests.stats.stats_helpers import brute_bh, brute_holm, brute_running_max


def _bh_step_up_rejections(p, alpha):
    """BH's rejection set by the step-up rule: reject the k smallest, k = max{i: p_(i) <= i a / m}."""
    m = len(p)
    ranked = np.argsort(p, kind="stable")
    k = max([i + 1 for i in range(m) if p[ranked[i]] <= (i + 1) * alpha / m], default=0)
    out = np.zeros(m, dtype=bool)
    out[ranked[:k]] = True
    return out


@pytest.mark.parametrize("seed", range(5))
def test_bh_holm_and_legacy_match_brute_force_definitions(seed):
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 0.05, 8), rng.uniform(0, 1, 12), [0.0, 1.0]])
    rng.shuffle(p)
    np.testing.assert_allclose(adjust_pvalues(p, "bh"), brute_bh(p), rtol=1e-12)
    np.testing.assert_allclose(adjust_pvalues(p, "holm"), brute_holm(p), rtol=1e-12)
    np.testing.assert_allclose(adjust_pvalues(p, "bonferroni"), np.minimum(1, len(p) * p))
    np.testing.assert_allclose(adjust_pvalues(p, "bh_running_max"), brute_running_max(p))
    np.testing.assert_array_equal(adjust_pvalues(p, "none"), p)


# "bh", "holm" and "bonferroni" are computed by statsmodels: comparing them with statsmodels
# would restate the library. These tests check OUR use of it instead: the method names map to
# the right procedure (values written by hand, with ties), the input order and dtype, the input
# left untouched, and the inputs refused before statsmodels sees them.
TIED = [0.03, 0.01, 0.03, 0.5]
# by hand, m = 4, sorted 0.01, 0.03, 0.03, 0.5:
#   BH    m p / j        = 0.04, 0.06, 0.04, 0.5 -> min from the top: 0.04, 0.04, 0.04, 0.5
#   Holm  (m - j + 1) p  = 0.04, 0.09, 0.06, 0.5 -> max from the bottom: 0.04, 0.09, 0.09, 0.5
#   Bonferroni  min(1, m p)  = 0.12, 0.04, 0.12, 1.0
#   running max  m p / j     = 0.04, 0.06, 0.06, 0.5
BY_HAND = {"bh": [0.04, 0.04, 0.04, 0.5], "holm": [0.09, 0.04, 0.09, 0.5],
           "bonferroni": [0.12, 0.04, 0.12, 1.0], "bh_running_max": [0.06, 0.04, 0.06, 0.5],
           "none": TIED}


@pytest.mark.parametrize("method", CORRECTIONS)
def test_each_method_name_gives_its_procedure_on_a_hand_computed_family_with_ties(method):
    np.testing.assert_allclose(adjust_pvalues(TIED, method), BY_HAND[method], rtol=1e-12)


@pytest.mark.parametrize("method", CORRECTIONS)
def test_result_is_float64_in_input_order_and_the_input_is_left_alone(method):
    raw = np.array(TIED[::-1], dtype=np.float32)
    before = raw.copy()
    out = adjust_pvalues(raw, method)
    assert out.dtype == np.float64 and out.shape == raw.shape
    np.testing.assert_array_equal(raw, before)
    np.testing.assert_allclose(out, BY_HAND[method][::-1], rtol=1e-6)  # float32 input
    assert not np.shares_memory(out, raw)
    # a plain list of ints (0 and 1 are valid p-values) is accepted the same way
    np.testing.assert_allclose(adjust_pvalues([1, 0], method), [1.0, 0.0])


@pytest.mark.parametrize("method", CORRECTIONS)
@pytest.mark.parametrize("bad", [[0.1, np.nan], [0.1, np.inf], [-0.01], [1.0 + 1e-12]])
def test_nan_inf_and_out_of_range_p_are_refused_before_statsmodels_sees_them(method, bad):
    # statsmodels itself would propagate NaN (or return garbage) rather than refuse
    with pytest.raises(ValueError, match="finite values in"):
        adjust_pvalues(bad, method)


def test_a_family_of_one_is_its_own_adjusted_p():
    for method in CORRECTIONS:
        np.testing.assert_array_equal(adjust_pvalues([0.2], method), [0.2])


@pytest.mark.parametrize("alpha", [0.001, 0.01, 0.05, 0.1, 0.25])
def test_bh_adjusted_p_reproduces_step_up_rejections(alpha):
    p = np.random.default_rng(3).uniform(0, 0.08, 30) ** 1.5
    np.testing.assert_array_equal(
        reject(adjust_pvalues(p, "bh"), alpha), _bh_step_up_rejections(p, alpha)
    )


def test_pipeline_md_example_running_max_vs_bh():
    # pipeline.md section 4: p = [0.010, 0.011] -> [0.020, 0.020]; standard BH -> [0.011, 0.011]
    np.testing.assert_allclose(adjust_pvalues([0.010, 0.011], "bh_running_max"), [0.020, 0.020])
    np.testing.assert_allclose(adjust_pvalues([0.010, 0.011], "bh"), [0.011, 0.011])


def test_hand_computed_values():
    # computed by hand from the definitions (not taken from R): m = 5
    p = [0.01, 0.02, 0.03, 0.04, 0.05]
    np.testing.assert_allclose(adjust_pvalues(p, "bh"), [0.05] * 5)
    np.testing.assert_allclose(adjust_pvalues(p, "holm"), [0.05, 0.08, 0.09, 0.09, 0.09])
    np.testing.assert_allclose(adjust_pvalues([0.04, 0.001, 0.03], "bh"), [0.04, 0.003, 0.04])


def _legacy_families(path):
    results = json.loads(path.read_text())["results"]
    families = defaultdict(list)
    for value in results.values():
        if isinstance(value, dict) and "p_bh_fdr" in value:
            families[value["family"]].append(value)
    return families


def test_issue_205_bh_values_are_the_running_max_variant(reference_dir):
    # The real issue-205 file: its recorded BH values follow the original's running max, not BH.
    family = _legacy_families(reference_dir / "issue_205" / "run_result.json")[
        "geometry_em_vs_benign"
    ]
    raw = np.array([c["p_raw"] for c in family])
    recorded_bh = np.array([c["p_bh_fdr"] for c in family])
    np.testing.assert_allclose(adjust_pvalues(raw, "bh_running_max"), recorded_bh, rtol=1e-12)
    assert not np.allclose(adjust_pvalues(raw, "bh"), recorded_bh, rtol=1e-12, atol=0)
    recorded_holm = np.array([c["p_holm"] for c in family])
    np.testing.assert_allclose(adjust_pvalues(raw, "holm"), recorded_holm, rtol=1e-12)


def test_issue_238_significance_uses_strict_rule(reference_dir):
    family = _legacy_families(reference_dir / "issue_238" / "run_result.json")
    cells = family["geometry_fullparam_pre_post"]
    assert len(cells) == 40
    adjusted = adjust_pvalues([c["p_raw"] for c in cells], "bh_running_max")
    np.testing.assert_array_equal(adjusted, [c["p_bh_fdr"] for c in cells])
    np.testing.assert_array_equal(reject(adjusted, 0.01, "lt"), [c["sig_bh_fdr"] for c in cells])


def test_reject_rules_at_the_boundary():
    assert reject([0.01, 0.02, 0.0], 0.01).tolist() == [True, False, True]
    assert reject([0.01, 0.02, 0.0], 0.01, "lt").tolist() == [False, False, True]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: adjust_pvalues([0.1], "fdr"), "`method` must be one of"),
        (lambda: adjust_pvalues([0.1, 1.2], "bh"), "`pvals` must contain only finite values in"),
        (lambda: adjust_pvalues([np.nan], "bh"), "`pvals`"),
        (lambda: adjust_pvalues([[0.1]], "bh"), "1-dimensional"),
        (lambda: reject([0.1], 1.0), "0 < alpha < 1"),
        (lambda: reject([0.1], 0.05, "leq"), "`rule` must be"),
    ],
)
def test_parameter_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_empty_family():
    for method in CORRECTIONS:
        assert adjust_pvalues([], method).shape == (0,)


# --------------------------------------------------------------------------- properties
_pvals = st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=30)


@settings(derandomize=True, max_examples=80, deadline=None)
@given(p=_pvals, method=st.sampled_from(CORRECTIONS), seed=st.integers(0, 2**16))
def test_adjusted_p_properties(p, method, seed):
    raw = np.array(p)
    adj = adjust_pvalues(raw, method)
    assert np.all((adj >= 0) & (adj <= 1))
    assert np.all(adj >= raw)
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(adj[order]) >= 0), "adjusted p must be monotone in the raw p order"
    perm = np.random.default_rng(seed).permutation(len(raw))
    np.testing.assert_array_equal(adjust_pvalues(raw[perm], method), adj[perm])


def test_running_max_bh_never_rounds_below_the_raw_p():
    # found by test_adjusted_p_properties: 0.9613813519807273 * 18 / 18 rounds one ulp down
    raw = np.array([0.0] * 17 + [0.9613813519807273])
    assert np.all(adjust_pvalues(raw, "bh_running_max") >= raw)
