"""Permutation tests against scipy.stats.permutation_test and brute-force per-permutation loops."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from personageo.stats import (
    pair_signflip_test,
    pair_signflip_test_many,
    persona_test,
    question_test,
)
from tests.stats.stats_helpers import all_patterns, brute_m1, drawn_patterns, is_extreme

ALTERNATIVES = ["greater", "less", "two-sided"]


def _diffs(seed: int, n: int, shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.3, 0.9, size=n)
    return base, base + rng.normal(shift, 0.02, size=n)


# --------------------------------------------------------------------------- pair sign flip
@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pair_exact_equals_scipy_exact(alternative, seed):
    base, post = _diffs(seed, 10, shift=0.004)
    ours = pair_signflip_test(base, post, n_perm=5000, alternative=alternative)
    ref = sps.permutation_test(
        (post - base,),
        np.mean,
        permutation_type="samples",
        n_resamples=np.inf,
        alternative=alternative,
        vectorized=False,
    )
    assert ours.exact and ours.n_perm == 2**10 - 1
    assert ours.statistic == pytest.approx(ref.statistic, rel=1e-12)
    # scipy's exact p counts the identity among its 2**n patterns; ours is (b + 1) / 2**n
    assert ours.p == pytest.approx(ref.pvalue, rel=1e-12)


@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_pair_monte_carlo_within_tolerance_of_scipy_exact(alternative):
    base, post = _diffs(7, 14, shift=0.003)
    n_perm = 4000  # < 2**14 - 1, so Monte Carlo
    ours = pair_signflip_test(base, post, n_perm=n_perm, alternative=alternative, seed=3)
    ref = sps.permutation_test(
        (post - base,),
        np.mean,
        permutation_type="samples",
        n_resamples=np.inf,
        alternative=alternative,
    )
    assert not ours.exact
    se = np.sqrt(ref.pvalue * (1 - ref.pvalue) / n_perm)
    assert abs(ours.p - ref.pvalue) <= 4.5 * se + 2 / n_perm


@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_pair_b_equals_brute_force_loop_with_same_draws(alternative):
    base, post = _diffs(11, 66, shift=0.001)
    d = post - base
    n_perm, seed = 3000, 42
    signs = drawn_patterns(seed, n_perm, 66)
    observed = float(np.mean(d))
    b = sum(is_extreme(float(np.mean(np.where(s, -d, d))), observed, alternative, np.abs(d).max())
            for s in signs)
    ours = pair_signflip_test(base, post, n_perm=n_perm, alternative=alternative, seed=seed)
    assert ours.b == b
    assert ours.p == (b + 1) / (n_perm + 1)
    assert ours.statistic == pytest.approx(observed, rel=1e-12)


def test_pair_legacy_mode_reproduces_original_conventions():
    base, post = _diffs(5, 66, shift=0.05)  # a large effect: b == 0
    res = pair_signflip_test(base, post, n_perm=1000, seed=42, legacy=True)
    assert (res.b, res.p, res.p_convention, res.reseeded_per_cell) == (0, 0.0, "b_over_n", True)
    assert res.seed == 42 and not res.exact
    modern = pair_signflip_test(base, post, n_perm=1000, seed=42)
    assert (modern.p, modern.p_convention, modern.reseeded_per_cell) == (
        1 / 1001,
        "plus_one",
        False,
    )
    with pytest.raises(ValueError, match="`seed` must be given"):
        pair_signflip_test(base, post, legacy=True)


def test_pair_legacy_is_monte_carlo_even_when_enumeration_is_possible():
    base, post = _diffs(6, 4, shift=0.01)
    res = pair_signflip_test(base, post, n_perm=50, seed=42, legacy=True)
    assert not res.exact and res.n_perm == 50


def test_pair_many_legacy_reuses_the_seed_for_every_cell():
    d = np.stack([np.subtract(*_diffs(s, 66, 0.0005)[::-1]) for s in range(5)])
    many = pair_signflip_test_many(d, n_perm=2000, seed=42, legacy=True, alternative="two-sided")
    for row, res in zip(d, many, strict=True):
        single = pair_signflip_test(
            np.zeros(66), row, n_perm=2000, seed=42, legacy=True, alternative="two-sided"
        )
        assert res == single


def test_pair_many_modern_gives_each_cell_its_own_recorded_seed():
    d = np.stack([np.subtract(*_diffs(s, 66, 0.0005)[::-1]) for s in range(4)])
    many = pair_signflip_test_many(d, n_perm=1500, seed=100)
    assert [r.seed for r in many] == [100, 101, 102, 103]
    for row, res in zip(d, many, strict=True):
        assert res == pair_signflip_test(np.zeros(66), row, n_perm=1500, seed=res.seed)


def test_seed_none_is_recorded_and_reproduces_the_result():
    base, post = _diffs(8, 66, 0.0005)
    first = pair_signflip_test(base, post, n_perm=500)
    assert isinstance(first.seed, int)
    assert pair_signflip_test(base, post, n_perm=500, seed=first.seed) == first


def test_exact_results_draw_nothing_and_record_the_seed_as_given():
    base, post = _diffs(9, 6, 0.01)
    assert pair_signflip_test(base, post, n_perm=100).seed is None
    assert pair_signflip_test(base, post, n_perm=100, seed=7).seed == 7
    assert persona_test(*_centroid_pair(0, 5)).seed is None
    assert question_test(*_vector_pair(0, n_questions=4), n_perm=100).seed is None


# --------------------------------------------------------------------------- persona test
def _brute_persona_b(base, post, patterns, alternative):
    observed = brute_m1(post) - brute_m1(base)
    b = 0
    for s in patterns:
        swap = s.astype(bool)[:, None]
        stat = brute_m1(np.where(swap, base, post)) - brute_m1(np.where(swap, post, base))
        b += is_extreme(stat, observed, alternative)
    return observed, b


def _centroid_pair(seed, n_personas, dim=6):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n_personas, dim)) + 0.5
    return base, base + rng.normal(0.0, 0.6, size=(n_personas, dim)) + 0.1


@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_persona_monte_carlo_b_equals_brute_force_with_same_draws(alternative):
    base, post = _centroid_pair(1, 9)
    n_perm, seed = 300, 9  # 300 < 2**9 - 1: Monte Carlo
    res = persona_test(base, post, n_perm=n_perm, alternative=alternative, seed=seed)
    observed, b = _brute_persona_b(base, post, drawn_patterns(seed, n_perm, 9), alternative)
    assert not res.exact
    assert res.b == b and res.p == (b + 1) / (n_perm + 1)
    assert res.statistic == pytest.approx(observed, abs=1e-13)


@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_persona_exact_enumeration_equals_brute_force(alternative):
    base, post = _centroid_pair(2, 6)
    res = persona_test(base, post, n_perm=10000, alternative=alternative, seed=0)
    _, b = _brute_persona_b(base, post, all_patterns(6), alternative)
    assert res.exact and res.n_perm == 63
    assert res.b == b and res.p == (b + 1) / 64


def test_persona_default_is_exact_for_twelve_personas():
    base, post = _centroid_pair(3, 12, dim=16)
    res = persona_test(base, post)
    assert res.exact and res.n_perm == 4095 and res.kind == "persona"


# --------------------------------------------------------------------------- question test
def _brute_question_b(base, post, patterns, alternative):
    observed = brute_m1(post.mean(axis=1)) - brute_m1(base.mean(axis=1))
    b = 0
    for s in patterns:
        swap = s.astype(bool)[None, :, None]
        new_base = np.where(swap, post, base).mean(axis=1)
        new_post = np.where(swap, base, post).mean(axis=1)
        b += is_extreme(brute_m1(new_post) - brute_m1(new_base), observed, alternative)
    return observed, b


def _vector_pair(seed, n_personas=4, n_questions=12, dim=5, effect=0.3):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n_personas, n_questions, dim)) + 0.4
    return base, base + rng.normal(size=base.shape) * 0.8 + effect


@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_question_monte_carlo_b_equals_brute_force_with_same_draws(alternative):
    base, post = _vector_pair(4, effect=0.05)
    n_perm, seed = 250, 21
    res = question_test(base, post, n_perm=n_perm, alternative=alternative, seed=seed)
    observed, b = _brute_question_b(base, post, drawn_patterns(seed, n_perm, 12), alternative)
    assert not res.exact
    assert res.b == b and res.p == (b + 1) / (n_perm + 1)
    assert res.statistic == pytest.approx(observed, abs=1e-13)


def test_question_exact_enumeration_equals_brute_force():
    base, post = _vector_pair(5, n_questions=5, effect=0.1)
    res = question_test(base, post, n_perm=100, alternative="two-sided", seed=0)
    _, b = _brute_question_b(base, post, all_patterns(5), "two-sided")
    assert res.exact and res.n_perm == 31 and res.b == b


def test_question_result_does_not_depend_on_batch_size():
    base, post = _vector_pair(6, effect=0.02)
    results = {question_test(base, post, n_perm=400, seed=5, batch_size=k) for k in (1, 7, None)}
    assert len(results) == 1


def test_question_null_is_calibrated_without_an_effect():
    # base and post drawn alike: p-values must not pile up near 0 (a loose uniformity check)
    ps = [
        question_test(*_vector_pair(100 + i, n_questions=16, effect=0.0), n_perm=199, seed=i).p
        for i in range(30)
    ]
    assert sps.kstest(ps, "uniform").pvalue > 0.001


# --------------------------------------------------------------------------- parameter errors
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_perm": 0}, "`n_perm` must be an integer >= 1"),
        ({"n_perm": 10.0}, "`n_perm` must be an integer >= 1"),
        ({"alternative": "bigger"}, "`alternative` must be one of"),
        ({"seed": -1}, "`seed` must be None or an integer >= 0"),
    ],
)
def test_parameter_errors_name_parameter_and_constraint(kwargs, match):
    base, post = _diffs(0, 10)
    with pytest.raises(ValueError, match=match):
        pair_signflip_test(base, post, **kwargs)
    with pytest.raises(ValueError, match=match):
        persona_test(*_centroid_pair(0, 4), **kwargs)


def test_shape_errors_name_both_parameters():
    with pytest.raises(ValueError, match="`base_pairs` and `post_pairs`"):
        pair_signflip_test(np.zeros(5), np.zeros(6))
    with pytest.raises(ValueError, match="`base_vectors` and `post_vectors`"):
        question_test(np.ones((3, 4, 2)), np.ones((3, 5, 2)))
    with pytest.raises(ValueError, match="finite"):
        pair_signflip_test(np.zeros(3), np.array([0.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match="`batch_size`"):
        question_test(*_vector_pair(0), batch_size=0)


# --------------------------------------------------------------------------- properties
@settings(derandomize=True, max_examples=40, deadline=None)
@given(
    d=st.lists(st.floats(-1, 1, allow_nan=False), min_size=1, max_size=40),
    n_perm=st.integers(1, 300),
    alternative=st.sampled_from(ALTERNATIVES),
    seed=st.integers(0, 2**32),
)
def test_plus_one_p_is_never_below_the_floor(d, n_perm, alternative, seed):
    res = pair_signflip_test(
        np.zeros(len(d)), np.array(d), n_perm=n_perm, alternative=alternative, seed=seed
    )
    assert 1 / (res.n_perm + 1) <= res.p <= 1.0
    assert 0 <= res.b <= res.n_perm
    assert res.p == (res.b + 1) / (res.n_perm + 1)


@settings(derandomize=True, max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32), n_personas=st.integers(2, 7), n_perm=st.integers(1, 200))
def test_persona_p_floor_and_sidedness_consistency(seed, n_personas, n_perm):
    base, post = _centroid_pair(seed, n_personas)
    greater = persona_test(base, post, n_perm=n_perm, alternative="greater", seed=seed)
    less = persona_test(base, post, n_perm=n_perm, alternative="less", seed=seed)
    assert greater.p >= 1 / (greater.n_perm + 1)
    # every permutation is >= or <= the observed value (ties count on both sides)
    assert greater.b + less.b >= greater.n_perm


@pytest.mark.parametrize("call", [
    lambda: pair_signflip_test(np.zeros(3), np.zeros(4), n_perm=9, seed=0),
    lambda: persona_test(np.ones((3, 2)), np.ones((4, 2)), n_perm=9, seed=0),
    lambda: question_test(np.ones((3, 2, 2)), np.ones((3, 3, 2)), n_perm=9, seed=0),
])
def test_base_and_post_of_different_shapes_are_refused(call):
    with pytest.raises(ValueError, match="must have the same shape"):
        call()
