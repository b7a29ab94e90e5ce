"""Exact ties count as ties in every permutation test (also when T_obs = 0 and in 1-D).

The references enumerate every pattern in exact rational arithmetic (``fractions.Fraction``;
in one dimension a cosine is the product of two signs), so a tie here is an exact equality,
not a tolerance.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from personageo.stats import pair_signflip_test, persona_test, question_test

ALTERNATIVES = ["greater", "less", "two-sided"]


def _exact_b(stats: list[Fraction], observed: Fraction, alternative: str) -> int:
    if alternative == "greater":
        return sum(t >= observed for t in stats)
    if alternative == "less":
        return sum(t <= observed for t in stats)
    return sum(abs(t) >= abs(observed) for t in stats)


def _patterns(n: int):
    return [s for s in itertools.product((0, 1), repeat=n) if any(s)]


def _m1_signs(centroids: list[Fraction]) -> Fraction:
    """M1 of one-dimensional centroids: each cosine is sign(a) * sign(b), exactly."""
    sign = [1 if c > 0 else -1 for c in centroids]
    pairs = [(i, j) for i in range(len(sign)) for j in range(i + 1, len(sign))]
    return Fraction(sum(sign[i] * sign[j] for i, j in pairs), len(pairs))


# --------------------------------------------------------------------------- pair sign flip
@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("d", [
    ["0.1", "-0.1", "0.3", "0.2", "-0.5"],     # T_obs = 0, decimal (inexact in binary) values
    ["0.1", "0.1", "0.2", "0", "-0.3"],        # T_obs = 0.02 with zeros and duplicates
    ["0.25", "-0.25", "0.5", "-0.5", "0", "0"],
    ["0", "0", "0"],                           # every pattern is a tie: p = 1
])
def test_pair_ties_equal_exact_enumeration(d, alternative):
    exact = [Fraction(x) for x in d]
    n = len(exact)
    observed = sum(exact) / n
    stats = [sum(-x if f else x for x, f in zip(exact, s, strict=True)) / n for s in _patterns(n)]
    res = pair_signflip_test(np.zeros(n), np.array([float(x) for x in d]), n_perm=10**6,
                             alternative=alternative)
    assert res.exact and res.b == _exact_b(stats, observed, alternative)


# --------------------------------------------------------------------------- persona test, 1-D
def _persona_1d(seed: int, n_personas: int):
    rng = np.random.default_rng(seed)
    base = rng.choice([-3.0, -1.0, 2.0, 5.0], size=(n_personas, 1))
    post = rng.choice([-2.0, 1.0, 4.0], size=(n_personas, 1))
    return base, post


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("seed", range(6))
def test_persona_1d_ties_equal_exact_enumeration(seed, alternative):
    base, post = _persona_1d(seed, 5)
    fb, fp = [Fraction(x) for x in base[:, 0]], [Fraction(x) for x in post[:, 0]]
    observed = _m1_signs(fp) - _m1_signs(fb)
    stats = []
    for s in _patterns(5):
        nb = [p if f else b for b, p, f in zip(fb, fp, s, strict=True)]
        npost = [b if f else p for b, p, f in zip(fb, fp, s, strict=True)]
        stats.append(_m1_signs(npost) - _m1_signs(nb))
    res = persona_test(base, post, alternative=alternative)
    assert res.exact and res.b == _exact_b(stats, observed, alternative)


# --------------------------------------------------------------------------- question test, 1-D
def _question_1d(seed: int, n_personas: int, n_questions: int):
    """Half-integer values and an odd number of questions: no centroid can be 0."""
    rng = np.random.default_rng(seed)
    base = rng.integers(-3, 4, size=(n_personas, n_questions, 1)) + 0.5
    post = rng.integers(-3, 4, size=(n_personas, n_questions, 1)) + 0.5
    return base, post


def _question_1d_exact(base, post, alternative):
    fb = [[Fraction(x) for x in row[:, 0]] for row in base]
    fp = [[Fraction(x) for x in row[:, 0]] for row in post]

    def stat(s):
        rows = list(zip(fb, fp, strict=True))
        nb = [sum(p if f else b for b, p, f in zip(rb, rp, s, strict=True)) for rb, rp in rows]
        npost = [sum(b if f else p for b, p, f in zip(rb, rp, s, strict=True)) for rb, rp in rows]
        return _m1_signs(npost) - _m1_signs(nb)

    n_q = base.shape[1]
    observed = stat((0,) * n_q)
    return _exact_b([stat(s) for s in _patterns(n_q)], observed, alternative), observed


@pytest.mark.parametrize("backend", ["float64", "float32"])
@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("seed", range(6))
def test_question_1d_ties_equal_exact_enumeration(seed, alternative, backend):
    base, post = _question_1d(seed, 4, 5)
    b, _ = _question_1d_exact(base, post, alternative)
    res = question_test(base, post, n_perm=100, alternative=alternative, backend=backend)
    assert res.exact and res.b == b


def test_question_1d_every_pattern_tied_gives_p_one():
    # all values positive: every centroid stays positive, every cosine is 1, T = T_obs = 0
    rng = np.random.default_rng(3)
    base = rng.uniform(0.5, 2.0, size=(4, 4, 1))
    post = rng.uniform(0.1, 3.0, size=(4, 4, 1))
    for alternative in ALTERNATIVES:
        for backend in ("float64", "float32"):
            res = question_test(base, post, n_perm=100, alternative=alternative, backend=backend)
            assert res.exact and res.statistic == 0.0 and res.p == 1.0


@pytest.mark.parametrize("backend", ["float64", "float32"])
@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_question_identical_checkpoints_give_p_one(alternative, backend):
    base = np.random.default_rng(4).normal(size=(5, 30, 7))
    res = question_test(base, base.copy(), n_perm=500, alternative=alternative, seed=1,
                        backend=backend)
    assert res.statistic == 0.0 and res.b == 500 and res.p == 1.0
