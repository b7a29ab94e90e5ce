"""Question bootstrap: equal to a brute-force loop, and its intervals cover at their level."""

from __future__ import annotations

import numpy as np
import pytest

from personageo.stats.bootstrap import (
    draw_questions,
    m1_replicates,
    percentile_interval,
    ratio_replicates,
    seed_mean_replicates,
)


def loop_m1(vectors: np.ndarray, questions) -> float:
    """M1 of the centroids of the listed questions, by explicit loops."""
    n_personas = vectors.shape[0]
    cents = [np.mean([vectors[p, q] for q in questions], axis=0) for p in range(n_personas)]
    cos = []
    for i in range(n_personas):
        for j in range(i + 1, n_personas):
            cos.append(cents[i] @ cents[j] / np.linalg.norm(cents[i]) / np.linalg.norm(cents[j]))
    return float(np.mean(cos))


@pytest.mark.parametrize("shape", [(2, 3, 4), (4, 7, 5), (5, 11, 3)])
def test_replicates_equal_a_brute_force_loop(shape):
    rng = np.random.default_rng(sum(shape))
    vectors = rng.normal(size=shape) + 0.5
    idx = draw_questions(np.random.default_rng(1), 40, shape[1])
    got = m1_replicates(vectors, idx)
    want = [loop_m1(vectors, row) for row in idx]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_chunking_does_not_change_the_result_beyond_rounding(monkeypatch):
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(3, 9, 4))
    idx = draw_questions(rng, 25, 9)
    whole = m1_replicates(vectors, idx)
    import personageo.stats.bootstrap as bs
    monkeypatch.setattr(bs, "CHUNK_BYTES", 8 * 3 * 4 * 2)  # 2 replicates per chunk
    np.testing.assert_allclose(m1_replicates(vectors, idx), whole, rtol=0, atol=1e-14)


def test_seed_level_equals_a_loop_over_drawn_seeds():
    per_seed = np.random.default_rng(0).normal(size=(3, 50))
    got = seed_mean_replicates(per_seed, np.random.default_rng(7))
    rng = np.random.default_rng(7)
    draws = rng.integers(0, 3, size=(50, 3))
    want = [np.mean([per_seed[s, b] for s in draws[b]]) for b in range(50)]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(seed_mean_replicates(per_seed[:1], rng), per_seed[0])


def test_percentile_interval_is_numpy_quantile_and_drops_undefined():
    reps = np.arange(101.0)
    assert percentile_interval(reps, 0.9) == pytest.approx((5.0, 95.0), abs=1e-12)
    ratios = ratio_replicates(np.ones(4), np.array([1.0, 2.0, 0.0, 4.0]))
    assert np.isnan(ratios[2]) and ratios[3] == 0.25
    assert percentile_interval(ratios, 0.5) == tuple(np.quantile([1, 0.5, 0.25], [0.25, 0.75]))
    assert percentile_interval(ratio_replicates(np.ones(3), np.array([0.0, 0.0, 1.0]))) is None
    with pytest.raises(ValueError, match="level"):
        percentile_interval(reps, 1.0)


def _simulate(rng, mu_base, mu_post, n_questions, noise):
    """Per-question vectors: persona mean + a question effect shared by every persona and by
    base and post (the correlation the joint resampling must keep) + independent noise."""
    n_personas, dim = mu_base.shape
    question = rng.normal(scale=noise, size=(1, n_questions, dim))
    base = mu_base[:, None] + question + rng.normal(scale=noise, size=(n_personas, n_questions, dim))
    post = mu_post[:, None] + question + rng.normal(scale=noise, size=(n_personas, n_questions, dim))
    return base, post


def test_delta_interval_covers_the_population_delta_near_nominal():
    """200 simulated data sets x 300 resamples, fixed seeds: the 90 % percentile interval of
    M1(post) - M1(base) covers the population value (M1 of the persona means) about 90 % of the
    time. Binomial sd of the rate is 0.021, so [0.84, 0.96] is roughly +-3 sd."""
    rng = np.random.default_rng(2026)
    n_personas, dim, n_questions = 4, 6, 60
    mu_base = rng.normal(size=(n_personas, dim))
    mu_post = mu_base + 0.4 * np.ones(dim)
    from personageo.stats import m1

    truth = m1(mu_post) - m1(mu_base)
    hits, joint_width, indep_width = 0, [], []
    for _ in range(200):
        base, post = _simulate(rng, mu_base, mu_post, n_questions, noise=0.35)
        idx = draw_questions(rng, 300, n_questions)
        reps = m1_replicates(post, idx) - m1_replicates(base, idx)
        low, high = percentile_interval(reps, 0.90)
        hits += low <= truth <= high
        joint_width.append(high - low)
        other = draw_questions(rng, 300, n_questions)
        lo2, hi2 = percentile_interval(m1_replicates(post, other) - m1_replicates(base, idx), 0.9)
        indep_width.append(hi2 - lo2)
    assert 0.84 <= hits / 200 <= 0.96
    # resampling base and post independently ignores the shared question effect: wider
    assert np.mean(indep_width) > 1.1 * np.mean(joint_width)


def test_float32_resampling_agrees_with_float64():
    rng = np.random.default_rng(5)
    vectors = (rng.normal(size=(6, 50, 64)) + 0.3).astype(np.float32)
    idx = draw_questions(rng, 200, 50)
    r64 = m1_replicates(vectors, idx, dtype=np.float64)
    r32 = m1_replicates(vectors, idx, dtype=np.float32)
    np.testing.assert_allclose(r32, r64, rtol=0, atol=1e-6)
    want = [loop_m1(vectors.astype(np.float64), row) for row in idx[:20]]
    np.testing.assert_allclose(r64[:20], want, rtol=0, atol=1e-12)


def test_large_inputs_resample_in_float32_by_default(monkeypatch):
    import personageo.stats.bootstrap as bs

    rng = np.random.default_rng(6)
    vectors = rng.normal(size=(3, 10, 8)) + 0.5
    idx = draw_questions(rng, 30, 10)
    monkeypatch.setattr(bs, "FLOAT32_FROM", 10)
    np.testing.assert_array_equal(m1_replicates(vectors, idx),
                                  m1_replicates(vectors, idx, dtype=np.float32))


@pytest.mark.parametrize("dtype, atol", [(np.float64, 1e-12), (np.float32, 1e-6)])
def test_torch_resampling_on_the_cpu_equals_the_loop(monkeypatch, dtype, atol):
    """The torch path's code, run by CPU torch (a CUDA machine runs it on the GPU), in chunks."""
    pytest.importorskip("torch")
    import personageo.stats.bootstrap as bs

    rng = np.random.default_rng(7)
    vectors = (rng.normal(size=(4, 12, 6)) + 0.4).astype(dtype)
    idx = draw_questions(rng, 25, 12)
    monkeypatch.setattr(bs, "CHUNK_BYTES", 8 * 4 * 6 * 3)  # 8x this / row bytes = 3 per chunk
    got = m1_replicates(vectors, idx, device="cpu")
    want = [loop_m1(vectors.astype(np.float64), row) for row in idx]
    np.testing.assert_allclose(got, want, rtol=0, atol=atol)


def test_torch_resampling_refuses_a_zero_centroid():
    pytest.importorskip("torch")
    vectors = np.ones((2, 3, 2))
    vectors[0] = 0.0
    with pytest.raises(ValueError, match="zero centroid"):
        m1_replicates(vectors, np.array([[0, 1, 2]]), device="cpu")


@pytest.mark.parametrize("device", [None, "cpu"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_vectors_are_refused_on_every_path(device, bad):
    if device:
        pytest.importorskip("torch")
    vectors = np.ones((2, 3, 2)) + np.arange(2)[:, None, None]
    vectors[1, 2, 0] = bad
    with pytest.raises(ValueError, match="only finite numbers"):
        m1_replicates(vectors, np.array([[0, 1, 1]]), device=device)
    huge = np.full((2, 3, 2), 1e308)  # finite, but its sum overflows: not refused
    assert m1_replicates(huge, np.array([[0, 1, 2]]), dtype=np.float64).shape == (1,)
