"""p floors and the smallest attainable adjusted p, against real test runs and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from personageo.stats import (
    p_floor,
    pair_signflip_test,
    persona_test,
    question_test,
    smallest_adjusted_p,
)
from tests.stats.stats_helpers import BRUTE_CORRECTIONS


@pytest.mark.parametrize("alternative", ["greater", "two-sided"])
def test_floor_is_what_an_overwhelming_effect_gets(alternative):
    rng = np.random.default_rng(0)
    base = rng.normal(size=(12, 32))  # cosines near 0
    post = base + 50.0 * rng.normal(size=32)  # every persona pulled far along one direction
    exact = persona_test(base, post, alternative="two-sided")
    assert exact.exact and exact.p == p_floor(exact.n_perm, exact=True, alternative="two-sided")
    vectors = rng.normal(size=(6, 40, 8))
    mc = question_test(vectors, vectors + 40.0, n_perm=500, seed=1, alternative=alternative)
    assert mc.p == p_floor(500, alternative=alternative)
    legacy = pair_signflip_test(np.zeros(66), np.full(66, 0.1), n_perm=300, seed=42, legacy=True)
    assert legacy.p == p_floor(300, p_convention="b_over_n") == 0.0


def test_issue_examples():
    # the exact two-sided persona test (12 personas) under Holm over 40 cells
    assert smallest_adjusted_p([p_floor(4095, exact=True, alternative="two-sided")] * 40,
                               "holm") == pytest.approx(80 / 4096)
    # n_perm 2000 under Bonferroni over 40 cells
    assert smallest_adjusted_p([p_floor(2000)] * 40, "bonferroni") == pytest.approx(40 / 2001)
    assert smallest_adjusted_p([p_floor(2000)] * 40, "bh") == pytest.approx(1 / 2001)


@pytest.mark.parametrize("method", ["bh", "holm", "bonferroni", "none", "bh_running_max"])
def test_smallest_adjusted_p_is_the_minimum_over_all_attainable_p(method):
    # brute force: every family of 3 cells whose p-values lie on their permutation grids, each
    # adjusted by the correction's definition (statsmodels' Holm runs gc.collect() on every
    # call: 1000 calls took 200-400 s on the loaded 2-core machine)
    n_perms = [9, 19, 4]
    grids = [[(b + 1) / (n + 1) for b in range(n + 1)] for n in n_perms]
    adjust = BRUTE_CORRECTIONS[method]
    best = min(np.min(adjust(list(ps))) for ps in itertools.product(*grids))
    floors = [p_floor(n) for n in n_perms]
    assert smallest_adjusted_p(floors, method) == pytest.approx(best, rel=1e-12)
